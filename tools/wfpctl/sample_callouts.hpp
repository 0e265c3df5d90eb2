// The sample callouts under callouts/, registered as built-in plugins so a
// policy can name them ("plugin": "flow-monitor").
#pragma once

#include <string>

#include "plugin/registry.hpp"

namespace wfpctl {

// Adds every sample callout built into this program. False with `why` when
// one cannot be added.
bool register_sample_callouts(openwfp::plugin::PluginRegistry& registry, std::string* why);

}  // namespace wfpctl
