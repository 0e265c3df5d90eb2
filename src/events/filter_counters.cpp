#include "events/filter_counters.hpp"

#include <algorithm>
#include <bit>
#include <map>

namespace openwfp::events {

namespace {
size_t hash(uint64_t id) noexcept {
  id ^= id >> 33;
  id *= 0xff51afd7ed558ccdull;
  id ^= id >> 33;
  return id;
}
}  // namespace

// Twice the slots of the cap: probes stay short even when full.
FilterCounters::FilterCounters(size_t maxFilters)
    : maxFilters_(std::max<size_t>(1, maxFilters)),
      mask_(std::bit_ceil(2 * maxFilters_) - 1),
      slots_(new Slot[mask_ + 1]) {}

void FilterCounters::count(uint64_t filterId, bool permit) noexcept {
  if (filterId == 0) return;
  for (size_t i = hash(filterId) & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    const uint64_t at = s.filterId.load(std::memory_order_relaxed);  // only this thread writes it
    if (at == filterId) {
      bump(permit ? s.permits : s.blocks);
      return;
    }
    if (at != 0) continue;
    if (used_.load(std::memory_order_relaxed) >= maxFilters_) {
      bump(uncounted_);
      return;
    }
    bump(permit ? s.permits : s.blocks);
    s.filterId.store(filterId, std::memory_order_release);
    used_.store(used_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return;
  }
}

void FilterCounters::snapshot(std::vector<FilterCount>* out) const {
  out->clear();
  for (size_t i = 0; i <= mask_; ++i) {
    const Slot& s = slots_[i];
    const uint64_t id = s.filterId.load(std::memory_order_acquire);
    if (id == 0) continue;
    FilterCount c;
    c.filterId = id;
    c.permits = s.permits.load(std::memory_order_relaxed);
    c.blocks = s.blocks.load(std::memory_order_relaxed);
    c.hits = c.permits + c.blocks;
    out->push_back(c);
  }
}

std::vector<FilterCount> sum_counts(std::span<const FilterCounters* const> workers, uint64_t* uncounted) {
  std::vector<std::vector<FilterCount>> per(workers.size());
  uint64_t u = 0;
  for (size_t i = 0; i < workers.size(); ++i) {
    workers[i]->snapshot(&per[i]);
    u += workers[i]->uncounted();
  }
  if (uncounted != nullptr) *uncounted = u;
  return sum_counts(per);
}

std::vector<FilterCount> sum_counts(std::span<const std::vector<FilterCount>> perWorker) {
  std::map<uint64_t, FilterCount> sum;
  for (const auto& worker : perWorker) {
    for (const FilterCount& c : worker) {
      FilterCount& s = sum[c.filterId];
      s.filterId = c.filterId;
      s.hits += c.hits;
      s.permits += c.permits;
      s.blocks += c.blocks;
    }
  }
  std::vector<FilterCount> out;
  out.reserve(sum.size());
  for (const auto& [id, c] : sum) out.push_back(c);
  return out;
}

}  // namespace openwfp::events
