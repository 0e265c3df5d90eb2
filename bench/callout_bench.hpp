// openwfp-bench callout: what a classifyFn call costs the engine, with and
// without per-callout timing.
#pragma once

#include <CLI/CLI.hpp>

namespace bench {
void add_callout_command(CLI::App& app, int* status);
}
