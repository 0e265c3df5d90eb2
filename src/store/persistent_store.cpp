#include "store/persistent_store.hpp"

#include <cstdint>
#include <limits>

#include "openwfp/guid.hpp"
#include "store/database.hpp"
#include "store/meta.hpp"
#include "store/schema.hpp"

namespace openwfp::store {
namespace {

constexpr uint64_t kMaxId = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

std::string describe(std::string_view kind, std::string_view key) {
  return std::string(kind) + " '" + std::string(key) + "'";
}

// Checked here as well as by the schema, for a message that says what is wrong.
Status validate_key(std::string_view kind, std::string_view key, std::string* error) {
  if (!is_object_kind(kind)) {
    return failure(Status::INVALID_PARAMETER, "unknown object kind '" + std::string(kind) + "'", error);
  }
  // One spelling per GUID, so that the same object can never be stored twice.
  const std::optional<Guid> guid = Guid::parse(key);
  if (!guid || guid->to_string() != key) {
    return failure(Status::INVALID_PARAMETER,
                   describe(kind, key) + ": the key must be a GUID in lowercase without braces", error);
  }
  return Status::SUCCESS;
}

Status closed(std::string* error) { return failure(Status::INVALID_PARAMETER, "the store is not open", error); }

}  // namespace

Status PersistentStore::open(const std::string& path, const StoreOptions& options,
                             std::unique_ptr<PersistentStore>* out, std::string* error) {
  out->reset();
  Database db;
  if (Status s = open_database(path, options, &db, error); s != Status::SUCCESS) return s;
  uint64_t sequence = 0;
  if (Status s = read_meta_counter(db.get(), kCommitSequenceKey, &sequence, error); s != Status::SUCCESS) return s;
  out->reset(new PersistentStore(std::move(db), sequence));
  return Status::SUCCESS;
}

Status PersistentStore::apply(const StoreChange& change, std::string* error) {
  sqlite3* db = db_.get();
  if (db == nullptr) return closed(error);
  Transaction txn(db);
  if (Status s = txn.begin(error); s != Status::SUCCESS) return s;
  // Read under the write lock: another connection may have applied since.
  uint64_t sequence = 0;
  if (Status s = read_meta_counter(db, kCommitSequenceKey, &sequence, error); s != Status::SUCCESS) return s;

  Statement erase;
  if (Status s = Statement::prepare(db, "DELETE FROM objects WHERE kind = ?1 AND key = ?2", &erase, error);
      s != Status::SUCCESS) {
    return s;
  }
  for (const StoredObjectKey& k : change.deletes) {
    if (Status s = validate_key(k.kind, k.key, error); s != Status::SUCCESS) return s;
    erase.reset();
    erase.bind_text(1, k.kind);
    erase.bind_text(2, k.key);
    const int rc = erase.step();
    if (rc != SQLITE_DONE) return sqlite_failure(db, rc, "deleting " + describe(k.kind, k.key), error);
    if (sqlite3_changes(db) == 0) {
      return failure(Status::FWP_NOT_FOUND, "deleting " + describe(k.kind, k.key) + ": not stored", error);
    }
  }

  Statement upsert;
  if (Status s = Statement::prepare(db,
                                    "INSERT INTO objects (kind, key, id, layer, json) VALUES (?1, ?2, ?3, ?4, ?5) "
                                    "ON CONFLICT (kind, key) DO UPDATE SET "
                                    "id = excluded.id, layer = excluded.layer, json = excluded.json",
                                    &upsert, error);
      s != Status::SUCCESS) {
    return s;
  }
  for (const StoredObject& o : change.upserts) {
    if (Status s = validate_key(o.kind, o.key, error); s != Status::SUCCESS) return s;
    if (o.id > kMaxId) {
      return failure(Status::INVALID_PARAMETER, describe(o.kind, o.key) + ": id above INT64_MAX", error);
    }
    upsert.reset();
    upsert.bind_text(1, o.kind);
    upsert.bind_text(2, o.key);
    upsert.bind_int64(3, static_cast<int64_t>(o.id));
    upsert.bind_text(4, o.layer);
    upsert.bind_text(5, o.json);
    const int rc = upsert.step();
    if (rc != SQLITE_DONE) return sqlite_failure(db, rc, "storing " + describe(o.kind, o.key), error);
  }

  for (const auto& [key, value] : change.meta) {
    if (key.empty() || is_reserved_meta_key(key)) {
      return failure(Status::INVALID_PARAMETER, "meta key '" + key + "' is reserved or empty", error);
    }
    if (Status s = write_meta(db, key, value, error); s != Status::SUCCESS) return s;
  }
  if (Status s = write_meta(db, kCommitSequenceKey, std::to_string(sequence + 1), error); s != Status::SUCCESS) {
    return s;
  }
  if (Status s = txn.commit(error); s != Status::SUCCESS) return s;
  commitSequence_ = sequence + 1;
  return Status::SUCCESS;
}

Status PersistentStore::load(std::vector<StoredObject>* out, std::string* error) const {
  out->clear();
  sqlite3* db = db_.get();
  if (db == nullptr) return closed(error);
  Statement select;
  if (Status s = Statement::prepare(db,
                                    "SELECT o.kind, o.key, o.id, o.layer, o.json FROM objects AS o "
                                    "JOIN object_kinds AS k ON k.kind = o.kind ORDER BY k.rank, o.id, o.key",
                                    &select, error);
      s != Status::SUCCESS) {
    return s;
  }
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    StoredObject o;
    o.kind = select.column_text(0);
    o.key = select.column_text(1);
    o.id = static_cast<uint64_t>(select.column_int64(2));
    o.layer = select.column_text(3);
    o.json = select.column_text(4);
    out->push_back(std::move(o));
  }
  if (rc != SQLITE_DONE) {
    out->clear();
    return sqlite_failure(db, rc, "loading the objects", error);
  }
  return Status::SUCCESS;
}

Status PersistentStore::set_meta(std::string_view key, std::string_view value, std::string* error) {
  sqlite3* db = db_.get();
  if (db == nullptr) return closed(error);
  if (key.empty() || is_reserved_meta_key(key)) {
    return failure(Status::INVALID_PARAMETER, "meta key '" + std::string(key) + "' is reserved or empty", error);
  }
  Transaction txn(db);
  if (Status s = txn.begin(error); s != Status::SUCCESS) return s;
  if (Status s = write_meta(db, key, value, error); s != Status::SUCCESS) return s;
  return txn.commit(error);
}

std::optional<std::string> PersistentStore::meta(std::string_view key) const {
  std::optional<std::string> value;
  if (db_ == nullptr || read_meta(db_.get(), key, &value, nullptr) != Status::SUCCESS) return std::nullopt;
  return value;
}

}  // namespace openwfp::store
