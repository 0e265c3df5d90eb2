#include "daemon/service.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "daemon/event_json.hpp"
#include "daemon/persistence.hpp"
#include "daemon/data_path_json.hpp"
#include "daemon/replay_source.hpp"
#include "live/live_source.hpp"
#include "explain/explain.hpp"
#include "openwfp/layers.hpp"
#include "openwfp/model.hpp"
#include "policy/export.hpp"
#include "policy/object_json.hpp"

namespace openwfp::daemon {
namespace {

using nlohmann::json;

bool fail(CallError* e, Status s, std::string message, std::string field = {}) {
  if (e != nullptr) *e = {s, std::move(message), std::move(field)};
  return false;
}

// An object's kind from a method name ("filter.add" -> "filter").
std::string kind_of(const std::string& method) { return method.substr(0, method.find('.')); }
std::string verb_of(const std::string& method) {
  const size_t dot = method.find('.');
  return dot == std::string::npos ? std::string() : method.substr(dot + 1);
}

// An id parameter: a whole number >= 0.
bool id_param(const json& params, uint64_t* out, CallError* e) {
  return policy::whole_number(params.at("id"), out) ||
         fail(e, Status::INVALID_PARAMETER, "an id is a whole number", "/params/id");
}

bool known_kind(const std::string& kind) {
  return kind == "provider" || kind == "sublayer" || kind == "callout" || kind == "filter";
}

// Refuses params members other than `known`.
bool only(const json& params, std::initializer_list<const char*> known, CallError* e) {
  if (!params.is_object()) return fail(e, Status::INVALID_PARAMETER, "params must be an object", "/params");
  for (const auto& item : params.items()) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return item.key() == k; })) {
      return fail(e, Status::INVALID_PARAMETER, "unknown parameter '" + item.key() + "'", "/params/" + item.key());
    }
  }
  return true;
}

bool key_param(const json& params, Guid* out, CallError* e) {
  auto it = params.find("key");
  if (it == params.end() || !it->is_string()) return fail(e, Status::INVALID_PARAMETER, "a \"key\" (GUID string) is needed", "/params/key");
  auto g = Guid::parse(it->get<std::string>());
  if (!g) return fail(e, Status::INVALID_PARAMETER, "'" + it->get<std::string>() + "' is not a GUID", "/params/key");
  *out = *g;
  return true;
}

const char* plural(const std::string& kind) {
  if (kind == "provider") return "providers";
  if (kind == "sublayer") return "sublayers";
  if (kind == "callout") return "callouts";
  return "filters";
}

}  // namespace

struct Service::Session {
  SessionId id = 0;
  Caller caller;
  bool dynamic = true;
  std::mutex busy;  // one request of a session at a time
  std::unique_ptr<Transaction> txn;
  // Dynamic objects this session added (kind, key): deleted when it closes.
  std::set<std::pair<std::string, Guid>> owned;
  std::set<std::pair<std::string, Guid>> pendingAdds, pendingDeletes;  // in the open transaction
};

Service::Service(Engine& engine, store::PersistentStore* store, AccessConfig access)
    : engine_(engine), store_(store), access_(access) {}

Service::~Service() {
  std::vector<SessionId> ids;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, s] : sessions_) ids.push_back(id);
  }
  for (SessionId id : ids) close_session(id);
}

SessionId Service::open_session(const Caller& caller, bool dynamic) {
  std::lock_guard lock(mutex_);
  auto s = std::make_unique<Session>();
  s->id = nextSession_++;
  s->caller = caller;
  s->dynamic = dynamic;
  const SessionId id = s->id;
  sessions_.emplace(id, std::move(s));
  return id;
}

size_t Service::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

Service::Session* Service::find(SessionId id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void Service::close_session(SessionId id) {
  std::unique_ptr<Session> s;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    s = std::move(it->second);
    sessions_.erase(it);
  }
  std::lock_guard busy(s->busy);  // a request of this session still running finishes first
  s->txn.reset();                 // aborts
  if (s->owned.empty()) return;
  Transaction txn;
  std::string why;
  if (engine_.begin(&txn, &why) != Status::SUCCESS) {
    std::fprintf(stderr, "wfpd: session %llu: its dynamic objects could not be removed: %s\n",
                 static_cast<unsigned long long>(id), why.c_str());
    return;
  }
  // Filters first, then what they may reference.
  for (const char* kind : {"filter", "callout", "sublayer", "provider"}) {
    for (const auto& [k, key] : s->owned) {
      if (k != kind) continue;
      if (k == "filter") txn.delete_filter_by_key(key);
      if (k == "callout") txn.delete_callout(key);
      if (k == "sublayer") txn.delete_sublayer(key);
      if (k == "provider") txn.delete_provider(key);
    }
  }
  txn.commit(&why);
}

bool Service::allowed(const Caller& c, bool change) const {
  if (c.uid == 0) return true;
  auto member = [&](int64_t gid) {
    return gid >= 0 && (c.gid == gid || std::find(c.groups.begin(), c.groups.end(), gid) != c.groups.end());
  };
  if (member(access_.adminGroup)) return true;
  if (change) return false;
  return access_.readGroup < 0 || member(access_.readGroup);
}

bool Service::call(SessionId id, const std::string& method, const json& params, json* result, CallError* error) {
  Session* s = find(id);
  if (s == nullptr) return fail(error, Status::FWP_SESSION_ABORTED, "no such session");
  std::lock_guard busy(s->busy);
  const std::string kind = kind_of(method), verb = verb_of(method);
  const bool is_monitor = method == "events.enum" || method == "events.subscribe" || method == "filter.counters" ||
                          method == "engine.explain" || method == "policy.export" ||
                          method == "daemon.status";
  const bool is_change = !is_monitor && (kind == "transaction" || verb == "add" || verb == "delete");
  const bool is_read = is_monitor || method == "session.info" || verb == "get" || verb == "enum";
  if (!is_change && !is_read) return fail(error, Status::NOT_SUPPORTED, "unknown method '" + method + "'", "/method");
  if (!is_monitor && ((kind != "transaction" && kind != "session" && !known_kind(kind)) ||
                      (kind == "transaction" && verb != "begin" && verb != "commit" && verb != "abort"))) {
    return fail(error, Status::NOT_SUPPORTED, "unknown method '" + method + "'", "/method");
  }
  if (!allowed(s->caller, is_change)) {
    std::fprintf(stderr, "wfpd: refused %s to uid %u (session %llu): %s\n", method.c_str(), s->caller.uid,
                 static_cast<unsigned long long>(s->id), is_change ? "not root nor in the admin group" : "not in the read group");
    return fail(error, Status::ACCESS_DENIED,
                std::string(is_change ? "changes" : "reading state") + " need root or the " +
                    (is_change ? "admin" : "read") + " group (uid " + std::to_string(s->caller.uid) + ")");
  }
  *result = json::object();
  if (is_monitor) return monitor(*s, method, params, result, error);
  return is_change ? change(*s, method, params, result, error) : read(*s, method, params, result, error);
}

bool Service::event_query(const json& params, EventQuery* q, CallError* error, bool paging) {
  if (paging) {
    if (!only(params, {"type", "layer", "filter", "after", "limit"}, error)) return false;
  } else if (!only(params, {"type", "layer", "filter"}, error)) {
    return false;
  }
  *q = EventQuery{};
  if (params.contains("type")) {
    const json& t = params.at("type");
    auto type = t.is_string() ? events::parse_net_event_type(t.get<std::string>()) : std::nullopt;
    if (!type) {
      return fail(error, Status::INVALID_PARAMETER,
                  "type is one of CLASSIFY_DROP, CLASSIFY_ALLOW, CLASSIFY_VETO, VERIFIER_FINDING, PEND_TIMEOUT",
                  "/params/type");
    }
    q->type = *type;
  }
  if (params.contains("layer")) {
    const LayerInfo* l = params.at("layer").is_string() ? find_layer(params.at("layer").get<std::string>()) : nullptr;
    if (l == nullptr) return fail(error, Status::FWP_LAYER_NOT_FOUND, "unknown layer", "/params/layer");
    q->layerId = l->id;
  }
  uint64_t n = 0;
  if (params.contains("filter")) {
    if (!policy::whole_number(params.at("filter"), &n)) {
      return fail(error, Status::INVALID_PARAMETER, "a filter id is a whole number", "/params/filter");
    }
    q->filterId = n;
  }
  if (params.contains("after")) {
    if (!policy::whole_number(params.at("after"), &n)) {
      return fail(error, Status::INVALID_PARAMETER, "after is a sequence number", "/params/after");
    }
    q->after = n;
  }
  if (params.contains("limit")) {
    if (!policy::whole_number(params.at("limit"), &n) || n == 0 || n > 100000) {
      return fail(error, Status::INVALID_PARAMETER, "limit is a whole number from 1 to 100000", "/params/limit");
    }
    q->limit = n;
  }
  return true;
}

bool Service::monitor(Session& s, const std::string& method, const json& params, json* result, CallError* error) {
  EventHub* hub = dataPath_.events;
  auto hub_stats = [](const EventHubStats& st) {
    return json{{"collected", st.collected},         {"lostInRings", st.lostInRings},
                {"droppedFromMemory", st.droppedFromMemory}, {"storedDropped", st.storedDropped},
                {"storeFailures", st.storeFailures}, {"lastSequence", st.lastSequence},
                {"inMemory", st.inMemory},           {"memoryCap", st.memoryCap}};
  };
  if (method == "events.enum" || method == "events.subscribe") {
    EventQuery q;
    json filters = params;
    bool fromStore = false;
    if (method == "events.enum" && params.is_object() && params.contains("stored")) {
      if (!params.at("stored").is_boolean()) {
        return fail(error, Status::INVALID_PARAMETER, "stored is true or false", "/params/stored");
      }
      fromStore = params.at("stored").get<bool>();
      filters.erase("stored");
    }
    if (!event_query(filters, &q, error, method == "events.enum")) return false;
    if (hub == nullptr) return fail(error, Status::FWP_NET_EVENTS_DISABLED, "this daemon records no net events");
    hub->collect();
    uint64_t last = 0;
    bool gap = false;
    if (method == "events.subscribe") {
      (*result)["last"] = hub->stats().lastSequence;
      return true;
    }
    json list = json::array();
    if (fromStore) {
      std::vector<json> rows;
      std::string why;
      if (!hub->stored(q, &rows, &why)) return fail(error, Status::FWP_NET_EVENTS_DISABLED, why, "/params/stored");
      for (json& row : rows) list.push_back(std::move(row));
      last = hub->stats().lastSequence;
    } else {
      for (const NumberedEvent& e : hub->query(q, &last, &gap)) list.push_back(event_json(e));
    }
    const EventHubStats st = hub->stats();
    *result = {{"events", std::move(list)}, {"last", last}, {"gap", gap}, {"lost", st.lostInRings},
               {"stats", hub_stats(st)}};
    return true;
  }
  if (method == "filter.counters") {
    if (!only(params, {"id"}, error)) return false;
    uint64_t id = 0;
    const bool one = params.contains("id");
    if (one && !id_param(params, &id, error)) return false;
    uint64_t uncounted = 0;
    std::vector<events::FilterCount> counts;
    if (dataPath_.replay != nullptr) counts = dataPath_.replay->filter_counts(&uncounted);
    if (dataPath_.live != nullptr) counts = dataPath_.live->filter_counts(&uncounted);
    json list = json::array();
    for (const events::FilterCount& c : counts) {
      if (one && c.filterId != id) continue;
      list.push_back({{"id", c.filterId}, {"hits", c.hits}, {"permits", c.permits}, {"blocks", c.blocks}});
    }
    *result = {{"counters", std::move(list)}, {"uncounted", uncounted}};
    return true;
  }
  if (method == "engine.explain") {
    if (!only(params, {"layer", "fields"}, error)) return false;
    const json& layer = params.contains("layer") ? params.at("layer") : json();
    if (!layer.is_string()) return fail(error, Status::INVALID_PARAMETER, "a \"layer\" name is needed", "/params/layer");
    const json fields = params.contains("fields") ? params.at("fields") : json::object();
    if (!fields.is_object()) return fail(error, Status::INVALID_PARAMETER, "fields is an object NAME: VALUE", "/params/fields");
    explain::ExplainError ee;
    if (!explain::explain(engine_, layer.get<std::string>(), fields, result, &ee)) {
      return fail(error, ee.status, ee.message, ee.field.empty() ? "/params/layer" : "/params/fields" + ee.field);
    }
    return true;
  }
  if (method == "policy.export") {
    if (!only(params, {}, error)) return false;
    std::shared_ptr<const engine::Model> committed;
    if (s.txn == nullptr) committed = engine_.snapshot();
    std::string why;
    json policy;
    if (!policy::export_policy(s.txn != nullptr ? s.txn->model() : *committed, &policy, &why)) {
      return fail(error, Status::INVALID_PARAMETER, why);
    }
    *result = {{"policy", std::move(policy)}};
    return true;
  }
  // daemon.status
  if (!only(params, {}, error)) return false;
  *result = {{"generation", engine_.generation()}, {"sessions", session_count()}, {"storeFailures", storeFailures_.load()}};
  if (hub != nullptr) (*result)["events"] = hub_stats(hub->stats());
  if (dataPath_.replay != nullptr) {
    const ReplayStatus r = dataPath_.replay->status();
    (*result)["replay"] = {{"capture", r.capture},   {"framesPerRound", r.framesPerRound},
                           {"roundsDone", r.roundsDone}, {"framesDone", r.framesDone},
                           {"running", r.running},   {"local", r.local},
                           {"counters", stack_counters_json(r.counters)}};
  }
  if (dataPath_.live != nullptr) (*result)["live"] = live_status_json(dataPath_.live->status());
  return true;
}

bool Service::commit(Session& s, Transaction& txn, json* result, CallError* error) {
  // What the transaction did to the session's dynamic objects counts only
  // once it is committed; on any failure it is forgotten with it.
  const auto adds = std::exchange(s.pendingAdds, {});
  const auto deletes = std::exchange(s.pendingDeletes, {});
  std::string why;
  // The store first (a crash after it and before the engine publishes
  // brings the transaction back at the restart, as committed), with the
  // change that undoes it ready should the engine refuse the commit.
  store::StoreChange undo;
  bool stored = false;
  if (store_ != nullptr) {
    const std::shared_ptr<const engine::Model> before = engine_.snapshot();
    store::StoreChange change;
    if (!persistent_changes(*before, txn.model(), &change, &why) ||
        !persistent_changes(txn.model(), *before, &undo, &why)) {
      return fail(error, Status::INVALID_PARAMETER, "a persistent object cannot be stored: " + why);
    }
    if (!change.upserts.empty() || !change.deletes.empty()) {
      std::lock_guard lock(storeMutex_);
      const Status st = store_->apply(change, &why);
      if (st != Status::SUCCESS) return fail(error, st, "the store refused the change: " + why);
      stored = true;
    }
  }
  const Status st = txn.commit(&why);
  if (st != Status::SUCCESS) {
    if (stored) {  // take the change back out of the store
      std::string undoWhy;
      std::lock_guard lock(storeMutex_);
      if (store_->apply(undo, &undoWhy) != Status::SUCCESS) {
        ++storeFailures_;  // the store stays ahead of the engine until the next commit of those objects
        std::fprintf(stderr, "wfpd: the engine refused a commit and the store could not take it back: %s\n",
                     undoWhy.c_str());
      }
    }
    return fail(error, st, why);
  }
  for (const auto& k : deletes) s.owned.erase(k);
  for (const auto& k : adds) s.owned.insert(k);
  (*result)["generation"] = engine_.generation();
  return true;
}

bool Service::change(Session& s, const std::string& method, const json& params, json* result, CallError* error) {
  const std::string kind = kind_of(method), verb = verb_of(method);
  if (kind == "transaction") {
    if (!only(params, {}, error)) return false;
    if (verb == "begin") {
      if (s.txn != nullptr) return fail(error, Status::FWP_TXN_IN_PROGRESS, "this session already has a transaction");
      auto txn = std::make_unique<Transaction>();
      std::string why;
      const Status st = engine_.begin(txn.get(), &why);
      if (st != Status::SUCCESS) return fail(error, st, why);
      s.txn = std::move(txn);
      return true;
    }
    if (s.txn == nullptr) return fail(error, Status::FWP_NO_TXN_IN_PROGRESS, "this session has no transaction");
    std::unique_ptr<Transaction> txn = std::move(s.txn);
    if (verb == "abort") {
      txn->abort();
      s.pendingAdds.clear();
      s.pendingDeletes.clear();
      return true;
    }
    return commit(s, *txn, result, error);
  }

  // One object added or deleted: in the session's transaction, or in an
  // implicit one committed at once.
  const bool implicit = s.txn == nullptr;
  Transaction own;
  if (implicit) {
    std::string why;
    const Status st = engine_.begin(&own, &why);
    if (st != Status::SUCCESS) return fail(error, st, why);
  }
  Transaction& txn = implicit ? own : *s.txn;
  std::string why;
  Status st = Status::SUCCESS;
  std::pair<std::string, Guid> touched;
  bool added = false;
  if (verb == "add") {
    if (!only(params, {kind.c_str()}, error)) return false;
    if (!params.contains(kind)) return fail(error, Status::INVALID_PARAMETER, "missing \"" + kind + "\"", "/params/" + kind);
    json object = params.at(kind);
    if (object.is_object() && !object.contains("lifetime")) object["lifetime"] = s.dynamic ? "dynamic" : "static";
    // As the base filtering engine does for a zero key: one is made (and answered).
    if (object.is_object() && !object.contains("key")) object["key"] = Guid::random().to_string();
    const std::string path = "/params/" + kind;
    policy::ObjectError oe;
    bool ok = false;
    if (kind == "provider") {
      Provider p;
      ok = policy::from_json(object, path, &p, &oe);
      if (ok) st = txn.add_provider(p, &why), touched = {kind, p.providerKey};
    } else if (kind == "sublayer") {
      Sublayer sl;
      ok = policy::from_json(object, path, &sl, &oe);
      if (ok) st = txn.add_sublayer(sl, &why), touched = {kind, sl.subLayerKey};
    } else if (kind == "callout") {
      Callout c;
      ok = policy::from_json(object, path, &c, &oe);
      uint32_t id = 0;
      if (ok) st = txn.add_callout(c, &id, &why), touched = {kind, c.calloutKey}, (*result)["id"] = id;
    } else {
      Filter f;
      ok = policy::from_json(object, path, &f, &oe);
      uint64_t id = 0;
      if (ok) st = txn.add_filter(f, &id, &why), touched = {kind, f.filterKey}, (*result)["id"] = id;
    }
    if (!ok) return fail(error, oe.status, oe.message, oe.field);
    (*result)["key"] = touched.second.to_string();
    added = object.value("lifetime", "") == "dynamic";
  } else {
    if (kind == "filter" && params.is_object() && params.contains("id")) {
      uint64_t id = 0;
      if (!only(params, {"id"}, error) || !id_param(params, &id, error)) return false;
      const Filter* f = txn.model().find_filter(id);
      if (f == nullptr) return fail(error, Status::FWP_FILTER_NOT_FOUND, "no filter with that id", "/params/id");
      touched = {kind, f->filterKey};
    } else {
      Guid key;
      if (!only(params, {"key"}, error) || !key_param(params, &key, error)) return false;
      touched = {kind, key};
    }
    const Guid& key = touched.second;
    if (kind == "provider") st = txn.delete_provider(key, &why);
    if (kind == "sublayer") st = txn.delete_sublayer(key, &why);
    if (kind == "callout") st = txn.delete_callout(key, &why);
    if (kind == "filter") st = txn.delete_filter_by_key(key, &why);
  }
  if (st != Status::SUCCESS) return fail(error, st, why);
  if (added) s.pendingAdds.insert(touched);
  if (verb == "delete") {
    s.pendingAdds.erase(touched);
    s.pendingDeletes.insert(touched);
  }
  if (!implicit) return true;
  json committed;
  return commit(s, own, &committed, error);
}

bool Service::read(Session& s, const std::string& method, const json& params, json* result, CallError* error) {
  if (method == "session.info") {
    if (!only(params, {}, error)) return false;
    *result = {{"session", s.id}, {"uid", s.caller.uid}, {"dynamic", s.dynamic}, {"transaction", s.txn != nullptr}};
    return true;
  }
  const std::string kind = kind_of(method), verb = verb_of(method);
  std::shared_ptr<const engine::Model> committed;
  if (s.txn == nullptr) committed = engine_.snapshot();
  const engine::Model& m = s.txn != nullptr ? s.txn->model() : *committed;
  auto emit = [&](const auto& obj, json* out) -> bool {
    if constexpr (std::is_same_v<std::decay_t<decltype(obj)>, Filter>) {
      policy::ObjectError oe;
      if (!policy::to_json(obj, out, &oe)) return fail(error, oe.status, oe.message);
      return true;
    } else {
      *out = policy::to_json(obj);
      return true;
    }
  };
  if (verb == "get") {
    if (kind == "filter" && params.is_object() && params.contains("id")) {
      uint64_t id = 0;
      if (!only(params, {"id"}, error) || !id_param(params, &id, error)) return false;
      const Filter* f = m.find_filter(id);
      if (f == nullptr) return fail(error, Status::FWP_FILTER_NOT_FOUND, "no filter with that id", "/params/id");
      return emit(*f, result);
    }
    Guid key;
    if (!only(params, {"key"}, error) || !key_param(params, &key, error)) return false;
    if (kind == "provider" && m.find_provider(key)) return emit(*m.find_provider(key), result);
    if (kind == "sublayer" && m.find_sublayer(key)) return emit(*m.find_sublayer(key), result);
    if (kind == "callout" && m.find_callout(key)) return emit(*m.find_callout(key), result);
    if (kind == "filter" && m.find_filter(key)) return emit(*m.find_filter(key), result);
    const Status nf = kind == "provider"   ? Status::FWP_PROVIDER_NOT_FOUND
                      : kind == "sublayer" ? Status::FWP_SUBLAYER_NOT_FOUND
                      : kind == "callout"  ? Status::FWP_CALLOUT_NOT_FOUND
                                           : Status::FWP_FILTER_NOT_FOUND;
    return fail(error, nf, "no " + kind + " with key " + key.to_string(), "/params/key");
  }
  // enum with a template
  if (!only(params, {"layer", "sublayer", "provider", "field"}, error)) return false;
  std::optional<LayerId> layer;
  std::optional<Guid> sublayer, provider;
  std::optional<FieldId> field;
  if (params.contains("layer")) {
    const LayerInfo* l = params.at("layer").is_string() ? find_layer(params.at("layer").get<std::string>()) : nullptr;
    if (l == nullptr) return fail(error, Status::FWP_LAYER_NOT_FOUND, "unknown layer", "/params/layer");
    layer = l->id;
  }
  for (const char* name : {"sublayer", "provider"}) {
    if (!params.contains(name)) continue;
    auto g = params.at(name).is_string() ? Guid::parse(params.at(name).get<std::string>()) : std::nullopt;
    if (!g) return fail(error, Status::INVALID_PARAMETER, "not a GUID", std::string("/params/") + name);
    (std::string(name) == "sublayer" ? sublayer : provider) = *g;
  }
  if (params.contains("field")) {
    field = params.at("field").is_string() ? find_field(params.at("field").get<std::string>()) : std::nullopt;
    if (!field) return fail(error, Status::FWP_CONDITION_NOT_FOUND, "unknown field", "/params/field");
  }
  json list = json::array();
  auto add = [&](const auto& obj) -> bool {
    json j;
    if (!emit(obj, &j)) return false;
    list.push_back(std::move(j));
    return true;
  };
  if (kind == "provider") {
    for (const auto& [k, p] : m.providers) {
      if (!provider || *provider == k) add(p);
    }
  } else if (kind == "sublayer") {
    for (const auto& [k, sl] : m.sublayers) {
      if ((!provider || *provider == sl.providerKey) && (!sublayer || *sublayer == k)) add(sl);
    }
  } else if (kind == "callout") {
    for (const auto& [k, c] : m.callouts) {
      if ((!provider || *provider == c.providerKey) && (!layer || *layer == c.applicableLayer)) add(c);
    }
  } else {
    for (const auto& [id, f] : m.filters) {
      if (layer && *layer != f.layerKey) continue;
      if (sublayer && *sublayer != f.subLayerKey) continue;
      if (provider && *provider != f.providerKey) continue;
      if (field && std::none_of(f.filterCondition.begin(), f.filterCondition.end(),
                                [&](const FilterCondition& c) { return c.fieldKey == *field; })) {
        continue;
      }
      if (!add(f)) return false;
    }
  }
  (*result)[plural(kind)] = std::move(list);
  return true;
}

}  // namespace openwfp::daemon
