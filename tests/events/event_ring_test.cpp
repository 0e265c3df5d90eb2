// The worker-to-daemon event ring: order kept between a real producer and
// consumer thread, every event either popped or counted lost, capacity a
// power of two.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "events/event_ring.hpp"

namespace openwfp::events {
namespace {

TEST(EventRing, CapacityIsAPowerOfTwo) {
  EXPECT_EQ(EventRing(1).capacity(), 2u);
  EXPECT_EQ(EventRing(100).capacity(), 128u);
  EXPECT_EQ(EventRing(128).capacity(), 128u);
}

TEST(EventRing, FullRingCountsWhatItCannotHold) {
  EventRing ring(4);
  NetEvent e;
  for (uint64_t i = 1; i <= 6; ++i) {
    e.filterId = i;
    EXPECT_EQ(ring.push(e), i <= 4) << i;
  }
  EXPECT_EQ(ring.pushed(), 4u);
  EXPECT_EQ(ring.lost(), 2u);
  NetEvent out[8];
  ASSERT_EQ(ring.pop(out, 8), 4u);
  for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(out[i].filterId, i + 1);
  EXPECT_EQ(ring.pop(out, 8), 0u);
  e.filterId = 9;
  EXPECT_TRUE(ring.push(e));  // room again
  ASSERT_EQ(ring.pop(out, 1), 1u);
  EXPECT_EQ(out[0].filterId, 9u);
}

TEST(EventRing, ProducerAndConsumerThreadsKeepOrderAndLoseNothingUncounted) {
  EventRing ring(64);
  constexpr uint64_t kEvents = 200000;
  std::atomic<bool> done{false};
  std::vector<uint64_t> seen;
  seen.reserve(kEvents);
  std::thread consumer([&] {
    NetEvent batch[32];
    for (;;) {
      const bool finished = done.load();
      const size_t n = ring.pop(batch, 32);
      for (size_t i = 0; i < n; ++i) seen.push_back(batch[i].filterId);
      if (finished && n == 0) break;
    }
  });
  NetEvent e;
  for (uint64_t i = 1; i <= kEvents; ++i) {
    e.filterId = i;
    e.localPort = static_cast<uint16_t>(i);
    ring.push(e);
  }
  done = true;
  consumer.join();
  EXPECT_EQ(seen.size() + ring.lost(), kEvents);
  EXPECT_EQ(seen.size(), ring.pushed());
  for (size_t i = 1; i < seen.size(); ++i) ASSERT_LT(seen[i - 1], seen[i]) << "at " << i;
}

}  // namespace
}  // namespace openwfp::events
