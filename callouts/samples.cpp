#include "samples.hpp"

// Each sample callout that was built (callouts/; a callout may skip itself
// when its dependencies are missing) is linked in with a definition naming
// it: see callouts/CMakeLists.txt.
#ifdef OPENWFP_SAMPLE_FLOW_MONITOR
#include "flow-monitor/plugin.hpp"
#endif
#ifdef OPENWFP_SAMPLE_DPI_BLOCK
#include "dpi-block/plugin.hpp"
#endif
#ifdef OPENWFP_SAMPLE_INSPECT
#include "inspect/plugin.hpp"
#endif
#ifdef OPENWFP_SAMPLE_DD_PROXY
#include "dd-proxy/plugin.hpp"
#endif
#ifdef OPENWFP_SAMPLE_STREAM_EDIT
#include "stream-edit/plugin.hpp"
#endif

namespace openwfp::callouts {

bool register_sample_callouts(openwfp::plugin::PluginRegistry& registry, std::string* why) {
  const openwfp_plugin* samples[] = {
#ifdef OPENWFP_SAMPLE_FLOW_MONITOR
      openwfp::callouts::flow_monitor::flow_monitor_plugin(),
#endif
#ifdef OPENWFP_SAMPLE_DPI_BLOCK
      openwfp::callouts::dpi::dpi_block_plugin(),
#endif
#ifdef OPENWFP_SAMPLE_INSPECT
      openwfp::callouts::inspect::inspect_plugin(),
#endif
#ifdef OPENWFP_SAMPLE_DD_PROXY
      openwfp::callouts::dd_proxy::dd_proxy_plugin(),
#endif
#ifdef OPENWFP_SAMPLE_STREAM_EDIT
      openwfp::callouts::stream_edit::stream_edit_plugin(),
#endif
      nullptr,  // keeps the list valid when no sample was built
  };
  for (const openwfp_plugin* plugin : samples) {
    if (plugin != nullptr && registry.add_builtin(plugin, why) != openwfp::Status::SUCCESS) return false;
  }
  return true;
}

}  // namespace openwfp::callouts
