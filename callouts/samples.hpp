// The sample callouts under callouts/ that were built, registered as
// built-in plugins so a policy can name them ("plugin": "flow-monitor");
// wfpctl and wfpd link them in.
#pragma once

#include <string>

#include "plugin/registry.hpp"

namespace openwfp::callouts {

// Adds every sample callout built into this program. False with `why` when
// one cannot be added.
bool register_sample_callouts(openwfp::plugin::PluginRegistry& registry, std::string* why);

}  // namespace openwfp::callouts
