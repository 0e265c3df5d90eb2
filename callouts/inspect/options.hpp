// The inspect callout's options, a JSON text:
//   { "block_remote_port"?: N, "max_pending"?: N }
// "comment" and "description" are accepted and ignored, as in policies.
#pragma once

#include <cstdint>
#include <string>

namespace openwfp::callouts::inspect {

// Every pending record (and the packet pool behind it) is allocated when the
// callout is created: the bound keeps a typo from costing gigabytes.
inline constexpr uint32_t kMaxPendingLimit = 1u << 16;

struct Options {
  bool blockRemotePort = false;
  uint16_t remotePort = 0;     // connections to this remote port are blocked on reauthorization
  uint32_t maxPending = 256;   // operations and packets held at once (pends plus packets waiting for their DPC)
};

// Parses and checks the options. On error returns false and sets `error` to
// "<json path>: <problem>"; *options is changed only on success.
bool parse_options(const std::string& json, Options* options, std::string* error);

}  // namespace openwfp::callouts::inspect
