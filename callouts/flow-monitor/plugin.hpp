// The flow-monitor sample callout as a plugin (openwfp/plugin.h): counts
// each TCP flow's bytes per direction at the STREAM layer and writes one
// JSON line per flow when it ends. See README.md.
#pragma once

#include "openwfp/plugin.h"

namespace openwfp::callouts::flow_monitor {

// The descriptor, named "flow-monitor"; add it with
// PluginRegistry::add_builtin. It needs a host table with
// callout_id_for_layer (create() refuses an older host).
const openwfp_plugin* flow_monitor_plugin() noexcept;

}  // namespace openwfp::callouts::flow_monitor
