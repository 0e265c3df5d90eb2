#include "dpi-block/stream_slots.hpp"

namespace openwfp::callouts::dpi {
namespace {

constexpr uint64_t pack(uint32_t counter, uint32_t id) noexcept { return (uint64_t{counter} << 32) | id; }
constexpr uint32_t id_of(uint64_t head) noexcept { return static_cast<uint32_t>(head & 0xffffffffu); }
constexpr uint32_t counter_of(uint64_t head) noexcept { return static_cast<uint32_t>(head >> 32); }

}  // namespace

StreamSlots::StreamSlots(uint32_t capacity)
    : head_(pack(0, capacity > 0 ? 1 : 0)),
      next_(std::make_unique<std::atomic<uint32_t>[]>(size_t{capacity} + 1)),
      capacity_(capacity) {
  // 1 on top, then 2, 3, ... capacity, then 0 (the bottom).
  for (uint32_t id = 1; id <= capacity; ++id) {
    next_[id].store(id < capacity ? id + 1 : 0, std::memory_order_relaxed);
  }
}

uint32_t StreamSlots::acquire() noexcept {
  uint64_t head = head_.load(std::memory_order_acquire);
  while (true) {
    const uint32_t top = id_of(head);
    if (top == 0) return 0;
    const uint32_t below = next_[top].load(std::memory_order_relaxed);
    // acquire: what the releasing thread did to the stream before release()
    // (resetting its state) is visible to the thread that gets the id.
    if (head_.compare_exchange_weak(head, pack(counter_of(head) + 1, below), std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      return top;
    }
  }
}

void StreamSlots::release(uint32_t id) noexcept {
  uint64_t head = head_.load(std::memory_order_relaxed);
  while (true) {
    next_[id].store(id_of(head), std::memory_order_relaxed);
    if (head_.compare_exchange_weak(head, pack(counter_of(head) + 1, id), std::memory_order_release,
                                    std::memory_order_relaxed)) {
      return;
    }
  }
}

}  // namespace openwfp::callouts::dpi
