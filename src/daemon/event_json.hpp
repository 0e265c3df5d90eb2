// A net event as JSON, the form of docs/API.md ("Net events and counters"):
// what events.enum answers, subscriptions stream, and the store keeps.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/event_hub.hpp"

namespace openwfp::daemon {

nlohmann::json event_json(const NumberedEvent& event);

}  // namespace openwfp::daemon
