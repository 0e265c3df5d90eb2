// The event table: bounded to maxEvents rows (the newest kept), the rows
// removed counted and persisted, batches appended whole or not at all.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/event_table.hpp"
#include "store/persistent_store.hpp"
#include "store_test_support.hpp"

namespace openwfp::store {
namespace {

StoredEvent event(uint64_t sequence) {
  return StoredEvent{sequence, static_cast<int64_t>(sequence) * 1000, sequence % 2 ? "CLASSIFY_DROP" : "CLASSIFY_ALLOW",
                     "{\"n\":" + std::to_string(sequence) + "}"};
}

std::vector<StoredEvent> events(uint64_t first, uint64_t last) {
  std::vector<StoredEvent> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(event(s));
  return out;
}

std::unique_ptr<EventTable> open_table(const std::string& path, size_t maxEvents) {
  StoreOptions options;
  options.maxEvents = maxEvents;
  std::unique_ptr<EventTable> table;
  std::string error;
  EXPECT_EQ(EventTable::open(path, options, &table, &error), Status::SUCCESS) << error;
  return table;
}

TEST(EventTable, KeepsTheNewestMaxEvents) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  constexpr size_t kCap = 100;
  {
    auto table = open_table(path, kCap);
    ASSERT_NE(table, nullptr);
    // 3x the cap in batches that do not divide it, then one batch above it.
    uint64_t next = 1;
    while (next <= 2 * kCap) {
      const uint64_t last = std::min<uint64_t>(next + 16, 2 * kCap);
      std::string error;
      ASSERT_EQ(table->append(events(next, last), &error), Status::SUCCESS) << error;
      EXPECT_LE(table->event_count(), kCap);
      next = last + 1;
    }
    std::string error;
    ASSERT_EQ(table->append(events(2 * kCap + 1, 3 * kCap), &error), Status::SUCCESS) << error;
    EXPECT_EQ(table->event_count(), kCap);
    EXPECT_EQ(table->events_dropped(), 2 * kCap);
    EXPECT_EQ(table->last_sequence(), 3 * kCap);
  }
  auto table = open_table(path, kCap);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->event_count(), kCap);
  EXPECT_EQ(table->events_dropped(), 2 * kCap);
  std::vector<StoredEvent> all;
  ASSERT_EQ(table->recent(1000, 0, &all), Status::SUCCESS);
  EXPECT_EQ(all, events(2 * kCap + 1, 3 * kCap));
}

TEST(EventTable, RecentGivesTheNewestAfterASequence) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto table = open_table(dir.file("wfpd.db"), 50);
  ASSERT_NE(table, nullptr);
  std::string error;
  ASSERT_EQ(table->append(events(1, 30), &error), Status::SUCCESS) << error;
  std::vector<StoredEvent> got;
  ASSERT_EQ(table->recent(5, 0, &got), Status::SUCCESS);
  EXPECT_EQ(got, events(26, 30));
  ASSERT_EQ(table->recent(100, 27, &got), Status::SUCCESS);
  EXPECT_EQ(got, events(28, 30));
  ASSERT_EQ(table->recent(100, 30, &got), Status::SUCCESS);
  EXPECT_TRUE(got.empty());
}

TEST(EventTable, BadBatchAppendsNothing) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto table = open_table(dir.file("wfpd.db"), 10);
  ASSERT_NE(table, nullptr);
  std::string error;
  ASSERT_EQ(table->append(events(1, 8), &error), Status::SUCCESS) << error;

  std::vector<StoredEvent> stale = events(9, 12);  // would also push out 2 rows
  stale.push_back(event(5));                       // already used
  EXPECT_EQ(table->append(stale, &error), Status::INVALID_PARAMETER);
  std::vector<StoredEvent> untyped = events(9, 12);
  untyped[2].type.clear();
  EXPECT_EQ(table->append(untyped, &error), Status::INVALID_PARAMETER);

  EXPECT_EQ(table->event_count(), 8u);
  EXPECT_EQ(table->events_dropped(), 0u);
  std::vector<StoredEvent> got;
  ASSERT_EQ(table->recent(100, 0, &got), Status::SUCCESS);
  EXPECT_EQ(got, events(1, 8));
}

TEST(EventTable, SmallerCapAtOpenCutsAtOnce) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  {
    auto table = open_table(path, 100);
    ASSERT_NE(table, nullptr);
    ASSERT_EQ(table->append(events(1, 60), nullptr), Status::SUCCESS);
  }
  auto table = open_table(path, 25);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->event_count(), 25u);
  EXPECT_EQ(table->events_dropped(), 35u);
  std::vector<StoredEvent> got;
  ASSERT_EQ(table->recent(100, 0, &got), Status::SUCCESS);
  EXPECT_EQ(got, events(36, 60));

  StoreOptions none;
  none.maxEvents = 0;
  std::unique_ptr<EventTable> refused;
  EXPECT_EQ(EventTable::open(path, none, &refused, nullptr), Status::INVALID_PARAMETER);
}

// Events and objects share the file through two connections, and neither
// disturbs the other's data or counters.
TEST(EventTable, SharesTheFileWithTheObjects) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  std::unique_ptr<PersistentStore> store;
  std::string error;
  ASSERT_EQ(PersistentStore::open(path, StoreOptions{}, &store, &error), Status::SUCCESS) << error;
  auto table = open_table(path, 4);
  ASSERT_NE(table, nullptr);

  StoreChange change;
  change.upserts = {test::object("provider", 1, 0)};
  ASSERT_EQ(store->apply(change, &error), Status::SUCCESS) << error;
  ASSERT_EQ(table->append(events(1, 6), &error), Status::SUCCESS) << error;
  ASSERT_EQ(store->apply(StoreChange{}, &error), Status::SUCCESS) << error;

  EXPECT_EQ(store->commit_sequence(), 2u);
  EXPECT_EQ(store->meta("events_dropped"), "2");
  EXPECT_EQ(table->events_dropped(), 2u);
  std::vector<StoredObject> objects;
  ASSERT_EQ(store->load(&objects, &error), Status::SUCCESS) << error;
  EXPECT_EQ(objects.size(), 1u);
}

}  // namespace
}  // namespace openwfp::store
