#include "flow-monitor/record_pool.hpp"

namespace openwfp::callouts::flow_monitor {
namespace {

constexpr uint64_t kIdMask = 0xFFFFFFFFu;

uint64_t pack(uint64_t counter, uint32_t top) noexcept { return (counter << 32) | top; }

}  // namespace

RecordPool::RecordPool(uint32_t capacity) : capacity_(capacity), entries_(new Entry[capacity]) {
  // Pushed highest first so that the lowest ids are handed out first.
  for (uint32_t id = capacity_; id >= 1; --id) push(id);
  inUse_.store(0, std::memory_order_relaxed);
}

void RecordPool::push(uint32_t id) noexcept {
  uint64_t head = head_.load(std::memory_order_relaxed);
  for (;;) {
    entries_[id - 1].next.store(static_cast<uint32_t>(head & kIdMask), std::memory_order_relaxed);
    // Release: the record's contents reach whoever pops it next.
    if (head_.compare_exchange_weak(head, pack((head >> 32) + 1, id), std::memory_order_release,
                                    std::memory_order_relaxed)) {
      return;
    }
  }
}

uint32_t RecordPool::acquire() noexcept {
  uint64_t head = head_.load(std::memory_order_acquire);
  for (;;) {
    const auto top = static_cast<uint32_t>(head & kIdMask);
    if (top == 0) return 0;
    // A racing pop may have taken `top` and its entry's next may be changing;
    // then the compare-exchange below fails (the counter moved) and we retry.
    const uint32_t below = entries_[top - 1].next.load(std::memory_order_relaxed);
    if (head_.compare_exchange_weak(head, pack((head >> 32) + 1, below), std::memory_order_acquire,
                                    std::memory_order_acquire)) {
      Entry& e = entries_[top - 1];
      e.record = FlowRecord{};
      e.taken.store(true, std::memory_order_relaxed);
      inUse_.fetch_add(1, std::memory_order_relaxed);
      return top;
    }
  }
}

bool RecordPool::release(uint32_t id) noexcept {
  if (id == 0 || id > capacity_) return false;
  if (!entries_[id - 1].taken.exchange(false, std::memory_order_relaxed)) return false;
  inUse_.fetch_sub(1, std::memory_order_relaxed);
  push(id);
  return true;
}

FlowRecord* RecordPool::find(uint32_t id) noexcept {
  if (id == 0 || id > capacity_) return nullptr;
  Entry& e = entries_[id - 1];
  return e.taken.load(std::memory_order_relaxed) ? &e.record : nullptr;
}

}  // namespace openwfp::callouts::flow_monitor
