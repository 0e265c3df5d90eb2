// The lock-free free list of stream ids.
#include <gtest/gtest.h>

#include <set>

#include "dpi-block/stream_slots.hpp"

namespace openwfp::callouts::dpi {
namespace {

TEST(DpiStreamSlots, HandsOutEveryIdOnceThenZero) {
  StreamSlots slots(5);
  std::set<uint32_t> seen;
  for (int i = 0; i < 5; ++i) {
    const uint32_t id = slots.acquire();
    EXPECT_GE(id, 1u);
    EXPECT_LE(id, 5u);
    EXPECT_TRUE(seen.insert(id).second) << "id " << id << " handed out twice";
  }
  EXPECT_EQ(slots.acquire(), 0u);
  EXPECT_EQ(slots.acquire(), 0u);
}

TEST(DpiStreamSlots, ReleasedIdsComeBackMostRecentFirst) {
  StreamSlots slots(3);
  const uint32_t a = slots.acquire();
  const uint32_t b = slots.acquire();
  const uint32_t c = slots.acquire();
  EXPECT_EQ(slots.acquire(), 0u);
  slots.release(b);
  slots.release(a);
  EXPECT_EQ(slots.acquire(), a);
  EXPECT_EQ(slots.acquire(), b);
  EXPECT_EQ(slots.acquire(), 0u);
  slots.release(c);
  EXPECT_EQ(slots.acquire(), c);
}

TEST(DpiStreamSlots, EmptyPoolHasNothing) {
  StreamSlots slots(0);
  EXPECT_EQ(slots.capacity(), 0u);
  EXPECT_EQ(slots.acquire(), 0u);
}

}  // namespace
}  // namespace openwfp::callouts::dpi
