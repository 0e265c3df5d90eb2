#include "engine/model_ops.hpp"

#include <algorithm>

#include "engine/weight.hpp"
#include "openwfp/constants.hpp"

namespace openwfp::engine {
namespace {

Status fail(std::string* why, Status s, std::string text) {
  if (why != nullptr) *why = std::move(text);
  return s;
}

std::string quoted(std::string_view name, const Guid& key) {
  if (!name.empty()) {
    std::string s = "'";
    s += name;
    s += '\'';
    return s;
  }
  return key.to_string();
}

// An object may only reference objects that live at least as long.
Status check_lifetime(std::string* why, Lifetime self, Lifetime referenced, std::string_view what) {
  if (static_cast<int>(referenced) < static_cast<int>(self)) {
    return fail(why, Status::FWP_LIFETIME_MISMATCH,
                std::string("a ") + std::string(lifetime_name(self)) + " object cannot reference a " +
                    std::string(lifetime_name(referenced)) + " " + std::string(what));
  }
  return Status::SUCCESS;
}

Status check_provider(const Model& m, const Guid& key, Lifetime self, std::string* why) {
  if (key.is_nil()) return Status::SUCCESS;
  const Provider* p = m.find_provider(key);
  if (p == nullptr) return fail(why, Status::FWP_PROVIDER_NOT_FOUND, "provider " + key.to_string() + " does not exist");
  return check_lifetime(why, self, p->lifetime, "provider");
}

bool is_known_action(uint32_t type) {
  return type == FWP_ACTION_BLOCK || type == FWP_ACTION_PERMIT || type == FWP_ACTION_CALLOUT_TERMINATING ||
         type == FWP_ACTION_CALLOUT_INSPECTION || type == FWP_ACTION_CALLOUT_UNKNOWN;
}

constexpr uint32_t kKnownFilterFlags = FWPM_FILTER_FLAG_PERSISTENT | FWPM_FILTER_FLAG_BOOTTIME |
                                       FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT | FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT |
                                       FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED |
                                       FWPM_FILTER_FLAG_DISABLED | FWPM_FILTER_FLAG_INDEXED;

}  // namespace

Status model_add_provider(Model& m, const Provider& p, std::string* why) {
  if (p.providerKey.is_nil()) return fail(why, Status::INVALID_PARAMETER, "a provider needs a key");
  if (m.providers.count(p.providerKey) != 0) {
    return fail(why, Status::FWP_ALREADY_EXISTS, "provider " + quoted(p.name, p.providerKey) + " already exists");
  }
  if (p.lifetime == Lifetime::BUILTIN) return fail(why, Status::FWP_BUILTIN_OBJECT, "cannot add a built-in provider");
  m.providers.emplace(p.providerKey, p);
  return Status::SUCCESS;
}

Status model_add_sublayer(Model& m, const Sublayer& s, std::string* why) {
  if (s.subLayerKey.is_nil()) return fail(why, Status::INVALID_PARAMETER, "a sublayer needs a key");
  if (m.sublayers.count(s.subLayerKey) != 0) {
    return fail(why, Status::FWP_ALREADY_EXISTS, "sublayer " + quoted(s.name, s.subLayerKey) + " already exists");
  }
  if (s.lifetime == Lifetime::BUILTIN) return fail(why, Status::FWP_BUILTIN_OBJECT, "cannot add a built-in sublayer");
  if (Status st = check_provider(m, s.providerKey, s.lifetime, why); st != Status::SUCCESS) return st;
  m.sublayers.emplace(s.subLayerKey, s);
  return Status::SUCCESS;
}

Status model_add_callout(Model& m, CalloutRegistry& ids, const Callout& c, uint32_t* calloutId, std::string* why,
                         bool keepId) {
  if (c.calloutKey.is_nil()) return fail(why, Status::INVALID_PARAMETER, "a callout needs a key");
  if (m.callouts.count(c.calloutKey) != 0) {
    return fail(why, Status::FWP_ALREADY_EXISTS, "callout " + quoted(c.name, c.calloutKey) + " already exists");
  }
  if (find_layer(c.applicableLayer) == nullptr) {
    return fail(why, Status::FWP_LAYER_NOT_FOUND, "callout " + quoted(c.name, c.calloutKey) + ": unknown layer id " +
                                                      std::to_string(c.applicableLayer));
  }
  if (c.lifetime == Lifetime::BUILTIN) return fail(why, Status::FWP_BUILTIN_OBJECT, "cannot add a built-in callout");
  if (Status st = check_provider(m, c.providerKey, c.lifetime, why); st != Status::SUCCESS) return st;
  if (keepId && !ids.claim_id(c.calloutKey, c.calloutId)) {
    return fail(why, Status::FWP_ALREADY_EXISTS,
                "callout " + quoted(c.name, c.calloutKey) + ": its id " + std::to_string(c.calloutId) +
                    " is taken or out of range");
  }
  const uint32_t id = ids.id_for_key(c.calloutKey);
  if (id == 0) return fail(why, Status::FWP_TOO_MANY_CALLOUTS, "the callout table is full");
  Callout stored = c;
  stored.calloutId = id;
  m.callouts.emplace(c.calloutKey, std::move(stored));
  if (calloutId != nullptr) *calloutId = id;
  return Status::SUCCESS;
}

Status model_add_filter(Model& m, const Filter& f, uint64_t* filterId, std::string* why, bool keepId) {
  const std::string who = "filter " + quoted(f.name, f.filterKey);
  if (!f.filterKey.is_nil() && m.filterIds.count(f.filterKey) != 0) {
    return fail(why, Status::FWP_ALREADY_EXISTS, who + " already exists");
  }
  if (f.lifetime == Lifetime::BUILTIN) return fail(why, Status::FWP_BUILTIN_OBJECT, "cannot add a built-in filter");
  const LayerInfo* layer = find_layer(f.layerKey);
  if (layer == nullptr) {
    return fail(why, Status::FWP_LAYER_NOT_FOUND, who + ": unknown layer id " + std::to_string(f.layerKey));
  }
  if ((f.flags & ~kKnownFilterFlags) != 0) return fail(why, Status::FWP_INVALID_FLAGS, who + ": unknown flags");
  if ((f.flags & FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED) != 0 &&
      f.action.type != FWP_ACTION_CALLOUT_TERMINATING) {
    return fail(why, Status::FWP_INVALID_FLAGS,
                who + ": PERMIT_IF_CALLOUT_UNREGISTERED applies only to CALLOUT_TERMINATING filters");
  }
  if (!is_known_action(f.action.type)) {
    return fail(why, Status::FWP_INVALID_ACTION_TYPE, who + ": invalid action type");
  }
  if (f.weight.kind == FilterWeight::Kind::RANGE && f.weight.value > 15) {
    return fail(why, Status::FWP_INVALID_WEIGHT,
                who + ": a weight range is 0..15, not " + std::to_string(f.weight.value));
  }
  const Guid sublayer_key = f.subLayerKey.is_nil() ? FWPM_SUBLAYER_UNIVERSAL : f.subLayerKey;
  const Sublayer* sublayer = m.find_sublayer(sublayer_key);
  if (sublayer == nullptr) {
    return fail(why, Status::FWP_SUBLAYER_NOT_FOUND, who + ": sublayer " + sublayer_key.to_string() + " does not exist");
  }
  if (Status st = check_lifetime(why, f.lifetime, sublayer->lifetime, "sublayer"); st != Status::SUCCESS) return st;
  if (Status st = check_provider(m, f.providerKey, f.lifetime, why); st != Status::SUCCESS) return st;
  if ((f.action.type & FWP_ACTION_FLAG_CALLOUT) != 0) {
    const Callout* callout = m.find_callout(f.action.calloutKey);
    if (callout == nullptr) {
      return fail(why, Status::FWP_CALLOUT_NOT_FOUND,
                  who + ": callout " + f.action.calloutKey.to_string() + " does not exist");
    }
    if (callout->applicableLayer != f.layerKey) {
      return fail(why, Status::FWP_INCOMPATIBLE_LAYER,
                  who + ": callout " + quoted(callout->name, callout->calloutKey) + " applies to layer " +
                      std::string(find_layer(callout->applicableLayer)->name) + ", not " + std::string(layer->name));
    }
    if (Status st = check_lifetime(why, f.lifetime, callout->lifetime, "callout"); st != Status::SUCCESS) return st;
  }
  for (size_t i = 0; i < f.filterCondition.size(); ++i) {
    const FilterCondition& c = f.filterCondition[i];
    const auto index = layer->index_of(c.fieldKey);
    const std::string cwho = who + ", condition " + std::to_string(i);
    if (!index) {
      return fail(why, Status::FWP_CONDITION_NOT_FOUND,
                  cwho + ": layer " + std::string(layer->name) + " has no field " +
                      std::string(field_info(c.fieldKey).name));
    }
    std::string detail;
    const Status st = validate_condition(layer->data_type(*index), c.matchType, c.conditionValue, &detail);
    if (st != Status::SUCCESS) {
      return fail(why, st, cwho + " (" + std::string(field_info(c.fieldKey).name) + "): " + detail);
    }
  }

  Filter stored = f;
  if (stored.filterKey.is_nil()) {
    do {
      stored.filterKey = Guid::random();
    } while (m.filterIds.count(stored.filterKey) != 0);
  }
  stored.subLayerKey = sublayer_key;
  if (keepId) {
    if (f.filterId == 0 || m.filters.count(f.filterId) != 0) {
      return fail(why, Status::FWP_ALREADY_EXISTS, who + ": its id " + std::to_string(f.filterId) + " is taken or 0");
    }
    stored.filterId = f.filterId;
    m.nextFilterId = std::max(m.nextFilterId, f.filterId + 1);
  } else {
    stored.filterId = m.nextFilterId++;
  }
  stored.effectiveWeight = effective_weight(*layer, f.weight, f.filterCondition);
  m.filterIds.emplace(stored.filterKey, stored.filterId);
  if (filterId != nullptr) *filterId = stored.filterId;
  m.filters.emplace(stored.filterId, std::move(stored));
  return Status::SUCCESS;
}

Status model_delete_filter(Model& m, uint64_t filterId, std::string* why) {
  auto it = m.filters.find(filterId);
  if (it == m.filters.end()) {
    return fail(why, Status::FWP_FILTER_NOT_FOUND, "filter id " + std::to_string(filterId) + " does not exist");
  }
  if (it->second.lifetime == Lifetime::BUILTIN) {
    return fail(why, Status::FWP_BUILTIN_OBJECT, "cannot delete a built-in filter");
  }
  m.filterIds.erase(it->second.filterKey);
  m.filters.erase(it);
  return Status::SUCCESS;
}

Status model_delete_sublayer(Model& m, const Guid& key, std::string* why) {
  auto it = m.sublayers.find(key);
  if (it == m.sublayers.end()) return fail(why, Status::FWP_SUBLAYER_NOT_FOUND, "sublayer " + key.to_string() + " does not exist");
  if (it->second.lifetime == Lifetime::BUILTIN) {
    return fail(why, Status::FWP_BUILTIN_OBJECT, "cannot delete the built-in sublayer " + it->second.name);
  }
  for (const auto& [id, f] : m.filters) {
    if (f.subLayerKey == key) {
      return fail(why, Status::FWP_IN_USE,
                  "sublayer " + quoted(it->second.name, key) + " is used by filter " + quoted(f.name, f.filterKey));
    }
  }
  m.sublayers.erase(it);
  return Status::SUCCESS;
}

Status model_delete_callout(Model& m, const Guid& key, std::string* why) {
  auto it = m.callouts.find(key);
  if (it == m.callouts.end()) return fail(why, Status::FWP_CALLOUT_NOT_FOUND, "callout " + key.to_string() + " does not exist");
  for (const auto& [id, f] : m.filters) {
    if ((f.action.type & FWP_ACTION_FLAG_CALLOUT) != 0 && f.action.calloutKey == key) {
      return fail(why, Status::FWP_IN_USE,
                  "callout " + quoted(it->second.name, key) + " is used by filter " + quoted(f.name, f.filterKey));
    }
  }
  m.callouts.erase(it);
  return Status::SUCCESS;
}

Status model_delete_provider(Model& m, const Guid& key, std::string* why) {
  auto it = m.providers.find(key);
  if (it == m.providers.end()) return fail(why, Status::FWP_PROVIDER_NOT_FOUND, "provider " + key.to_string() + " does not exist");
  auto in_use = [&](std::string_view what, std::string_view name) {
    return fail(why, Status::FWP_IN_USE,
                "provider " + quoted(it->second.name, key) + " is used by " + std::string(what) + " '" + std::string(name) + "'");
  };
  for (const auto& [k, s] : m.sublayers) {
    if (s.providerKey == key) return in_use("sublayer", s.name);
  }
  for (const auto& [k, c] : m.callouts) {
    if (c.providerKey == key) return in_use("callout", c.name);
  }
  for (const auto& [id, f] : m.filters) {
    if (f.providerKey == key) return in_use("filter", f.name);
  }
  m.providers.erase(it);
  return Status::SUCCESS;
}

}  // namespace openwfp::engine
