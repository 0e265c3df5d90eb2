// daemon.status's data-path members (docs/API.md): the stack's packet and
// verdict counters (replay and live), and "live": the hooks wfpd
// installed, its queues and what passed through them.
#pragma once

#include <nlohmann/json.hpp>

#include "live/live_source.hpp"

namespace openwfp::daemon {

nlohmann::json stack_counters_json(const stack::Counters& counters);
nlohmann::json live_status_json(const live::LiveStatus& status);
// The kernel's connect and bind authorization (wfpd --live --ebpf).
nlohmann::json kernel_authorizer_json(const live::KernelAuthorizerStatus& status);

}  // namespace openwfp::daemon
