// The free list of stream ids 1..capacity: a lock-free stack (Treiber) so
// that data-path threads serving different connections can open and close
// streams at once without a lock and without allocating.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace openwfp::callouts::dpi {

class StreamSlots {
 public:
  // All ids 1..capacity start free; acquire() hands out the lowest first.
  explicit StreamSlots(uint32_t capacity);
  StreamSlots(const StreamSlots&) = delete;
  StreamSlots& operator=(const StreamSlots&) = delete;

  // A free id, or 0 when every id is taken.
  uint32_t acquire() noexcept;
  // Returns an id taken by acquire(). Releasing an id twice corrupts the
  // list: the caller (Matcher) guards against that with its slot states.
  void release(uint32_t id) noexcept;

  uint32_t capacity() const noexcept { return capacity_; }

 private:
  // head_ packs a change counter (high 32 bits) with the top id (low 32
  // bits, 0 for empty). The counter changes on every push and pop, so a pop
  // that read a stale top fails its compare-exchange even when the same id
  // is back on top (the ABA case); it would take 2^32 changes during one
  // pop's few instructions to fool it.
  std::atomic<uint64_t> head_;
  // next_[id]: the id below `id` on the stack (0 at the bottom). Atomic
  // because a racing pop may read the entry of an id another thread is
  // pushing; that pop's compare-exchange then fails and it retries.
  std::unique_ptr<std::atomic<uint32_t>[]> next_;
  uint32_t capacity_;
};

}  // namespace openwfp::callouts::dpi
