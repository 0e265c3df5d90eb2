// The mapping rule of OffsetMap (insertions, removals, both at one point,
// merging, pruning, capacity) and ByteRing's wrap-around.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "rewrite/byte_ring.hpp"
#include "rewrite/offset_map.hpp"

namespace openwfp::rewrite {
namespace {

std::vector<int64_t> table(const OffsetMap& m, int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t x = from; x <= to; ++x) out.push_back(m.translate(x));
  return out;
}

// untranslate: the original offset an output offset stands for (live
// traffic's acknowledgements count in the output stream).
TEST(OffsetMap, UntranslateInvertsInsertionsAndRemovals) {
  OffsetMap m(8);
  m.reset(0);
  m.pass(5);
  m.insert(10);  // output 5..14 are new bytes before original 5
  m.pass(10);    // original 5..14 -> output 15..24
  m.remove(5);   // original 15..19 gone
  m.pass(10);    // original 20..29 -> output 25..34
  EXPECT_EQ(m.untranslate(-1), -1);
  EXPECT_EQ(m.untranslate(3), 3);
  // Inside the inserted bytes: the insertion point (nothing original after it is acknowledged).
  EXPECT_EQ(m.untranslate(5), 5);
  EXPECT_EQ(m.untranslate(10), 5);
  EXPECT_EQ(m.untranslate(15), 5);
  EXPECT_EQ(m.untranslate(20), 10);
  // The removed range is acknowledged with the bytes after it.
  EXPECT_EQ(m.untranslate(25), 20);
  EXPECT_EQ(m.untranslate(34), 29);
  EXPECT_EQ(m.untranslate(40), 35);  // past every decision: one for one
  // A round trip from the original side holds wherever the byte went out.
  for (int64_t x : {0, 4, 5, 9, 14, 20, 29, 35}) EXPECT_EQ(m.untranslate(m.translate(x)), x) << x;
}

TEST(OffsetMap, IdentityFromTheStart) {
  OffsetMap m(4);
  m.reset(100);
  EXPECT_EQ(m.translate(-1), -1);  // the SYN
  EXPECT_EQ(m.translate(0), 0);
  EXPECT_EQ(m.translate(100), 100);
  m.pass(50);
  EXPECT_EQ(m.translate(170), 170);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.decided_original(), 150u);
  EXPECT_EQ(m.decided_output(), 150u);
}

TEST(OffsetMap, InsertionMapsItsPointAfterTheInsertedBytes) {
  OffsetMap m(4);
  m.reset(0);
  m.pass(10);
  m.insert(5);
  m.pass(10);
  EXPECT_EQ(table(m, 8, 12), (std::vector<int64_t>{8, 9, 15, 16, 17}));
  EXPECT_EQ(m.translate(20), 25);
  EXPECT_EQ(m.size(), 1u);
}

TEST(OffsetMap, RemovedRangeMapsWhereItWas) {
  OffsetMap m(4);
  m.reset(0);
  m.pass(10);
  m.remove(5);
  m.pass(10);
  EXPECT_EQ(table(m, 9, 16), (std::vector<int64_t>{9, 10, 10, 10, 10, 10, 10, 11}));
  EXPECT_EQ(m.decided_output(), 20u);
}

TEST(OffsetMap, ReplacementBothOrders) {
  // insert then remove: the removed bytes map after the new ones
  OffsetMap a(4);
  a.reset(0);
  a.pass(4);
  a.insert(3);
  a.remove(2);
  a.pass(4);
  EXPECT_EQ(table(a, 3, 7), (std::vector<int64_t>{3, 7, 7, 7, 8}));
  EXPECT_EQ(a.size(), 2u);
  // remove then insert: the removed bytes map before the new ones
  OffsetMap b(4);
  b.reset(0);
  b.pass(4);
  b.remove(2);
  b.insert(3);
  b.pass(4);
  EXPECT_EQ(table(b, 3, 7), (std::vector<int64_t>{3, 4, 4, 7, 8}));
  EXPECT_EQ(b.size(), 2u);
}

TEST(OffsetMap, ConsecutiveDecisionsOfOneKindShareABreakpoint) {
  OffsetMap m(1);
  m.reset(0);
  m.insert(2);
  EXPECT_TRUE(m.can_insert());
  m.insert(3);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_FALSE(m.can_remove());  // a removal after an insertion needs its own breakpoint
  m.pass(1);
  EXPECT_FALSE(m.can_insert());
  EXPECT_EQ(m.translate(0), 5);

  OffsetMap r(1);
  r.reset(0);
  r.remove(2);
  EXPECT_TRUE(r.can_remove());
  r.remove(3);
  EXPECT_EQ(r.size(), 1u);
  EXPECT_FALSE(r.can_insert());
  EXPECT_EQ(table(r, 0, 6), (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 1}));
}

TEST(OffsetMap, PruningKeepsLaterTranslationsAndFreesRoom) {
  OffsetMap m(3);
  m.reset(0);
  m.pass(10);
  m.insert(5);  // at 10
  m.pass(10);
  m.remove(5);  // ends at 25
  m.pass(10);
  m.insert(1);  // at 35
  EXPECT_FALSE(m.can_remove());  // full
  const std::vector<int64_t> later = table(m, 20, 40);
  m.prune(24);  // the breakpoint at 10 goes; the one at 25 still bounds 20..24
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(table(m, 20, 40), later);
  m.prune(30);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(table(m, 30, 40), std::vector<int64_t>(later.begin() + 10, later.end()));
  EXPECT_TRUE(m.can_remove());
  m.prune(5);  // older than the base: nothing
  EXPECT_EQ(m.size(), 1u);
}

TEST(OffsetMap, RingOfBreakpointsWraps) {
  OffsetMap m(2);
  m.reset(0);
  for (uint64_t i = 0; i < 50; ++i) {
    m.pass(2);
    ASSERT_TRUE(m.can_insert());
    m.insert(1);  // breakpoint at 2i+2 -> 3i+3
    m.prune(static_cast<int64_t>(2 * i + 1));
    ASSERT_LE(m.size(), 2u);
    ASSERT_EQ(m.translate(static_cast<int64_t>(2 * i + 2)), static_cast<int64_t>(3 * i + 3));
    ASSERT_EQ(m.translate(static_cast<int64_t>(2 * i + 1)), static_cast<int64_t>(3 * i + 1));
  }
}

TEST(OffsetMap, ZeroCapacityStillPasses) {
  OffsetMap m(0);
  m.reset(7);
  m.pass(3);
  EXPECT_FALSE(m.can_insert());
  EXPECT_FALSE(m.can_remove());
  EXPECT_EQ(m.translate(9), 9);
  m.prune(9);
  EXPECT_EQ(m.translate(10), 10);
}

TEST(ByteRing, WrapsAndRefusesWhatDoesNotFit) {
  ByteRing r(8);
  const uint8_t a[6] = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(r.push(a, 6));
  EXPECT_FALSE(r.push(a, 3));
  EXPECT_EQ(r.size(), 6u);
  r.consume(4);
  ASSERT_TRUE(r.push(a, 6));  // wraps
  EXPECT_EQ(r.size(), 8u);
  EXPECT_EQ(r.free_space(), 0u);
  uint8_t out[8] = {};
  r.peek(out, 8);
  EXPECT_EQ(std::vector<uint8_t>(out, out + 8), (std::vector<uint8_t>{5, 6, 1, 2, 3, 4, 5, 6}));
  r.consume(3);
  r.peek(out, 5);
  EXPECT_EQ(std::vector<uint8_t>(out, out + 5), (std::vector<uint8_t>{2, 3, 4, 5, 6}));
  r.clear();
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(ByteRing(0).push(a, 0));
  EXPECT_FALSE(ByteRing(0).push(a, 1));
}

}  // namespace
}  // namespace openwfp::rewrite
