#include "policy/object_json.hpp"

#include <initializer_list>

#include "openwfp/constants.hpp"
#include "openwfp/layers.hpp"
#include "policy/values.hpp"

namespace openwfp::policy {
namespace {

using json = nlohmann::json;

std::string join(std::string_view path, std::string_view key) { return std::string(path) + "/" + std::string(key); }
std::string join(std::string_view path, size_t index) { return std::string(path) + "/" + std::to_string(index); }

}  // namespace

bool whole_number(const json& j, uint64_t* out) {
  if (j.is_number_unsigned()) {
    *out = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(j.get<int64_t>());
    return true;
  }
  return false;
}

namespace {

// Reading one object: each accessor records the first error and returns false.
class Reader {
 public:
  Reader(const json& j, std::string_view path, ObjectError* error) : j_(j), path_(path), error_(error) {}

  bool fail(std::string field, Status status, std::string message) {
    if (error_ != nullptr) *error_ = {status, std::move(field), std::move(message)};
    return false;
  }

  bool object(std::initializer_list<std::string_view> known) {
    if (!j_.is_object()) return fail(path_, Status::INVALID_PARAMETER, "expected an object");
    for (const auto& item : j_.items()) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || item.key() == k;
      if (!ok) return fail(join(path_, item.key()), Status::INVALID_PARAMETER, "unknown field '" + item.key() + "'");
    }
    return true;
  }

  bool string(std::string_view key, bool required, std::string* out) {
    auto it = j_.find(std::string(key));
    if (it == j_.end()) return !required || fail(join(path_, key), Status::INVALID_PARAMETER, "missing");
    if (!it->is_string()) return fail(join(path_, key), Status::FWP_TYPE_MISMATCH, "expected a string");
    *out = it->get<std::string>();
    if (required && out->empty()) return fail(join(path_, key), Status::FWP_NULL_DISPLAY_NAME, "must not be empty");
    return true;
  }

  bool number(std::string_view key, uint64_t max, bool required, uint64_t* out) {
    auto it = j_.find(std::string(key));
    if (it == j_.end()) return !required || fail(join(path_, key), Status::INVALID_PARAMETER, "missing");
    uint64_t v = 0;
    if (!whole_number(*it, &v) || v > max) {
      return fail(join(path_, key), Status::FWP_OUT_OF_BOUNDS,
                  "expected a whole number from 0 to " + std::to_string(max));
    }
    *out = v;
    return true;
  }

  bool key(std::string_view name, bool required, Guid* out) {
    std::string text;
    if (!string(name, required, &text)) return false;
    if (text.empty()) return true;
    auto g = Guid::parse(text);
    if (!g) return fail(join(path_, name), Status::INVALID_PARAMETER, "'" + text + "' is not a GUID");
    if (required && g->is_nil()) return fail(join(path_, name), Status::INVALID_PARAMETER, "the nil GUID is not a key");
    *out = *g;
    return true;
  }

  bool flags(uint32_t* out) {
    uint64_t v = 0;
    if (!number("flags", UINT32_MAX, false, &v)) return false;
    *out = static_cast<uint32_t>(v);
    return true;
  }

  bool lifetime(Lifetime* out) {
    std::string text;
    if (!string("lifetime", false, &text)) return false;
    if (text.empty() || text == "static") {
      *out = Lifetime::STATIC;
    } else if (text == "dynamic") {
      *out = Lifetime::DYNAMIC;
    } else if (text == "persistent") {
      *out = Lifetime::PERSISTENT;
    } else {
      return fail(join(path_, "lifetime"), Status::INVALID_PARAMETER,
                  "'" + text + "' is not a lifetime (dynamic, static, persistent)");
    }
    return true;
  }

  bool layer(LayerId* out) {
    std::string name;
    if (!string("layer", true, &name)) return false;
    const LayerInfo* l = find_layer(name);
    if (l == nullptr) return fail(join(path_, "layer"), Status::FWP_LAYER_NOT_FOUND, "unknown layer '" + name + "'");
    *out = l->id;
    return true;
  }

  const json& at(std::string_view key) const { return j_.at(std::string(key)); }
  bool has(std::string_view key) const { return j_.contains(std::string(key)); }
  const std::string& path() const { return path_; }

 private:
  const json& j_;
  std::string path_;
  ObjectError* error_;
};

void put_common(json& j, const Guid& key, const std::string& name, const std::string& description, uint32_t flags,
                Lifetime lifetime) {
  j["key"] = key.to_string();
  j["name"] = name;
  if (!description.empty()) j["description"] = description;
  if (flags != 0) j["flags"] = flags;
  j["lifetime"] = std::string(lifetime_name(lifetime));
}

void put_provider_ref(json& j, const Guid& provider) {
  if (!provider.is_nil()) j["provider"] = provider.to_string();
}

bool read_action(const json& j, const std::string& path, FilterAction* out, ObjectError* error) {
  Reader r(j, path, error);
  if (!r.object({"type", "callout"})) return false;
  std::string type;
  if (!r.string("type", true, &type)) return false;
  static constexpr uint32_t kTypes[] = {FWP_ACTION_BLOCK, FWP_ACTION_PERMIT, FWP_ACTION_CALLOUT_TERMINATING,
                                        FWP_ACTION_CALLOUT_INSPECTION, FWP_ACTION_CALLOUT_UNKNOWN};
  out->type = 0;
  for (uint32_t t : kTypes) {
    if (type == action_type_name(t)) out->type = t;
  }
  if (out->type == 0) {
    return r.fail(join(path, "type"), Status::FWP_INVALID_ACTION_TYPE,
                  "'" + type + "' is not an action (PERMIT, BLOCK, CALLOUT_TERMINATING, CALLOUT_INSPECTION, "
                               "CALLOUT_UNKNOWN)");
  }
  const bool callout = (out->type & FWP_ACTION_FLAG_CALLOUT) != 0;
  if (callout != r.has("callout")) {
    return r.fail(join(path, "callout"), Status::FWP_INVALID_ACTION_TYPE,
                  callout ? "a callout action names its callout's key" : "only callout actions name a callout");
  }
  return !callout || r.key("callout", true, &out->calloutKey);
}

}  // namespace

json to_json(const Provider& p) {
  json j = json::object();
  put_common(j, p.providerKey, p.name, p.description, p.flags, p.lifetime);
  return j;
}

json to_json(const Sublayer& s) {
  json j = json::object();
  put_common(j, s.subLayerKey, s.name, s.description, s.flags, s.lifetime);
  put_provider_ref(j, s.providerKey);
  j["weight"] = s.weight;
  return j;
}

json to_json(const Callout& c) {
  json j = json::object();
  put_common(j, c.calloutKey, c.name, c.description, c.flags, c.lifetime);
  put_provider_ref(j, c.providerKey);
  j["layer"] = std::string(find_layer(c.applicableLayer)->name);
  if (c.calloutId != 0) j["id"] = c.calloutId;
  if (!c.plugin.empty()) j["plugin"] = c.plugin;
  if (!c.options.empty()) j["options"] = json::parse(c.options, nullptr, false);
  return j;
}

bool to_json(const Filter& f, json* out, ObjectError* error) {
  json j = json::object();
  put_common(j, f.filterKey, f.name, f.description, f.flags, f.lifetime);
  put_provider_ref(j, f.providerKey);
  const LayerInfo& layer = *find_layer(f.layerKey);
  j["layer"] = std::string(layer.name);
  if (!f.subLayerKey.is_nil()) j["sublayer"] = f.subLayerKey.to_string();
  if (f.weight.kind == FilterWeight::Kind::EXPLICIT) j["weight"] = f.weight.value;
  if (f.weight.kind == FilterWeight::Kind::RANGE) j["weight"] = {{"range", f.weight.value}};
  json conditions = json::array();
  for (size_t i = 0; i < f.filterCondition.size(); ++i) {
    const FilterCondition& c = f.filterCondition[i];
    const auto index = layer.index_of(c.fieldKey);
    json value;
    ValueError e;
    if (!index || !format_condition_value(c.conditionValue, layer, *index, &value, &e)) {
      if (error != nullptr) {
        *error = {index ? e.status : Status::FWP_CONDITION_NOT_FOUND, "/conditions/" + std::to_string(i) + "/value",
                  index ? e.message : "the layer has no such field"};
      }
      return false;
    }
    conditions.push_back({{"field", std::string(field_info(c.fieldKey).name)},
                          {"match", std::string(match_type_name(c.matchType))},
                          {"value", std::move(value)}});
  }
  if (!conditions.empty()) j["conditions"] = std::move(conditions);
  json action = {{"type", std::string(action_type_name(f.action.type))}};
  if ((f.action.type & FWP_ACTION_FLAG_CALLOUT) != 0) action["callout"] = f.action.calloutKey.to_string();
  j["action"] = std::move(action);
  if (f.rawContext != 0) j["raw_context"] = f.rawContext;
  if (f.filterId != 0) j["id"] = f.filterId;
  if (f.effectiveWeight != 0) j["effective_weight"] = f.effectiveWeight;
  *out = std::move(j);
  return true;
}

bool from_json(const json& j, std::string_view path, Provider* out, ObjectError* error) {
  Reader r(j, path, error);
  Provider p;
  if (!r.object({"key", "name", "description", "flags", "lifetime"}) || !r.key("key", true, &p.providerKey) ||
      !r.string("name", true, &p.name) || !r.string("description", false, &p.description) || !r.flags(&p.flags) ||
      !r.lifetime(&p.lifetime)) {
    return false;
  }
  if (p.lifetime == Lifetime::PERSISTENT) p.flags |= FWPM_PROVIDER_FLAG_PERSISTENT;  // as WFP marks it
  *out = std::move(p);
  return true;
}

bool from_json(const json& j, std::string_view path, Sublayer* out, ObjectError* error) {
  Reader r(j, path, error);
  Sublayer s;
  uint64_t weight = 0;
  if (!r.object({"key", "name", "description", "flags", "lifetime", "provider", "weight"}) ||
      !r.key("key", true, &s.subLayerKey) || !r.string("name", true, &s.name) ||
      !r.string("description", false, &s.description) || !r.flags(&s.flags) || !r.lifetime(&s.lifetime) ||
      !r.key("provider", false, &s.providerKey) || !r.number("weight", 0xFFFF, true, &weight)) {
    return false;
  }
  s.weight = static_cast<uint16_t>(weight);
  if (s.lifetime == Lifetime::PERSISTENT) s.flags |= FWPM_SUBLAYER_FLAG_PERSISTENT;
  *out = std::move(s);
  return true;
}

bool from_json(const json& j, std::string_view path, Callout* out, ObjectError* error) {
  Reader r(j, path, error);
  Callout c;
  uint64_t id = 0;
  if (!r.object({"key", "name", "description", "flags", "lifetime", "provider", "layer", "id", "plugin", "options"}) ||
      !r.key("key", true, &c.calloutKey) || !r.string("name", true, &c.name) ||
      !r.string("description", false, &c.description) || !r.flags(&c.flags) || !r.lifetime(&c.lifetime) ||
      !r.key("provider", false, &c.providerKey) || !r.layer(&c.applicableLayer) ||
      !r.number("id", UINT32_MAX, false, &id) || !r.string("plugin", false, &c.plugin)) {
    return false;
  }
  c.calloutId = static_cast<uint32_t>(id);
  if (r.has("options")) {
    if (!r.at("options").is_object()) return r.fail(join(path, "options"), Status::FWP_TYPE_MISMATCH, "expected an object");
    c.options = r.at("options").dump();
  }
  *out = std::move(c);
  return true;
}

bool from_json(const json& j, std::string_view path, Filter* out, ObjectError* error) {
  Reader r(j, path, error);
  Filter f;
  if (!r.object({"key", "name", "description", "flags", "lifetime", "provider", "layer", "sublayer", "weight",
                 "conditions", "action", "raw_context", "id", "effective_weight"}) ||
      !r.key("key", true, &f.filterKey) || !r.string("name", true, &f.name) ||
      !r.string("description", false, &f.description) || !r.flags(&f.flags) || !r.lifetime(&f.lifetime) ||
      !r.key("provider", false, &f.providerKey) || !r.layer(&f.layerKey) || !r.key("sublayer", false, &f.subLayerKey) ||
      !r.number("raw_context", UINT64_MAX, false, &f.rawContext) || !r.number("id", UINT64_MAX, false, &f.filterId)) {
    return false;
  }
  const LayerInfo& layer = *find_layer(f.layerKey);
  if (r.has("weight")) {
    const json& w = r.at("weight");
    const std::string wpath = join(path, "weight");
    uint64_t v = 0;
    if (whole_number(w, &v)) {
      f.weight = FilterWeight::exact(v);
    } else if (w.is_object() && w.size() == 1 && w.contains("range") && whole_number(w.at("range"), &v) && v <= 15) {
      f.weight = FilterWeight::range(static_cast<uint8_t>(v));
    } else {
      return r.fail(wpath, Status::FWP_INVALID_WEIGHT, "a weight is a whole number, or { \"range\": 0..15 }");
    }
  }
  if (r.has("conditions")) {
    const json& list = r.at("conditions");
    const std::string cpath = join(path, "conditions");
    if (!list.is_array()) return r.fail(cpath, Status::FWP_TYPE_MISMATCH, "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string ipath = join(cpath, i);
      Reader c(list[i], ipath, error);
      std::string field, match;
      if (!c.object({"field", "match", "value"}) || !c.string("field", true, &field) ||
          !c.string("match", false, &match)) {
        return false;
      }
      const auto id = find_field(field);
      const auto index = id ? layer.index_of(*id) : std::nullopt;
      if (!index) {
        return c.fail(join(ipath, "field"), Status::FWP_CONDITION_NOT_FOUND,
                      "layer " + std::string(layer.name) + " has no field '" + field + "'");
      }
      FilterCondition condition;
      condition.fieldKey = *id;
      if (!match.empty() && !parse_match_type(match, &condition.matchType)) {
        return c.fail(join(ipath, "match"), Status::FWP_MATCH_TYPE_MISMATCH, "unknown match type '" + match + "'");
      }
      if (!c.has("value")) return c.fail(join(ipath, "value"), Status::INVALID_PARAMETER, "missing");
      ValueError e;
      if (!parse_condition_value(c.at("value"), layer, *index, !match.empty(), &condition.matchType,
                                 &condition.conditionValue, &e)) {
        return c.fail(join(ipath, "value"), e.status, e.message);
      }
      f.filterCondition.push_back(std::move(condition));
    }
  }
  if (!r.has("action")) return r.fail(join(path, "action"), Status::INVALID_PARAMETER, "missing");
  if (!read_action(r.at("action"), join(path, "action"), &f.action, error)) return false;
  if (f.lifetime == Lifetime::PERSISTENT) f.flags |= FWPM_FILTER_FLAG_PERSISTENT;
  *out = std::move(f);
  return true;
}

bool add_requests(const Policy& policy, std::vector<AddRequest>* out, std::string* error) {
  out->clear();
  for (size_t i = 0; i < policy.providers.size(); ++i)
    out->push_back({"provider", to_json(policy.providers[i]), "/providers/" + std::to_string(i)});
  for (size_t i = 0; i < policy.sublayers.size(); ++i)
    out->push_back({"sublayer", to_json(policy.sublayers[i]), "/sublayers/" + std::to_string(i)});
  for (const Callout& c : policy.callouts) out->push_back({"callout", to_json(c), "callout '" + c.name + "'"});
  for (size_t i = 0; i < policy.filters.size(); ++i) {
    AddRequest r{"filter", nlohmann::json(), policy.filterPaths[i]};
    ObjectError e;
    if (!to_json(policy.filters[i], &r.object, &e)) {
      *error = r.where + e.field + ": " + e.message;
      return false;
    }
    out->push_back(std::move(r));
  }
  return true;
}

}  // namespace openwfp::policy
