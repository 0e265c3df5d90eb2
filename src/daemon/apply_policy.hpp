// wfpd --policy: a policy file applied through the service as one
// transaction of a static (non-dynamic) session of root's, the way
// `wfpctl apply` does it over the socket. Objects flagged PERSISTENT are
// persistent; the rest are static (gone when wfpd stops).
#pragma once

#include <string>

#include "daemon/service.hpp"
#include "openwfp/policy.hpp"

namespace openwfp::daemon {

// `policy` as loaded from `path` (policy::load_policy_file). False with
// `error` naming the file, the object's JSON path and the problem; then
// nothing was applied.
bool apply_policy(Service& service, const policy::Policy& policy, const std::string& path, std::string* error);

}  // namespace openwfp::daemon
