#include "store/event_table.hpp"

#include <algorithm>
#include <limits>

#include "store/database.hpp"
#include "store/meta.hpp"
#include "store/schema.hpp"

namespace openwfp::store {
namespace {

constexpr uint64_t kMaxSequence = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

Status closed(std::string* error) { return failure(Status::INVALID_PARAMETER, "the event table is not open", error); }

// A single-row, single-column query (count, max); 0 on failure or NULL.
Status query_int64(sqlite3* db, const char* sql, int64_t* value, std::string* error) {
  *value = 0;
  Statement stmt;
  if (Status s = Statement::prepare(db, sql, &stmt, error); s != Status::SUCCESS) return s;
  const int rc = stmt.step();
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, "reading the event table", error);
  *value = stmt.column_int64(0);
  return Status::SUCCESS;
}

int64_t clamp_to_int64(uint64_t v) noexcept { return static_cast<int64_t>(std::min(v, kMaxSequence)); }

}  // namespace

Status EventTable::open(const std::string& path, const StoreOptions& options, std::unique_ptr<EventTable>* out,
                        std::string* error) {
  out->reset();
  if (options.maxEvents == 0 || options.maxEvents > kMaxSequence) {
    return failure(Status::INVALID_PARAMETER, "maxEvents must be at least 1", error);
  }
  Database db;
  if (Status s = open_database(path, options, &db, error); s != Status::SUCCESS) return s;
  std::unique_ptr<EventTable> table(new EventTable(std::move(db), options.maxEvents));
  if (table->event_count() > options.maxEvents) {
    Transaction txn(table->db_.get());
    if (Status s = txn.begin(error); s != Status::SUCCESS) return s;
    if (Status s = table->trim(error); s != Status::SUCCESS) return s;
    if (Status s = txn.commit(error); s != Status::SUCCESS) return s;
  }
  *out = std::move(table);
  return Status::SUCCESS;
}

Status EventTable::trim(std::string* error) {
  sqlite3* db = db_.get();
  int64_t count = 0;
  if (Status s = query_int64(db, "SELECT count(*) FROM events", &count, error); s != Status::SUCCESS) return s;
  const auto cap = static_cast<int64_t>(maxEvents_);
  if (count <= cap) return Status::SUCCESS;

  Statement erase;
  if (Status s = Statement::prepare(
          db, "DELETE FROM events WHERE sequence IN (SELECT sequence FROM events ORDER BY sequence LIMIT ?1)", &erase,
          error);
      s != Status::SUCCESS) {
    return s;
  }
  erase.bind_int64(1, count - cap);
  const int rc = erase.step();
  if (rc != SQLITE_DONE) return sqlite_failure(db, rc, "removing the oldest events", error);
  const auto removed = static_cast<uint64_t>(sqlite3_changes64(db));

  uint64_t dropped = 0;
  if (Status s = read_meta_counter(db, kEventsDroppedKey, &dropped, error); s != Status::SUCCESS) return s;
  return write_meta(db, kEventsDroppedKey, std::to_string(dropped + removed), error);
}

Status EventTable::append(std::span<const StoredEvent> events, std::string* error) {
  sqlite3* db = db_.get();
  if (db == nullptr) return closed(error);
  if (events.empty()) return Status::SUCCESS;
  Transaction txn(db);
  if (Status s = txn.begin(error); s != Status::SUCCESS) return s;
  int64_t last = 0;
  if (Status s = query_int64(db, "SELECT max(sequence) FROM events", &last, error); s != Status::SUCCESS) return s;

  Statement insert;
  if (Status s = Statement::prepare(db, "INSERT INTO events (sequence, time_us, type, json) VALUES (?1, ?2, ?3, ?4)",
                                    &insert, error);
      s != Status::SUCCESS) {
    return s;
  }
  auto previous = static_cast<uint64_t>(last);
  for (const StoredEvent& e : events) {
    if (e.sequence <= previous || e.sequence > kMaxSequence) {
      return failure(Status::INVALID_PARAMETER,
                     "event sequence " + std::to_string(e.sequence) + " is not after " + std::to_string(previous),
                     error);
    }
    if (e.type.empty()) return failure(Status::INVALID_PARAMETER, "an event needs a type", error);
    previous = e.sequence;
    insert.reset();
    insert.bind_int64(1, static_cast<int64_t>(e.sequence));
    insert.bind_int64(2, e.timeUs);
    insert.bind_text(3, e.type);
    insert.bind_text(4, e.json);
    const int rc = insert.step();
    if (rc != SQLITE_DONE) return sqlite_failure(db, rc, "storing event " + std::to_string(e.sequence), error);
  }
  if (Status s = trim(error); s != Status::SUCCESS) return s;
  return txn.commit(error);
}

Status EventTable::recent(size_t limit, uint64_t afterSequence, std::vector<StoredEvent>* out,
                          std::string* error) const {
  out->clear();
  sqlite3* db = db_.get();
  if (db == nullptr) return closed(error);
  Statement select;
  if (Status s = Statement::prepare(db,
                                    "SELECT sequence, time_us, type, json FROM "
                                    "(SELECT * FROM events WHERE sequence > ?1 ORDER BY sequence DESC LIMIT ?2) "
                                    "ORDER BY sequence",
                                    &select, error);
      s != Status::SUCCESS) {
    return s;
  }
  select.bind_int64(1, clamp_to_int64(afterSequence));
  select.bind_int64(2, clamp_to_int64(limit));
  int rc = SQLITE_ROW;
  while ((rc = select.step()) == SQLITE_ROW) {
    StoredEvent e;
    e.sequence = static_cast<uint64_t>(select.column_int64(0));
    e.timeUs = select.column_int64(1);
    e.type = select.column_text(2);
    e.json = select.column_text(3);
    out->push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) {
    out->clear();
    return sqlite_failure(db, rc, "reading events", error);
  }
  return Status::SUCCESS;
}

uint64_t EventTable::events_dropped() const {
  uint64_t dropped = 0;
  if (db_ != nullptr) read_meta_counter(db_.get(), kEventsDroppedKey, &dropped, nullptr);
  return dropped;
}

size_t EventTable::event_count() const {
  int64_t count = 0;
  if (db_ != nullptr) query_int64(db_.get(), "SELECT count(*) FROM events", &count, nullptr);
  return static_cast<size_t>(count);
}

uint64_t EventTable::last_sequence() const {
  int64_t last = 0;
  if (db_ != nullptr) query_int64(db_.get(), "SELECT max(sequence) FROM events", &last, nullptr);
  return static_cast<uint64_t>(last);
}

}  // namespace openwfp::store
