#include "daemon/persistence.hpp"

#include <nlohmann/json.hpp>

#include "openwfp/layers.hpp"
#include "policy/object_json.hpp"

namespace openwfp::daemon {
namespace {

using nlohmann::json;

store::StoredObject make(std::string kind, const Guid& key, uint64_t id, LayerId layer, bool has_layer,
                         const json& j) {
  store::StoredObject o;
  o.kind = std::move(kind);
  o.key = key.to_string();
  o.id = id;
  if (has_layer) o.layer = std::string(find_layer(layer)->name);
  o.json = j.dump();
  return o;
}

// Upserts for the persistent objects of `after` that are new or differ from
// `before`, deletes for those of `before` gone from `after` (or no longer
// persistent).
template <class Map, class Get>
bool diff(const Map& before, const Map& after, const char* kind, Get key_of, store::StoreChange* out,
          std::string* error) {
  for (const auto& [k, obj] : after) {
    if (obj.lifetime != Lifetime::PERSISTENT) continue;
    store::StoredObject now;
    if (!stored_object(obj, &now, error)) return false;
    auto old = before.find(k);
    if (old != before.end() && old->second.lifetime == Lifetime::PERSISTENT) {
      store::StoredObject was;
      if (stored_object(old->second, &was, error) && was == now) continue;
    }
    out->upserts.push_back(std::move(now));
  }
  for (const auto& [k, obj] : before) {
    if (obj.lifetime != Lifetime::PERSISTENT) continue;
    auto still = after.find(k);
    if (still != after.end() && still->second.lifetime == Lifetime::PERSISTENT) continue;
    out->deletes.push_back({kind, key_of(obj).to_string()});
  }
  return true;
}

template <class T>
bool read(const store::StoredObject& o, T* out, std::string* why) {
  json j = json::parse(o.json, nullptr, false);
  policy::ObjectError e;
  if (j.is_discarded() || !policy::from_json(j, "", out, &e)) {
    if (why != nullptr) *why = "stored " + o.kind + " " + o.key + ": " + (j.is_discarded() ? "not JSON" : e.field + ": " + e.message);
    return false;
  }
  return true;
}

}  // namespace

bool stored_object(const Provider& p, store::StoredObject* out, std::string*) {
  *out = make("provider", p.providerKey, 0, 0, false, policy::to_json(p));
  return true;
}

bool stored_object(const Sublayer& s, store::StoredObject* out, std::string*) {
  *out = make("sublayer", s.subLayerKey, 0, 0, false, policy::to_json(s));
  return true;
}

bool stored_object(const Callout& c, store::StoredObject* out, std::string*) {
  *out = make("callout", c.calloutKey, c.calloutId, c.applicableLayer, true, policy::to_json(c));
  return true;
}

bool stored_object(const Filter& f, store::StoredObject* out, std::string* error) {
  json j;
  policy::ObjectError e;
  if (!policy::to_json(f, &j, &e)) {
    if (error != nullptr) *error = "filter " + f.filterKey.to_string() + ": " + e.field + ": " + e.message;
    return false;
  }
  j.erase("effective_weight");  // the engine's, computed again when the filter comes back
  *out = make("filter", f.filterKey, f.filterId, f.layerKey, true, j);
  return true;
}

bool persistent_changes(const engine::Model& before, const engine::Model& after, store::StoreChange* out,
                        std::string* error) {
  *out = store::StoreChange{};
  // Filters by key (the model keys them by id, which a re-added filter changes).
  std::map<Guid, Filter> fb, fa;
  for (const auto& [id, f] : before.filters) fb.emplace(f.filterKey, f);
  for (const auto& [id, f] : after.filters) fa.emplace(f.filterKey, f);
  return diff(before.providers, after.providers, "provider", [](const Provider& p) { return p.providerKey; }, out,
              error) &&
         diff(before.sublayers, after.sublayers, "sublayer", [](const Sublayer& s) { return s.subLayerKey; }, out,
              error) &&
         diff(before.callouts, after.callouts, "callout", [](const Callout& c) { return c.calloutKey; }, out, error) &&
         diff(fb, fa, "filter", [](const Filter& f) { return f.filterKey; }, out, error);
}

Status restore_persistent(Transaction& txn, const std::vector<store::StoredObject>& objects, std::string* why) {
  for (const store::StoredObject& o : objects) {
    Status st = Status::SUCCESS;
    std::string detail;
    if (o.kind == "provider") {
      Provider p;
      if (!read(o, &p, why)) return Status::INVALID_PARAMETER;
      st = txn.add_provider(p, &detail);
    } else if (o.kind == "sublayer") {
      Sublayer s;
      if (!read(o, &s, why)) return Status::INVALID_PARAMETER;
      st = txn.add_sublayer(s, &detail);
    } else if (o.kind == "callout") {
      Callout c;
      if (!read(o, &c, why)) return Status::INVALID_PARAMETER;
      st = txn.restore_callout(c, &detail);
    } else if (o.kind == "filter") {
      Filter f;
      if (!read(o, &f, why)) return Status::INVALID_PARAMETER;
      st = txn.restore_filter(f, &detail);
    } else {
      if (why != nullptr) *why = "stored object " + o.key + " of unknown kind '" + o.kind + "'";
      return Status::INVALID_PARAMETER;
    }
    if (st != Status::SUCCESS) {
      if (why != nullptr) *why = "restoring " + o.kind + " " + o.key + ": " + detail;
      return st;
    }
  }
  return Status::SUCCESS;
}

}  // namespace openwfp::daemon
