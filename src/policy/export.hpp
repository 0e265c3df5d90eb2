// A policy file from an engine's objects: what `wfpctl export` prints and
// `apply` takes back. Every provider, sublayer, callout and filter that is
// not built-in, with its key; references by name as policy files have them;
// persistent objects carry "flags": ["PERSISTENT"] (dynamic and static ones
// come back static, the lifetime a policy file gives).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "openwfp/model.hpp"

namespace openwfp::policy {

// False with `error` when the objects cannot be written as a policy file:
// two providers, sublayers or callouts of one name (policy files refer to
// them by name).
bool export_policy(const engine::Model& model, nlohmann::json* out, std::string* error);

}  // namespace openwfp::policy
