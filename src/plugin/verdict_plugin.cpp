// The "verdict" built-in: written against the plugin ABI like any other
// plugin (it finds its instance through the host table, not through the
// host's C++ types), so it doubles as the smallest example of one.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "openwfp/constants.hpp"
#include "plugin/builtins.hpp"
#include "plugin/host_table.hpp"

namespace openwfp::plugin {
namespace {

struct Verdict {
  uint32_t action = FWP_ACTION_CONTINUE;
  bool clearRight = false;
};

openwfp_status refuse(char* error, size_t errorSize, const std::string& message) {
  std::snprintf(error, errorSize, "%s", message.c_str());
  return OPENWFP_STATUS_INVALID_PARAMETER;
}

openwfp_status create(const openwfp_plugin_host*, const char*, const char* optionsJson, void** instance,
                      char* error, size_t errorSize) {
  const nlohmann::json options = nlohmann::json::parse(optionsJson, nullptr, false);
  if (!options.is_object()) return refuse(error, errorSize, "options are not a JSON object");
  Verdict v;
  bool hasAction = false;
  for (const auto& [key, value] : options.items()) {
    if (key == "action") {
      const std::string action = value.is_string() ? value.get<std::string>() : value.dump();
      if (action == "PERMIT") {
        v.action = FWP_ACTION_PERMIT;
      } else if (action == "BLOCK") {
        v.action = FWP_ACTION_BLOCK;
      } else if (action == "CONTINUE") {
        v.action = FWP_ACTION_CONTINUE;
      } else {
        return refuse(error, errorSize, "\"action\" is PERMIT, BLOCK or CONTINUE, not " + action);
      }
      hasAction = true;
    } else if (key == "clear_right") {
      if (!value.is_boolean()) return refuse(error, errorSize, "\"clear_right\" is true or false");
      v.clearRight = value.get<bool>();
    } else {
      return refuse(error, errorSize, "unknown option '" + key + "' (action, clear_right)");
    }
  }
  if (!hasAction) return refuse(error, errorSize, "missing \"action\" (PERMIT, BLOCK or CONTINUE)");
  *instance = new Verdict(v);
  return OPENWFP_STATUS_SUCCESS;
}

void destroy(void* instance) { delete static_cast<Verdict*>(instance); }

void classify(const IncomingValues*, const IncomingMetadata*, void*, const void*, const FilterView* filter, uint64_t,
              ClassifyOut* classifyOut) {
  const auto* v = static_cast<const Verdict*>(host_table()->instance_for_callout(filter->action.calloutId));
  // No instance: the callout is being (un)registered. No write right: a
  // higher-priority filter decided and a callout may not overrule it.
  if (v == nullptr || (classifyOut->rights & FWPS_RIGHT_ACTION_WRITE) == 0) return;
  classifyOut->actionType = v->action;
  if (v->clearRight && v->action != FWP_ACTION_CONTINUE) classifyOut->rights &= ~FWPS_RIGHT_ACTION_WRITE;
}

Status notify(NotifyType, const Guid*, FilterView*) { return Status::SUCCESS; }

const openwfp_plugin kVerdict = {
    OPENWFP_PLUGIN_ABI_VERSION,
    static_cast<uint32_t>(sizeof(openwfp_plugin)),
    "verdict",
    "a fixed PERMIT, BLOCK or CONTINUE (options: action, clear_right)",
    &create,
    &destroy,
    0,
    &classify,
    &notify,
    nullptr,
};

}  // namespace

const openwfp_plugin* verdict_plugin() noexcept { return &kVerdict; }

Status add_standard_plugins(PluginRegistry& registry, std::string* why) {
  return registry.add_builtin(verdict_plugin(), why);
}

}  // namespace openwfp::plugin
