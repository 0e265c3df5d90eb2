#include "daemon/event_hub.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "daemon/event_json.hpp"
#include "openwfp/layers.hpp"

namespace openwfp::daemon {

bool EventQuery::matches(const NumberedEvent& e) const noexcept {
  if (e.sequence <= after) return false;
  if (type && *type != e.event.type) return false;
  if (layerId && *layerId != e.event.layerId) return false;
  if (filterId && *filterId != e.event.filterId) return false;
  return true;
}

EventHub::EventHub(EventHubConfig config, store::EventTable* table) : config_(config), table_(table) {
  if (config_.memoryEvents == 0) config_.memoryEvents = 1;
  stats_.memoryCap = config_.memoryEvents;
  if (table_ != nullptr) {
    stats_.lastSequence = table_->last_sequence();
    startSequence_ = stats_.lastSequence;
    stats_.storedDropped = table_->events_dropped();
  }
}

EventHub::~EventHub() { stop(); }

void EventHub::attach(std::vector<events::Recorder*> recorders) { recorders_ = std::move(recorders); }

void EventHub::start() {
  if (collector_.joinable()) return;
  collector_ = std::thread([this] { run(); });
}

void EventHub::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (collector_.joinable()) collector_.join();
  std::lock_guard lock(drainMutex_);
  drain();  // what the workers left
  recorders_.clear();  // they may go now
}

void EventHub::collect() {
  std::lock_guard lock(drainMutex_);
  drain();
}

void EventHub::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, config_.flushInterval, [this] { return stopping_; });
    lock.unlock();
    collect();
    lock.lock();
  }
}

void EventHub::drain() {
  constexpr size_t kChunk = 1024;
  batch_.resize(kChunk);
  uint64_t lost = 0;
  std::vector<NumberedEvent> fresh;
  for (events::Recorder* r : recorders_) {
    lost += r->ring().lost();
    for (;;) {
      const size_t n = r->ring().pop(batch_.data(), kChunk);
      for (size_t i = 0; i < n; ++i) fresh.push_back(NumberedEvent{0, batch_[i]});
      if (n < kChunk) break;
    }
  }
  uint64_t first = 0;
  {
    std::lock_guard lock(mutex_);
    stats_.lostInRings = lost;
    if (fresh.empty()) return;
    first = stats_.lastSequence + 1;
    for (NumberedEvent& e : fresh) e.sequence = ++stats_.lastSequence;
    stats_.collected += fresh.size();
    for (const NumberedEvent& e : fresh) {
      if (memory_.size() >= config_.memoryEvents) {
        memory_.pop_front();
        ++stats_.droppedFromMemory;
      }
      memory_.push_back(e);
    }
    stats_.inMemory = memory_.size();
  }
  changed_.notify_all();
  if (table_ == nullptr) return;
  // One store transaction (one sync) per drain.
  stored_.clear();
  for (const NumberedEvent& e : fresh) {
    stored_.push_back(store::StoredEvent{e.sequence, static_cast<int64_t>(e.event.timeUs),
                                         events::net_event_type_name(e.event.type), event_json(e).dump()});
  }
  std::string error;
  const Status st = table_->append(stored_, &error);
  std::lock_guard lock(mutex_);
  if (st != Status::SUCCESS) {
    ++stats_.storeFailures;
    std::fprintf(stderr, "wfpd: events %llu..%llu not stored: %s\n", static_cast<unsigned long long>(first),
                 static_cast<unsigned long long>(stats_.lastSequence), error.c_str());
  }
  stats_.storedDropped = table_->events_dropped();
}

std::vector<NumberedEvent> EventHub::query(const EventQuery& q, uint64_t* last, bool* gap) const {
  std::vector<NumberedEvent> out;
  std::lock_guard lock(mutex_);
  if (last != nullptr) *last = stats_.lastSequence;
  // Events of this run above `after` that are no longer in memory.
  if (gap != nullptr) *gap = !memory_.empty() && memory_.front().sequence > std::max(q.after, startSequence_) + 1;
  // Sequences in memory are consecutive: start at the first above `after`.
  size_t start = 0;
  if (!memory_.empty() && q.after >= memory_.front().sequence) {
    start = q.after - memory_.front().sequence + 1;
  }
  for (size_t i = start; i < memory_.size() && out.size() < q.limit; ++i) {
    if (q.matches(memory_[i])) out.push_back(memory_[i]);
  }
  return out;
}

bool EventHub::stored(const EventQuery& q, std::vector<nlohmann::json>* out, std::string* error) {
  out->clear();
  if (table_ == nullptr) {
    *error = "this daemon keeps no events in a store";
    return false;
  }
  std::vector<store::StoredEvent> rows;
  {
    std::lock_guard lock(drainMutex_);  // the table's connection is the collector's too
    if (table_->recent(config_.storedEvents, q.after, &rows, error) != Status::SUCCESS) return false;
  }
  const LayerInfo* layer = q.layerId ? find_layer(*q.layerId) : nullptr;
  for (const store::StoredEvent& row : rows) {
    if (out->size() >= q.limit) break;
    if (q.type && row.type != events::net_event_type_name(*q.type)) continue;
    nlohmann::json j = nlohmann::json::parse(row.json, nullptr, false);
    if (!j.is_object()) continue;  // (written by this code; never expected)
    if (layer != nullptr && j.value("layer", "") != layer->name) continue;
    if (q.filterId && j.value("filterId", uint64_t{0}) != *q.filterId) continue;
    out->push_back(std::move(j));
  }
  return true;
}

bool EventHub::wait(uint64_t after, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return stopping_ || stats_.lastSequence > after; });
  return stats_.lastSequence > after;
}

EventHubStats EventHub::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace openwfp::daemon
