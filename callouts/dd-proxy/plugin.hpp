// The dd-proxy sample callout as a plugin (openwfp/plugin.h): outbound UDP
// datagrams to one remote port go to another address and port instead, and
// the replies come back looking as if the original destination sent them.
// See README.md.
#pragma once

#include "openwfp/plugin.h"

namespace openwfp::callouts::dd_proxy {

// The descriptor, named "dd-proxy"; add it with PluginRegistry::add_builtin.
const openwfp_plugin* dd_proxy_plugin() noexcept;

}  // namespace openwfp::callouts::dd_proxy
