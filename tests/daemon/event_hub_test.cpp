// The daemon's net events: the hub drains the workers' rings, numbers the
// events (on from the store's last sequence after a restart), keeps a
// bounded memory ring (the oldest leave, counted), answers queries with
// filters and paging, wakes waiters, and writes every event to the store's
// bounded table.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "daemon/event_hub.hpp"
#include "daemon/event_json.hpp"
#include "openwfp/layers.hpp"
#include "events/recorder.hpp"
#include "store/event_table.hpp"
#include "store/store_test_support.hpp"

namespace openwfp::daemon {
namespace {

using namespace std::chrono_literals;

events::NetEvent drop(uint16_t layer, uint64_t filter) {
  events::NetEvent e{};
  e.type = events::NetEventType::CLASSIFY_DROP;
  e.layerId = layer;
  e.filterId = filter;
  e.timeUs = 1'700'000'000'000'000ull + filter;
  return e;
}

TEST(EventHub, NumbersEventsFromEveryWorkerAndFilters) {
  events::Recorder a{events::RecorderConfig{}}, b{events::RecorderConfig{}};
  EventHub hub({}, nullptr);
  hub.attach({&a, &b});
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(a.ring().push(drop(10, i)));
  for (uint64_t i = 6; i <= 8; ++i) ASSERT_TRUE(b.ring().push(drop(12, i)));
  hub.collect();
  uint64_t last = 0;
  const auto all = hub.query({}, &last);
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(last, 8u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].sequence, i + 1);
  EXPECT_EQ(all[0].event.filterId, 1u);  // a worker's events keep their order
  EXPECT_EQ(all[5].event.filterId, 6u);

  EventQuery byLayer;
  byLayer.layerId = 12;
  EXPECT_EQ(hub.query(byLayer, nullptr).size(), 3u);
  EventQuery byFilter;
  byFilter.filterId = 4;
  ASSERT_EQ(hub.query(byFilter, nullptr).size(), 1u);
  EventQuery page;
  page.after = 3;
  page.limit = 2;
  const auto p = hub.query(page, nullptr);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].sequence, 4u);
  EXPECT_EQ(p[1].sequence, 5u);
  EventQuery veto;
  veto.type = events::NetEventType::CLASSIFY_VETO;
  EXPECT_TRUE(hub.query(veto, nullptr).empty());
}

TEST(EventHub, MemoryRingKeepsTheNewestAndCountsTheRest) {
  events::Recorder r{events::RecorderConfig{}};
  EventHubConfig config;
  config.memoryEvents = 10;
  EventHub hub(config, nullptr);
  hub.attach({&r});
  for (uint64_t i = 1; i <= 25; ++i) ASSERT_TRUE(r.ring().push(drop(10, i)));
  hub.collect();
  const EventHubStats st = hub.stats();
  EXPECT_EQ(st.collected, 25u);
  EXPECT_EQ(st.inMemory, 10u);
  EXPECT_EQ(st.droppedFromMemory, 15u);
  bool gap = false;
  uint64_t last = 0;
  const auto kept = hub.query({}, &last, &gap);
  ASSERT_EQ(kept.size(), 10u);
  EXPECT_EQ(kept.front().sequence, 16u);
  EXPECT_TRUE(gap);  // 1..15 left
  EventQuery recent;
  recent.after = 20;
  EXPECT_EQ(hub.query(recent, nullptr, &gap).size(), 5u);
  EXPECT_FALSE(gap);
}

TEST(EventHub, RingOverflowIsCountedAsLost) {
  events::RecorderConfig small;
  small.ringCapacity = 16;
  events::Recorder r{small};
  EventHub hub({}, nullptr);
  hub.attach({&r});
  size_t pushed = 0;
  for (uint64_t i = 1; i <= 100; ++i) pushed += r.ring().push(drop(10, i)) ? 1u : 0u;
  hub.collect();
  const EventHubStats st = hub.stats();
  EXPECT_EQ(st.collected, pushed);
  EXPECT_EQ(st.lostInRings, 100 - pushed);
  EXPECT_GT(st.lostInRings, 0u);
}

TEST(EventHub, StoresEveryEventAndNumbersOnAfterARestart) {
  store::test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string db = dir.file("wfpd.db");
  store::StoreOptions options;
  options.maxEvents = 50;
  {
    std::unique_ptr<store::EventTable> table;
    std::string error;
    ASSERT_EQ(store::EventTable::open(db, options, &table, &error), Status::SUCCESS) << error;
    events::Recorder r{events::RecorderConfig{}};
    EventHub hub({}, table.get());
    hub.attach({&r});
    hub.start();
    for (uint64_t i = 1; i <= 80; ++i) ASSERT_TRUE(r.ring().push(drop(10, i)));
    hub.stop();  // drains what is left
    EXPECT_EQ(table->event_count(), 50u);
    EXPECT_EQ(table->events_dropped(), 30u);
    EXPECT_EQ(hub.stats().storedDropped, 30u);
    std::vector<store::StoredEvent> rows;
    ASSERT_EQ(table->recent(100, 0, &rows), Status::SUCCESS);
    ASSERT_EQ(rows.size(), 50u);
    EXPECT_EQ(rows.front().sequence, 31u);
    EXPECT_EQ(rows.back().type, "CLASSIFY_DROP");
    const auto j = nlohmann::json::parse(rows.back().json);
    EXPECT_EQ(j["sequence"], 80);
    EXPECT_EQ(j["filterId"], 80);
  }
  std::unique_ptr<store::EventTable> table;
  std::string error;
  ASSERT_EQ(store::EventTable::open(db, options, &table, &error), Status::SUCCESS) << error;
  events::Recorder r{events::RecorderConfig{}};
  EventHub hub({}, table.get());
  hub.attach({&r});
  ASSERT_TRUE(r.ring().push(drop(10, 1)));
  hub.collect();
  bool gap = true;
  const auto after = hub.query({}, nullptr, &gap);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].sequence, 81u);
  EXPECT_FALSE(gap);  // nothing of this run left the memory ring
}

TEST(EventHub, WaitWakesWhenAnEventArrives) {
  events::Recorder r{events::RecorderConfig{}};
  EventHubConfig config;
  config.flushInterval = 10ms;
  EventHub hub(config, nullptr);
  hub.attach({&r});
  hub.start();
  EXPECT_FALSE(hub.wait(0, 30ms));
  std::thread producer([&] {
    std::this_thread::sleep_for(20ms);
    r.ring().push(drop(10, 7));
  });
  EXPECT_TRUE(hub.wait(0, 10s));
  producer.join();
  uint64_t last = 0;
  hub.query({}, &last);
  EXPECT_EQ(last, 1u);
  hub.stop();
}

TEST(EventJson, HasTheHeaderFieldsKnown) {
  NumberedEvent e{5, drop(0, 3)};
  const LayerInfo* layer = find_layer("ALE_AUTH_CONNECT_V4");
  ASSERT_NE(layer, nullptr);
  e.event.layerId = layer->id;
  const nlohmann::json j = event_json(e);
  EXPECT_EQ(j["sequence"], 5);
  EXPECT_EQ(j["type"], "CLASSIFY_DROP");
  EXPECT_EQ(j["layer"], "ALE_AUTH_CONNECT_V4");
  EXPECT_EQ(j["filterId"], 3);
  const std::string time = j["time"];
  EXPECT_EQ(time.size(), std::string("2023-11-14T22:13:20.000003Z").size()) << time;
  EXPECT_EQ(time.back(), 'Z');
}

}  // namespace
}  // namespace openwfp::daemon
