// A generated policy for the stack benchmarks: `n` filters that never match
// their generated traffic (the worst case for a scan), 90% at the ALE layers,
// the rest at packet layers.
#pragma once

#include <cstdint>

#include "openwfp/engine.hpp"

namespace bench {
void add_filters(openwfp::Engine& engine, uint32_t n);
}
