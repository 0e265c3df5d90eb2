// The flow-monitor callout's options, a JSON text:
//   { "report": "PATH", "max_flows"?: N }
// "comment" and "description" are accepted and ignored, as in policies.
#pragma once

#include <cstdint>
#include <string>

namespace openwfp::callouts::flow_monitor {

// The largest pool accepted: every record is allocated when the callout is
// created, so the bound keeps a typo from costing gigabytes.
inline constexpr uint32_t kMaxFlowsLimit = 1u << 20;

struct Options {
  std::string report;        // the JSON-lines file, one line per flow that ends
  uint32_t maxFlows = 4096;  // flows monitored at once (the record pool)
};

// Parses and checks the options. On error returns false and sets `error` to
// "<json path>: <problem>" ("/max_flows: must be in 1..1048576, not 0"); a
// problem with the text itself has the path "/". *options is changed only on
// success.
bool parse_options(const std::string& json, Options* options, std::string* error);

}  // namespace openwfp::callouts::flow_monitor
