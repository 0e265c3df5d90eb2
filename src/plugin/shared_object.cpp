// PluginRegistry::load_shared_object: dlopen, the entry symbol, the checks.
#include <dlfcn.h>

#include <cstring>
#include <filesystem>

#include "plugin/host_table.hpp"
#include "plugin/registry.hpp"

namespace openwfp::plugin {
namespace {

std::string last_dl_error() {
  const char* e = dlerror();
  return e != nullptr ? e : "unknown dlopen error";
}

}  // namespace

Status PluginRegistry::load_shared_object(const std::string& path, std::shared_ptr<const LoadedPlugin>* out,
                                          std::string* why) {
  if (auto it = sharedObjects_.find(path); it != sharedObjects_.end()) {
    if (out != nullptr) *out = it->second;
    return Status::SUCCESS;
  }
  auto fail = [&](Status s, const std::string& message) {
    if (why != nullptr) *why = path + ": " + message;
    return s;
  };
  // Checked first so that a missing file gets a plain message rather than
  // dlerror's; a path without '/' would also make dlopen search the system
  // library directories, which a policy never means.
  if (path.find('/') == std::string::npos) return fail(Status::INVALID_PARAMETER, "a plugin path must contain '/'");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fail(Status::NOT_FOUND, "no such file");

  // RTLD_NOW: an unresolved symbol fails here, not on the data path.
  // RTLD_LOCAL: plugins do not see each other's symbols.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return fail(Status::UNSUCCESSFUL, "cannot load: " + last_dl_error());
  std::shared_ptr<void> library(handle, [](void* h) { dlclose(h); });

  dlerror();
  void* symbol = dlsym(handle, OPENWFP_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    return fail(Status::NOT_FOUND, "no " OPENWFP_PLUGIN_ENTRY_SYMBOL
                                   " symbol: not an openwfp plugin (it must export `const struct openwfp_plugin* "
                                   OPENWFP_PLUGIN_ENTRY_SYMBOL "(uint32_t, const struct openwfp_plugin_host*)`)");
  }
  // POSIX guarantees a function's address survives the trip through void*.
  openwfp_plugin_entry_fn entry = nullptr;
  static_assert(sizeof entry == sizeof symbol);
  std::memcpy(&entry, &symbol, sizeof entry);

  const openwfp_plugin* plugin = entry(OPENWFP_PLUGIN_ABI_VERSION, host_table());
  if (plugin == nullptr) {
    return fail(Status::NOT_SUPPORTED, OPENWFP_PLUGIN_ENTRY_SYMBOL " returned no plugin for host ABI version " +
                                           std::to_string(OPENWFP_PLUGIN_ABI_VERSION));
  }
  if (Status s = check_descriptor(plugin, path, why); s != Status::SUCCESS) return s;

  auto loaded = make_loaded_plugin(plugin, path, std::move(library));
  sharedObjects_.emplace(path, loaded);
  if (out != nullptr) *out = std::move(loaded);
  return Status::SUCCESS;
}

}  // namespace openwfp::plugin
