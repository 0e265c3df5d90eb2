// The stream-edit sample callout as a plugin (openwfp/plugin.h): replaces a
// byte string with another (of any length) in the TCP streams a STREAM_V4/V6
// filter sends it. See README.md.
#pragma once

#include "openwfp/plugin.h"

namespace openwfp::callouts::stream_edit {

// The descriptor, named "stream-edit"; add it with PluginRegistry::add_builtin.
const openwfp_plugin* stream_edit_plugin() noexcept;

}  // namespace openwfp::callouts::stream_edit
