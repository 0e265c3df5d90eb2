// Instantiates the plugins a policy names and registers their run-time
// callouts with an engine.
//
// One instance per policy callout *name* that has a "plugin"; its run-time
// callout is registered once per Callout object of that name (one per layer
// the callout is used at, each with its own key). The instance is found on
// the data path from the callout id (openwfp_plugin_host.instance_for_callout),
// through a table indexed by callout id and sized by
// EngineOptions::maxCallouts.
//
// Loading is all or nothing: on any failure, whatever was registered is
// unregistered and every instance created is destroyed. Unloading (or
// destruction) unregisters every callout and destroys each instance once
// none of its callouts is registered any more.
//
// Order: load before applying the policy's filters so that each callout's
// notifyFn is told about them (FWPS_CALLOUT_NOTIFY_ADD_FILTER), as a WFP
// driver registers its callouts before the filters that use them are added.
// Loading after works too; the callouts are then not told of the filters that
// already exist.
//
// Data-path threads must not be classifying while unload() runs: the engine
// stops calling an unregistered callout, but does not wait for calls already
// under way before unload() destroys their instance.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "openwfp/engine.hpp"
#include "openwfp/policy.hpp"
#include "plugin/host_table.hpp"
#include "plugin/registry.hpp"

namespace openwfp::plugin {

// A callout that unload() could not unregister; its instance stays alive.
struct UnloadFailure {
  std::string callout;  // the policy callout name
  Guid calloutKey;
  uint32_t calloutId = 0;
  Status status = Status::SUCCESS;  // DEVICE_BUSY: flows still hold contexts of it
};

struct UnloadResult {
  std::vector<UnloadFailure> stillRegistered;
  bool complete() const noexcept { return stillRegistered.empty(); }
  // "" when complete; otherwise one clause per callout left registered.
  std::string to_string() const;
};

// One plugin instance and the run-time callouts it serves.
struct PluginInstance {
  std::string name;  // the policy callout name
  std::shared_ptr<const LoadedPlugin> plugin;
  void* instance = nullptr;
  struct Registered {
    Guid calloutKey;
    LayerId layer = 0;
    uint32_t calloutId = 0;
  };
  std::vector<Registered> callouts;  // currently registered with the engine
};

class CalloutHost {
 public:
  // The engine must outlive the host; the registry is used only by load().
  CalloutHost(Engine& engine, PluginRegistry& registry);
  // unload(). Callouts the engine refuses to unregister are left registered,
  // with their instances and code kept alive for good, and logged.
  ~CalloutHost();
  CalloutHost(const CalloutHost&) = delete;
  CalloutHost& operator=(const CalloutHost&) = delete;

  // Creates the instances of `policy`'s plugin callouts and registers them.
  // A plugin is a built-in name, or a shared object path (containing '/' or
  // ending in ".so"; relative to the policy file's folder). On failure
  // nothing stays registered and `error` names the policy file, the callout
  // and the problem. A host loads one policy; unload() before loading again.
  bool load(const policy::Policy& policy, policy::PolicyError* error);

  // Unregisters every callout and destroys the instances. Callouts the engine
  // refuses to unregister stay registered with their instance (call again
  // later); the result lists them.
  UnloadResult unload();

  // The instance serving a callout id (as the plugins see it), or nullptr.
  void* instance_for_callout(uint32_t calloutId) const noexcept {
    return table_ != nullptr ? table_->get(calloutId) : nullptr;
  }
  // The id of the callout `instance` serves at `layerId`, or 0 (as the
  // plugins see it: openwfp_plugin_host.callout_id_for_layer).
  uint32_t callout_id_for_layer(const void* instance, LayerId layerId) const noexcept {
    return table_ != nullptr ? table_->callout_id_for_layer(instance, layerId) : 0;
  }
  const std::vector<std::unique_ptr<PluginInstance>>& instances() const noexcept { return instances_; }

 private:
  bool load_callout(const policy::Policy& policy, const std::string& name, const std::vector<const Callout*>& objects,
                    policy::PolicyError* error);
  void release_table_if_empty() noexcept;

  Engine& engine_;
  PluginRegistry& registry_;
  std::unique_ptr<InstanceTable> table_;  // bound while instances_ is not empty
  std::vector<std::unique_ptr<PluginInstance>> instances_;
};

// Where a shared object named by a policy is: an absolute path as written, a
// relative one against the folder of the policy file.
std::string resolve_plugin_path(const std::string& plugin, const std::string& policyFile);

}  // namespace openwfp::plugin
