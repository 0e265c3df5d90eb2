// The persistent objects of the management daemon (WFP's FWPM_*_FLAG_PERSISTENT
// providers, sublayers, callouts and filters): kept in an SQLite file so
// that they come back after a restart or a crash with the same keys and
// ids. The store does not know the engine's types: an object is opaque JSON
// plus the columns that identify it.
//
// Not thread-safe: one thread uses a PersistentStore at a time. Several
// connections (processes, or an EventTable) may share the file; writers
// wait for each other up to StoreOptions::busyTimeoutMs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "openwfp/status.hpp"
#include "store/sqlite_handle.hpp"
#include "store/store_options.hpp"

namespace openwfp::store {

struct StoredObject {
  std::string kind;   // "provider" | "sublayer" | "callout" | "filter"
  std::string key;    // GUID, lowercase without braces (Guid::to_string())
  uint64_t id = 0;    // the engine id (filter id, callout id), 0 if none; at most INT64_MAX
  std::string layer;  // layer name, or ""
  std::string json;

  friend bool operator==(const StoredObject&, const StoredObject&) = default;
};

struct StoredObjectKey {
  std::string kind;
  std::string key;
};

// One atomic change: the deletes run first, then the upserts (an upsert
// replaces the object of the same kind and key), then the meta values.
struct StoreChange {
  std::vector<StoredObjectKey> deletes;
  std::vector<StoredObject> upserts;
  std::vector<std::pair<std::string, std::string>> meta;
};

class PersistentStore {
 public:
  // Opens the store, creating the file (mode 0600) when missing; see
  // open_database() for what is refused.
  static Status open(const std::string& path, const StoreOptions& options, std::unique_ptr<PersistentStore>* out,
                     std::string* error);

  PersistentStore(PersistentStore&&) noexcept = default;
  PersistentStore& operator=(PersistentStore&&) noexcept = default;
  PersistentStore(const PersistentStore&) = delete;
  PersistentStore& operator=(const PersistentStore&) = delete;
  ~PersistentStore() = default;

  // All of the change or nothing, in one transaction that is on disk when
  // this returns SUCCESS; then commit_sequence() is one more. Deleting an
  // object that is not stored fails with FWP_NOT_FOUND; a second object of
  // a kind with the same non-zero id with FWP_ALREADY_EXISTS.
  Status apply(const StoreChange& change, std::string* error);

  // Every object: providers, sublayers, callouts, filters, each by id then key.
  Status load(std::vector<StoredObject>* out, std::string* error) const;

  // Successful applies since the file was created.
  uint64_t commit_sequence() const noexcept { return commitSequence_; }

  // A meta value of the store's user, in its own transaction (not an apply:
  // commit_sequence() is unchanged). The store's own keys are refused.
  Status set_meta(std::string_view key, std::string_view value, std::string* error = nullptr);
  std::optional<std::string> meta(std::string_view key) const;

 private:
  PersistentStore(Database db, uint64_t commitSequence) noexcept
      : db_(std::move(db)), commitSequence_(commitSequence) {}

  Database db_;
  uint64_t commitSequence_ = 0;
};

}  // namespace openwfp::store
