// The inspect sample callout as a plugin (openwfp/plugin.h): pends each
// connection at ALE_AUTH_CONNECT / ALE_AUTH_RECV_ACCEPT, decides it on the
// reauthorization, and takes every packet of a permitted flow out of the
// path at the transport layers to re-inject it from a DPC. See README.md.
#pragma once

#include "openwfp/plugin.h"

namespace openwfp::callouts::inspect {

// The descriptor, named "inspect"; add it with PluginRegistry::add_builtin.
const openwfp_plugin* inspect_plugin() noexcept;

}  // namespace openwfp::callouts::inspect
