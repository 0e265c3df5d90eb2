#include "inspect/slot_pool.hpp"

namespace openwfp::callouts::inspect {

SlotPool::SlotPool(uint32_t capacity) : capacity_(capacity), next_(new std::atomic<uint32_t>[capacity]) {
  // Chained lowest first, so the lowest ids are handed out first.
  for (uint32_t id = 1; id <= capacity_; ++id) next_[id - 1].store(id < capacity_ ? id + 1 : 0);
  head_.store(capacity_ > 0 ? 1 : 0);
}

uint32_t SlotPool::acquire() noexcept {
  uint64_t head = head_.load(std::memory_order_acquire);
  for (;;) {
    const auto top = static_cast<uint32_t>(head & 0xFFFFFFFFu);
    if (top == 0) return 0;
    const uint32_t below = next_[top - 1].load(std::memory_order_relaxed);
    const uint64_t next = (((head >> 32) + 1) << 32) | below;
    if (head_.compare_exchange_weak(head, next, std::memory_order_acquire, std::memory_order_acquire)) {
      inUse_.fetch_add(1, std::memory_order_relaxed);
      return top;
    }
  }
}

void SlotPool::release(uint32_t id) noexcept {
  if (id == 0 || id > capacity_) return;
  inUse_.fetch_sub(1, std::memory_order_relaxed);
  uint64_t head = head_.load(std::memory_order_relaxed);
  for (;;) {
    next_[id - 1].store(static_cast<uint32_t>(head & 0xFFFFFFFFu), std::memory_order_relaxed);
    const uint64_t next = (((head >> 32) + 1) << 32) | id;
    if (head_.compare_exchange_weak(head, next, std::memory_order_release, std::memory_order_relaxed)) return;
  }
}

}  // namespace openwfp::callouts::inspect
