// The dd-proxy callout's options, a JSON text:
//   { "from_port": N, "to_address": "A.B.C.D" | "v6", "to_port": N, "max_pending"?: N }
// "comment" and "description" are accepted and ignored, as in policies.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace openwfp::callouts::dd_proxy {

inline constexpr uint32_t kMaxPendingLimit = 1u << 16;

struct Options {
  uint16_t fromPort = 0;               // outbound UDP to this remote port is redirected
  uint8_t ipVersion = 4;               // of to_address: only datagrams of this IP version are redirected
  std::array<uint8_t, 16> toAddress{}; // network order; IPv4 in the first 4 bytes
  uint16_t toPort = 0;
  uint32_t maxPending = 256;           // datagrams waiting for their DPC at once
};

// Parses and checks the options. On error returns false and sets `error` to
// "<json path>: <problem>"; *options is changed only on success.
bool parse_options(const std::string& json, Options* options, std::string* error);

}  // namespace openwfp::callouts::dd_proxy
