// The dpi-block sample callout as a plugin (openwfp/plugin.h): drops a TCP
// connection as soon as either direction's bytes match one of its
// Hyperscan patterns. See README.md.
#pragma once

#include "openwfp/plugin.h"

namespace openwfp::callouts::dpi {

// The descriptor, named "dpi-block"; add it with PluginRegistry::add_builtin.
const openwfp_plugin* dpi_block_plugin() noexcept;

}  // namespace openwfp::callouts::dpi
