// N workers, each a stack of its own fed by flow hash in batches, give the
// answers one stack gives frame by frame (process(), no batches): every
// capture of the tcpdump corpus through the sample policy with 1, 2 and 3
// workers, verdict by verdict, and the summed counters. Also a
// generated capture with many flows and fragments, where every worker gets
// a share.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "craft/craft.hpp"
#include "openwfp/policy.hpp"
#include "pipeline/capture.hpp"
#include "pipeline/corpus.hpp"
#include "shard/workers.hpp"

namespace openwfp::shard {
namespace {

using pipeline::Capture;
using pipeline::CapturedFrame;

// The corpus's small stacks, with private networks as this host's.
stack::Config test_config() {
  stack::Config config = pipeline::corpus_stack_config();
  for (const char* text : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fe80::/10", "2001:db8::/32"}) {
    stack::Prefix p;
    EXPECT_TRUE(stack::parse_prefix(text, &p));
    config.local.add(p);
  }
  return config;
}

std::vector<FrameRef> refs(const Capture& c) {
  std::vector<FrameRef> out;
  for (const CapturedFrame& f : c.frames)
    out.push_back({f.timestampNs / 1000, f.bytes.data(), static_cast<uint32_t>(f.bytes.size()), f.wireLength});
  return out;
}

struct Outcome {
  std::vector<stack::Result> results;
  stack::Counters counters;
  flow::Stats flows;
  std::vector<uint64_t> taken;
};

Outcome run(Engine& engine, const Capture& c, uint32_t workers) {
  Workers w(engine, test_config(), WorkersConfig{workers, false});
  const std::vector<FrameRef> frames = refs(c);
  Outcome o;
  o.results.resize(frames.size());
  w.replay(c.linkType, frames, o.results.data());
  o.counters = w.counters();
  o.flows = w.flow_stats();
  for (uint32_t i = 0; i < w.size(); ++i) o.taken.push_back(w.frames_taken(i));
  return o;
}

// The reference: one stack, process() frame by frame (no batches), on the
// same clock the workers use.
Outcome run_one_by_one(Engine& engine, const Capture& c) {
  stack::Config config = test_config();
  stack::Stack s(engine, config);
  Outcome o;
  uint64_t clock = 0;
  for (const FrameRef& f : refs(c)) {
    clock = std::max(clock, f.timestampUs);
    o.results.push_back(s.process(clock, c.linkType, f.data, f.caplen, f.wireLength));
  }
  s.finish();
  o.counters = s.counters();
  o.flows = s.flows().stats();
  o.taken.push_back(o.results.size());
  return o;
}

// What must not depend on the number of workers. Listener inference (the
// RESOURCE_ASSIGNMENT and AUTH_LISTEN classifications of a newly seen local
// listener) is per worker: with more workers a listener may be seen once
// per worker, so those layers' counts are compared as "at least".
void expect_same(const Outcome& one, const Outcome& many, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(one.results.size(), many.results.size());
  size_t differing = 0;
  for (size_t i = 0; i < one.results.size(); ++i) {
    const stack::Result& a = one.results[i];
    const stack::Result& b = many.results[i];
    if (a.verdict != b.verdict || a.groupDone != b.groupDone || (a.fragmentGroup == 0) != (b.fragmentGroup == 0)) {
      if (++differing <= 5)
        ADD_FAILURE() << "frame " << i << ": " << stack::verdict_name(a.verdict) << " vs "
                      << stack::verdict_name(b.verdict);
    }
  }
  EXPECT_EQ(differing, 0u);
  EXPECT_EQ(one.counters.packets, many.counters.packets);
  EXPECT_EQ(one.counters.bytes, many.counters.bytes);
  for (size_t v = 0; v < std::size(one.counters.verdicts); ++v)
    EXPECT_EQ(one.counters.verdicts[v], many.counters.verdicts[v]) << "verdict " << v;
  for (size_t r = 0; r < std::size(one.counters.decodeDrops); ++r)
    EXPECT_EQ(one.counters.decodeDrops[r], many.counters.decodeDrops[r]) << "decode drop " << r;
  EXPECT_EQ(one.counters.reassembled, many.counters.reassembled);
  EXPECT_EQ(one.counters.streamIndications, many.counters.streamIndications);
  EXPECT_EQ(one.counters.aleBlockedPackets, many.counters.aleBlockedPackets);
  EXPECT_EQ(one.flows.created, many.flows.created);
  for (const LayerInfo& layer : all_layers()) {
    const stack::LayerCounters& a = one.counters.layers[layer.id];
    const stack::LayerCounters& b = many.counters.layers[layer.id];
    const std::string_view name = layer.name;
    if (name.find("RESOURCE_ASSIGNMENT") != std::string_view::npos ||
        name.find("AUTH_LISTEN") != std::string_view::npos) {
      EXPECT_LE(a.classified, b.classified) << name;
      continue;
    }
    EXPECT_EQ(a.classified, b.classified) << name;
    EXPECT_EQ(a.permits, b.permits) << name;
    EXPECT_EQ(a.blocks, b.blocks) << name;
  }
  uint64_t taken = 0;
  for (uint64_t n : many.taken) taken += n;
  EXPECT_EQ(taken, many.results.size());
}

TEST(Workers, TheCorpusGivesOneStacksAnswersWithOneTwoAndThreeWorkers) {
  const std::vector<std::string> files = pipeline::corpus_share(pipeline::corpus_files());
  if (files.empty()) GTEST_SKIP() << "tcpdump corpus not in the shared data";
  policy::Policy pol;
  policy::PolicyError perr;
  ASSERT_TRUE(policy::load_policy_file(pipeline::sample_policy(), &pol, &perr)) << perr.to_string();
  Engine engine;
  ASSERT_TRUE(policy::apply_policy(engine, pol, &perr)) << perr.to_string();
  size_t compared = 0, spread = 0;
  for (const std::string& path : files) {
    Capture c;
    std::string error;
    if (pipeline::read_capture(path, &c, &error) == pipeline::ReadStatus::CANNOT_OPEN || c.frames.empty()) continue;
    const Outcome one = run_one_by_one(engine, c);
    for (uint32_t n : {1u, 2u, 3u}) {
      const Outcome many = run(engine, c, n);
      expect_same(one, many, std::filesystem::path(path).filename().string() + " x" + std::to_string(n));
      size_t busy = 0;
      for (uint64_t t : many.taken) busy += t > 0;
      spread += busy > 1 ? 1 : 0;
    }
    ++compared;
  }
  const size_t stride = pipeline::corpus_stride();
  EXPECT_GT(compared, 100u / stride);
  EXPECT_GT(spread, 20u / stride);  // captures with more than one pair of hosts used several workers
}

// Many TCP flows and fragmented UDP datagrams, some blocked by the policy:
// with 4 workers every worker takes a share and the answers are one stack's.
TEST(Workers, ManyFlowsAndFragmentsSpreadAndGiveTheSameAnswers) {
  Engine engine;
  {
    Transaction txn;
    ASSERT_EQ(engine.begin(&txn), Status::SUCCESS);
    Filter f;
    f.name = "block remote port 7";
    f.layerKey = find_layer("ALE_AUTH_CONNECT_V4")->id;
    f.action.type = FWP_ACTION_BLOCK;
    FilterCondition c;
    c.fieldKey = *find_field("IP_REMOTE_PORT");
    c.matchType = MatchType::FWP_MATCH_EQUAL;
    c.conditionValue = ConditionValue::of_uint(DataType::FWP_UINT16, 7);
    f.filterCondition.push_back(c);
    ASSERT_EQ(txn.add_filter(f), Status::SUCCESS);
    ASSERT_EQ(txn.commit(), Status::SUCCESS);
  }
  Capture c;
  c.linkType = 1;
  c.snaplen = 65535;
  const uint32_t host = craft::v4(10, 0, 0, 2);
  uint64_t t = 1'000'000'000;
  auto add = [&](const craft::Bytes& ip, bool from_host) {
    CapturedFrame f;
    f.timestampNs = (t += 1000) * 1000;
    f.bytes = craft::ethernet(ip, from_host);
    f.wireLength = static_cast<uint32_t>(f.bytes.size());
    c.frames.push_back(std::move(f));
  };
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 300; ++i) {
      const uint32_t peer = craft::v4(100, 70, i / 256, i % 256);
      const uint16_t dport = i % 10 == 0 ? 7 : 443;
      const auto sport = static_cast<uint16_t>(30000 + i);
      if (round == 0) {
        add(craft::ipv4(host, peer, 6, craft::tcp(sport, dport, 100, 0, 0x02)), true);
      } else if (round == 1) {
        add(craft::ipv4(peer, host, 6, craft::tcp(dport, sport, 900, 101, 0x12)), false);
        add(craft::ipv4(host, peer, 6, craft::tcp(sport, dport, 101, 901, 0x10)), true);
      } else {
        add(craft::ipv4(host, peer, 6, craft::tcp(sport, dport, 101, 901, 0x18, craft::Bytes(100, 'q'))), true);
        const craft::Bytes big = craft::ipv4(peer, host, 17, craft::udp(5000, 6000, craft::Bytes(2500, 'u')),
                                             static_cast<uint16_t>(i));
        for (const craft::Bytes& frag : craft::ipv4_fragments(big, {1480})) add(frag, false);
      }
    }
  }
  const Outcome one = run_one_by_one(engine, c);
  expect_same(one, run(engine, c, 1), "generated, one worker in batches");
  const Outcome four = run(engine, c, 4);
  expect_same(one, four, "generated");
  for (uint64_t n : four.taken) EXPECT_GT(n, c.frames.size() / 8);
  EXPECT_EQ(one.counters.reassembled, 300u);
  EXPECT_GT(one.counters.layers[find_layer("ALE_AUTH_CONNECT_V4")->id].blocks, 0u);
}

}  // namespace
}  // namespace openwfp::shard
