// A fixed set of slot ids (1..capacity, 0 for none) handed out and taken
// back without locks or allocation: the data path takes a slot for each
// operation or packet it holds and gives it back when the DPC or the
// injection's completion is done with it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace openwfp::callouts::inspect {

class SlotPool {
 public:
  explicit SlotPool(uint32_t capacity);
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  uint32_t acquire() noexcept;           // 0 when every slot is taken
  void release(uint32_t id) noexcept;    // an id from acquire(), given back once
  uint32_t capacity() const noexcept { return capacity_; }
  uint32_t in_use() const noexcept { return inUse_.load(std::memory_order_relaxed); }

 private:
  uint32_t capacity_;
  std::unique_ptr<std::atomic<uint32_t>[]> next_;  // next_[id - 1]: the id below it on the free stack
  // The top id (low 32 bits) beside a change counter (high 32 bits) that
  // every push and pop bumps, so a stale pop fails its compare-exchange (ABA).
  std::atomic<uint64_t> head_{0};
  std::atomic<uint32_t> inUse_{0};
};

}  // namespace openwfp::callouts::inspect
