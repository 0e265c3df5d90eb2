#include "openwfp/policy.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "openwfp/constants.hpp"
#include "openwfp/model.hpp"
#include "policy/json_locate.hpp"
#include "policy/values.hpp"

namespace openwfp::policy {
namespace {

using nlohmann::json;

// {6f1c1d2a-7a35-4d55-9e1f-6f70656e7766}: the namespace of derived keys.
const Guid kKeyNamespace = *Guid::parse("6f1c1d2a-7a35-4d55-9e1f-6f70656e7766");

// Thrown inside the parser, caught at its edge: the control plane may throw.
struct ParseFailure {
  std::string path;
  Status status;
  std::string message;
};

[[noreturn]] void fail(const std::string& path, Status status, std::string message) {
  throw ParseFailure{path, status, std::move(message)};
}

std::string join(const std::string& path, std::string_view token) { return path + "/" + std::string(token); }
std::string join(const std::string& path, size_t index) { return path + "/" + std::to_string(index); }

// Objects accept their own keys, plus "comment" and "description" anywhere.
void check_keys(const json& object, const std::string& path, std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) fail(path, Status::FWP_TYPE_MISMATCH, "expected an object, found " + std::string(object.type_name()));
  for (const auto& [key, value] : object.items()) {
    if (key == "comment" || key == "description") continue;
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(join(path, key), Status::INVALID_PARAMETER, "unknown key '" + key + "' (expected one of: " + list + ")");
    }
  }
}

std::string get_string(const json& object, const std::string& path, std::string_view key, bool required) {
  auto it = object.find(std::string(key));
  if (it == object.end()) {
    if (required) fail(path, Status::INVALID_PARAMETER, "missing \"" + std::string(key) + "\"");
    return {};
  }
  if (!it->is_string()) fail(join(path, key), Status::FWP_TYPE_MISMATCH, "expected a string, found " + std::string(it->type_name()));
  std::string s = it->get<std::string>();
  if (required && s.empty()) fail(join(path, key), Status::FWP_NULL_DISPLAY_NAME, "must not be empty");
  return s;
}

const json* get_array(const json& object, const std::string& path, std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end()) return nullptr;
  if (!it->is_array()) fail(join(path, key), Status::FWP_TYPE_MISMATCH, "expected an array, found " + std::string(it->type_name()));
  return &*it;
}

Guid get_key(const json& object, const std::string& path, std::string_view kind, const std::string& name) {
  const std::string text = get_string(object, path, "key", false);
  if (text.empty()) return derived_key(kind, name);
  auto g = Guid::parse(text);
  if (!g) fail(join(path, "key"), Status::INVALID_PARAMETER, "'" + text + "' is not a GUID");
  if (g->is_nil()) fail(join(path, "key"), Status::INVALID_PARAMETER, "the nil GUID is not a key");
  return *g;
}

// "flags": [ ... ] with names from a table; PERSISTENT sets the lifetime.
uint32_t get_flags(const json& object, const std::string& path, const FlagName* table, size_t count,
                   std::string_view prefix, Lifetime* lifetime) {
  const json* flags = get_array(object, path, "flags");
  uint32_t result = 0;
  if (flags == nullptr) return result;
  for (size_t i = 0; i < flags->size(); ++i) {
    const json& f = (*flags)[i];
    const std::string fpath = join(join(path, "flags"), i);
    if (!f.is_string()) fail(fpath, Status::FWP_TYPE_MISMATCH, "a flag is a string");
    std::string name = f.get<std::string>();
    if (name.starts_with(prefix)) name = name.substr(prefix.size());
    if (name == "PERSISTENT") {
      *lifetime = Lifetime::PERSISTENT;
      continue;
    }
    uint32_t bit = 0;
    if (!parse_flag_set(name, table, count, prefix, &bit)) {
      std::string list;
      for (size_t k = 0; k < count; ++k) list += (k ? ", " : "") + std::string(table[k].name);
      fail(fpath, Status::FWP_INVALID_FLAGS, "unknown flag '" + name + "' (known: PERSISTENT, " + list + ")");
    }
    result |= bit;
  }
  return result;
}

const LayerInfo& get_layer(const json& value, const std::string& path) {
  if (!value.is_string()) fail(path, Status::FWP_TYPE_MISMATCH, "a layer is a string such as \"ALE_AUTH_CONNECT_V4\"");
  const std::string name = value.get<std::string>();
  const LayerInfo* layer = find_layer(name);
  if (layer == nullptr) fail(path, Status::FWP_LAYER_NOT_FOUND, "unknown layer '" + name + "'");
  return *layer;
}

struct Parser {
  Policy& out;
  std::map<std::string, Guid> providers;  // name -> key
  std::map<std::string, Guid> sublayers;
  struct CalloutDecl {
    std::string path;
    Callout base;
    std::set<LayerId> layers;  // empty: any layer
    bool explicitKey = false;
  };
  std::map<std::string, CalloutDecl> callouts;
  std::map<std::pair<std::string, LayerId>, Guid> callout_objects;
  std::set<Guid> keys;

  void unique_key(const Guid& key, const std::string& path) {
    if (!keys.insert(key).second) fail(path, Status::FWP_ALREADY_EXISTS, "key " + key.to_string() + " is used twice in this policy");
  }

  Guid provider_ref(const json& object, const std::string& path) {
    const std::string name = get_string(object, path, "provider", false);
    if (name.empty()) return {};
    auto it = providers.find(name);
    if (it == providers.end()) fail(join(path, "provider"), Status::FWP_PROVIDER_NOT_FOUND, "no provider named '" + name + "' in /providers");
    return it->second;
  }

  void parse(const json& root) {
    check_keys(root, "", {"providers", "sublayers", "callouts", "filters", "version", "$schema"});
    if (const json* a = get_array(root, "", "providers")) {
      for (size_t i = 0; i < a->size(); ++i) parse_provider((*a)[i], join("/providers", i));
    }
    if (const json* a = get_array(root, "", "sublayers")) {
      for (size_t i = 0; i < a->size(); ++i) parse_sublayer((*a)[i], join("/sublayers", i));
    }
    if (const json* a = get_array(root, "", "callouts")) {
      for (size_t i = 0; i < a->size(); ++i) parse_callout((*a)[i], join("/callouts", i));
    }
    if (const json* a = get_array(root, "", "filters")) {
      std::map<std::string, int> seen;
      for (size_t i = 0; i < a->size(); ++i) parse_filter((*a)[i], join("/filters", i), seen);
    }
  }

  void parse_provider(const json& j, const std::string& path) {
    check_keys(j, path, {"name", "key", "flags"});
    Provider p;
    p.name = get_string(j, path, "name", true);
    p.description = j.is_object() && j.contains("description") && j["description"].is_string() ? j["description"].get<std::string>() : "";
    p.providerKey = get_key(j, path, "provider", p.name);
    p.flags = get_flags(j, path, nullptr, 0, "FWPM_PROVIDER_FLAG_", &p.lifetime);
    if (p.lifetime == Lifetime::PERSISTENT) p.flags |= FWPM_PROVIDER_FLAG_PERSISTENT;
    if (providers.count(p.name) != 0) fail(join(path, "name"), Status::FWP_ALREADY_EXISTS, "a provider named '" + p.name + "' is declared twice");
    unique_key(p.providerKey, path);
    providers[p.name] = p.providerKey;
    out.providers.push_back(std::move(p));
  }

  void parse_sublayer(const json& j, const std::string& path) {
    check_keys(j, path, {"name", "key", "weight", "provider", "flags"});
    Sublayer s;
    s.name = get_string(j, path, "name", true);
    s.subLayerKey = get_key(j, path, "sublayer", s.name);
    auto w = j.find("weight");
    if (w == j.end()) fail(path, Status::INVALID_PARAMETER, "missing \"weight\" (0..65535)");
    if (!w->is_number_unsigned() || w->get<uint64_t>() > 0xFFFF) {
      fail(join(path, "weight"), Status::FWP_INVALID_WEIGHT, "a sublayer weight is a whole number from 0 to 65535");
    }
    s.weight = static_cast<uint16_t>(w->get<uint64_t>());
    s.providerKey = provider_ref(j, path);
    s.flags = get_flags(j, path, nullptr, 0, "FWPM_SUBLAYER_FLAG_", &s.lifetime);
    if (s.lifetime == Lifetime::PERSISTENT) s.flags |= FWPM_SUBLAYER_FLAG_PERSISTENT;
    if (sublayers.count(s.name) != 0 || s.name == "FWPM_SUBLAYER_UNIVERSAL") {
      fail(join(path, "name"), Status::FWP_ALREADY_EXISTS, "a sublayer named '" + s.name + "' already exists");
    }
    unique_key(s.subLayerKey, path);
    sublayers[s.name] = s.subLayerKey;
    out.sublayers.push_back(std::move(s));
  }

  void parse_callout(const json& j, const std::string& path) {
    check_keys(j, path, {"name", "key", "layer", "layers", "plugin", "options", "provider", "flags"});
    CalloutDecl d;
    d.path = path;
    d.base.name = get_string(j, path, "name", true);
    d.base.plugin = get_string(j, path, "plugin", false);
    if (auto o = j.find("options"); o != j.end()) {
      if (!o->is_object()) fail(join(path, "options"), Status::FWP_TYPE_MISMATCH, "options is an object");
      d.base.options = o->dump();
    }
    d.base.providerKey = provider_ref(j, path);
    size_t count = 0;
    const FlagName* table = callout_flag_names(&count);
    d.base.flags = get_flags(j, path, table, count, "FWP_CALLOUT_FLAG_", &d.base.lifetime);
    if (auto l = j.find("layer"); l != j.end()) d.layers.insert(get_layer(*l, join(path, "layer")).id);
    if (const json* ls = get_array(j, path, "layers")) {
      for (size_t i = 0; i < ls->size(); ++i) d.layers.insert(get_layer((*ls)[i], join(join(path, "layers"), i)).id);
    }
    d.base.calloutKey = get_key(j, path, "callout", d.base.name);
    d.explicitKey = j.contains("key");
    if (callouts.count(d.base.name) != 0) fail(join(path, "name"), Status::FWP_ALREADY_EXISTS, "a callout named '" + d.base.name + "' is declared twice");
    callouts[d.base.name] = std::move(d);
  }

  // The management callout object for (name, layer), created on first use.
  Guid callout_ref(const std::string& name, const LayerInfo& layer, const std::string& path) {
    auto it = callouts.find(name);
    if (it == callouts.end()) fail(path, Status::FWP_CALLOUT_NOT_FOUND, "no callout named '" + name + "' in /callouts");
    CalloutDecl& d = it->second;
    if (!d.layers.empty() && d.layers.count(layer.id) == 0) {
      fail(path, Status::FWP_INCOMPATIBLE_LAYER, "callout '" + name + "' is not declared for layer " + std::string(layer.name));
    }
    const auto object_key = std::make_pair(name, layer.id);
    if (auto o = callout_objects.find(object_key); o != callout_objects.end()) return o->second;
    Callout c = d.base;
    c.applicableLayer = layer.id;
    // One object per layer: a declared key goes to the first layer the
    // callout is used at; every other object gets a key derived from
    // name@LAYER.
    const bool first = std::none_of(callout_objects.begin(), callout_objects.end(),
                                    [&](const auto& e) { return e.first.first == name; });
    if (!(first && d.explicitKey)) c.calloutKey = derived_key("callout", name + "@" + std::string(layer.name));
    unique_key(c.calloutKey, d.path);
    callout_objects[object_key] = c.calloutKey;
    out.callouts.push_back(std::move(c));
    return out.callouts.back().calloutKey;
  }

  void parse_filter(const json& j, const std::string& path, std::map<std::string, int>& seen) {
    check_keys(j, path, {"name", "key", "layer", "sublayer", "weight", "conditions", "action", "flags", "provider", "raw_context"});
    Filter f;
    f.name = get_string(j, path, "name", true);
    auto layer_it = j.find("layer");
    if (layer_it == j.end()) fail(path, Status::INVALID_PARAMETER, "missing \"layer\"");
    const LayerInfo& layer = get_layer(*layer_it, join(path, "layer"));
    f.layerKey = layer.id;
    const int occurrence = ++seen[f.name];
    f.filterKey = get_key(j, path, "filter", occurrence == 1 ? f.name : f.name + "#" + std::to_string(occurrence));
    unique_key(f.filterKey, path);

    const std::string sublayer = get_string(j, path, "sublayer", false);
    if (!sublayer.empty()) {
      auto it = sublayers.find(sublayer);
      if (it != sublayers.end()) {
        f.subLayerKey = it->second;
      } else if (sublayer == "FWPM_SUBLAYER_UNIVERSAL") {
        f.subLayerKey = FWPM_SUBLAYER_UNIVERSAL;
      } else {
        fail(join(path, "sublayer"), Status::FWP_SUBLAYER_NOT_FOUND, "no sublayer named '" + sublayer + "' in /sublayers");
      }
    }

    if (auto w = j.find("weight"); w != j.end()) {
      const std::string wpath = join(path, "weight");
      if (w->is_number_unsigned()) {
        f.weight = FilterWeight::exact(w->get<uint64_t>());
      } else if (w->is_object()) {
        check_keys(*w, wpath, {"range"});
        auto r = w->find("range");
        if (r == w->end()) fail(wpath, Status::FWP_INVALID_WEIGHT, "a weight object is { \"range\": 0..15 }");
        if (!r->is_number_unsigned() || r->get<uint64_t>() > 15) {
          fail(join(wpath, "range"), Status::FWP_INVALID_WEIGHT, "a weight range is a whole number from 0 to 15");
        }
        f.weight = FilterWeight::range(static_cast<uint8_t>(r->get<uint64_t>()));
      } else {
        fail(wpath, Status::FWP_INVALID_WEIGHT,
             "a filter weight is a whole number from 0 to 18446744073709551615, or { \"range\": 0..15 }");
      }
    }

    if (const json* conditions = get_array(j, path, "conditions")) {
      for (size_t i = 0; i < conditions->size(); ++i) {
        f.filterCondition.push_back(parse_condition((*conditions)[i], layer, join(join(path, "conditions"), i)));
      }
    }

    auto action = j.find("action");
    if (action == j.end()) fail(path, Status::INVALID_PARAMETER, "missing \"action\" (PERMIT, BLOCK or a callout action)");
    parse_action(*action, layer, join(path, "action"), &f.action);

    size_t count = 0;
    const FlagName* table = filter_flag_names(&count);
    f.flags = get_flags(j, path, table, count, "FWPM_FILTER_FLAG_", &f.lifetime);
    if (f.lifetime == Lifetime::PERSISTENT) f.flags |= FWPM_FILTER_FLAG_PERSISTENT;
    f.providerKey = provider_ref(j, path);
    if (auto rc = j.find("raw_context"); rc != j.end()) {
      if (!rc->is_number_unsigned()) fail(join(path, "raw_context"), Status::FWP_TYPE_MISMATCH, "raw_context is a whole number");
      f.rawContext = rc->get<uint64_t>();
    }
    if (auto d = j.find("description"); d != j.end() && d->is_string()) f.description = d->get<std::string>();
    out.filters.push_back(std::move(f));
    out.filterPaths.push_back(path);
  }

  FilterCondition parse_condition(const json& j, const LayerInfo& layer, const std::string& path) {
    check_keys(j, path, {"field", "match", "value"});
    const std::string field_name = get_string(j, path, "field", true);
    const auto field = find_field(field_name);
    if (!field) fail(join(path, "field"), Status::FWP_CONDITION_NOT_FOUND, "unknown field '" + field_name + "'");
    const auto index = layer.index_of(*field);
    if (!index) {
      fail(join(path, "field"), Status::FWP_CONDITION_NOT_FOUND,
           "layer " + std::string(layer.name) + " has no field " + field_name);
    }
    FilterCondition c;
    c.fieldKey = *field;
    const std::string match = get_string(j, path, "match", false);
    const bool match_given = !match.empty();
    if (match_given && !parse_match_type(match, &c.matchType)) {
      fail(join(path, "match"), Status::FWP_MATCH_TYPE_MISMATCH,
           "unknown match type '" + match +
               "' (EQUAL, NOT_EQUAL, GREATER, LESS, GREATER_OR_EQUAL, LESS_OR_EQUAL, RANGE, FLAGS_ALL_SET, "
               "FLAGS_ANY_SET, FLAGS_NONE_SET, PREFIX, NOT_PREFIX, EQUAL_CASE_INSENSITIVE)");
    }
    auto value = j.find("value");
    if (value == j.end()) fail(path, Status::INVALID_PARAMETER, "missing \"value\"");
    ValueError e;
    if (!parse_condition_value(*value, layer, *index, match_given, &c.matchType, &c.conditionValue, &e)) {
      const std::string where = e.status == Status::FWP_MATCH_TYPE_MISMATCH && match_given ? join(path, "match") : join(path, "value");
      fail(where, e.status, field_name + ": " + e.message);
    }
    return c;
  }

  void parse_action(const json& j, const LayerInfo& layer, const std::string& path, FilterAction* out_action) {
    auto plain = [&](std::string name) {
      if (name.starts_with("FWP_ACTION_")) name = name.substr(11);
      if (name == "PERMIT") return FWP_ACTION_PERMIT;
      if (name == "BLOCK") return FWP_ACTION_BLOCK;
      if (name == "CALLOUT_TERMINATING") return FWP_ACTION_CALLOUT_TERMINATING;
      if (name == "CALLOUT_INSPECTION") return FWP_ACTION_CALLOUT_INSPECTION;
      if (name == "CALLOUT_UNKNOWN") return FWP_ACTION_CALLOUT_UNKNOWN;
      return uint32_t{0};
    };
    if (j.is_string()) {
      out_action->type = plain(j.get<std::string>());
      if (out_action->type == 0) {
        fail(path, Status::FWP_INVALID_ACTION_TYPE,
             "unknown action '" + j.get<std::string>() + "' (PERMIT, BLOCK, or { \"type\": \"CALLOUT_...\", \"callout\": NAME })");
      }
      if ((out_action->type & FWP_ACTION_FLAG_CALLOUT) != 0) {
        fail(path, Status::FWP_INVALID_ACTION_TYPE, "a callout action is { \"type\": \"" + j.get<std::string>() + "\", \"callout\": NAME }");
      }
      return;
    }
    check_keys(j, path, {"type", "callout"});
    const std::string type = get_string(j, path, "type", true);
    out_action->type = plain(type);
    if (out_action->type == 0) fail(join(path, "type"), Status::FWP_INVALID_ACTION_TYPE, "unknown action type '" + type + "'");
    if ((out_action->type & FWP_ACTION_FLAG_CALLOUT) != 0) {
      const std::string callout = get_string(j, path, "callout", true);
      out_action->calloutKey = callout_ref(callout, layer, join(path, "callout"));
    } else if (j.contains("callout")) {
      fail(join(path, "callout"), Status::FWP_INVALID_ACTION_TYPE, "only callout actions name a callout");
    }
  }
};

PolicyError make_error(std::string_view text, std::string_view file, const std::string& path, Status status,
                       std::string message) {
  PolicyError e;
  e.file = std::string(file);
  e.path = path.empty() ? "/" : path;
  e.status = status;
  e.message = std::move(message);
  size_t offset = 0;
  if (locate_json_pointer(text, path, &offset)) offset_to_line_column(text, offset, &e.line, &e.column);
  return e;
}

}  // namespace

std::string PolicyError::to_string() const {
  std::string s = file;
  if (line > 0) {
    s += ':';
    s += std::to_string(line);
    s += ':';
    s += std::to_string(column);
  }
  s += ": ";
  if (!path.empty()) s += path + ": ";
  s += message;
  if (status != Status::SUCCESS) s += " [" + std::string(status_name(status)) + "]";
  return s;
}

Guid derived_key(std::string_view kind, std::string_view name) {
  std::string text(kind);
  text += ':';
  text += name;
  return Guid::from_name(kKeyNamespace, text);
}

bool parse_policy(std::string_view text, std::string_view file, Policy* out, PolicyError* error) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    PolicyError err;
    err.file = std::string(file);
    err.status = Status::INVALID_PARAMETER;
    const size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    offset_to_line_column(text, offset, &err.line, &err.column);
    std::string what = e.what();
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..."
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    err.message = "invalid JSON: " + what;
    *error = err;
    return false;
  }
  Policy policy;
  policy.file = std::string(file);
  Parser parser{policy, {}, {}, {}, {}, {}};
  try {
    parser.parse(root);
  } catch (const ParseFailure& f) {
    *error = make_error(text, file, f.path, f.status, f.message);
    return false;
  } catch (const json::exception& e) {
    *error = make_error(text, file, "", Status::INVALID_PARAMETER, e.what());
    return false;
  }
  *out = std::move(policy);
  return true;
}

bool load_policy_file(const std::string& path, Policy* out, PolicyError* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = PolicyError{path, "", 0, 0, Status::NOT_FOUND, "cannot open the policy file"};
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  return parse_policy(text, path, out, error);
}

bool apply_policy(Engine& engine, const Policy& policy, PolicyError* error) {
  Transaction txn;
  std::string why;
  auto failed = [&](std::string path, Status s) {
    *error = PolicyError{policy.file, std::move(path), 0, 0, s, why};
    return false;  // txn aborts on destruction: nothing is left behind
  };
  if (Status s = engine.begin(&txn, &why); s != Status::SUCCESS) return failed("", s);
  for (size_t i = 0; i < policy.providers.size(); ++i) {
    if (Status s = txn.add_provider(policy.providers[i], &why); s != Status::SUCCESS) return failed("/providers/" + std::to_string(i), s);
  }
  for (size_t i = 0; i < policy.sublayers.size(); ++i) {
    if (Status s = txn.add_sublayer(policy.sublayers[i], &why); s != Status::SUCCESS) return failed("/sublayers/" + std::to_string(i), s);
  }
  for (const Callout& c : policy.callouts) {
    if (Status s = txn.add_callout(c, nullptr, &why); s != Status::SUCCESS) return failed("/callouts", s);
  }
  for (size_t i = 0; i < policy.filters.size(); ++i) {
    if (Status s = txn.add_filter(policy.filters[i], nullptr, &why); s != Status::SUCCESS) {
      return failed(i < policy.filterPaths.size() ? policy.filterPaths[i] : "/filters", s);
    }
  }
  if (Status s = txn.commit(&why); s != Status::SUCCESS) return failed("", s);
  return true;
}

}  // namespace openwfp::policy
