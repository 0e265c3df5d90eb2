// What the kernel can decide of a generation: the filters of
// ALE_AUTH_CONNECT_V4/V6 and ALE_RESOURCE_ASSIGNMENT_V4/V6 as the flat rule
// lists the cgroup programs evaluate (bpf/authorize_rules.h), with the
// engine's arbitration. A layer is decided in the kernel only when every
// filter there is a plain Permit or Block whose conditions the kernel sees
// at connect, send or bind: IP_PROTOCOL, the remote address and port
// (connect layers) or the local address and port (bind layers),
// ALE_APP_ID (equal to an executable's path) and ALE_USER_ID (users, not
// groups). Any other filter leaves the whole layer to the queue's stack,
// with the reason.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/generation.hpp"
#include "live/bpf/authorize_rules.h"

namespace openwfp::live {

struct AuthorizeLayer {
  bool decided = true;  // the kernel decides this layer
  std::string reason;   // when not: the filter it cannot evaluate
  std::vector<owfp_rule> rules;
};

struct AuthorizeProgram {
  std::array<AuthorizeLayer, OWFP_SLOTS> layers;
  // The executables the rules name: a rule's app i (from 1) is apps[i - 1].
  std::vector<std::string> apps;
};

// The layer a slot stands for (ALE_AUTH_CONNECT_V4 ...).
const LayerInfo& authorize_layer(uint32_t slot);

// Compiles one generation; a layer over `maxRules` rules is left to the queue.
AuthorizeProgram compile_authorization(const engine::Generation& gen, uint32_t maxRules = OWFP_MAX_RULES);

// The kernel's evaluation of one layer (the same code): OWFP_PERMIT or
// OWFP_BLOCK, and the deciding filter (0: none, permitted).
uint32_t evaluate_authorization(const AuthorizeLayer& layer, const owfp_tuple& tuple, uint64_t* filterId);

}  // namespace openwfp::live
