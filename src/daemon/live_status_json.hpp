// daemon.status's "live" member: the hooks wfpd installed, its queues and
// what passed through them (docs/API.md).
#pragma once

#include <nlohmann/json.hpp>

#include "live/live_source.hpp"

namespace openwfp::daemon {

nlohmann::json live_status_json(const live::LiveStatus& status);

}  // namespace openwfp::daemon
