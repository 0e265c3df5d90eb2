// `wfpctl completion bash`: a completion script made from the command
// line's own definition (every subcommand and option), so it never lags
// behind it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace wfpctl {

std::string bash_completion(const CLI::App& app);

}  // namespace wfpctl
