// dpi-block end to end: two HTTP conversations through the real wfpctl with a
// policy that sends the STREAM layer to the callout. The connection whose
// response carries the pattern (split over two TCP segments) is dropped from
// the matching segment on; the other one passes byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "decode/packet.hpp"
#include "support/pipeline_support.hpp"

namespace openwfp::test {
namespace {

using nlohmann::json;

const std::string kSecret = "X-Secret-Token: 0xDEADBEEF";

std::string dpi_policy(const json& options, const std::string& action = "CALLOUT_UNKNOWN") {
  json filters = json::array();
  for (const std::string layer : {"STREAM_V4", "STREAM_V6"}) {
    filters.push_back(
        {{"name", "inspect " + layer}, {"layer", layer}, {"action", {{"type", action}, {"callout", "dpi"}}}});
  }
  const json policy = {{"callouts", {{{"name", "dpi"}, {"plugin", "dpi-block"}, {"options", options}}}},
                       {"filters", filters}};
  return policy.dump(2);
}

const json kOptions = {
    {"patterns", {{{"name", "secret"}, {"literal", kSecret}}, {{"name", "serial"}, {"regex", "SERIAL-[0-9]{6}-END"}}}}};

class DpiBlockPipeline : public PipelineTest {
 protected:
  // Conversation 0's response carries kSecret across the boundary of its
  // first two 1000-byte segments; conversation 1's carries nothing.
  void SetUp() override {
    PipelineTest::SetUp();
    testing::HttpCaptureSpec bad;
    bad.clientPort = 41001;
    bad.responseSegmentSize = 1000;
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    bad.response = head + std::string(1000 - 10 - head.size(), 'a') + kSecret + "\r\n\r\n" + std::string(1500, 'b');
    testing::HttpCaptureSpec good = bad;
    good.clientPort = 41002;
    good.response = testing::default_http_response();
    good.startUs = bad.startUs + 300;
    conversations_ = {conversation(bad), conversation(good)};
    capture_ = write_capture("two.pcap", {&conversations_[0], &conversations_[1]});
  }

  // The index of conversation 0's frame that completes kSecret.
  size_t matching_frame() const {
    const testing::HttpConversation& c = conversations_[0];
    const size_t end = c.response.find(kSecret) + kSecret.size();
    size_t seen = 0;
    for (size_t i = 0; i < c.frames.size(); ++i) {
      if (c.frames[i].fromClient) continue;
      seen += c.frames[i].payloadLength;
      if (seen >= end) return i;
    }
    return c.frames.size();
  }

  std::vector<testing::HttpConversation> conversations_;
  std::string capture_;
};

std::string payload(const testing::HttpFrame& f) {
  const auto* p = f.data.data() + f.data.size() - f.payloadLength;
  return std::string(reinterpret_cast<const char*>(p), f.payloadLength);
}

TEST_F(DpiBlockPipeline, TheConversationWithThePatternIsDroppedAndTheOtherPassesUntouched) {
  // The pattern is in the response, but in no single segment.
  ASSERT_NE(conversations_[0].response.find(kSecret), std::string::npos);
  for (const testing::HttpFrame& f : conversations_[0].frames) ASSERT_EQ(payload(f).find(kSecret), std::string::npos);
  ASSERT_EQ(conversations_[1].response.find(kSecret), std::string::npos);

  const std::string policy = write_file("policy.json", dpi_policy(kOptions));
  const CommandResult r =
      replay(capture_, policy, "--report " + path("report.json") + " --out " + path("out.pcap") + kStrictArgs);
  ASSERT_EQ(r.status, 0) << r.out;

  const json report = read_json(path("report.json"));
  EXPECT_EQ(report["callouts"]["connections_dropped"], 1);
  EXPECT_TRUE(report["verifier"]["findings"].empty()) << report["verifier"].dump();
  // Each connection's context went back through flowDeleteFn.
  EXPECT_EQ(report["callouts"]["flow_contexts"]["associated"], 2);
  EXPECT_EQ(report["callouts"]["flow_delete_calls"], 2);
  bool droppedSeen = false, passedSeen = false;
  for (const json& f : report["flows"]) {
    if (f["local_port"] == 41001) {
      droppedSeen = true;
      EXPECT_GT(f["blocked_packets"].get<uint64_t>(), 0u) << f.dump();
    } else if (f["local_port"] == 41002) {
      passedSeen = true;
      EXPECT_EQ(f["blocked_packets"], 0) << f.dump();
    }
  }
  EXPECT_TRUE(droppedSeen && passedSeen) << report["flows"].dump();

  // What went through: conversation 0 up to (not including) the segment that
  // completed the match, and every frame of conversation 1, in order.
  const size_t cut = matching_frame();
  ASSERT_LT(cut, conversations_[0].frames.size());
  std::vector<testing::HttpFrame> expected(conversations_[0].frames.begin(),
                                           conversations_[0].frames.begin() + static_cast<std::ptrdiff_t>(cut));
  expected.insert(expected.end(), conversations_[1].frames.begin(), conversations_[1].frames.end());
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.timestampNs < b.timestampNs; });
  std::vector<craft::Bytes> out = read_frames(path("out.pcap"));
  // The dropped connection's peer is told with one RST (sent when the stack
  // aborts the connection); everything else is as captured.
  size_t resets = 0;
  for (auto it = out.begin(); it != out.end();) {
    decode::DecodedPacket p;
    const bool decoded = decode::decode_frame(conversations_[0].linkType, it->data(), static_cast<uint32_t>(it->size()),
                                              static_cast<uint32_t>(it->size()), &p) == decode::DropReason::NONE;
    if (decoded && p.protocol == 6 && (p.tcpFlags & 0x04) != 0 && p.sourcePort == 41001) {
      ++resets;
      it = out.erase(it);
    } else {
      ++it;
    }
  }
  EXPECT_EQ(resets, 1u);
  ASSERT_EQ(out.size(), expected.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], expected[i].data) << "frame " << i;

  // The match is counted for its pattern.
  EXPECT_NE(r.out.find("dpi-block 'dpi': 1 connection(s) dropped (pattern 'secret': 1, pattern 'serial': 0)"),
            std::string::npos)
      << r.out;
}

TEST_F(DpiBlockPipeline, ARegexMatchesAcrossSegmentsToo) {
  json options = kOptions;
  options["patterns"][0]["literal"] = "not in this capture";
  // "Token: 0xDEAD" spans the two segments as well.
  options["patterns"][1]["regex"] = "Token: 0x[0-9A-F]{4}";
  const std::string policy = write_file("policy.json", dpi_policy(options));
  const CommandResult r = replay(capture_, policy, "--report " + path("report.json") + kStrictArgs);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_json(path("report.json"))["callouts"]["connections_dropped"], 1);
  EXPECT_NE(r.out.find("(pattern 'secret': 0, pattern 'serial': 1)"), std::string::npos) << r.out;
}

TEST_F(DpiBlockPipeline, UnderAnInspectionFilterTheDropIsNotHonouredAndStrictModeFails) {
  // The STREAM layer honours DROP_CONNECTION only from a CALLOUT_UNKNOWN
  // filter; the verifier reports the misuse, which strict mode turns into
  // exit status 3.
  const std::string policy = write_file("policy.json", dpi_policy(kOptions, "CALLOUT_INSPECTION"));
  const CommandResult r = replay(capture_, policy, "--report " + path("report.json") + kStrictArgs);
  EXPECT_EQ(r.status, 3) << r.out;
  const json report = read_json(path("report.json"));
  EXPECT_EQ(report["callouts"]["connections_dropped"], 0);
  ASSERT_EQ(report["verifier"]["findings"].size(), 1u) << report["verifier"].dump();
  EXPECT_EQ(report["verifier"]["findings"][0]["callout"], "dpi");
}

TEST_F(DpiBlockPipeline, BadOptionsAreAnErrorNamingTheCallout) {
  const std::vector<std::pair<json, std::string>> cases = {
      {json::object(), "/: missing \"patterns\""},
      {{{"patterns", json::array()}}, "/patterns: at least one pattern is needed"},
      {{{"patterns", {{{"name", "x"}, {"regex", "(unclosed"}}}}}, "/patterns/0/regex: "},
      {{{"patterns", {{{"name", "x"}, {"literal", "y"}}}}, {"max_streams", 0}},
       "/max_streams: must be in 1..1048576, not 0"},
  };
  for (const auto& [options, message] : cases) {
    SCOPED_TRACE(options.dump());
    const std::string policy = write_file("bad.json", dpi_policy(options));
    const CommandResult r = replay(capture_, policy, "");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.out.find("callout 'dpi': plugin 'dpi-block' did not accept it: " + message), std::string::npos)
        << r.out;
  }
}

}  // namespace
}  // namespace openwfp::test
