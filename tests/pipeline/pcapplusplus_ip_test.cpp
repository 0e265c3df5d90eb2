// PcapPlusPlus's IP reassembly references through the whole stack: the
// fragment captures (PcapExamples in the shared data) replayed through
// stack::Stack, and the datagrams the Observer sees in on_reassembled compared
// with PcapPlusPlus's expected hex dumps under the rules of
// tests/defrag/pcap_reassembly_test.cpp: the expected file is the first
// fragment's link layer then the reassembled datagram with its header fixed up
// (IPv4: total length, flags, checksum; IPv6: payload length). Ours keeps the
// first fragment's header as it came (docs/STACK.md, defrag/reassembler.hpp),
// so every byte after the IP header must be identical, every header byte the
// expected one except the fields a fix-up rewrites, and those exactly the
// first fragment's.
#include <gtest/gtest.h>

#include "support/fragment_orders.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "capture.hpp"
#include "decode/packet.hpp"
#include "recorder.hpp"
#include "stack/stack.hpp"
#include "support/shared_data.hpp"

namespace openwfp::pipeline {
namespace {

const std::string kExamples = "pcaps/pcapplusplus/Tests/Pcap++Test/PcapExamples/";

std::string path_of(const std::string& name) { return openwfp::test::shared_data_dir() + "/" + kExamples + name; }

#define SKIP_WITHOUT(name)                                                   \
  if (!openwfp::test::shared_data_present(kExamples + (name))) {             \
    GTEST_SKIP() << "shared data absent: " << kExamples << (name);           \
  }

Capture load(const std::string& name) {
  Capture c;
  std::string error;
  EXPECT_EQ(read_capture(path_of(name), &c, &error), ReadStatus::OK) << error;
  return c;
}

std::vector<uint8_t> read_hex_file(const std::string& name) {
  std::ifstream in(path_of(name));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<uint8_t> bytes;
  int high = -1;
  for (const char ch : text) {
    if (std::isspace(static_cast<unsigned char>(ch)) != 0) continue;
    const int digit = std::isdigit(static_cast<unsigned char>(ch)) != 0
                          ? ch - '0'
                          : std::tolower(static_cast<unsigned char>(ch)) - 'a' + 10;
    if (high < 0) {
      high = digit;
    } else {
      bytes.push_back(static_cast<uint8_t>(high << 4 | digit));
      high = -1;
    }
  }
  return bytes;
}

struct Fragment {
  size_t index = 0;  // in the capture
  decode::DecodedPacket p;
};

// The fragments of a capture, as the stack's decoder sees them.
std::vector<Fragment> fragments_of(const Capture& c) {
  std::vector<Fragment> out;
  for (size_t i = 0; i < c.frames.size(); ++i) {
    Fragment f;
    f.index = i;
    const CapturedFrame& fr = c.frames[i];
    if (decode::decode_frame(c.linkType, fr.bytes.data(), static_cast<uint32_t>(fr.bytes.size()), fr.wireLength,
                             &f.p) == decode::DropReason::NONE &&
        f.p.isFragment) {
      out.push_back(f);
    }
  }
  return out;
}

const Fragment& first_fragment_of(const std::vector<Fragment>& fragments, uint32_t id) {
  for (const Fragment& f : fragments) {
    if (f.p.fragmentId == id && f.p.fragmentOffset == 0) return f;
  }
  ADD_FAILURE() << "no first fragment for id " << id;
  return fragments.front();
}

// The comparison described at the top of the file.
void expect_matches_expected(const std::vector<uint8_t>& ours, const std::string& expectedFile, const Capture& c,
                             const Fragment& first) {
  const std::vector<uint8_t> frame = read_hex_file(expectedFile);
  const std::vector<uint8_t>& received_frame = c.frames[first.index].bytes;
  const size_t link = first.p.l3Offset;
  ASSERT_GT(frame.size(), link);
  EXPECT_TRUE(std::equal(received_frame.begin(), received_frame.begin() + static_cast<std::ptrdiff_t>(link),
                         frame.begin()))
      << "link layer";
  const std::vector<uint8_t> expected(frame.begin() + static_cast<std::ptrdiff_t>(link), frame.end());
  ASSERT_EQ(ours.size(), expected.size());
  const uint8_t* received = received_frame.data() + link;
  if (first.p.ipVersion == 4) {
    const uint32_t header = first.p.ipHeaderLength;
    EXPECT_TRUE(std::equal(ours.begin() + header, ours.end(), expected.begin() + header)) << "data";
    EXPECT_TRUE(std::equal(ours.begin(), ours.begin() + header, received)) << "IPv4 header as received";
    for (uint32_t i = 0; i < header; ++i) {
      if (i == 2 || i == 3 || i == 6 || i == 7 || i == 10 || i == 11) continue;
      EXPECT_EQ(ours[i], expected[i]) << "IPv4 header byte " << i;
    }
    EXPECT_EQ(static_cast<size_t>(expected[2] << 8 | expected[3]), ours.size());
  } else {
    const uint32_t header = first.p.v6UnfragmentableLength;
    EXPECT_TRUE(std::equal(ours.begin() + header, ours.end(), expected.begin() + header)) << "data";
    for (uint32_t i = 0; i < header; ++i) {
      if (i == 4 || i == 5) {  // payload length: the first fragment's (stale)
        EXPECT_EQ(ours[i], received[i]) << "IPv6 payload length byte " << i;
      } else {
        EXPECT_EQ(ours[i], expected[i]) << "IPv6 header byte " << i;
      }
    }
    EXPECT_EQ(received[6], 44);            // named the fragment header ...
    EXPECT_EQ(ours[6], first.p.protocol);  // ... now names what it carried
  }
}

stack::Config config_for(const std::vector<std::string>& local) {
  stack::Config c;
  c.streams = stack::StreamReassembly::ALWAYS;  // the streams are what is compared
  c.local = locality(local);
  c.flows.maxFlows = 1024;
  c.stream.maxConnections = 1024;
  c.stream.maxHeldBytesTotal = 4u << 20;
  c.defrag.maxDatagrams = 64;
  c.defrag.maxBytes = 4u << 20;
  return c;
}

struct StackRun {
  Engine engine;
  Recorder recorder;
  std::unique_ptr<stack::Stack> stack;
  std::vector<stack::Result> results;

  StackRun(const Capture& capture, const std::vector<std::string>& local) {
    stack = std::make_unique<stack::Stack>(engine, config_for(local), &recorder);
    results = replay(*stack, through_pcap_file(capture, "fragments.pcap"));
  }
  // Frames (0-based) whose result completed a fragment group.
  std::vector<size_t> completions() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].groupDone) out.push_back(i);
    }
    return out;
  }
};

// The capture with its frames in another order.
Capture reordered(const Capture& c, const std::vector<size_t>& order) {
  Capture out = c;
  out.frames.clear();
  for (size_t i : order) out.frames.push_back(c.frames[i]);
  return out;
}

TEST(PipelinePcapPlusPlusIp, HttpRequestInOrderAndShuffled) {
  SKIP_WITHOUT("frag_http_req.pcap");
  const Capture c = load("frag_http_req.pcap");
  ASSERT_EQ(c.frames.size(), 11u);
  const std::vector<Fragment> fragments = fragments_of(c);
  ASSERT_EQ(fragments.size(), 11u);
  const std::vector<std::vector<size_t>> orders = openwfp::test::frag_http_req_orders();
  // The client's own capture (outbound: reassembled to be classified whole)
  // and the server's (inbound: each fragment at INBOUND_IPPACKET, then the datagram).
  for (const char* local : {"172.16.133.54", "216.137.33.81"}) {
    for (const std::vector<size_t>& order : orders) {
      StackRun r(reordered(c, order), {local});
      ASSERT_EQ(r.recorder.reassembled.size(), 1u) << local;
      EXPECT_EQ(r.completions(), std::vector<size_t>{10});
      for (size_t i = 0; i < 10; ++i) EXPECT_EQ(r.results[i].verdict, stack::Verdict::HELD) << i;
      EXPECT_EQ(r.results[10].verdict, stack::Verdict::PERMIT);
      const std::vector<uint8_t>& d = r.recorder.reassembled[0];
      ASSERT_EQ(d.size(), 20u + 1440u + 40u);
      expect_matches_expected(d, "frag_http_req_reassembled.txt", c, fragments[0]);
      const std::string text(d.begin() + 40, d.begin() + 100);
      EXPECT_EQ(text.rfind("GET /convert_data.js?partner_id=29", 0), 0u) << text;
      EXPECT_EQ(r.stack->counters().reassembled, 1u);
      EXPECT_EQ(r.stack->reassembler().stats().datagramsInFlight, 0u);
      EXPECT_EQ(r.stack->reassembler().stats().bytesHeld, 0u);
      // The reassembled request reached its TCP flow: one data segment, no handshake.
      EXPECT_EQ(r.stack->flows().stats().created, 1u);
      const bool inbound = std::string(local) == "216.137.33.81";
      EXPECT_EQ(r.recorder.classified["INBOUND_IPPACKET_V4"], inbound ? 12u : 0u);  // 11 fragments + the datagram
      EXPECT_EQ(r.recorder.classified["OUTBOUND_IPPACKET_V4"], inbound ? 0u : 1u);  // the datagram, once
      ASSERT_EQ(r.recorder.streams.size(), 1u);
      EXPECT_EQ(r.recorder.streams[0].rendered.size(), 1460u);
      EXPECT_EQ(r.recorder.streams[0].rendered.rfind("GET /convert_data.js?partner_id=29", 0), 0u);
    }
  }
}

TEST(PipelinePcapPlusPlusIp, Ipv4FragmentsWithDuplicates) {
  SKIP_WITHOUT("ip4_fragments.pcap");
  const Capture c = load("ip4_fragments.pcap");
  ASSERT_EQ(c.frames.size(), 53u);
  const std::vector<Fragment> fragments = fragments_of(c);
  ASSERT_EQ(fragments.size(), 50u);  // 3 frames are not fragments
  StackRun r(c, {"10.118.213.211"});   // the receiver's view
  ASSERT_EQ(r.recorder.reassembled.size(), 6u);
  EXPECT_EQ(r.completions(), (std::vector<size_t>{5, 11, 17, 27, 39, 52}));
  std::map<uint32_t, const std::vector<uint8_t>*> byId;
  for (const std::vector<uint8_t>& d : r.recorder.reassembled) {
    ASSERT_EQ(d.size(), 20u + 7400u + 920u);
    byId[static_cast<uint32_t>(d[4] << 8 | d[5])] = &d;
  }
  // PcapPlusPlus's "packet 1, 4, 6" are the datagrams with ids 7840, 7843, 7844.
  ASSERT_EQ(byId.size(), 6u);
  expect_matches_expected(*byId.at(7840), "ip4_fragments_packet1.txt", c, first_fragment_of(fragments, 7840));
  expect_matches_expected(*byId.at(7843), "ip4_fragments_packet4.txt", c, first_fragment_of(fragments, 7843));
  expect_matches_expected(*byId.at(7844), "ip4_fragments_packet6.txt", c, first_fragment_of(fragments, 7844));
  const defrag::Stats& s = r.stack->reassembler().stats();
  EXPECT_EQ(s.fragments, 50u);
  EXPECT_EQ(s.reassembled, 6u);
  EXPECT_EQ(s.overlaps, 12u);  // 4 repeated fragments in each of 7843, 7844, 7845
  // The last fragments of 7843 and 7844 come once more after their datagram
  // completed: each opens a datagram that stays incomplete (never delivered).
  EXPECT_EQ(s.datagramsInFlight, 2u);
  EXPECT_EQ(s.bytesHeld, 2u * 920u);
  for (uint64_t d : s.drops) EXPECT_EQ(d, 0u);
  EXPECT_EQ(r.stack->counters().reassembled, 6u);
  EXPECT_EQ(r.stack->counters().verdicts[static_cast<size_t>(stack::Verdict::HELD)], 44u);
}

TEST(PipelinePcapPlusPlusIp, Ipv6Fragments) {
  SKIP_WITHOUT("ip6_fragments.pcap");
  const Capture c = load("ip6_fragments.pcap");
  const std::vector<Fragment> fragments = fragments_of(c);
  ASSERT_EQ(fragments.size(), 36u);
  // The first two datagrams are sent by this host, the last two (from another
  // host, to another group) received by it.
  StackRun r(c, {"fe80::21f:f3ff:fecd:f617", "ff02::c"});
  ASSERT_EQ(r.recorder.reassembled.size(), 4u);
  EXPECT_EQ(r.completions(), (std::vector<size_t>{6, 19, 28, 35}));
  expect_matches_expected(r.recorder.reassembled[0], "ip6_fragments_packet1.txt", c, fragments[0]);
  expect_matches_expected(r.recorder.reassembled[1], "ip6_fragments_packet2.txt", c, fragments[7]);
  const defrag::Stats& s = r.stack->reassembler().stats();
  EXPECT_EQ(s.reassembled, 4u);
  EXPECT_EQ(s.overlaps, 0u);
  EXPECT_EQ(s.datagramsInFlight, 0u);
  EXPECT_EQ(s.bytesHeld, 0u);
  EXPECT_EQ(r.stack->counters().reassembled, 4u);
  // Sent: classified whole, once each. Received: each fragment, then the datagram.
  EXPECT_EQ(r.recorder.classified["OUTBOUND_IPPACKET_V6"], 2u);
  EXPECT_EQ(r.recorder.classified["INBOUND_IPPACKET_V6"], 16u + 2u);
}

TEST(PipelinePcapPlusPlusIp, Ipv6FragmentsOutOfOrder) {
  SKIP_WITHOUT("ip6_fragments.pcap");
  const Capture c = load("ip6_fragments.pcap");
  const std::vector<Fragment> fragments = fragments_of(c);
  ASSERT_GE(fragments.size(), 7u);
  StackRun r(reordered(c, {2, 1, 0, 3, 4, 6, 5}), {"ff02::fb"});  // a receiver of the multicast
  ASSERT_EQ(r.recorder.reassembled.size(), 1u);
  EXPECT_EQ(r.completions(), std::vector<size_t>{6});
  expect_matches_expected(r.recorder.reassembled[0], "ip6_fragments_packet1.txt", c, fragments[0]);
  EXPECT_EQ(r.recorder.classified["INBOUND_IPPACKET_V6"], 8u);  // 7 fragments + the datagram
}

// The first fragment comes last, in a VLAN-tagged frame with Ethernet
// padding after its 8 bytes of data: only the IP length counts.
TEST(PipelinePcapPlusPlusIp, FirstFragmentWithPaddingLast) {
  SKIP_WITHOUT("frag_with_padding.pcap");
  const Capture c = load("frag_with_padding.pcap");
  const std::vector<Fragment> fragments = fragments_of(c);
  ASSERT_EQ(fragments.size(), 8u);
  const Fragment& first = fragments[7];
  ASSERT_EQ(first.p.fragmentOffset, 0u);
  EXPECT_EQ(first.p.l3Offset, 18u);
  EXPECT_EQ(c.frames[7].bytes.size() - first.p.l3Offset, 28u + 14u);
  StackRun r(c, {"10.13.1.113"});
  ASSERT_EQ(r.recorder.reassembled.size(), 1u);
  EXPECT_EQ(r.completions(), std::vector<size_t>{7});
  ASSERT_EQ(r.recorder.reassembled[0].size(), 20u + 9409u);
  expect_matches_expected(r.recorder.reassembled[0], "frag_with_padding_defragmented.dat", c, first);
  EXPECT_EQ(r.results[7].verdict, stack::Verdict::PERMIT);
}

}  // namespace
}  // namespace openwfp::pipeline
