// The plugins compiled into openwfp.
#pragma once

#include "openwfp/plugin.h"
#include "plugin/registry.hpp"

namespace openwfp::plugin {

// "verdict": a fixed decision for every packet its filters send it.
// Options: { "action": "PERMIT" | "BLOCK" | "CONTINUE", "clear_right"?: bool }.
// clear_right makes a PERMIT or BLOCK hard (it clears FWPS_RIGHT_ACTION_WRITE).
const openwfp_plugin* verdict_plugin() noexcept;

// Adds every plugin above to `registry`.
Status add_standard_plugins(PluginRegistry& registry, std::string* why = nullptr);

}  // namespace openwfp::plugin
