// inspect end to end: HTTP conversations through the real wfpctl with a
// policy that uses the callout at the ALE connect/accept layers and the
// transport layers. Every connection is pended and reauthorized, every
// packet absorbed and re-injected from a DPC; tshark checks that what comes
// out is still a clean TCP conversation with the same bytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "decode/packet.hpp"
#include "support/pipeline_support.hpp"
#include "tshark_check.hpp"

namespace openwfp::test {
namespace {

using nlohmann::json;

std::string inspect_policy(const json& options) {
  json filters = json::array();
  for (const std::string layer : {"ALE_AUTH_CONNECT_V4", "ALE_AUTH_CONNECT_V6", "ALE_AUTH_RECV_ACCEPT_V4",
                                  "ALE_AUTH_RECV_ACCEPT_V6", "OUTBOUND_TRANSPORT_V4", "OUTBOUND_TRANSPORT_V6",
                                  "INBOUND_TRANSPORT_V4", "INBOUND_TRANSPORT_V6"}) {
    filters.push_back({{"name", "inspect " + layer},
                       {"layer", layer},
                       {"action", {{"type", "CALLOUT_TERMINATING"}, {"callout", "inspect"}}}});
  }
  const json policy = {{"callouts", {{{"name", "inspect"}, {"plugin", "inspect"}, {"options", options}}}},
                       {"filters", filters}};
  return policy.dump(2);
}

// The TCP destination ports of a capture's frames, in order (Ethernet).
std::vector<uint16_t> destination_ports(const std::vector<craft::Bytes>& frames) {
  std::vector<uint16_t> ports;
  for (const craft::Bytes& f : frames) {
    decode::DecodedPacket p;
    if (f.size() <= 14 ||
        decode::decode_ip(f.data() + 14, static_cast<uint32_t>(f.size() - 14), &p, true) != decode::DropReason::NONE) {
      ports.push_back(0);
      continue;
    }
    ports.push_back(p.destinationPort);
  }
  return ports;
}

// Each output frame carries the same TCP segment as the conversation's frame
// at its place. Transport send builds a new IP header from the flow (its own
// IPv4 identification), so the frames are compared from the TCP header on.
void same_tcp_segments(const std::vector<craft::Bytes>& frames, const testing::HttpConversation& c, int version) {
  ASSERT_EQ(frames.size(), c.frames.size());
  const size_t tcpAt = 14 + (version == 4 ? 20 : 40);
  for (size_t k = 0; k < frames.size(); ++k) {
    ASSERT_GT(frames[k].size(), tcpAt);
    EXPECT_EQ(craft::Bytes(frames[k].begin() + static_cast<std::ptrdiff_t>(tcpAt), frames[k].end()),
              craft::Bytes(c.frames[k].data.begin() + static_cast<std::ptrdiff_t>(tcpAt), c.frames[k].data.end()))
        << "frame " << k;
  }
}

class InspectPipeline : public PipelineTest {};

TEST_F(InspectPipeline, EveryPacketReinjectedLeavesACleanConversationWithTheSameBytes) {
  if (!testing::tshark_available()) GTEST_SKIP() << "tshark is not installed";
  for (const int version : {4, 6}) {
    SCOPED_TRACE(version);
    testing::HttpCaptureSpec spec;
    spec.ipVersion = version;
    spec.requestSegments = 2;
    const testing::HttpConversation c = conversation(spec);
    const std::string capture = write_capture("http.pcap", {&c});
    const std::string policy = write_file("policy.json", inspect_policy({{"max_pending", 64}}));
    const std::string out = path("out.pcap");
    const CommandResult r = replay(capture, policy, "--out " + out + " --report " + path("report.json") + kStrictArgs);
    ASSERT_EQ(r.status, 0) << r.out;

    // Every frame went out in order with the same TCP segment (the pended SYN after its
    // reauthorization, every packet as the callout's re-injected clone),
    // the final ACK too: the stack ends the flow only after that packet's
    // DPC and its injection.
    same_tcp_segments(read_frames(out), c, version);
    if (HasFatalFailure()) return;
    const testing::TsharkReport t = testing::analyse_capture(out);
    ASSERT_TRUE(t.ok) << t.error;
    EXPECT_EQ(t.packets, c.frames.size());
    EXPECT_EQ(t.badIpChecksums + t.badTcpChecksums, 0u);
    EXPECT_EQ(t.malformed, 0u);
    EXPECT_EQ(t.tcpProblemCount(), 0u) << (t.firstProblems.empty() ? "" : t.firstProblems[0]);
    std::string request, response, error;
    ASSERT_TRUE(testing::follow_tcp_stream(out, 0, true, &request, &error)) << error;
    ASSERT_TRUE(testing::follow_tcp_stream(out, 0, false, &response, &error)) << error;
    EXPECT_EQ(request, c.request);
    EXPECT_EQ(response, c.response);

    const json report = read_json(path("report.json"));
    EXPECT_TRUE(report["verifier"]["findings"].empty()) << report["verifier"].dump();
    // One connection pended, reauthorized and permitted; every packet
    // re-injected and seen once more.
    const std::string n = std::to_string(c.frames.size());
    const std::string summary = "inspect 'inspect': 1 connections pended, 1 permitted, 0 blocked; " + n +
                                " packets re-injected, " + n + " seen again after injection, 0 left to ALE";
    EXPECT_NE(r.out.find(summary), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("; 0 injections failed"), std::string::npos) << r.out;
  }
}

TEST_F(InspectPipeline, AsTheServerTheFirstPacketIsLeftToAleAndEveryPacketComesOutOnce) {
  if (!testing::tshark_available()) GTEST_SKIP() << "tshark is not installed";
  for (const int version : {4, 6}) {
    SCOPED_TRACE(version);
    testing::HttpCaptureSpec spec;
    spec.ipVersion = version;
    const testing::HttpConversation c = conversation(spec);
    const std::string capture = write_capture("http.pcap", {&c});
    const std::string policy = write_file("policy.json", inspect_policy({{"max_pending", 64}}));
    const std::string out = path("out.pcap");
    // This host is the server: the SYN arrives inbound and opens the flow.
    const CommandResult r = run_wfpctl("replay " + capture + " --policy " + policy +
                                       " --local 198.51.100.10 --local 2001:db8:2::10 --out " + out + " --report " +
                                       path("report.json") + kStrictArgs);
    ASSERT_EQ(r.status, 0) << r.out;

    // The SYN was marked at INBOUND_TRANSPORT as opening a flow, so the
    // transport callout left it to ALE_AUTH_RECV_ACCEPT, which pended it
    // and re-injected it once after the completion; every other packet was
    // re-injected by the transport callout. Each frame comes out once.
    const std::string n = std::to_string(c.frames.size());
    const std::string summary = "inspect 'inspect': 1 connections pended, 1 permitted, 0 blocked; " + n +
                                " packets re-injected, " + n + " seen again after injection, 1 left to ALE";
    EXPECT_NE(r.out.find(summary), std::string::npos) << r.out;
    same_tcp_segments(read_frames(out), c, version);
    if (HasFatalFailure()) return;
    const testing::TsharkReport t = testing::analyse_capture(out);
    ASSERT_TRUE(t.ok) << t.error;
    EXPECT_EQ(t.badIpChecksums + t.badTcpChecksums, 0u);
    EXPECT_EQ(t.tcpProblemCount(), 0u) << (t.firstProblems.empty() ? "" : t.firstProblems[0]);
    std::string request, error;
    ASSERT_TRUE(testing::follow_tcp_stream(out, 0, true, &request, &error)) << error;
    EXPECT_EQ(request, c.request);
    const json report = read_json(path("report.json"));
    EXPECT_TRUE(report["verifier"]["findings"].empty()) << report["verifier"].dump();
  }
}

TEST_F(InspectPipeline, TheBlockedRemotePortIsBlockedOnReauthorizationAndOthersGoThrough) {
  if (!testing::tshark_available()) GTEST_SKIP() << "tshark is not installed";
  testing::HttpCaptureSpec web;
  web.clientPort = 40001;
  testing::HttpCaptureSpec alt = web;
  alt.clientPort = 40002;
  alt.serverPort = 8080;
  alt.startUs = web.startUs + 200;
  const testing::HttpConversation a = conversation(web), b = conversation(alt);
  const std::string capture = write_capture("two.pcap", {&a, &b});
  const std::string policy = write_file("policy.json", inspect_policy({{"block_remote_port", 8080}}));
  const std::string out = path("out.pcap");
  const CommandResult r = replay(capture, policy, "--out " + out + " --report " + path("report.json") + kStrictArgs);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("2 connections pended, 1 permitted, 1 blocked"), std::string::npos) << r.out;

  // Only the port-80 conversation comes out, complete.
  const std::vector<craft::Bytes> frames = read_frames(out);
  EXPECT_EQ(frames.size(), a.frames.size());
  for (const uint16_t port : destination_ports(frames)) EXPECT_NE(port, 8080);
  const testing::TsharkReport t = testing::analyse_capture(out);
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_EQ(t.badIpChecksums + t.badTcpChecksums, 0u);
  EXPECT_EQ(t.tcpProblemCount(), 0u) << (t.firstProblems.empty() ? "" : t.firstProblems[0]);
  std::string response, error;
  ASSERT_TRUE(testing::follow_tcp_stream(out, 0, false, &response, &error)) << error;
  EXPECT_EQ(response, a.response);
  const json report = read_json(path("report.json"));
  EXPECT_TRUE(report["verifier"]["findings"].empty()) << report["verifier"].dump();
  EXPECT_GT(report["verdicts"]["blocked"].get<int>(), 0) << report["verdicts"].dump();
}

TEST_F(InspectPipeline, BadOptionsAreAnErrorNamingTheField) {
  testing::HttpCaptureSpec spec;
  const testing::HttpConversation c = conversation(spec);
  const std::string capture = write_capture("http.pcap", {&c});
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"max_pending", 0}}, "/max_pending: must be in 1..65536, not 0"},
      {{{"block_remote_port", 70000}}, "/block_remote_port: must be in 1..65535, not 70000"},
      {{{"block_port", 80}}, "/block_port: unknown key 'block_port'"},
  };
  for (const auto& [options, message] : cases) {
    SCOPED_TRACE(options.dump());
    const CommandResult r = replay(capture, write_file("bad.json", inspect_policy(options)), "");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.out.find(message), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace openwfp::test
