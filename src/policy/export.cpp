#include "policy/export.hpp"

#include <map>

#include "openwfp/constants.hpp"
#include "openwfp/layers.hpp"
#include "policy/object_json.hpp"

namespace openwfp::policy {
namespace {

using nlohmann::json;

// FWPM_*_FLAG_* bits as the names a policy file takes; PERSISTENT from the lifetime.
json flag_names(uint32_t bits, const FlagName* table, size_t count, Lifetime lifetime, uint32_t persistentBit) {
  json names = json::array();
  if (lifetime == Lifetime::PERSISTENT) names.push_back("PERSISTENT");
  bits &= ~persistentBit;
  for (size_t i = 0; i < count; ++i) {
    if (table[i].value != 0 && (bits & table[i].value) == table[i].value) names.push_back(std::string(table[i].name));
  }
  return names;
}

void common(json* j, const std::string& name, const Guid& key, const std::string& description) {
  (*j)["name"] = name;
  (*j)["key"] = key.to_string();
  if (!description.empty()) (*j)["description"] = description;
}

// Name by key, for references; false when two objects share a name.
template <typename Map, typename KeyOf>
bool names_of(const Map& objects, KeyOf keyOf, const char* kind, std::map<Guid, std::string>* out, std::string* error) {
  std::map<std::string, Guid> seen;
  for (const auto& [k, o] : objects) {
    if (o.lifetime == Lifetime::BUILTIN) continue;
    auto [it, fresh] = seen.emplace(o.name, keyOf(o));
    if (!fresh) {
      *error = std::string("two ") + kind + "s are named '" + o.name + "' (" + it->second.to_string() + " and " +
               keyOf(o).to_string() + "); a policy file refers to them by name";
      return false;
    }
    (*out)[keyOf(o)] = o.name;
  }
  return true;
}

}  // namespace

bool export_policy(const engine::Model& m, json* out, std::string* error) {
  std::map<Guid, std::string> providerNames, sublayerNames, calloutNames;
  if (!names_of(m.providers, [](const Provider& p) { return p.providerKey; }, "provider", &providerNames, error) ||
      !names_of(m.sublayers, [](const Sublayer& s) { return s.subLayerKey; }, "sublayer", &sublayerNames, error) ||
      !names_of(m.callouts, [](const Callout& c) { return c.calloutKey; }, "callout", &calloutNames, error)) {
    return false;
  }
  auto provider_ref = [&](json* j, const Guid& key) {
    if (auto it = providerNames.find(key); it != providerNames.end()) (*j)["provider"] = it->second;
  };
  json providers = json::array(), sublayers = json::array(), callouts = json::array(), filters = json::array();
  for (const auto& [key, p] : m.providers) {
    if (p.lifetime == Lifetime::BUILTIN) continue;
    json j;
    common(&j, p.name, p.providerKey, p.description);
    if (p.lifetime == Lifetime::PERSISTENT) j["flags"] = json::array({"PERSISTENT"});
    providers.push_back(j);
  }
  for (const auto& [key, s] : m.sublayers) {
    if (s.lifetime == Lifetime::BUILTIN) continue;
    json j;
    common(&j, s.name, s.subLayerKey, s.description);
    j["weight"] = s.weight;
    provider_ref(&j, s.providerKey);
    if (s.lifetime == Lifetime::PERSISTENT) j["flags"] = json::array({"PERSISTENT"});
    sublayers.push_back(j);
  }
  size_t count = 0;
  const FlagName* calloutFlags = callout_flag_names(&count);
  for (const auto& [key, c] : m.callouts) {
    if (c.lifetime == Lifetime::BUILTIN) continue;
    json j;
    common(&j, c.name, c.calloutKey, c.description);
    const LayerInfo* layer = find_layer(c.applicableLayer);
    if (layer != nullptr) j["layer"] = std::string(layer->name);
    provider_ref(&j, c.providerKey);
    if (!c.plugin.empty()) j["plugin"] = c.plugin;
    if (!c.options.empty()) j["options"] = json::parse(c.options, nullptr, false);
    const json flags = flag_names(c.flags, calloutFlags, count, c.lifetime, 0);
    if (!flags.empty()) j["flags"] = flags;
    callouts.push_back(j);
  }
  const FlagName* filterFlags = filter_flag_names(&count);
  for (const auto& [id, f] : m.filters) {
    if (f.lifetime == Lifetime::BUILTIN) continue;
    json object;
    ObjectError oe;
    if (!to_json(f, &object, &oe)) {
      *error = "filter '" + f.name + "': " + oe.message;
      return false;
    }
    json j;
    common(&j, f.name, f.filterKey, f.description);
    j["layer"] = object["layer"];
    if (auto it = sublayerNames.find(f.subLayerKey); it != sublayerNames.end()) j["sublayer"] = it->second;
    if (object.contains("weight")) j["weight"] = object["weight"];
    if (object.contains("conditions") && !object["conditions"].empty()) j["conditions"] = object["conditions"];
    json action = {{"type", object["action"]["type"]}};
    if (auto it = calloutNames.find(f.action.calloutKey); (f.action.type & FWP_ACTION_FLAG_CALLOUT) != 0) {
      if (it == calloutNames.end()) {
        *error = "filter '" + f.name + "': its callout " + f.action.calloutKey.to_string() + " is not exported";
        return false;
      }
      action["callout"] = it->second;
    }
    j["action"] = action;
    const json flags = flag_names(f.flags, filterFlags, count, f.lifetime, FWPM_FILTER_FLAG_PERSISTENT);
    if (!flags.empty()) j["flags"] = flags;
    provider_ref(&j, f.providerKey);
    if (f.rawContext != 0) j["raw_context"] = f.rawContext;
    filters.push_back(j);
  }
  *out = {{"providers", providers}, {"sublayers", sublayers}, {"callouts", callouts}, {"filters", filters}};
  return true;
}

}  // namespace openwfp::policy
