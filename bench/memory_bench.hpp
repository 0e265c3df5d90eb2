// openwfp-bench memory: bytes per flow entry and per filter, measured.
#pragma once

#include <CLI/CLI.hpp>

namespace bench {
void add_memory_command(CLI::App& app, int* status);
}
