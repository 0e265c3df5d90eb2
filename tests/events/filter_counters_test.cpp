// Per-filter counters: hits split into permits and blocks, the cap and what
// is counted past it, snapshots read while the writer counts, and sums over
// workers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "events/filter_counters.hpp"

namespace openwfp::events {
namespace {

FilterCount find(const std::vector<FilterCount>& v, uint64_t id) {
  for (const FilterCount& c : v)
    if (c.filterId == id) return c;
  return {};
}

TEST(FilterCounters, CountsPermitsAndBlocksPerFilter) {
  FilterCounters c(16);
  c.count(7, true);
  c.count(7, true);
  c.count(7, false);
  c.count(9, false);
  c.count(0, false);  // no filter decided: not counted
  std::vector<FilterCount> snap;
  c.snapshot(&snap);
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(find(snap, 7), (FilterCount{7, 3, 2, 1}));
  EXPECT_EQ(find(snap, 9), (FilterCount{9, 1, 0, 1}));
  EXPECT_EQ(c.uncounted(), 0u);
}

TEST(FilterCounters, AFullTableCountsNewFiltersAsUncounted) {
  FilterCounters c(4);
  for (uint64_t id = 1; id <= 4; ++id) c.count(id, true);
  c.count(5, true);
  c.count(6, false);
  c.count(5, true);
  c.count(2, false);  // a filter already in the table still counts
  std::vector<FilterCount> snap;
  c.snapshot(&snap);
  EXPECT_EQ(snap.size(), 4u);
  EXPECT_EQ(c.filters(), 4u);
  EXPECT_EQ(c.uncounted(), 3u);
  EXPECT_EQ(find(snap, 2), (FilterCount{2, 2, 1, 1}));
  EXPECT_EQ(find(snap, 5).hits, 0u);
}

TEST(FilterCounters, ReadersSeeConsistentSnapshotsWhileTheWriterCounts) {
  FilterCounters c(1024);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (uint64_t round = 0; round < 2000; ++round)
      for (uint64_t id = 1; id <= 100; ++id) c.count(id, id % 2 == 0);
    done = true;
  });
  uint64_t last = 0;
  std::vector<FilterCount> snap;
  while (!done) {
    c.snapshot(&snap);
    uint64_t total = 0;
    for (const FilterCount& f : snap) {
      EXPECT_EQ(f.hits, f.permits + f.blocks);
      EXPECT_TRUE(f.permits == 0 || f.blocks == 0) << "filter " << f.filterId;  // each filter only permits or only blocks
      total += f.hits;
    }
    EXPECT_GE(total, last);  // counts only grow
    last = total;
  }
  writer.join();
  c.snapshot(&snap);
  ASSERT_EQ(snap.size(), 100u);
  for (const FilterCount& f : snap) EXPECT_EQ(f.hits, 2000u);
}

TEST(FilterCounters, SumsOverWorkersByFilterId) {
  const std::vector<std::vector<FilterCount>> per = {{{3, 2, 2, 0}, {1, 1, 0, 1}}, {{3, 5, 4, 1}}, {}};
  const std::vector<FilterCount> sum = sum_counts(per);
  ASSERT_EQ(sum.size(), 2u);
  EXPECT_EQ(sum[0], (FilterCount{1, 1, 0, 1}));
  EXPECT_EQ(sum[1], (FilterCount{3, 7, 6, 1}));
}

}  // namespace
}  // namespace openwfp::events
