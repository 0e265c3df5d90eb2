#include "plugin/callout_host.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <utility>

#include "openwfp/constants.hpp"
#include "openwfp/layers.hpp"

namespace openwfp::plugin {
namespace {

// The FWP_CALLOUT_FLAG_* a policy may add to a plugin's own.
constexpr uint32_t kRuntimeCalloutFlags = FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW | FWP_CALLOUT_FLAG_ALLOW_OFFLOAD |
                                          FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY |
                                          FWP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION |
                                          FWP_CALLOUT_FLAG_ALLOW_RECLASSIFY;

std::string layer_name(LayerId id) {
  const LayerInfo* layer = find_layer(id);
  return layer != nullptr ? std::string(layer->name) : "layer " + std::to_string(id);
}

std::string name_list(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return list;
}

void set_error(policy::PolicyError* error, const policy::Policy& policy, Status status, std::string message) {
  if (error != nullptr) *error = policy::PolicyError{policy.file, "/callouts", 0, 0, status, std::move(message)};
}

}  // namespace

std::string UnloadResult::to_string() const {
  std::string text;
  for (const UnloadFailure& f : stillRegistered) {
    text += (text.empty() ? "" : "; ") + std::string("callout '") + f.callout + "' (id " + std::to_string(f.calloutId) +
            ", key " + f.calloutKey.to_string() + ") is still registered: " + std::string(status_name(f.status));
  }
  return text;
}

std::string resolve_plugin_path(const std::string& plugin, const std::string& policyFile) {
  if (std::filesystem::path(plugin).is_absolute()) return plugin;
  const std::filesystem::path folder = std::filesystem::path(policyFile).parent_path();
  // "./" keeps a '/' in the path, so the loader never searches the system
  // library directories for it.
  return (folder.empty() ? std::filesystem::path(".") / plugin : folder / plugin).string();
}

CalloutHost::CalloutHost(Engine& engine, PluginRegistry& registry) : engine_(engine), registry_(registry) {}

CalloutHost::~CalloutHost() {
  const UnloadResult left = unload();
  if (left.complete()) return;
  const std::string message = "plugin callouts left registered when their host ended: " + left.to_string() +
                              " (their instances and code are kept)";
  log_message(OPENWFP_LOG_ERROR, message.c_str());
  // The engine may still call these callouts: the table that finds their
  // instances, the instances and the plugin code must all outlive the host.
  static_cast<void>(table_.release());
  for (auto& instance : instances_) static_cast<void>(instance.release());
}

bool CalloutHost::load(const policy::Policy& policy, policy::PolicyError* error) {
  if (!instances_.empty()) {
    set_error(error, policy, Status::INVALID_PARAMETER, "this host already holds plugin callouts: unload() them first");
    return false;
  }
  // The plugin callouts by name, in the order the policy first uses them;
  // each name has one Callout object per layer.
  std::vector<std::pair<std::string, std::vector<const Callout*>>> byName;
  for (const Callout& c : policy.callouts) {
    if (c.plugin.empty()) continue;
    auto it = std::find_if(byName.begin(), byName.end(), [&](const auto& entry) { return entry.first == c.name; });
    if (it == byName.end()) {
      byName.emplace_back(c.name, std::vector<const Callout*>{&c});
    } else {
      it->second.push_back(&c);
    }
  }
  if (byName.empty()) return true;

  table_ = std::make_unique<InstanceTable>(engine_.options().maxCallouts);
  if (!bind_instance_table(table_.get())) {
    table_.reset();
    set_error(error, policy, Status::FWP_IN_USE,
              "the plugin callouts of another host are loaded in this process; a classifyFn carries no context, so "
              "one host's plugin callouts run at a time (unload the other first)");
    return false;
  }
  for (const auto& entry : byName) {
    if (!load_callout(policy, entry.first, entry.second, error)) {
      const UnloadResult left = unload();
      if (!left.complete() && error != nullptr) error->message += "; undoing the load failed: " + left.to_string();
      return false;
    }
  }
  return true;
}

bool CalloutHost::load_callout(const policy::Policy& policy, const std::string& name,
                               const std::vector<const Callout*>& objects, policy::PolicyError* error) {
  const Callout& declared = *objects.front();
  auto fail = [&](Status status, const std::string& message) {
    set_error(error, policy, status, "callout '" + name + "': " + message);
    return false;
  };

  std::shared_ptr<const LoadedPlugin> plugin;
  if (names_shared_object(declared.plugin)) {
    std::string why;
    const std::string path = resolve_plugin_path(declared.plugin, policy.file);
    if (Status s = registry_.load_shared_object(path, &plugin, &why); s != Status::SUCCESS) return fail(s, why);
  } else {
    plugin = registry_.find_builtin(declared.plugin);
    if (plugin == nullptr) {
      return fail(Status::NOT_FOUND, "no plugin named '" + declared.plugin + "' (built in: " +
                                         name_list(registry_.builtin_names()) + ")");
    }
  }

  const openwfp_plugin& d = plugin->descriptor;
  const std::string options = declared.options.empty() ? "{}" : declared.options;
  std::array<char, 1024> reason{};
  void* instance = nullptr;
  openwfp_status created = OPENWFP_STATUS_UNSUCCESSFUL;
  try {
    created = d.create(host_table(), name.c_str(), options.c_str(), &instance, reason.data(), reason.size());
  } catch (...) {
    return fail(Status::UNSUCCESSFUL, "plugin '" + plugin->name + "': create() threw (a plugin reports failure by its status)");
  }
  reason.back() = '\0';
  if (created != OPENWFP_STATUS_SUCCESS) {
    const auto status = static_cast<Status>(created);
    return fail(nt_success(status) ? Status::UNSUCCESSFUL : status,
                "plugin '" + plugin->name + "' did not accept it: " + (reason[0] != '\0' ? reason.data() : "no reason given"));
  }
  if (instance == nullptr) {
    return fail(Status::FWP_NULL_POINTER, "plugin '" + plugin->name + "': create() succeeded without an instance");
  }
  instances_.push_back(std::make_unique<PluginInstance>());
  PluginInstance& owned = *instances_.back();  // from here on unload() undoes the work
  owned.name = name;
  owned.plugin = plugin;
  owned.instance = instance;

  const auto committed = engine_.snapshot();
  for (const Callout* c : objects) {
    CalloutRegistration registration;
    registration.calloutKey = c->calloutKey;
    registration.flags = d.callout_flags | (c->flags & kRuntimeCalloutFlags);
    registration.classifyFn = d.classify_fn;
    registration.notifyFn = d.notify_fn;
    registration.flowDeleteFn = d.flow_delete_fn;
    // When filters already use the callout, its id is known: bind it first,
    // so that the first classifyFn call after registering finds the instance.
    const Callout* existing = committed != nullptr ? committed->find_callout(c->calloutKey) : nullptr;
    const uint32_t known = existing != nullptr ? existing->calloutId : 0;
    if (known != 0) table_->set(known, instance, c->applicableLayer);
    uint32_t id = 0;
    if (Status s = engine_.register_callout(registration, &id); s != Status::SUCCESS) {
      if (known != 0) table_->clear(known);
      return fail(s, "cannot register its run-time callout at " + layer_name(c->applicableLayer) + " (key " +
                         c->calloutKey.to_string() + ")");
    }
    if (known != 0 && known != id) table_->clear(known);
    table_->set(id, instance, c->applicableLayer);
    owned.callouts.push_back(PluginInstance::Registered{c->calloutKey, c->applicableLayer, id});
  }
  return true;
}

UnloadResult CalloutHost::unload() {
  UnloadResult result;
  for (auto it = instances_.rbegin(); it != instances_.rend(); ++it) {
    PluginInstance& owned = **it;
    std::vector<PluginInstance::Registered> left;
    for (const PluginInstance::Registered& r : owned.callouts) {
      const Status s = engine_.unregister_callout_by_id(r.calloutId);
      // Not found: unregistered by someone else; either way the engine no
      // longer calls it.
      if (s == Status::SUCCESS || s == Status::FWP_CALLOUT_NOT_FOUND) {
        table_->clear(r.calloutId);
        continue;
      }
      left.push_back(r);
      result.stillRegistered.push_back(UnloadFailure{owned.name, r.calloutKey, r.calloutId, s});
    }
    owned.callouts = std::move(left);
    if (owned.callouts.empty()) {
      owned.plugin->descriptor.destroy(owned.instance);
      owned.instance = nullptr;
    }
  }
  std::erase_if(instances_, [](const auto& owned) { return owned->instance == nullptr; });
  release_table_if_empty();
  return result;
}

void CalloutHost::release_table_if_empty() noexcept {
  if (!instances_.empty() || table_ == nullptr) return;
  unbind_instance_table(table_.get());
  table_.reset();
}

}  // namespace openwfp::plugin
