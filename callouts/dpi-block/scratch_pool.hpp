// Hyperscan scratch for the data path: a fixed set made on the control
// plane, one per thread expected to classify at once, lent out per
// indication through a lock-free free list (StreamSlots). No thread_local,
// and nothing allocated once the pool is made: a thread that finds every
// scratch lent out gets none (the caller counts it and lets the data pass).
#pragma once

#include <cstdint>
#include <memory>

#include "dpi-block/matcher.hpp"
#include "dpi-block/stream_slots.hpp"

namespace openwfp::callouts::dpi {

class ScratchPool {
 public:
  // Up to `count` scratches for `matcher` (fewer if memory runs out: check
  // size()). The matcher must outlive the pool's use.
  ScratchPool(const Matcher& matcher, uint32_t count);
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;

  uint32_t size() const noexcept { return free_.capacity(); }

  // A scratch no other thread holds, given back when the lease ends.
  class Lease {
   public:
    explicit Lease(ScratchPool& pool) noexcept : pool_(pool), id_(pool.free_.acquire()) {}
    ~Lease() {
      if (id_ != 0) pool_.free_.release(id_);
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    explicit operator bool() const noexcept { return id_ != 0; }
    Matcher::Scratch& scratch() const noexcept { return *pool_.scratches_[id_ - 1]; }

   private:
    ScratchPool& pool_;
    uint32_t id_;
  };

 private:
  static uint32_t made(const Matcher& matcher, uint32_t count,
                       std::unique_ptr<std::unique_ptr<Matcher::Scratch>[]>* out);

  std::unique_ptr<std::unique_ptr<Matcher::Scratch>[]> scratches_;  // [id - 1]
  StreamSlots free_;
};

// How many scratches an instance makes: one per hardware thread (at least 2,
// at most 64), as each may run a classifyFn at the same time.
uint32_t default_scratch_count() noexcept;

}  // namespace openwfp::callouts::dpi
