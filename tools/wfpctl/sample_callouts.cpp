#include "sample_callouts.hpp"

namespace wfpctl {

bool register_sample_callouts(openwfp::plugin::PluginRegistry& registry, std::string* why) {
  (void)registry;
  (void)why;
  return true;  // each sample callout adds itself here as it lands
}

}  // namespace wfpctl
