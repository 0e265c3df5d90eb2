// wfpd's net events (FWPM_NET_EVENT*): one collector thread drains the
// data-path workers' rings (each worker's events::Recorder), numbers the
// events, keeps the newest in a bounded in-memory ring for enumeration and
// subscribers, and appends them in batches to the store's bounded event
// table. Every place an event can be lost counts it:
//   - a worker's ring full (events::EventRing::lost, per worker),
//   - the memory ring full: the oldest leave it (droppedFromMemory; they
//     are still in the store table),
//   - the store table at its cap: the oldest rows are deleted
//     (store::EventTable::events_dropped),
//   - a store write failing (storeFailures; logged).
// The data path never waits for any of this.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <optional>
#include <thread>
#include <vector>

#include "events/net_event.hpp"
#include "events/recorder.hpp"
#include "store/event_table.hpp"

namespace openwfp::daemon {

struct EventHubConfig {
  size_t memoryEvents = 16384;                    // the in-memory ring's cap
  size_t storedEvents = 100000;                   // the store table's cap (what stored() reads at most)
  std::chrono::milliseconds flushInterval{100};   // how often the rings are drained
};

struct NumberedEvent {
  uint64_t sequence = 0;
  events::NetEvent event;
};

// Which events a reader wants; empty members match everything.
struct EventQuery {
  std::optional<events::NetEventType> type;
  std::optional<uint16_t> layerId;
  std::optional<uint64_t> filterId;
  uint64_t after = 0;   // sequences above this
  size_t limit = 1000;  // at most this many, the oldest first
  bool matches(const NumberedEvent& e) const noexcept;
};

struct EventHubStats {
  uint64_t collected = 0;          // events taken from the workers' rings
  uint64_t lostInRings = 0;        // events the workers' rings had no room for
  uint64_t droppedFromMemory = 0;  // left the memory ring to make room
  uint64_t storedDropped = 0;      // rows the store table deleted to keep its cap
  uint64_t storeFailures = 0;      // batches the store refused
  uint64_t lastSequence = 0;
  size_t inMemory = 0;
  size_t memoryCap = 0;
};

class EventHub {
 public:
  // `table` may be null (nothing is stored). Numbering continues after the
  // table's last sequence.
  EventHub(EventHubConfig config, store::EventTable* table);
  ~EventHub();  // stop()
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // The workers' recorders; before start(). The hub reads their rings only.
  void attach(std::vector<events::Recorder*> recorders);
  void start();
  // Stops the collector and drains what is left; the recorders are not
  // read after it returns.
  void stop();
  // Drains the rings now (the collector does it every flushInterval); for
  // a caller that wants what happened so far, e.g. before enumerating.
  void collect();

  // Matching events in the memory ring (the oldest first) and the last
  // sequence given so far. `*gap` (optional) is set when events after
  // query.after already left the memory ring.
  std::vector<NumberedEvent> query(const EventQuery& query, uint64_t* last, bool* gap = nullptr) const;
  // Matching events in the store's table (which outlives restarts and keeps
  // more than memory), the oldest first, as their JSON. False with `error`
  // when there is no table or it cannot be read.
  bool stored(const EventQuery& query, std::vector<nlohmann::json>* out, std::string* error);
  // Waits until an event above `after` exists, stop() is called, or
  // `timeout` passes; true when there is one.
  bool wait(uint64_t after, std::chrono::milliseconds timeout) const;

  EventHubStats stats() const;

 private:
  void run();
  void drain();  // under drainMutex_

  EventHubConfig config_;
  store::EventTable* table_;
  std::vector<events::Recorder*> recorders_;
  std::mutex drainMutex_;  // one drain at a time (collector or collect())
  std::vector<events::NetEvent> batch_;       // drain scratch
  std::vector<store::StoredEvent> stored_;    // drain scratch
  mutable std::mutex mutex_;                  // memory_, stats_, stopping_
  mutable std::condition_variable changed_;   // new events or stopping
  std::deque<NumberedEvent> memory_;
  EventHubStats stats_;
  uint64_t startSequence_ = 0;  // the last sequence before this run
  bool stopping_ = false;
  std::thread collector_;
};

}  // namespace openwfp::daemon
