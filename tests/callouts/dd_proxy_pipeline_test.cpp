// dd-proxy end to end: a UDP exchange through the real wfpctl with a policy
// that uses the callout at DATAGRAM_DATA_V4. Queries to port 41053 leave for
// the proxy's address and port; its replies come back with the original
// source; tshark checks the checksums of the rewritten datagrams.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "craft/craft.hpp"
#include "decode/packet.hpp"
#include "support/pipeline_support.hpp"
#include "tshark_check.hpp"

namespace openwfp::test {
namespace {

using nlohmann::json;

const uint32_t kHost = craft::v4(10, 0, 0, 2);
const uint32_t kResolver = craft::v4(203, 0, 113, 5);
const uint32_t kProxy = craft::v4(192, 0, 2, 7);

struct Seen {
  uint32_t source = 0, destination = 0;
  uint16_t sourcePort = 0, destinationPort = 0;
  std::string payload;
};

Seen decode_frame(const craft::Bytes& f) {
  Seen s;
  decode::DecodedPacket p;
  EXPECT_EQ(decode::decode_ip(f.data() + 14, static_cast<uint32_t>(f.size() - 14), &p, true), decode::DropReason::NONE);
  s.source = p.v4Source;
  s.destination = p.v4Destination;
  s.sourcePort = p.sourcePort;
  s.destinationPort = p.destinationPort;
  s.payload.assign(f.end() - static_cast<std::ptrdiff_t>(p.payloadLength), f.end());
  return s;
}

class DdProxyPipeline : public PipelineTest {
 protected:
  std::string capture() {
    // What the network carries with the proxy in place: queries to the
    // resolver, answers from the proxy; and one datagram to another port.
    const std::vector<std::pair<craft::Bytes, bool>> packets = {
        {craft::ipv4(kHost, kResolver, 17, craft::udp(5000, 41053, craft::text("query one")), 1), true},
        {craft::ipv4(kProxy, kHost, 17, craft::udp(41054, 5000, craft::text("answer one")), 7), false},
        {craft::ipv4(kHost, kResolver, 17, craft::udp(41001, 41123, craft::text("ntp")), 2), true},
        {craft::ipv4(kHost, kResolver, 17, craft::udp(5000, 41053, craft::text("query two")), 3), true},
        {craft::ipv4(kProxy, kHost, 17, craft::udp(41054, 5000, craft::text("answer two")), 8), false},
    };
    std::vector<testing::HttpFrame> frames;
    uint64_t t = 1'700'000'000'000'000'000ull;
    for (const auto& [ip, fromHost] : packets) {
      testing::HttpFrame f;
      f.timestampNs = t += 1'000'000;
      f.data = craft::ethernet(ip, fromHost);
      frames.push_back(f);
    }
    std::string error;
    EXPECT_TRUE(testing::write_frames(path("udp.pcap"), 1, frames, &error)) << error;
    return path("udp.pcap");
  }
  std::string policy(const json& options) {
    const json p = {{"callouts", {{{"name", "proxy"}, {"plugin", "dd-proxy"}, {"options", options}}}},
                    {"filters",
                     {{{"name", "proxy udp"},
                       {"layer", "DATAGRAM_DATA_V4"},
                       {"action", {{"type", "CALLOUT_TERMINATING"}, {"callout", "proxy"}}}}}}};
    return write_file("policy.json", p.dump(2));
  }
};

TEST_F(DdProxyPipeline, QueriesGoToTheProxyAndAnswersComeBackFromTheOriginalDestination) {
  if (!testing::tshark_available()) GTEST_SKIP() << "tshark is not installed";
  const std::string in = capture();
  const std::string out = path("out.pcap");
  const CommandResult r =
      replay(in, policy({{"from_port", 41053}, {"to_address", "192.0.2.7"}, {"to_port", 41054}}),
             "--out " + out + " --report " + path("report.json") + kStrictArgs);
  ASSERT_EQ(r.status, 0) << r.out;
  const std::vector<craft::Bytes> frames = read_frames(out);
  ASSERT_EQ(frames.size(), 5u);
  const Seen q1 = decode_frame(frames[0]), a1 = decode_frame(frames[1]), ntp = decode_frame(frames[2]),
             q2 = decode_frame(frames[3]), a2 = decode_frame(frames[4]);
  for (const Seen* q : {&q1, &q2}) {
    EXPECT_EQ(q->source, kHost);
    EXPECT_EQ(q->sourcePort, 5000);
    EXPECT_EQ(q->destination, kProxy);
    EXPECT_EQ(q->destinationPort, 41054);
  }
  for (const Seen* a : {&a1, &a2}) {
    EXPECT_EQ(a->source, kResolver);
    EXPECT_EQ(a->sourcePort, 41053);
    EXPECT_EQ(a->destination, kHost);
    EXPECT_EQ(a->destinationPort, 5000);
  }
  EXPECT_EQ(q1.payload, "query one");
  EXPECT_EQ(a2.payload, "answer two");
  // Another port is not touched. (Ports without a Wireshark dissector: a
  // DNS or NTP port would have tshark mark the text payloads malformed.)
  EXPECT_EQ(ntp.destination, kResolver);
  EXPECT_EQ(ntp.destinationPort, 41123);

  const testing::TsharkReport t = testing::analyse_capture(out);
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_EQ(t.packets, 5u);
  EXPECT_EQ(t.badIpChecksums + t.badUdpChecksums, 0u) << (t.firstProblems.empty() ? "" : t.firstProblems[0]);
  EXPECT_EQ(t.malformed, 0u);
  const json report = read_json(path("report.json"));
  EXPECT_TRUE(report["verifier"]["findings"].empty()) << report["verifier"].dump();
  EXPECT_NE(r.out.find("dd-proxy 'proxy': 2 datagrams redirected, 2 replies restored"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; 0 injections failed"), std::string::npos) << r.out;
}

TEST_F(DdProxyPipeline, BadOptionsAreAnErrorNamingTheField) {
  const std::string in = capture();
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"from_port", 41053}, {"to_port", 41054}}, "missing \"to_address\""},
      {{{"from_port", 41053}, {"to_address", "192.0.2.300"}, {"to_port", 41054}}, "/to_address: '192.0.2.300' is not"},
      {{{"from_port", 0}, {"to_address", "192.0.2.7"}, {"to_port", 41054}}, "/from_port: must be in 1..65535, not 0"},
  };
  for (const auto& [options, message] : cases) {
    SCOPED_TRACE(options.dump());
    const CommandResult r = replay(in, policy(options), "");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.out.find(message), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace openwfp::test
