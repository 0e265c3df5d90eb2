// Per-filter counters of one data-path worker: how often each filter's
// decision stood (hits), split into permits and blocks. One writer (the
// worker) and any number of readers, without locks: a fixed-capacity
// open-addressing table of relaxed atomics, allocated once.
//
// When full: a filter not yet in the table is not counted there; its hits
// are counted in uncounted(). Entries are never removed (a filter id is
// never reused by the engine), so the cap bounds the distinct filters one
// worker counts over its life.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace openwfp::events {

struct FilterCount {
  uint64_t filterId = 0;
  uint64_t hits = 0, permits = 0, blocks = 0;
  friend bool operator==(const FilterCount&, const FilterCount&) = default;
};

class FilterCounters {
 public:
  explicit FilterCounters(size_t maxFilters = 65536);
  FilterCounters(const FilterCounters&) = delete;
  FilterCounters& operator=(const FilterCounters&) = delete;

  // Writer (the worker). filterId 0 (no filter decided) is not counted.
  void count(uint64_t filterId, bool permit) noexcept;

  // Readers: every counted filter (in no particular order).
  void snapshot(std::vector<FilterCount>* out) const;
  uint64_t uncounted() const noexcept { return uncounted_.load(std::memory_order_relaxed); }
  size_t filters() const noexcept { return used_.load(std::memory_order_relaxed); }
  size_t max_filters() const noexcept { return maxFilters_; }

 private:
  struct Slot {
    std::atomic<uint64_t> filterId{0};  // 0: empty; set last, when the slot is ready
    std::atomic<uint64_t> permits{0}, blocks{0};
  };
  static void bump(std::atomic<uint64_t>& a) noexcept {
    a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  size_t maxFilters_;
  size_t mask_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<size_t> used_{0};
  std::atomic<uint64_t> uncounted_{0};
};

// The counts of several workers summed by filter id, in filter id order.
std::vector<FilterCount> sum_counts(std::span<const std::vector<FilterCount>> perWorker);
// The same from the workers' counters themselves (read live), with the sum
// of what they could not count in `uncounted` (when given).
std::vector<FilterCount> sum_counts(std::span<const FilterCounters* const> workers, uint64_t* uncounted);

}  // namespace openwfp::events
