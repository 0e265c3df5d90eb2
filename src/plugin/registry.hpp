// The plugins a host can instantiate: built-ins added in code, and shared
// objects loaded by path. Every descriptor is checked against this host's ABI
// before it is accepted, and every error names where the plugin came from and
// what is wrong with it. Control plane only; not safe for concurrent use.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openwfp/plugin.h"
#include "openwfp/status.hpp"

namespace openwfp::plugin {

// A checked plugin as this host reads it. The descriptor is a copy: members a
// plugin built against an older, smaller struct lacks are zero.
struct LoadedPlugin {
  openwfp_plugin descriptor{};
  std::string name;
  std::string description;
  std::string source;             // "built in", or the shared object's path
  std::shared_ptr<void> library;  // keeps a shared object loaded (dlclose when released); null for built-ins
};

// The smallest descriptor this host accepts: struct openwfp_plugin of ABI
// version 1.
inline constexpr size_t kMinimumPluginSize = offsetof(openwfp_plugin, flow_delete_fn) + sizeof(openwfp_flow_delete_fn);

// Checks a descriptor: ABI version equal to the host's, struct_size large
// enough, a name, and the required functions (create, destroy, classify_fn,
// notify_fn). `origin` starts every error ("built-in plugin", a path).
Status check_descriptor(const openwfp_plugin* plugin, std::string_view origin, std::string* why);

// A LoadedPlugin from a descriptor that passed check_descriptor.
std::shared_ptr<const LoadedPlugin> make_loaded_plugin(const openwfp_plugin* plugin, std::string source,
                                                       std::shared_ptr<void> library);

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // Adds a plugin compiled into the program, found by its name. The name must
  // be new, and must not look like a path (no '/', not ending in ".so").
  Status add_builtin(const openwfp_plugin* plugin, std::string* why = nullptr);

  // Opens a shared object, calls its openwfp_plugin_entry and checks the
  // descriptor. A path loaded before gives the same plugin again. Errors name
  // the file: no such file, not loadable, no entry symbol, no descriptor,
  // wrong ABI version, descriptor too small, functions missing.
  Status load_shared_object(const std::string& path, std::shared_ptr<const LoadedPlugin>* out = nullptr,
                            std::string* why = nullptr);

  // nullptr when no built-in has that name.
  std::shared_ptr<const LoadedPlugin> find_builtin(std::string_view name) const;
  // Built-in names, sorted.
  std::vector<std::string> builtin_names() const;

 private:
  std::map<std::string, std::shared_ptr<const LoadedPlugin>, std::less<>> builtins_;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>> sharedObjects_;  // by path as given
};

// A plugin reference as a policy writes it names a shared object when it
// contains '/' or ends in ".so"; anything else is a built-in name.
bool names_shared_object(std::string_view plugin) noexcept;

}  // namespace openwfp::plugin
