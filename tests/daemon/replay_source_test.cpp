// wfpd's replayed data source: the bundled capture through two workers
// under a policy that blocks part of it, several rounds; its counters, the
// per-filter counters and the net events agree with each other, and a
// policy change reaches the running replay.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "daemon/event_hub.hpp"
#include "daemon/replay_source.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/layers.hpp"
#include "openwfp/policy.hpp"

namespace openwfp::daemon {
namespace {

const std::string kCapture = std::string(OPENWFP_SOURCE_DIR) + "/examples/sample.pcap";
const std::string kPolicy = std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json";

void apply(Engine& engine) {
  policy::Policy pol;
  policy::PolicyError perr;
  ASSERT_TRUE(policy::load_policy_file(kPolicy, &pol, &perr)) << perr.to_string();
  ASSERT_TRUE(policy::apply_policy(engine, pol, &perr)) << perr.to_string();
}

TEST(ReplaySource, RoundsCountersAndEventsAgree) {
  Engine engine;
  apply(engine);
  ReplayConfig config;
  config.capture = kCapture;
  config.workers = 2;
  config.rounds = 3;
  std::unique_ptr<ReplaySource> source;
  std::string error;
  ASSERT_TRUE(ReplaySource::open(engine, config, &source, &error)) << error;
  EventHub hub({}, nullptr);
  hub.attach(source->recorders());
  hub.start();
  source->start();
  source->wait_done();
  hub.stop();

  const ReplayStatus st = source->status();
  ASSERT_GT(st.framesPerRound, 0u);
  EXPECT_EQ(st.roundsDone, 3u);
  EXPECT_EQ(st.framesDone, 3 * st.framesPerRound);
  EXPECT_FALSE(st.running);
  EXPECT_FALSE(st.local.empty());  // the busiest address was chosen
  EXPECT_EQ(st.counters.packets, 3 * st.framesPerRound);

  // Every block a layer counted is one CLASSIFY_DROP event (the rings and
  // the memory ring are large enough here), and one block on its filter.
  uint64_t layerBlocks = 0;
  for (const auto& l : st.counters.layers) layerBlocks += l.blocks;
  ASSERT_GT(layerBlocks, 0u) << "the sample policy blocks part of the sample capture";
  EventQuery drops;
  drops.type = events::NetEventType::CLASSIFY_DROP;
  drops.limit = 1'000'000;
  const auto events = hub.query(drops, nullptr);
  EXPECT_EQ(events.size(), layerBlocks);
  EXPECT_EQ(hub.stats().lostInRings, 0u);

  uint64_t uncounted = 0;
  const auto counts = source->filter_counts(&uncounted);
  EXPECT_EQ(uncounted, 0u);
  uint64_t blocks = 0;
  for (const auto& c : counts) {
    EXPECT_EQ(c.hits, c.permits + c.blocks);
    blocks += c.blocks;
    EventQuery mine = drops;
    mine.filterId = c.filterId;
    EXPECT_EQ(hub.query(mine, nullptr).size(), c.blocks) << "filter " << c.filterId;
  }
  EXPECT_EQ(blocks, layerBlocks);
  // The events name real filters of the engine.
  const auto model = engine.snapshot();
  for (const auto& e : events) EXPECT_NE(model->find_filter(e.event.filterId), nullptr) << e.event.filterId;
}

TEST(ReplaySource, StopsPromptlyWhenRunningForever) {
  Engine engine;
  apply(engine);
  ReplayConfig config;
  config.capture = kCapture;
  config.rounds = 0;
  std::unique_ptr<ReplaySource> source;
  std::string error;
  ASSERT_TRUE(ReplaySource::open(engine, config, &source, &error)) << error;
  source->start();
  while (source->status().roundsDone < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // A policy change while it runs: a new generation, taken between packets.
  ASSERT_EQ(engine.delete_filter_by_id(engine.snapshot()->filters.begin()->first), Status::SUCCESS);
  source->stop();
  EXPECT_FALSE(source->status().running);
  EXPECT_GE(source->status().roundsDone, 2u);
}

TEST(ReplaySource, RefusesWhatItCannotUse) {
  Engine engine;
  ReplayConfig config;
  config.capture = "/nonexistent/capture.pcap";
  std::unique_ptr<ReplaySource> source;
  std::string error;
  EXPECT_FALSE(ReplaySource::open(engine, config, &source, &error));
  EXPECT_NE(error.find("/nonexistent/capture.pcap"), std::string::npos) << error;
  config.capture = kCapture;
  config.local = {"10.0.0.300/8"};
  EXPECT_FALSE(ReplaySource::open(engine, config, &source, &error));
  EXPECT_NE(error.find("10.0.0.300/8"), std::string::npos) << error;
}

}  // namespace
}  // namespace openwfp::daemon
