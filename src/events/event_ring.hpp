// One data-path worker's net events on their way to the daemon: a
// single-producer single-consumer ring of fixed capacity (a power of two,
// allocated once). The worker pushes without locks or allocation; when the
// ring is full the new event is not recorded and counted as lost. The
// daemon's collector pops from another thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "events/net_event.hpp"

namespace openwfp::events {

class EventRing {
 public:
  // Capacity rounded up to a power of two (at least 2).
  explicit EventRing(size_t capacity);
  EventRing(const EventRing&) = delete;
  EventRing& operator=(const EventRing&) = delete;

  // Producer side. False (and counted in lost()) when full.
  bool push(const NetEvent& event) noexcept;
  // Consumer side: up to `max` events, the oldest first.
  size_t pop(NetEvent* out, size_t max) noexcept;

  size_t capacity() const noexcept { return mask_ + 1; }
  uint64_t pushed() const noexcept { return head_.load(std::memory_order_acquire); }
  uint64_t lost() const noexcept { return lost_.load(std::memory_order_relaxed); }

 private:
  size_t mask_;
  std::unique_ptr<NetEvent[]> slots_;
  alignas(64) std::atomic<uint64_t> head_{0};  // written by the producer
  std::atomic<uint64_t> lost_{0};              // written by the producer
  alignas(64) std::atomic<uint64_t> tail_{0};  // written by the consumer
};

}  // namespace openwfp::events
