#include "events/event_ring.hpp"

#include <bit>

namespace openwfp::events {

EventRing::EventRing(size_t capacity)
    : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1), slots_(new NetEvent[mask_ + 1]) {}

bool EventRing::push(const NetEvent& event) noexcept {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_.load(std::memory_order_acquire) > mask_) {
    lost_.store(lost_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return false;
  }
  slots_[head & mask_] = event;
  head_.store(head + 1, std::memory_order_release);
  return true;
}

size_t EventRing::pop(NetEvent* out, size_t max) noexcept {
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  const uint64_t available = head_.load(std::memory_order_acquire) - tail;
  const size_t n = static_cast<size_t>(available < max ? available : max);
  for (size_t i = 0; i < n; ++i) out[i] = slots_[(tail + i) & mask_];
  tail_.store(tail + n, std::memory_order_release);
  return n;
}

}  // namespace openwfp::events
