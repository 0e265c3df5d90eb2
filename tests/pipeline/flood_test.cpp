// Floods through the whole stack with small caps in stack::Config: every
// stateful table (flows, IP reassembly, TCP stream buffers) must stay within
// its cap after every packet, and what a full table does (evict the oldest,
// skip a hole) must be counted exactly and reported (ALE_ENDPOINT_CLOSURE for
// an evicted flow, missed bytes for a skipped hole).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "craft/craft.hpp"
#include "openwfp/checksum.hpp"
#include "openwfp/constants.hpp"
#include "recorder.hpp"
#include "stack/stack.hpp"

namespace openwfp::pipeline {
namespace {

using craft::Bytes;

constexpr uint8_t SYN = 0x02, ACK = 0x10;
const uint32_t kHost = craft::v4(10, 0, 0, 2);

stack::Config host_config() {
  stack::Config c;
  c.streams = stack::StreamReassembly::ALWAYS;  // the stream caps are under test
  stack::Prefix p;
  EXPECT_TRUE(stack::parse_prefix("10.0.0.2", &p));
  c.local.add(p);
  c.flows.maxFlows = 1024;
  c.stream.maxConnections = 1024;
  c.stream.maxHeldBytesTotal = 4u << 20;
  c.defrag.maxDatagrams = 256;
  c.defrag.maxBytes = 1u << 20;
  return c;
}

stack::Result send(stack::Stack& s, uint64_t now_us, const Bytes& frame) {
  return s.process(now_us, 1, frame.data(), static_cast<uint32_t>(frame.size()));
}

// Records ALE_ENDPOINT_CLOSURE per flow and the flows that ended, by reason.
class FlowEnds final : public stack::Observer {
 public:
  FlowEnds()
      : closureV4_(find_layer("ALE_ENDPOINT_CLOSURE_V4")->id),
        listen_(find_layer("ALE_AUTH_LISTEN_V4")->id),
        accept_(find_layer("ALE_AUTH_RECV_ACCEPT_V4")->id) {}
  void on_classify(const LayerInfo& layer, const IncomingValues&, const ClassifyResult&,
                   const flow::Flow* f) override {
    if (layer.id == closureV4_ && f != nullptr) ++closures[f->flowId];
    if (layer.id == listen_) ++listens;
    if (layer.id == accept_) ++accepts;
  }
  void on_flow_end(const flow::Flow& f, flow::EndReason reason) override {
    ++ends[reason];
    if (reason == flow::EndReason::EVICTED) {
      evictedFlows.insert(f.flowId);
      evictedRemotes.insert(flow::get_v4(f.key.remote));
      // The closure was classified before the flow's end was reported.
      EXPECT_EQ(closures[f.flowId], 1u);
    }
  }
  std::map<uint64_t, uint64_t> closures;  // flowId -> ALE_ENDPOINT_CLOSURE classifications
  std::map<flow::EndReason, uint64_t> ends;
  std::set<uint64_t> evictedFlows;
  std::set<uint32_t> evictedRemotes;
  uint64_t listens = 0, accepts = 0;

 private:
  LayerId closureV4_, listen_, accept_;
};

// 20,000 SYNs from distinct sources to one local port, into a table of 1,000 flows.
TEST(PipelineFlood, SynFloodStaysWithinTheFlowTable) {
  constexpr uint32_t kSyns = 20000, kMaxFlows = 1000;
  Engine engine;
  FlowEnds observer;
  stack::Config config = host_config();
  config.flows.maxFlows = kMaxFlows;
  config.stream.maxConnections = kMaxFlows;
  stack::Stack s(engine, config, &observer);
  const uint32_t firstSource = craft::v4(100, 64, 0, 0);
  uint32_t overCap = 0, notPermitted = 0;
  for (uint32_t i = 0; i < kSyns; ++i) {
    const Bytes frame = craft::ethernet(
        craft::ipv4(firstSource + i, kHost, 6, craft::tcp(static_cast<uint16_t>(1024 + i % 60000), 8080, i * 7919u, 0, SYN)),
        false);
    if (send(s, 1'000'000 + uint64_t{i} * 100, frame).verdict != stack::Verdict::PERMIT) ++notPermitted;
    const flow::Stats& fs = s.flows().stats();
    if (fs.active > kMaxFlows) ++overCap;
    if (fs.evicted != fs.created - fs.active) ++overCap;
  }
  EXPECT_EQ(overCap, 0u);
  EXPECT_EQ(notPermitted, 0u);
  const flow::Stats& fs = s.flows().stats();
  EXPECT_EQ(fs.created, kSyns);
  EXPECT_EQ(fs.active, kMaxFlows);
  EXPECT_EQ(fs.peak, kMaxFlows);
  EXPECT_EQ(fs.expired, 0u);
  EXPECT_EQ(fs.evicted, fs.created - fs.active);
  EXPECT_EQ(fs.evicted, uint64_t{kSyns - kMaxFlows});
  // One ALE_ENDPOINT_CLOSURE per evicted flow, and the evicted ones are the
  // oldest: the first 19,000 sources.
  EXPECT_EQ(observer.closures.size(), fs.evicted);
  EXPECT_EQ(observer.evictedFlows.size(), fs.evicted);
  for (const auto& [flowId, n] : observer.closures) {
    EXPECT_EQ(n, 1u) << flowId;
    EXPECT_EQ(observer.evictedFlows.count(flowId), 1u) << flowId;
  }
  ASSERT_EQ(observer.evictedRemotes.size(), fs.evicted);
  EXPECT_EQ(*observer.evictedRemotes.begin(), firstSource);
  EXPECT_EQ(*observer.evictedRemotes.rbegin(), firstSource + kSyns - kMaxFlows - 1);
  EXPECT_EQ(observer.ends[flow::EndReason::EVICTED], fs.evicted);
  // The listener was inferred once; every SYN was authorised.
  EXPECT_EQ(observer.listens, 1u);
  EXPECT_EQ(observer.accepts, kSyns);
  EXPECT_EQ(s.streams().stats().noState, 0u);

  s.finish();
  EXPECT_EQ(s.flows().stats().active, 0u);
  EXPECT_EQ(observer.closures.size(), uint64_t{kSyns});
  EXPECT_EQ(observer.ends[flow::EndReason::END_OF_INPUT], uint64_t{kMaxFlows});
}

// 20,000 first fragments of distinct datagrams that never complete, into a
// reassembler capped at 256 datagrams and 1 MiB: with `data` bytes per
// fragment, `expectedInFlight` datagrams fit.
void fragment_flood(uint32_t data, uint32_t expectedInFlight) {
  constexpr uint32_t kFragments = 20000;
  Engine engine;
  Recorder recorder;
  stack::Config config = host_config();
  ASSERT_EQ(config.defrag.maxDatagrams, 256u);
  ASSERT_EQ(config.defrag.maxBytes, 1u << 20);
  stack::Stack s(engine, config, &recorder);
  const uint32_t firstSource = craft::v4(198, 18, 0, 0);
  const Bytes whole = craft::ipv4(firstSource, kHost, 17, craft::udp(5000, 6000, Bytes(2 * data, 'f')), 1);
  Bytes frame = craft::ethernet(craft::ipv4_fragments(whole, {data}).at(0), false);
  ASSERT_EQ(frame.size(), 14u + 20u + data);
  uint32_t overCap = 0, wrongCount = 0, notHeld = 0;
  for (uint32_t i = 0; i < kFragments; ++i) {
    uint8_t* ip = frame.data() + 14;
    const uint32_t source = firstSource + i;
    ip[4] = static_cast<uint8_t>(i >> 8);  // identification
    ip[5] = static_cast<uint8_t>(i);
    for (int b = 0; b < 4; ++b) ip[12 + b] = static_cast<uint8_t>(source >> (24 - 8 * b));
    ipv4_set_header_checksum(ip, 20);
    if (send(s, 1'000'000 + uint64_t{i} * 100, frame).verdict != stack::Verdict::HELD) ++notHeld;
    const defrag::Stats& ds = s.reassembler().stats();
    if (ds.datagramsInFlight > 256 || ds.bytesHeld > (1u << 20)) ++overCap;
    // Evictions counted exactly: every fragment opened a datagram that is
    // either still in flight or was evicted.
    if (ds.evicted + ds.datagramsInFlight != uint64_t{i} + 1) ++wrongCount;
    if (ds.datagramsInFlight != std::min(i + 1, expectedInFlight)) ++wrongCount;
    if (ds.bytesHeld != uint64_t{ds.datagramsInFlight} * (20 + data)) ++wrongCount;
  }
  EXPECT_EQ(overCap, 0u);
  EXPECT_EQ(wrongCount, 0u);
  EXPECT_EQ(notHeld, 0u);
  const defrag::Stats& ds = s.reassembler().stats();
  EXPECT_EQ(ds.fragments, kFragments);
  EXPECT_EQ(ds.datagramsInFlight, expectedInFlight);
  EXPECT_EQ(ds.evicted, uint64_t{kFragments - expectedInFlight});
  EXPECT_EQ(ds.reassembled, 0u);
  EXPECT_EQ(ds.timedOut, 0u);
  for (uint64_t d : ds.drops) EXPECT_EQ(d, 0u);
  EXPECT_EQ(s.counters().verdicts[static_cast<size_t>(stack::Verdict::HELD)], kFragments);
  EXPECT_EQ(recorder.classified["INBOUND_IPPACKET_V4"], kFragments);  // each fragment, IS_FRAGMENT
  EXPECT_TRUE(recorder.reassembled.empty());
  EXPECT_EQ(s.flows().stats().created, 0u);  // nothing was delivered
}

TEST(PipelineFlood, FragmentFloodStaysWithinTheDatagramCap) {
  fragment_flood(64, 256);  // 256 x 84 bytes: the datagram count binds
}

TEST(PipelineFlood, FragmentFloodStaysWithinTheByteCap) {
  fragment_flood(8000, (1u << 20) / 8020);  // 130 x 8,020 bytes: the byte cap binds
}

// One connection: the local client sends 100 runs of 40 segments of 1,000
// bytes, each run with its first segment lost. The other 39 wait for the hole
// until the direction's held-bytes (or held-segments) cap is reached; the hole
// is then skipped, reported as 1,000 missed bytes, and the run delivered.
struct OooFloodCase {
  uint32_t maxHeldBytes;
  uint32_t maxHeldSegments;
  uint32_t heldAtMost;  // bytes held at most at any time
};

void tcp_out_of_order_flood(const OooFloodCase& k) {
  constexpr uint32_t kRuns = 100, kRun = 40, kSegment = 1000;
  Engine engine;
  Recorder recorder;
  stack::Config config = host_config();
  config.stream.maxHeldBytesPerDirection = k.maxHeldBytes;
  config.stream.maxHeldSegmentsPerDirection = k.maxHeldSegments;
  config.stream.maxHeldBytesTotal = 1u << 20;
  stack::Stack s(engine, config, &recorder);
  const uint32_t server = craft::v4(203, 0, 113, 5);
  const uint32_t isn = 1000, serverIsn = 5000;
  craft::TcpOptions opts;
  opts.windowScale = 8;
  opts.window = 65535;
  uint64_t now = 1'000'000;
  auto out = [&](const Bytes& tcp) { return send(s, now += 100, craft::ethernet(craft::ipv4(kHost, server, 6, tcp), true)); };
  out(craft::tcp(40000, 80, isn, 0, SYN, {}, opts));
  send(s, now += 100, craft::ethernet(craft::ipv4(server, kHost, 6, craft::tcp(80, 40000, serverIsn, isn + 1, SYN | ACK, {}, opts)), false));
  out(craft::tcp(40000, 80, isn + 1, serverIsn + 1, ACK));
  // The window of a SYN is never scaled (RFC 7323 2.2): the server's first
  // ACK opens its window to 65535 << 8 bytes.
  craft::TcpOptions open;
  open.window = 65535;
  send(s, now += 100, craft::ethernet(craft::ipv4(server, kHost, 6, craft::tcp(80, 40000, serverIsn + 1, isn + 1, ACK, {}, open)), false));

  std::string want;
  uint32_t overCap = 0, notPermitted = 0;
  for (uint32_t run = 0; run < kRuns; ++run) {
    want += "[" + std::to_string(kSegment) + " bytes missing]";
    for (uint32_t i = 1; i < kRun; ++i) {
      const uint32_t index = run * kRun + i;
      const Bytes data(kSegment, static_cast<uint8_t>('A' + index % 26));
      want.append(data.begin(), data.end());
      if (out(craft::tcp(40000, 80, isn + 1 + index * kSegment, serverIsn + 1, ACK, data)).verdict !=
          stack::Verdict::PERMIT) {
        ++notPermitted;
      }
      if (s.streams().stats().heldBytes > k.heldAtMost) ++overCap;
    }
  }
  EXPECT_EQ(overCap, 0u);
  EXPECT_EQ(notPermitted, 0u);
  const stream::Stats& st = s.streams().stats();
  EXPECT_EQ(st.capHits, kRuns);
  EXPECT_EQ(st.bytesMissed, uint64_t{kRuns} * kSegment);
  EXPECT_EQ(st.bytesDelivered, uint64_t{kRuns} * (kRun - 1) * kSegment);
  EXPECT_EQ(st.heldBytes, 0u);  // each run ends in order
  EXPECT_EQ(st.outOfWindow, 0u);
  ASSERT_EQ(recorder.streams.size(), 1u);
  EXPECT_EQ(recorder.streams[0].missedBytes, uint64_t{kRuns} * kSegment);
  EXPECT_EQ(recorder.streams[0].bytes[FWP_DIRECTION_OUTBOUND], uint64_t{kRuns} * (kRun - 1) * kSegment);
  EXPECT_TRUE(recorder.streams[0].rendered == want) << "the stream as delivered differs";
  s.finish();
  EXPECT_EQ(s.streams().stats().bytesMissed, uint64_t{kRuns} * kSegment);
  EXPECT_EQ(recorder.ends[flow::EndReason::END_OF_INPUT], 1u);
}

TEST(PipelineFlood, TcpOutOfOrderFloodStaysWithinTheHeldBytesCap) {
  // 32 segments fit in 32 KiB; the 33rd of a run makes the hole skipped.
  tcp_out_of_order_flood({32u << 10, 1024, 32u * 1000});
}

TEST(PipelineFlood, TcpOutOfOrderFloodStaysWithinTheHeldSegmentsCap) {
  tcp_out_of_order_flood({1u << 20, 16, 16u * 1000});
}

}  // namespace
}  // namespace openwfp::pipeline
