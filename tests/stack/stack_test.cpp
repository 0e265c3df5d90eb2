// The layers a packet walks, in order, for each kind of traffic (WFP's TCP
// and UDP packet flows), blocks and their DISCARD layers, and flow ends.
#include <gtest/gtest.h>

#include "craft/craft.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/fwps_fields.hpp"
#include "stack/stack.hpp"
#include "support/engine_fixture.hpp"

namespace openwfp::test {
namespace {

using craft::Bytes;
using Seq = std::vector<std::string>;

struct Step {
  std::string layer;
  uint32_t flags;
  uint32_t action;
};

class Recorder final : public stack::Observer {
 public:
  void on_classify(const LayerInfo& layer, const IncomingValues& values, const ClassifyResult& r,
                   const flow::Flow*) override {
    uint32_t flags = 0;
    const auto fi = layer.index_of(*find_field("FLAGS"));
    if (fi && values.incomingValue[*fi].value.type == DataType::FWP_UINT32) flags = values.incomingValue[*fi].value.uint32;
    steps.push_back({std::string(layer.name), flags, r.actionType});
  }
  void on_flow_end(const flow::Flow&, flow::EndReason reason) override { ends.push_back(reason); }
  Seq take() {
    Seq s;
    for (const Step& st : steps) s.push_back(st.layer);
    steps.clear();
    return s;
  }
  std::vector<Step> steps;
  std::vector<flow::EndReason> ends;
};

struct Harness {
  Engine engine;
  Recorder recorder;
  stack::Config config;
  std::unique_ptr<stack::Stack> stack;
  uint64_t now = 1'000'000;

  explicit Harness(std::vector<std::string> local = {"10.0.0.2/32", "2001:db8:1::2/128"}) {
    config.streams = stack::StreamReassembly::ALWAYS;  // the walk of every layer, STREAM included
    for (const auto& l : local) {
      stack::Prefix p;
      EXPECT_TRUE(stack::parse_prefix(l, &p));
      config.local.add(p);
    }
  }
  void start() { stack = std::make_unique<stack::Stack>(engine, config, &recorder); }
  stack::Result send(const Bytes& ip, bool from_host = true) {
    if (!stack) start();
    const Bytes frame = craft::ethernet(ip, from_host);
    now += 1000;
    return stack->process(now, 1, frame.data(), static_cast<uint32_t>(frame.size()));
  }
};

const uint32_t kHost = craft::v4(10, 0, 0, 2);
const uint32_t kWeb = craft::v4(93, 184, 216, 34);
constexpr uint8_t SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;

TEST(StackLayers, OutboundTcpConnection) {
  Harness h;
  const Bytes req = craft::text("GET / HTTP/1.1\r\n\r\n");
  const Bytes resp = craft::text("HTTP/1.1 204 No Content\r\n\r\n");
  const auto rq = static_cast<uint32_t>(req.size());
  const auto rs = static_cast<uint32_t>(resp.size());
  EXPECT_EQ(h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 100, 0, SYN))).verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(h.recorder.take(), (Seq{"ALE_RESOURCE_ASSIGNMENT_V4", "ALE_AUTH_CONNECT_V4", "OUTBOUND_TRANSPORT_V4",
                                    "OUTBOUND_IPPACKET_V4"}));
  h.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 500, 101, SYN | ACK)), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_FLOW_ESTABLISHED_V4"}));
  h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 101, 501, ACK)));
  EXPECT_EQ(h.recorder.take(), (Seq{"OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4"}));
  h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 101, 501, PSH | ACK, req)));
  EXPECT_EQ(h.recorder.take(), (Seq{"STREAM_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4"}));
  h.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 501, 101 + rq, PSH | ACK, resp)), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "STREAM_V4"}));
  h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 101 + rq, 501 + rs, FIN | ACK)));
  EXPECT_EQ(h.recorder.take(), (Seq{"STREAM_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4"}));
  h.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 501 + rs, 102 + rq, FIN | ACK)), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "STREAM_V4"}));
  h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 102 + rq, 502 + rs, ACK)));
  EXPECT_EQ(h.recorder.take(), (Seq{"OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "ALE_ENDPOINT_CLOSURE_V4",
                                    "ALE_RESOURCE_RELEASE_V4"}));
  ASSERT_EQ(h.recorder.ends.size(), 1u);
  EXPECT_EQ(h.recorder.ends[0], flow::EndReason::FIN);
  EXPECT_EQ(h.stack->flows().stats().active, 0u);
}

TEST(StackLayers, InboundTcpConnection) {
  Harness h;
  const uint32_t client = craft::v4(198, 51, 100, 7);
  h.send(craft::ipv4(client, kHost, 6, craft::tcp(50000, 8080, 1, 0, SYN)), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_RESOURCE_ASSIGNMENT_V4",
                                    "ALE_AUTH_LISTEN_V4", "ALE_AUTH_RECV_ACCEPT_V4"}));
  h.send(craft::ipv4(kHost, client, 6, craft::tcp(8080, 50000, 900, 2, SYN | ACK)));
  EXPECT_EQ(h.recorder.take(), (Seq{"OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4"}));
  h.send(craft::ipv4(client, kHost, 6, craft::tcp(50000, 8080, 2, 901, ACK)), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_FLOW_ESTABLISHED_V4"}));
  // A second connection to the same listener: no new bind or listen.
  h.send(craft::ipv4(client, kHost, 6, craft::tcp(50001, 8080, 1, 0, SYN)), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_AUTH_RECV_ACCEPT_V4"}));
  h.send(craft::ipv4(client, kHost, 6, craft::tcp(50000, 8080, 2, 901, RST)), false);
  const Seq s = h.recorder.take();
  ASSERT_GE(s.size(), 3u);
  EXPECT_EQ(s.front(), "INBOUND_IPPACKET_V4");
  EXPECT_EQ(s.back(), "ALE_ENDPOINT_CLOSURE_V4");
  ASSERT_EQ(h.recorder.ends.size(), 1u);
  EXPECT_EQ(h.recorder.ends[0], flow::EndReason::RST);
}

TEST(StackLayers, UdpBothWays) {
  Harness h;
  const uint32_t dns = craft::v4(10, 0, 0, 1);
  h.send(craft::ipv4(kHost, dns, 17, craft::udp(40001, 53, craft::text("query"))));
  EXPECT_EQ(h.recorder.take(), (Seq{"ALE_RESOURCE_ASSIGNMENT_V4", "ALE_AUTH_CONNECT_V4", "ALE_FLOW_ESTABLISHED_V4",
                                    "DATAGRAM_DATA_V4", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4"}));
  h.send(craft::ipv4(dns, kHost, 17, craft::udp(53, 40001, craft::text("answer"))), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "DATAGRAM_DATA_V4"}));
  // An inbound-initiated UDP flow to a local port.
  h.send(craft::ipv4(dns, kHost, 17, craft::udp(5353, 9999, craft::text("hello"))), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_RESOURCE_ASSIGNMENT_V4",
                                    "ALE_AUTH_RECV_ACCEPT_V4", "ALE_FLOW_ESTABLISHED_V4", "DATAGRAM_DATA_V4"}));
  h.stack->finish();
  const Seq end = h.recorder.take();
  EXPECT_EQ(end, (Seq{"ALE_ENDPOINT_CLOSURE_V4", "ALE_ENDPOINT_CLOSURE_V4"}));
}

TEST(StackLayers, FragmentedInboundDatagram) {
  Harness h;
  Bytes data(1500, 'x');
  const Bytes whole = craft::ipv4(kWeb, kHost, 17, craft::udp(6000, 5000, data), 4242);
  const auto frags = craft::ipv4_fragments(whole, {504, 504});
  ASSERT_EQ(frags.size(), 3u);
  stack::Result r = h.send(frags[2], false);
  EXPECT_EQ(r.verdict, stack::Verdict::HELD);
  EXPECT_NE(r.fragmentGroup, 0u);
  r = h.send(frags[0], false);
  EXPECT_EQ(r.verdict, stack::Verdict::HELD);
  const uint64_t group = r.fragmentGroup;
  r = h.send(frags[1], false);
  EXPECT_EQ(r.verdict, stack::Verdict::PERMIT);
  EXPECT_TRUE(r.groupDone);
  EXPECT_EQ(r.fragmentGroup, group);
  ASSERT_EQ(h.recorder.steps.size(), 9u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(h.recorder.steps[static_cast<size_t>(i)].layer, "INBOUND_IPPACKET_V4");
    EXPECT_EQ(h.recorder.steps[static_cast<size_t>(i)].flags & FWP_CONDITION_FLAG_IS_FRAGMENT, FWP_CONDITION_FLAG_IS_FRAGMENT);
  }
  EXPECT_EQ(h.recorder.steps[3].layer, "INBOUND_IPPACKET_V4");
  EXPECT_EQ(h.recorder.steps[3].flags & FWP_CONDITION_FLAG_IS_REASSEMBLED, FWP_CONDITION_FLAG_IS_REASSEMBLED);
  EXPECT_EQ(h.recorder.steps[3].flags & FWP_CONDITION_FLAG_IS_FRAGMENT, 0u);
}

TEST(StackLayers, FragmentedInboundDatagramSequence) {
  Harness h;
  Bytes data(1500, 'x');
  const auto frags = craft::ipv4_fragments(craft::ipv4(kWeb, kHost, 17, craft::udp(6000, 5000, data), 4242), {504, 504});
  for (const Bytes& f : frags) h.send(f, false);
  EXPECT_EQ(h.recorder.take(),
            (Seq{"INBOUND_IPPACKET_V4", "INBOUND_IPPACKET_V4", "INBOUND_IPPACKET_V4", "INBOUND_IPPACKET_V4",
                 "INBOUND_TRANSPORT_V4", "ALE_RESOURCE_ASSIGNMENT_V4", "ALE_AUTH_RECV_ACCEPT_V4",
                 "ALE_FLOW_ESTABLISHED_V4", "DATAGRAM_DATA_V4"}));
  EXPECT_EQ(h.stack->counters().reassembled, 1u);
}

TEST(StackLayers, ForwardedTraffic) {
  Harness h;
  const uint32_t a = craft::v4(192, 0, 2, 1), b = craft::v4(198, 51, 100, 1);
  EXPECT_EQ(h.send(craft::ipv4(a, b, 6, craft::tcp(1234, 80, 1, 0, SYN)), false).verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(h.recorder.take(), (Seq{"IPFORWARD_V4"}));
  EXPECT_EQ(h.stack->flows().stats().created, 0u);
  EXPECT_EQ(h.stack->counters().forwarded, 1u);
}

TEST(StackLayers, Ipv6UsesTheV6Layers) {
  Harness h;
  h.send(craft::ipv6(craft::v6("2001:db8:1::2"), craft::v6("2001:db8:2::1"), 17, craft::udp(1000, 2000, craft::text("x"))));
  EXPECT_EQ(h.recorder.take(), (Seq{"ALE_RESOURCE_ASSIGNMENT_V6", "ALE_AUTH_CONNECT_V6", "ALE_FLOW_ESTABLISHED_V6",
                                    "DATAGRAM_DATA_V6", "OUTBOUND_TRANSPORT_V6", "OUTBOUND_IPPACKET_V6"}));
}

TEST(StackLayers, OnlyASynOrDataOpensATcpFlow) {
  Harness h;
  EXPECT_EQ(h.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 1, 1, RST | ACK)), false).verdict,
            stack::Verdict::PERMIT);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4"}));
  EXPECT_EQ(h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 1, 1, RST))).verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(h.recorder.take(), (Seq{"OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4"}));
  // A late pure ACK or FIN neither.
  h.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 5, 5, ACK)), false);
  h.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 5, 5, FIN | ACK)), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "INBOUND_IPPACKET_V4",
                                    "INBOUND_TRANSPORT_V4"}));
  EXPECT_EQ(h.stack->flows().stats().created, 0u);
  // Data picks a connection up mid-stream: ALE authorises it and it is established at once.
  h.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 5, 5, PSH | ACK, craft::text("data"))), false);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "ALE_RESOURCE_ASSIGNMENT_V4",
                                    "ALE_AUTH_RECV_ACCEPT_V4", "ALE_FLOW_ESTABLISHED_V4", "STREAM_V4"}));
  EXPECT_EQ(h.stack->flows().stats().created, 1u);
}

// The default: as in WFP, the STREAM layer is not classified while it has no
// filter, and then nothing is reassembled (no stream state, no copies). The
// first STREAM filter makes the next segment of a running flow start its
// stream there, and a filter that blocks it then takes effect.
TEST(StackLayers, StreamsAreReassembledOnlyWhileTheStreamLayerHasFilters) {
  Harness h;
  h.config.streams = stack::StreamReassembly::WHEN_FILTERED;
  const Bytes req = craft::text("GET / HTTP/1.1\r\n\r\n");
  const auto rq = static_cast<uint32_t>(req.size());
  h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 100, 0, SYN)));
  h.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 500, 101, SYN | ACK)), false);
  h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 101, 501, ACK)));
  h.recorder.take();
  h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 101, 501, PSH | ACK, req)));
  EXPECT_EQ(h.recorder.take(), (Seq{"OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4"}));
  EXPECT_EQ(h.stack->streams().stats().segments, 0u);
  EXPECT_EQ(h.stack->counters().streamIndications, 0u);

  const LayerInfo& L = layer("STREAM_V4");
  OPENWFP_ASSERT_OK(h.engine.add_filter(make_filter("no more data", L.id, FWP_ACTION_BLOCK, {})));
  const Bytes more = craft::text("more");
  EXPECT_EQ(h.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 101 + rq, 501, PSH | ACK, more))).verdict,
            stack::Verdict::BLOCK);
  const Seq seen = h.recorder.take();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "STREAM_V4");
  EXPECT_EQ(h.stack->streams().stats().bytesDelivered, more.size());
  EXPECT_EQ(h.stack->counters().streamIndications, 1u);
}

TEST(StackLayers, FragmentedLoopbackDatagramTakesBothPathsOnce) {
  Harness h({"127.0.0.0/8"});
  const uint32_t lo = craft::v4(127, 0, 0, 1);
  Bytes data(1200, 'l');
  const auto frags = craft::ipv4_fragments(craft::ipv4(lo, lo, 17, craft::udp(7000, 7001, data), 99), {400, 400});
  EXPECT_EQ(h.send(frags[0]).verdict, stack::Verdict::HELD);
  EXPECT_EQ(h.send(frags[1]).verdict, stack::Verdict::HELD);
  const stack::Result r = h.send(frags[2]);
  EXPECT_EQ(r.verdict, stack::Verdict::PERMIT);
  EXPECT_TRUE(r.groupDone);
  EXPECT_EQ(h.recorder.take(),
            (Seq{"ALE_RESOURCE_ASSIGNMENT_V4", "ALE_AUTH_CONNECT_V4", "ALE_FLOW_ESTABLISHED_V4", "DATAGRAM_DATA_V4",
                 "OUTBOUND_TRANSPORT_V4", "OUTBOUND_IPPACKET_V4", "INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4",
                 "ALE_RESOURCE_ASSIGNMENT_V4", "ALE_AUTH_RECV_ACCEPT_V4", "ALE_FLOW_ESTABLISHED_V4",
                 "DATAGRAM_DATA_V4"}));
  EXPECT_EQ(h.stack->reassembler().stats().datagramsInFlight, 0u);
  EXPECT_EQ(h.stack->counters().reassembled, 1u);
}

TEST(StackBlocks, AleBlockIsRememberedAndSeenByTheDiscardLayer) {
  Harness h;
  const LayerInfo& L = layer("ALE_AUTH_CONNECT_V4");
  OPENWFP_ASSERT_OK(h.engine.add_filter(make_filter("no telnet", L.id, FWP_ACTION_BLOCK, {}, FilterWeight::automatic(),
                                                    {cond(L, "IP_REMOTE_PORT", MatchType::FWP_MATCH_EQUAL, "23")})));
  const uint32_t dst = craft::v4(10, 1, 2, 3);
  EXPECT_EQ(h.send(craft::ipv4(kHost, dst, 6, craft::tcp(40003, 23, 7, 0, SYN))).verdict, stack::Verdict::BLOCK);
  EXPECT_EQ(h.recorder.take(),
            (Seq{"ALE_RESOURCE_ASSIGNMENT_V4", "ALE_AUTH_CONNECT_V4", "ALE_AUTH_CONNECT_V4_DISCARD"}));
  EXPECT_EQ(h.send(craft::ipv4(kHost, dst, 6, craft::tcp(40003, 23, 7, 0, SYN))).verdict, stack::Verdict::BLOCK);
  EXPECT_TRUE(h.recorder.take().empty());  // the decision is remembered for the flow
  EXPECT_EQ(h.stack->counters().aleBlockedPackets, 1u);
}

TEST(StackBlocks, TransportBlockStopsThePacket) {
  Harness h;
  const LayerInfo& L = layer("INBOUND_TRANSPORT_V4");
  OPENWFP_ASSERT_OK(h.engine.add_filter(make_filter("no ping", L.id, FWP_ACTION_BLOCK, {}, FilterWeight::automatic(),
                                                    {cond(L, "ICMP_TYPE", MatchType::FWP_MATCH_EQUAL, "8")})));
  EXPECT_EQ(h.send(craft::ipv4(kWeb, kHost, 1, craft::icmp(8, 0, 5, 1)), false).verdict, stack::Verdict::BLOCK);
  EXPECT_EQ(h.recorder.take(), (Seq{"INBOUND_IPPACKET_V4", "INBOUND_TRANSPORT_V4", "INBOUND_TRANSPORT_V4_DISCARD"}));
  EXPECT_EQ(h.stack->flows().stats().created, 0u);
}

TEST(StackDrops, MalformedPacketsAreCountedAndReachTheDiscardLayer) {
  Harness h;
  Bytes bad = craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 1, 1, 1, ACK));
  bad[0] = 0x43;  // IHL 3: a bad header length
  EXPECT_EQ(h.send(bad, false).verdict, stack::Verdict::DROP);
  const Seq s = h.recorder.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], "INBOUND_IPPACKET_V4_DISCARD");
  EXPECT_EQ(h.stack->counters().decodeDrops[static_cast<size_t>(decode::DropReason::IPV4_BAD_HEADER_LENGTH)], 1u);
}

}  // namespace
}  // namespace openwfp::test
