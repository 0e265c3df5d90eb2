// The management service of wfpd, independent of its transport: sessions,
// explicit transactions and the object methods over one engine, persistent
// objects written to the store on every commit, access control by the
// caller's uid and gids. A transport (the Unix socket server) opens a
// session per connection, passes each request's method and params, and
// closes the session when the connection ends, however it ends.
//
// Methods (params → result), names as in WFP's management API:
//   session.info         {} → { "session", "uid", "dynamic", "transaction" }
//   transaction.begin    {} → {}            (one per session; waits up to the
//                                              engine's transactionWait for the lock)
//   transaction.commit   {} → { "generation" }
//   transaction.abort    {} → {}
//   provider.add | sublayer.add | callout.add | filter.add
//                        { "<kind>": OBJECT } → { "key", "id"? }   (policy/object_json.hpp;
//                        "lifetime" defaults to the session's: dynamic in a dynamic session)
//   provider.delete | sublayer.delete | callout.delete   { "key" } → {}
//   filter.delete        { "key" } | { "id" } → {}
//   provider.get | sublayer.get | callout.get | filter.get   { "key" } (filter: or "id") → OBJECT
//   provider.enum | sublayer.enum | callout.enum | filter.enum
//                        { "layer"?, "sublayer"?, "provider"?, "field"? } → { "<kind>s": [OBJECT...] }
//   events.enum          { "type"?, "layer"?, "filter"?, "after"?, "limit"?, "stored"? } → { "events", "last", "gap", "lost", "stats" }
//   events.subscribe     { "type"?, "layer"?, "filter"? } → { "last" }, then the connection streams events
//   filter.counters      { "id"? } → { "counters": [ { "id", "hits", "permits", "blocks" } ], "uncounted" }
//   engine.explain       { "layer", "fields": { NAME: VALUE } } → the decision and its trace (explain/explain.hpp)
//   policy.export        {} → { "policy": a policy file of every object not built in (policy/export.hpp) }
//   daemon.status        {} → { "generation", "sessions", "events", "replay"? }
// Without an explicit transaction a change runs in an implicit one. Reads
// inside a transaction see its uncommitted objects; outside, the committed
// state. Errors carry the WFP status and, where one field is at fault, its
// JSON pointer.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "daemon/event_hub.hpp"
#include "openwfp/engine.hpp"
#include "store/persistent_store.hpp"

namespace openwfp::daemon {

struct Caller {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary groups
};

struct AccessConfig {
  int64_t adminGroup = -1;  // gid allowed to change state besides root (-1: none)
  int64_t readGroup = -1;   // gid allowed to read state besides root and the admin group (-1: everyone may read)
};

struct CallError {
  Status status = Status::SUCCESS;
  std::string message;
  std::string field;  // JSON pointer into the request, when one field is at fault
};

using SessionId = uint64_t;

class ReplaySource;
}  // namespace openwfp::daemon
namespace openwfp::live {
class LiveSource;
}  // namespace openwfp::live
namespace openwfp::daemon {

// What the service may show of the data path; each may be null.
struct DataPath {
  EventHub* events = nullptr;
  ReplaySource* replay = nullptr;
  live::LiveSource* live = nullptr;
};

class Service {
 public:
  // `store` may be null (nothing persists).
  Service(Engine& engine, store::PersistentStore* store, AccessConfig access);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // A dynamic session's dynamic objects go when it closes.
  SessionId open_session(const Caller& caller, bool dynamic = true);
  // Aborts the session's transaction and deletes its dynamic objects (one
  // transaction). Unknown ids are ignored.
  void close_session(SessionId session);
  size_t session_count() const;

  // One request. False with `error` on any failure; then nothing changed.
  bool call(SessionId session, const std::string& method, const nlohmann::json& params, nlohmann::json* result,
            CallError* error);

  // Before serving requests.
  void set_data_path(DataPath dataPath) { dataPath_ = dataPath; }
  const EventHub* event_hub() const noexcept { return dataPath_.events; }
  // The filter members of events.enum / events.subscribe params (type,
  // layer, filter; after and limit when `paging`). False with `error`.
  static bool event_query(const nlohmann::json& params, EventQuery* out, CallError* error, bool paging = false);

  // Store changes the engine then refused and the store could not take back
  // (logged and counted).
  uint64_t store_failures() const noexcept { return storeFailures_; }

 private:
  struct Session;
  Session* find(SessionId id);
  bool allowed(const Caller& caller, bool change) const;
  bool commit(Session& s, Transaction& txn, nlohmann::json* result, CallError* error);
  bool change(Session& s, const std::string& method, const nlohmann::json& params, nlohmann::json* result,
              CallError* error);
  bool monitor(Session& s, const std::string& method, const nlohmann::json& params, nlohmann::json* result,
               CallError* error);
  bool read(Session& s, const std::string& method, const nlohmann::json& params, nlohmann::json* result,
            CallError* error);

  Engine& engine_;
  store::PersistentStore* store_;
  AccessConfig access_;
  DataPath dataPath_;
  mutable std::mutex mutex_;  // sessions_ (each request runs with its session found under it)
  std::map<SessionId, std::unique_ptr<Session>> sessions_;
  SessionId nextSession_ = 1;
  std::mutex storeMutex_;  // the store is used by one thread at a time
  std::atomic<uint64_t> storeFailures_{0};
};

}  // namespace openwfp::daemon
