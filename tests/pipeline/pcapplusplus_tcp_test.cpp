// PcapPlusPlus's TCP reassembly references through the whole stack: the
// reference captures (PcapExamples in the shared data), edited exactly as
// PcapPlusPlus's TcpReassemblyTests.cpp edits them (retransmissions cut from
// captured packets, bytes dropped, packets reordered or removed), written
// back to a pcap file, read again through libpcap and replayed through
// stack::Stack with an engine. The STREAM chunks the Observer receives for a
// connection, both directions in delivery order with each hole rendered as
// "[N bytes missing]", must equal the expected file byte for byte.
//
// The client's address is this host's (--local), so every connection is an
// outbound flow whose stream client is the local side.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "capture.hpp"
#include "recorder.hpp"
#include "stack/stack.hpp"
#include "support/shared_data.hpp"

namespace openwfp::pipeline {
namespace {

const std::string kExamples = "pcaps/pcapplusplus/Tests/Pcap++Test/PcapExamples/";

#define REQUIRE_CAPTURES()                                                         \
  if (!openwfp::test::shared_data_present(kExamples + "one_tcp_stream.pcap")) {  \
    GTEST_SKIP() << "PcapPlusPlus captures not in the shared data";               \
  }

Capture load(const std::string& name) {
  Capture c;
  std::string error;
  EXPECT_EQ(read_capture(openwfp::test::shared_data_dir() + "/" + kExamples + name, &c, &error), ReadStatus::OK)
      << error;
  return c;
}

std::string expected(const std::string& name) {
  std::ifstream in(openwfp::test::shared_data_dir() + "/" + kExamples + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

stack::Config config_for(const std::vector<std::string>& local) {
  stack::Config c;
  c.streams = stack::StreamReassembly::ALWAYS;  // the streams are what is compared
  c.local = locality(local);
  c.flows.maxFlows = 1024;
  c.stream.maxConnections = 1024;
  c.stream.maxHeldBytesTotal = 16u << 20;
  c.defrag.maxDatagrams = 64;
  c.defrag.maxBytes = 1u << 20;
  return c;
}

// One replay of a capture (after a round trip through a pcap file).
struct StackRun {
  Engine engine;
  Recorder recorder;
  std::unique_ptr<stack::Stack> stack;
  std::vector<stack::Result> results;

  StackRun(const Capture& capture, const std::vector<std::string>& local, bool finish = true)
      : StackRun(capture, config_for(local), finish) {}
  StackRun(const Capture& capture, const stack::Config& config, bool finish = true) {
    stack = std::make_unique<stack::Stack>(engine, config, &recorder);
    results = replay(*stack, through_pcap_file(capture, "tcp.pcap"), finish);
  }

  // The one connection that delivered data.
  std::string only() const {
    const auto flows = recorder.with_data();
    EXPECT_EQ(flows.size(), 1u);
    return flows.empty() ? std::string() : flows[0]->rendered;
  }
  uint64_t missed() const {
    uint64_t n = 0;
    for (const FlowStream& s : recorder.streams) n += s.missedBytes;
    return n;
  }
  // Every frame went through: nothing blocked, nothing dropped.
  void expect_all_permitted() const {
    const stack::Counters& c = stack->counters();
    EXPECT_EQ(c.verdicts[static_cast<size_t>(stack::Verdict::PERMIT)], results.size());
    for (const auto& [reason, count] : recorder.drops) ADD_FAILURE() << "dropped: " << reason << " x" << count;
  }
};

const std::vector<std::string> kV4Client = {"10.0.0.1"};
const std::vector<std::string> kV6Client = {"2001:618:400::5199:cc70"};

TEST(PipelinePcapPlusPlusTcp, Sanity) {
  REQUIRE_CAPTURES();
  StackRun r(load("one_tcp_stream.pcap"), kV4Client);
  EXPECT_EQ(r.only(), expected("one_tcp_stream_output.txt"));
  EXPECT_EQ(r.missed(), 0u);
  r.expect_all_permitted();
  EXPECT_EQ(r.stack->streams().stats().outOfWindow, 0u);
  // PcapPlusPlus: the connection is still open at the end (closed manually).
  ASSERT_EQ(r.recorder.streams.size(), 1u);
  EXPECT_EQ(r.recorder.streams[0].endReason, flow::EndReason::END_OF_INPUT);
  EXPECT_EQ(r.stack->flows().stats().created, 1u);
  // A local client: ALE_AUTH_CONNECT once, FLOW_ESTABLISHED at the SYN-ACK.
  EXPECT_EQ(r.recorder.classified["ALE_AUTH_CONNECT_V4"], 1u);
  EXPECT_EQ(r.recorder.classified["ALE_FLOW_ESTABLISHED_V4"], 1u);
  EXPECT_EQ(r.recorder.classified["ALE_ENDPOINT_CLOSURE_V4"], 1u);
}

TEST(PipelinePcapPlusPlusTcp, MaxSeq) {
  REQUIRE_CAPTURES();
  StackRun r(load("one_tcp_stream_max_seq.pcap"), kV4Client);
  EXPECT_EQ(r.only(), expected("one_tcp_stream_output.txt"));
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, Retransmissions) {
  REQUIRE_CAPTURES();
  Capture c = load("one_tcp_stream.pcap");
  auto& ps = c.frames;
  ASSERT_EQ(ps.size(), 36u);
  const CapturedFrame ret1 = cut_tcp_payload(ps.at(4), c.linkType, 0, 0);       // same data
  const CapturedFrame ret2 = cut_tcp_payload(ps.at(10), c.linkType, 10, 0);     // 10 bytes less at the start
  const CapturedFrame ret3 = cut_tcp_payload(ps.at(13), c.linkType, 0, 1340);   // 20 bytes less at the end
  const CapturedFrame ret4 = cut_tcp_payload(ps.at(21), c.linkType, 0, 1430);   // 10 bytes more
  const CapturedFrame ret5 = cut_tcp_payload(ps.at(28), c.linkType, 10, 1370);  // 10 less at the start, 20 more at the end
  const CapturedFrame ret6 = cut_tcp_payload(ps.at(34), c.linkType, 10, 91);    // 10 less at the start, 15 less at the end
  ps.insert(ps.begin() + 5, ret1);
  ps.insert(ps.begin() + 12, ret2);
  ps.insert(ps.begin() + 16, ret3);
  ps.insert(ps.begin() + 25, ret4);
  ps.insert(ps.begin() + 33, ret5);
  ps.insert(ps.begin() + 40, ret6);
  StackRun r(c, kV4Client);
  EXPECT_EQ(r.only(), expected("one_tcp_stream_retransmission_output.txt"));
  EXPECT_EQ(r.missed(), 0u);
  r.expect_all_permitted();
  EXPECT_GE(r.stack->streams().stats().retransmissions, 1u);
}

TEST(PipelinePcapPlusPlusTcp, MissingData) {
  REQUIRE_CAPTURES();
  Capture c = load("one_tcp_stream.pcap");
  auto& ps = c.frames;
  uint64_t expectedLoss = 0;
  const CapturedFrame miss1 = cut_tcp_payload(ps.at(3), c.linkType, 20, 0);  // 20 bytes lost at the start
  ps.insert(ps.begin() + 4, miss1);
  ps.erase(ps.begin() + 3);
  expectedLoss += 20;
  const CapturedFrame miss2 = cut_tcp_payload(ps.at(20), c.linkType, 0, 1390);  // 30 bytes lost at the end
  ps.insert(ps.begin() + 21, miss2);
  ps.erase(ps.begin() + 20);
  expectedLoss += 30;
  expectedLoss += tcp_payload(ps.at(28), c.linkType).size() + tcp_payload(ps.at(30), c.linkType).size();
  ps.erase(ps.begin() + 28);  // whole packets lost
  ps.erase(ps.begin() + 30);
  StackRun r(c, kV4Client);
  EXPECT_EQ(r.only(), expected("one_tcp_stream_missing_data_output.txt"));
  EXPECT_EQ(r.missed(), expectedLoss);
  EXPECT_EQ(r.stack->streams().stats().bytesMissed, expectedLoss);
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, MissingHandshake) {
  REQUIRE_CAPTURES();
  Capture c = load("one_tcp_stream.pcap");
  c.frames.erase(c.frames.begin());
  c.frames.erase(c.frames.begin());
  StackRun r(c, kV4Client);
  EXPECT_EQ(r.only(), expected("one_tcp_stream_output.txt"));
  // Picked up mid-stream: established at its first packet.
  EXPECT_EQ(r.recorder.classified["ALE_FLOW_ESTABLISHED_V4"], 1u);
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, OutOfOrder) {
  REQUIRE_CAPTURES();
  Capture c = load("one_tcp_stream.pcap");
  auto& ps = c.frames;
  std::swap(ps[9], ps[10]);
  move_frame(ps, 18, 23);
  for (size_t i = 0; i < 12; ++i) move_frame(ps, 35, 24 + i);  // a whole message reversed
  StackRun r(c, kV4Client);
  EXPECT_EQ(r.only(), expected("one_tcp_stream_out_of_order_output.txt"));
  EXPECT_EQ(r.missed(), 0u);
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, OutOfOrderAndMissingData) {
  REQUIRE_CAPTURES();
  Capture c = load("one_tcp_stream.pcap");
  auto& ps = c.frames;
  for (size_t i = 0; i < 12; ++i) move_frame(ps, 35, 24 + i);
  ps.erase(ps.begin() + 29);
  StackRun r(c, kV4Client);
  EXPECT_EQ(r.only(), expected("one_tcp_stream_missing_data_output_ooo.txt"));
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, FinEndsTheFlow) {
  REQUIRE_CAPTURES();
  StackRun r(load("one_http_stream_fin.pcap"), {"192.168.1.2"});
  EXPECT_EQ(r.only(), expected("one_http_stream_fin_output.txt"));
  ASSERT_EQ(r.recorder.streams.size(), 1u);
  EXPECT_EQ(r.recorder.streams[0].endReason, flow::EndReason::FIN);
  r.expect_all_permitted();
}

// The capture's frames are Ethernet, two 802.1Q tags, then a PPPoE session
// header (ethertype 0x8864) carrying PPP protocol 0x0021 (IPv4).
TEST(PipelinePcapPlusPlusTcp, RstEndsTheFlow) {
  REQUIRE_CAPTURES();
  StackRun r(load("one_http_stream_rst.pcap"), {"10.3.65.35"});
  r.expect_all_permitted();
  EXPECT_EQ(r.only(), expected("one_http_stream_rst_output.txt"));
  ASSERT_EQ(r.recorder.streams.size(), 1u);
  EXPECT_EQ(r.recorder.streams[0].endReason, flow::EndReason::RST);
}

TEST(PipelinePcapPlusPlusTcp, RstWithoutData) {
  REQUIRE_CAPTURES();
  StackRun r(load("one_tcp_rst.pcap"), {"10.1.1.13"});
  EXPECT_TRUE(r.recorder.with_data().empty());
  EXPECT_EQ(r.recorder.ends[flow::EndReason::RST], 1u);
  EXPECT_EQ(r.stack->flows().stats().created, 1u);
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, FinCarryingData) {
  REQUIRE_CAPTURES();
  StackRun r(load("one_http_stream_fin2.pcap"), {"172.16.133.132"});
  EXPECT_EQ(r.only(), expected("one_http_stream_fin2_output.txt"));
  ASSERT_EQ(r.recorder.streams.size(), 1u);
  EXPECT_EQ(r.recorder.streams[0].endReason, flow::EndReason::FIN);
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, DataAfterItsFinComesTooLate) {
  REQUIRE_CAPTURES();
  Capture c = load("one_http_stream_fin2.pcap");
  move_frame(c.frames, 6, 12);  // a server packet arrives after its FIN
  StackRun r(c, {"172.16.133.132"});
  EXPECT_EQ(r.only(), expected("one_http_stream_fin2_output2.txt"));
  EXPECT_EQ(r.stack->flows().stats().created, 1u);
  r.expect_all_permitted();
}

// PcapPlusPlus's TestTcpReassemblyMalformedPkts: one server packet's IPv4
// total length is raised by 40, past the captured bytes. PcapPlusPlus still
// reads the captured payload; openwfp's decoder drops the packet
// (IPV4_BAD_TOTAL_LENGTH, docs/STACK.md: malformed packets are counted drops),
// so its 1448 bytes become a hole, reported before the data that follows.
TEST(PipelinePcapPlusPlusTcp, MalformedLengthIsADropAndAHole) {
  REQUIRE_CAPTURES();
  Capture c = load("one_http_stream_fin2.pcap");
  CapturedFrame& bad = c.frames.at(8);
  const std::string lost = tcp_payload(bad, c.linkType);
  ASSERT_EQ(lost.size(), 1448u);
  const size_t ip = 14;
  const uint32_t total = static_cast<uint32_t>(bad.bytes[ip + 2] << 8 | bad.bytes[ip + 3]) + 40;
  bad.bytes[ip + 2] = static_cast<uint8_t>(total >> 8);
  bad.bytes[ip + 3] = static_cast<uint8_t>(total);
  StackRun r(c, {"172.16.133.132"});
  std::string want = expected("one_http_stream_fin2_output.txt");
  const size_t at = want.find(lost);
  ASSERT_NE(at, std::string::npos);
  want.replace(at, lost.size(), "[1448 bytes missing]");
  EXPECT_EQ(r.only(), want);
  EXPECT_EQ(r.stack->counters().decodeDrops[static_cast<size_t>(decode::DropReason::IPV4_BAD_TOTAL_LENGTH)], 1u);
  EXPECT_EQ(r.stack->counters().verdicts[static_cast<size_t>(stack::Verdict::DROP)], 1u);
}

TEST(PipelinePcapPlusPlusTcp, ThreeConnections) {
  REQUIRE_CAPTURES();
  Capture c = load("three_http_streams.pcap");
  c.frames.erase(c.frames.begin() + 13);  // the FINs of one connection are held back
  c.frames.erase(c.frames.begin() + 14);
  StackRun r(c, {"172.16.133.132"});
  const auto flows = r.recorder.with_data();
  ASSERT_EQ(flows.size(), 3u);
  std::multiset<std::string> got, want;
  for (const FlowStream* f : flows) got.insert(f->rendered);
  for (const char* f : {"three_http_streams_conn_1_output.txt", "three_http_streams_conn_2_output.txt",
                        "three_http_streams_conn_3_output.txt"}) {
    want.insert(expected(f));
  }
  EXPECT_EQ(got, want);
  // Two connections end with their FINs; the third only at the end of input.
  EXPECT_EQ(r.recorder.ends[flow::EndReason::FIN], 2u);
  EXPECT_EQ(r.recorder.ends[flow::EndReason::END_OF_INPUT], 1u);
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, Ipv6) {
  REQUIRE_CAPTURES();
  StackRun r(load("one_ipv6_http_stream.pcap"), kV6Client);
  EXPECT_EQ(r.only(), expected("one_ipv6_http_stream.txt"));
  EXPECT_EQ(r.recorder.classified["ALE_AUTH_CONNECT_V6"], 1u);
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, Ipv6OutOfOrder) {
  REQUIRE_CAPTURES();
  Capture c = load("one_ipv6_http_stream.pcap");
  move_frame(c.frames, 10, 12);
  move_frame(c.frames, 15, 17);
  StackRun r(c, kV6Client);
  EXPECT_EQ(r.only(), expected("one_ipv6_http_stream.txt"));
  r.expect_all_permitted();
}

TEST(PipelinePcapPlusPlusTcp, Ipv6FourConnections) {
  REQUIRE_CAPTURES();
  StackRun r(load("four_ipv6_http_streams.pcap"), kV6Client);
  const auto flows = r.recorder.with_data();
  ASSERT_EQ(flows.size(), 4u);
  std::multiset<std::string> got;
  for (const FlowStream* f : flows) got.insert(f->rendered);
  for (const char* f : {"one_ipv6_http_stream2.txt", "one_ipv6_http_stream3.txt", "one_ipv6_http_stream4.txt"}) {
    EXPECT_EQ(got.count(expected(f)), 1u) << f;
  }
  r.expect_all_permitted();
}

// PcapPlusPlus's maxOutOfOrderFragments: with a cap of 5 held pieces, the lost
// packet's hole is skipped as soon as a sixth piece waits; without, only when
// the flow ends.
TEST(PipelinePcapPlusPlusTcp, HeldSegmentsCap) {
  REQUIRE_CAPTURES();
  const Capture c = load("unidirectional_tcp_stream_with_missing_packet.pcap");
  for (const uint32_t cap : {1024u, 5u}) {
    stack::Config config = config_for(kV4Client);
    config.stream.maxHeldSegmentsPerDirection = cap;
    StackRun r(c, config, /*finish=*/false);
    ASSERT_EQ(r.recorder.streams.size(), 1u);
    EXPECT_EQ(r.recorder.streams[0].bytes[FWP_DIRECTION_OUTBOUND], cap == 5 ? 8528u : 1420u) << cap;
    EXPECT_EQ(r.stack->streams().stats().capHits, cap == 5 ? 1u : 0u);
    r.stack->finish();
    ASSERT_EQ(r.recorder.streams.size(), 1u);
    const FlowStream& s = r.recorder.streams[0];
    EXPECT_EQ(s.bytes[FWP_DIRECTION_OUTBOUND], 8528u);
    EXPECT_EQ(s.missedBytes, 1420u);
    EXPECT_EQ(s.bytes[FWP_DIRECTION_INBOUND], 0u);
  }
}

// PcapPlusPlus's TestTcpReassemblyFinReset: FIN, then RST, from the client.
TEST(PipelinePcapPlusPlusTcp, FinThenRstEndsTheFlow) {
  REQUIRE_CAPTURES();
  StackRun r(load("one_tcp_stream_fin_rst_close_packet.pcap"), {"192.168.221.130"});
  EXPECT_EQ(r.stack->flows().stats().created, 1u);
  EXPECT_EQ(r.recorder.ends[flow::EndReason::END_OF_INPUT], 0u);
  EXPECT_EQ(r.recorder.ends[flow::EndReason::FIN] + r.recorder.ends[flow::EndReason::RST], 1u);
  EXPECT_EQ(r.recorder.classified["ALE_AUTH_CONNECT_V4"], 1u);
  EXPECT_EQ(r.recorder.classified["ALE_ENDPOINT_CLOSURE_V4"], 1u);
  r.expect_all_permitted();
}

// PcapPlusPlus's TestTcpReassemblyOOOWithManualClose closes the connection
// from its message callback once 10 callbacks have come
// (tcpReassemblyTestManuallyCloseConnOnMsgReady). Where that cuts the stream
// depends on PcapPlusPlus's callback granularity (one callback per segment's
// data), not on the reassembly: the stream module delivers contiguous held
// data as one chunk, and stack::Stack has no call to close one flow from an
// observer. What PcapPlusPlus delivered before its close must be exactly the
// start of what the stack delivers; the byte-for-byte comparison is skipped.
constexpr const char* kManualCloseArtefact =
    "reference-harness artefact: PcapPlusPlus closes the connection after its 10th message callback; the cut point "
    "is PcapPlusPlus's callback granularity (checked: the expected output is the start of the stack's stream)";

TEST(PipelinePcapPlusPlusTcp, OutOfOrderWithManualClose) {
  REQUIRE_CAPTURES();
  Capture c = load("one_tcp_stream.pcap");
  auto& ps = c.frames;
  std::swap(ps[9], ps[10]);
  move_frame(ps, 18, 23);
  for (size_t i = 0; i < 12; ++i) move_frame(ps, 35, 24 + i);
  StackRun r(c, kV4Client);
  const std::string want = expected("one_tcp_stream_out_of_order_with_manual_close_output.txt");
  const std::string got = r.only();
  ASSERT_LT(want.size(), got.size());
  EXPECT_EQ(got.substr(0, want.size()), want);
  EXPECT_EQ(got, expected("one_tcp_stream_out_of_order_output.txt"));
  GTEST_SKIP() << kManualCloseArtefact;
}

TEST(PipelinePcapPlusPlusTcp, MissingDataWithManualClose) {
  REQUIRE_CAPTURES();
  Capture c = load("one_tcp_stream.pcap");
  auto& ps = c.frames;
  std::swap(ps[9], ps[10]);
  const uint64_t lost = tcp_payload(ps.at(13), c.linkType).size();
  ps.erase(ps.begin() + 13);
  StackRun r(c, kV4Client);
  const std::string want = expected("one_tcp_stream_missing_date_with_manual_close_output.txt");
  const std::string got = r.only();
  ASSERT_LT(want.size(), got.size());
  EXPECT_EQ(got.substr(0, want.size()), want);
  EXPECT_EQ(r.missed(), lost);
  GTEST_SKIP() << kManualCloseArtefact;
}

}  // namespace
}  // namespace openwfp::pipeline
