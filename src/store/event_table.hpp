// Recent net events (FWPM_NET_EVENT*) in the store file, in their own
// table: bounded to StoreOptions::maxEvents rows, the oldest deleted first
// and counted. The daemon batches events and appends each batch in one
// transaction (one sync per batch, not per event).
//
// Opens its own connection to the file, so that the thread writing events
// and the one applying object changes do not share a connection; SQLite
// serialises their transactions. Not thread-safe itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "openwfp/status.hpp"
#include "store/sqlite_handle.hpp"
#include "store/store_options.hpp"

namespace openwfp::store {

struct StoredEvent {
  uint64_t sequence = 0;  // > 0, at most INT64_MAX, increasing from batch to batch
  int64_t timeUs = 0;
  std::string type;  // e.g. "CLASSIFY_DROP"; not empty
  std::string json;

  friend bool operator==(const StoredEvent&, const StoredEvent&) = default;
};

class EventTable {
 public:
  // Opens (creating, migrating) the store file like PersistentStore::open;
  // a table above options.maxEvents (a smaller cap than before) is cut now.
  static Status open(const std::string& path, const StoreOptions& options, std::unique_ptr<EventTable>* out,
                     std::string* error);

  EventTable(EventTable&&) noexcept = default;
  EventTable& operator=(EventTable&&) noexcept = default;
  EventTable(const EventTable&) = delete;
  EventTable& operator=(const EventTable&) = delete;
  ~EventTable() = default;

  // The whole batch or nothing, with the cut to maxEvents in the same
  // transaction. Each sequence must be above every stored one and the
  // previous one of the batch.
  Status append(std::span<const StoredEvent> events, std::string* error);

  // The newest `limit` events whose sequence is above afterSequence, oldest
  // first. A reader polling with its last sequence sees a gap when more
  // than `limit` arrived in between, or when the cap removed some.
  Status recent(size_t limit, uint64_t afterSequence, std::vector<StoredEvent>* out,
                std::string* error = nullptr) const;

  // Rows removed to keep the cap, since the file was created.
  uint64_t events_dropped() const;
  size_t event_count() const;
  // The highest stored sequence (0 when empty): where a restarted daemon
  // continues its numbering.
  uint64_t last_sequence() const;

 private:
  EventTable(Database db, size_t maxEvents) noexcept : db_(std::move(db)), maxEvents_(maxEvents) {}
  // Deletes the oldest rows above the cap; inside the caller's transaction.
  Status trim(std::string* error);

  Database db_;
  size_t maxEvents_;
};

}  // namespace openwfp::store
