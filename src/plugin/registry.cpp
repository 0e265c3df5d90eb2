#include "plugin/registry.hpp"

#include <algorithm>
#include <cstring>

namespace openwfp::plugin {
namespace {

// The descriptor as this host reads it: the plugin's bytes, and zero for any
// member appended after the plugin was built.
openwfp_plugin normalise(const openwfp_plugin* plugin) {
  openwfp_plugin copy{};
  std::memcpy(&copy, plugin, std::min<size_t>(plugin->struct_size, sizeof copy));
  return copy;
}

}  // namespace

std::shared_ptr<const LoadedPlugin> make_loaded_plugin(const openwfp_plugin* plugin, std::string source,
                                                       std::shared_ptr<void> library) {
  auto loaded = std::make_shared<LoadedPlugin>();
  loaded->descriptor = normalise(plugin);
  loaded->name = plugin->name;
  loaded->description = plugin->description != nullptr ? plugin->description : "";
  loaded->source = std::move(source);
  loaded->library = std::move(library);
  return loaded;
}

bool names_shared_object(std::string_view plugin) noexcept {
  return plugin.find('/') != std::string_view::npos || plugin.ends_with(".so");
}

Status check_descriptor(const openwfp_plugin* plugin, std::string_view origin, std::string* why) {
  auto fail = [&](Status s, const std::string& message) {
    if (why != nullptr) *why = std::string(origin) + ": " + message;
    return s;
  };
  if (plugin == nullptr) return fail(Status::FWP_NULL_POINTER, "no plugin descriptor");
  if (plugin->abi_version != OPENWFP_PLUGIN_ABI_VERSION) {
    return fail(Status::NOT_SUPPORTED,
                "plugin ABI version " + std::to_string(plugin->abi_version) + ", but this openwfp speaks version " +
                    std::to_string(OPENWFP_PLUGIN_ABI_VERSION) +
                    " (rebuild the plugin against this openwfp's include/openwfp/plugin.h)");
  }
  if (plugin->struct_size < kMinimumPluginSize) {
    return fail(Status::INVALID_PARAMETER, "the plugin descriptor is " + std::to_string(plugin->struct_size) +
                                               " bytes, ABI version " + std::to_string(OPENWFP_PLUGIN_ABI_VERSION) +
                                               " needs at least " + std::to_string(kMinimumPluginSize) +
                                               " (set struct_size to sizeof(struct openwfp_plugin))");
  }
  const openwfp_plugin d = normalise(plugin);
  if (d.name == nullptr || d.name[0] == '\0') return fail(Status::FWP_NULL_DISPLAY_NAME, "the plugin has no name");
  std::string missing;
  auto need = [&](bool present, const char* member) {
    if (!present) missing += (missing.empty() ? "" : ", ") + std::string(member);
  };
  need(d.create != nullptr, "create");
  need(d.destroy != nullptr, "destroy");
  need(d.classify_fn != nullptr, "classify_fn");
  need(d.notify_fn != nullptr, "notify_fn");
  if (!missing.empty()) {
    return fail(Status::FWP_NULL_POINTER, "plugin '" + std::string(d.name) + "' has no " + missing +
                                              " (create, destroy, classify_fn and notify_fn are required)");
  }
  return Status::SUCCESS;
}

PluginRegistry::PluginRegistry() = default;
PluginRegistry::~PluginRegistry() = default;

Status PluginRegistry::add_builtin(const openwfp_plugin* plugin, std::string* why) {
  if (Status s = check_descriptor(plugin, "built-in plugin", why); s != Status::SUCCESS) return s;
  const std::string name = plugin->name;
  if (names_shared_object(name)) {
    if (why != nullptr) *why = "built-in plugin '" + name + "': a built-in name has no '/' and does not end in \".so\"";
    return Status::INVALID_PARAMETER;
  }
  if (builtins_.count(name) != 0) {
    if (why != nullptr) *why = "built-in plugin '" + name + "' is already added";
    return Status::FWP_ALREADY_EXISTS;
  }
  builtins_.emplace(name, make_loaded_plugin(plugin, "built in", nullptr));
  return Status::SUCCESS;
}

std::shared_ptr<const LoadedPlugin> PluginRegistry::find_builtin(std::string_view name) const {
  auto it = builtins_.find(name);
  return it == builtins_.end() ? nullptr : it->second;
}

std::vector<std::string> PluginRegistry::builtin_names() const {
  std::vector<std::string> names;
  for (const auto& [name, plugin] : builtins_) names.push_back(name);
  return names;
}

}  // namespace openwfp::plugin
