// openwfp-bench classify: a ClassBench rule set and trace through openwfp
// (the whole engine and the layer's classifier alone) and through peers in
// the same run.
#pragma once

#include <CLI/CLI.hpp>

namespace bench {
void add_classify_command(CLI::App& app, int* status);
}
