// The tshark checker against captures whose faults are known: a clean HTTP
// conversation and copies with one checksum byte, one header checksum, one
// missing segment or one duplicated segment. Each fault must be reported
// exactly where it was made, and the clean capture must report nothing.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "http_capture.hpp"
#include "tshark_check.hpp"

namespace openwfp::testing {
namespace {

#define SKIP_WITHOUT_TSHARK() \
  if (!tshark_available()) GTEST_SKIP() << "tshark is not installed (scripts/deps.sh installs it)"

std::string describe(const TsharkReport& r) {
  std::string s = "packets=" + std::to_string(r.packets) + " badIp=" + std::to_string(r.badIpChecksums) +
                  " badTcp=" + std::to_string(r.badTcpChecksums) + " badUdp=" + std::to_string(r.badUdpChecksums) +
                  " badIcmp=" + std::to_string(r.badIcmpChecksums) + " malformed=" + std::to_string(r.malformed) +
                  (r.error.empty() ? "" : " error=" + r.error);
  for (const std::string& p : r.firstProblems) s += "\n  " + p;
  return s;
}

uint64_t problem(const TsharkReport& r, const std::string& name) {
  const auto it = r.tcpProblems.find(name);
  return it == r.tcpProblems.end() ? 0 : it->second;
}

// Index in `frames` of the `n`th (from 0) frame carrying response data.
size_t response_segment(const HttpConversation& c, size_t n) {
  for (size_t i = 0; i < c.frames.size(); ++i) {
    if (!c.frames[i].fromClient && c.frames[i].payloadLength > 0 && n-- == 0) return i;
  }
  ADD_FAILURE() << "the conversation has too few response segments";
  return 0;
}

class TsharkCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "openwfp-tshark-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  HttpConversation conversation(int ipVersion, bool ethernet = true) {
    HttpCaptureSpec spec;
    spec.ipVersion = ipVersion;
    spec.ethernet = ethernet;
    HttpConversation c;
    std::string error;
    EXPECT_TRUE(make_http_conversation(spec, &c, &error)) << error;
    return c;
  }
  std::string write(const std::string& name, const HttpConversation& c) {
    const std::string path = dir_ + "/" + name;
    std::string error;
    EXPECT_TRUE(write_frames(path, c.linkType, c.frames, &error)) << error;
    return path;
  }

  std::string dir_;
};

// --- the generator itself, without tshark ---

TEST_F(TsharkCheck, ConversationCarriesTheRequestAndResponseInOrder) {
  const HttpConversation c = conversation(4);
  std::string request, response;
  for (const HttpFrame& f : c.frames) {
    // The payload ends the frame, after at least a minimal TCP header.
    ASSERT_GE(f.data.size(), f.tcpOffset + 20u + f.payloadLength);
    (f.fromClient ? request : response) += std::string(f.data.end() - f.payloadLength, f.data.end());
  }
  EXPECT_EQ(request, HttpCaptureSpec{}.request);
  EXPECT_EQ(response, default_http_response());
  EXPECT_EQ(c.response, response);
  EXPECT_NE(response.find("openwfp response line 0010: the quick brown fox"), std::string::npos);
  EXPECT_GE(response.size(), 3000u);
  // Handshake 3, request 2, server ACK 1, response 4 with 2 ACKs, close 3.
  EXPECT_EQ(c.frames.size(), 15u);
  for (size_t i = 1; i < c.frames.size(); ++i) EXPECT_EQ(c.frames[i].timestampNs - c.frames[i - 1].timestampNs, 1'000'000u);
}

TEST_F(TsharkCheck, GeneratorRejectsSpecsItCannotBuild) {
  HttpConversation c;
  std::string error;
  HttpCaptureSpec spec;
  spec.ipVersion = 5;
  EXPECT_FALSE(make_http_conversation(spec, &c, &error));
  EXPECT_NE(error.find("IP version"), std::string::npos) << error;
  spec = HttpCaptureSpec{};
  spec.requestSegments = 0;
  EXPECT_FALSE(make_http_conversation(spec, &c, &error));
  spec = HttpCaptureSpec{};
  spec.responseSegmentSize = 0;
  EXPECT_FALSE(make_http_conversation(spec, &c, &error));
  EXPECT_FALSE(write_http_capture(dir_ + "/no/such/folder/out.pcap", HttpCaptureSpec{}, &error));
  EXPECT_FALSE(error.empty());
}

// --- a clean conversation: nothing to report, streams exact ---

struct Shape {
  int ipVersion;
  bool ethernet;
};

class CleanConversation : public TsharkCheck, public ::testing::WithParamInterface<Shape> {};

TEST_P(CleanConversation, HasNoProblemsAndFollowsToTheExactPayloads) {
  SKIP_WITHOUT_TSHARK();
  const HttpConversation c = conversation(GetParam().ipVersion, GetParam().ethernet);
  // Characters a shell would act on: the path reaches tshark untouched.
  const std::string path = write("it's a $capture; (clean) *.pcap", c);

  const TsharkReport r = analyse_capture(path);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.packets, c.frames.size());
  EXPECT_EQ(r.badIpChecksums, 0u) << describe(r);
  EXPECT_EQ(r.badTcpChecksums, 0u) << describe(r);
  EXPECT_EQ(r.badUdpChecksums, 0u) << describe(r);
  EXPECT_EQ(r.badIcmpChecksums, 0u) << describe(r);
  EXPECT_EQ(r.malformed, 0u) << describe(r);
  EXPECT_EQ(r.tcpProblemCount(), 0u) << describe(r);
  EXPECT_TRUE(r.firstProblems.empty()) << describe(r);

  std::string payload, error;
  ASSERT_TRUE(follow_tcp_stream(path, 0, true, &payload, &error)) << error;
  EXPECT_EQ(payload, c.request);
  ASSERT_TRUE(follow_tcp_stream(path, 0, false, &payload, &error)) << error;
  EXPECT_EQ(payload, c.response);
}

INSTANTIATE_TEST_SUITE_P(Shapes, CleanConversation,
                         ::testing::Values(Shape{4, true}, Shape{6, true}, Shape{4, false}, Shape{6, false}),
                         [](const auto& shape) {
                           return "IPv" + std::to_string(shape.param.ipVersion) +
                                  (shape.param.ethernet ? "Ethernet" : "RawIp");
                         });

// --- copies with one fault each ---

class BrokenConversation : public TsharkCheck, public ::testing::WithParamInterface<int> {};

TEST_P(BrokenConversation, OneFlippedTcpChecksumByteIsOneBadTcpChecksum) {
  SKIP_WITHOUT_TSHARK();
  HttpConversation c = conversation(GetParam());
  const size_t victim = response_segment(c, 1);
  HttpFrame& f = c.frames[victim];
  f.data[f.tcpOffset + 16] ^= 0xFF;  // high byte of the TCP checksum
  const TsharkReport r = analyse_capture(write("tcp_checksum.pcap", c));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.badTcpChecksums, 1u) << describe(r);
  EXPECT_EQ(r.badIpChecksums, 0u) << describe(r);
  ASSERT_FALSE(r.firstProblems.empty());
  EXPECT_EQ(r.firstProblems.front(), "frame " + std::to_string(victim + 1) + ": bad TCP checksum");
}

TEST_P(BrokenConversation, RemovedDataSegmentIsALostSegment) {
  SKIP_WITHOUT_TSHARK();
  HttpConversation c = conversation(GetParam());
  const size_t removed = response_segment(c, 1);
  c.frames.erase(c.frames.begin() + static_cast<std::ptrdiff_t>(removed));
  const std::string path = write("lost.pcap", c);
  const TsharkReport r = analyse_capture(path);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.badTcpChecksums, 0u) << describe(r);
  // The next response segment starts past the hole; the client's ACKs
  // acknowledge data the capture never showed.
  EXPECT_EQ(problem(r, "lost_segment"), 1u) << describe(r);
  EXPECT_GE(problem(r, "ack_lost_segment"), 1u) << describe(r);
  EXPECT_EQ(problem(r, "retransmission"), 0u) << describe(r);

  std::string payload, error;
  EXPECT_FALSE(follow_tcp_stream(path, 0, false, &payload, &error));
  EXPECT_NE(error.find("gap"), std::string::npos) << error;
  // The other direction is whole.
  ASSERT_TRUE(follow_tcp_stream(path, 0, true, &payload, &error)) << error;
  EXPECT_EQ(payload, c.request);
}

TEST_P(BrokenConversation, DuplicatedSegmentIsARetransmission) {
  SKIP_WITHOUT_TSHARK();
  HttpConversation c = conversation(GetParam());
  const size_t original = response_segment(c, 1);
  HttpFrame copy = c.frames[original];
  copy.timestampNs += 500'000;  // between the original and the next frame
  c.frames.insert(c.frames.begin() + static_cast<std::ptrdiff_t>(original) + 1, copy);
  const std::string path = write("duplicate.pcap", c);
  const TsharkReport r = analyse_capture(path);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.packets, c.frames.size());
  EXPECT_EQ(problem(r, "retransmission"), 1u) << describe(r);
  EXPECT_EQ(problem(r, "lost_segment"), 0u) << describe(r);
  EXPECT_EQ(r.badTcpChecksums, 0u) << describe(r);
  ASSERT_FALSE(r.firstProblems.empty());
  EXPECT_EQ(r.firstProblems.front(), "frame " + std::to_string(original + 2) + ": TCP retransmission");

  // Reassembly keeps one copy.
  std::string payload, error;
  ASSERT_TRUE(follow_tcp_stream(path, 0, false, &payload, &error)) << error;
  EXPECT_EQ(payload, c.response);
}

INSTANTIATE_TEST_SUITE_P(IpVersions, BrokenConversation, ::testing::Values(4, 6),
                         [](const auto& version) { return "IPv" + std::to_string(version.param); });

TEST_F(TsharkCheck, BrokenIpv4HeaderChecksumIsOneBadIpChecksum) {
  SKIP_WITHOUT_TSHARK();
  HttpConversation c = conversation(4);
  const size_t victim = 2;  // the handshake's last ACK
  HttpFrame& f = c.frames[victim];
  f.data[f.ipOffset + 11] ^= 0x01;  // low byte of the header checksum
  const TsharkReport r = analyse_capture(write("ip_checksum.pcap", c));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.badIpChecksums, 1u) << describe(r);
  // The TCP checksum covers the addresses, not the IP header checksum.
  EXPECT_EQ(r.badTcpChecksums, 0u) << describe(r);
  ASSERT_FALSE(r.firstProblems.empty());
  EXPECT_EQ(r.firstProblems.front(), "frame " + std::to_string(victim + 1) + ": bad IPv4 header checksum");
}

// --- failures are reported, not mistaken for clean captures ---

TEST_F(TsharkCheck, MissingCaptureIsAnError) {
  SKIP_WITHOUT_TSHARK();
  const TsharkReport r = analyse_capture(dir_ + "/absent.pcap");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("absent.pcap"), std::string::npos) << r.error;
  std::string payload, error;
  EXPECT_FALSE(follow_tcp_stream(dir_ + "/absent.pcap", 0, true, &payload, &error));
  EXPECT_FALSE(error.empty());
}

TEST_F(TsharkCheck, FollowingAStreamThatDoesNotExistFails) {
  SKIP_WITHOUT_TSHARK();
  const std::string path = write("clean.pcap", conversation(4));
  std::string payload, error;
  EXPECT_FALSE(follow_tcp_stream(path, 1, true, &payload, &error));
  EXPECT_NE(error.find("no TCP stream 1"), std::string::npos) << error;
  EXPECT_FALSE(follow_tcp_stream(path, -1, true, &payload, &error));
}

TEST_F(TsharkCheck, TruncatedCaptureIsAnError) {
  SKIP_WITHOUT_TSHARK();
  const std::string path = write("truncated.pcap", conversation(4));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 100);
  const TsharkReport r = analyse_capture(path);
  EXPECT_FALSE(r.ok) << describe(r);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace openwfp::testing
