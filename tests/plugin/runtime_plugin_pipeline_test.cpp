// A plugin written in C that uses the host's run-time functions
// (runtime_plugin.c), loaded by path into the real wfpctl: flow contexts
// associated at ALE_FLOW_ESTABLISHED reach its STREAM callout with each
// direction's bytes, flowDeleteFn runs at each flow's end, and every inbound
// packet absorbed and re-injected from a DPC comes out unchanged.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "support/pipeline_support.hpp"
#include "tshark_check.hpp"

namespace openwfp::test {
namespace {

using nlohmann::json;

std::string runtime_policy(const std::string& report) {
  json filters = json::array();
  for (const std::string layer : {"ALE_FLOW_ESTABLISHED_V4", "ALE_FLOW_ESTABLISHED_V6", "STREAM_V4", "STREAM_V6"}) {
    filters.push_back({{"name", "watch " + layer},
                       {"layer", layer},
                       {"action", {{"type", "CALLOUT_INSPECTION"}, {"callout", "c"}}}});
  }
  for (const std::string layer : {"INBOUND_TRANSPORT_V4", "INBOUND_TRANSPORT_V6"}) {
    filters.push_back({{"name", "reinject " + layer},
                       {"layer", layer},
                       {"action", {{"type", "CALLOUT_TERMINATING"}, {"callout", "c"}}}});
  }
  const json policy = {
      {"callouts", {{{"name", "c"}, {"plugin", OPENWFP_RUNTIME_PLUGIN}, {"options", {{"report", report}}}}}},
      {"filters", filters}};
  return policy.dump(2);
}

std::vector<std::string> read_lines(const std::string& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

class RuntimePluginPipeline : public PipelineTest {};

TEST_F(RuntimePluginPipeline, FlowContextsStreamDataAndReinjectionFromC) {
  testing::HttpCaptureSpec a;
  a.clientPort = 40001;
  a.request = "GET /a HTTP/1.1\r\nHost: example.test\r\n\r\n";
  a.requestSegments = 2;
  a.responseSegmentSize = 900;
  testing::HttpCaptureSpec b = a;
  b.ipVersion = 6;
  b.clientPort = 40002;
  b.request = "POST /six HTTP/1.1\r\nHost: v6.example.test\r\nContent-Length: 5\r\n\r\nhello";
  b.response = testing::default_http_response() + std::string(1500, 'q');
  b.startUs = a.startUs + 300;
  const testing::HttpConversation ca = conversation(a), cb = conversation(b);
  const std::string capture = write_capture("two.pcap", {&ca, &cb});
  const std::string report = path("c-report.txt");
  const std::string out = path("out.pcap");
  const CommandResult r = replay(capture, write_file("policy.json", runtime_policy(report)),
                                 "--out " + out + " --report " + path("report.json") + kStrictArgs);
  ASSERT_EQ(r.status, 0) << r.out;

  // One record per flow, each direction's bytes exact, the first bytes sent
  // read through FwpsCopyStreamDataToBuffer0, flowDeleteFn called for both.
  const std::vector<std::string> lines = read_lines(report);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  std::map<std::string, std::string> byPort;
  for (size_t k = 0; k + 1 < lines.size(); ++k) byPort[lines[k].substr(0, lines[k].find(' '))] = lines[k];
  auto expected = [](const testing::HttpCaptureSpec& s, const testing::HttpConversation& c) {
    return "port=" + std::to_string(s.clientPort) + " in=" + std::to_string(c.response.size()) +
           " out=" + std::to_string(c.request.size()) + " first=" + c.request.substr(0, 15) + " deleted=1";
  };
  EXPECT_EQ(byPort["port=40001"], expected(a, ca));
  EXPECT_EQ(byPort["port=40002"], expected(b, cb));

  // Every inbound packet was absorbed and re-injected once; none failed.
  size_t inbound = 0;
  for (const auto* c : {&ca, &cb}) {
    for (const auto& f : c->frames) inbound += f.fromClient ? 0 : 1;
  }
  EXPECT_EQ(lines.back(), "reinjected=" + std::to_string(inbound) + " failed=0 associate_errors=0");

  // The output holds every frame, byte for byte (transport receive re-injects
  // the original IP header), and is a clean conversation.
  const std::vector<craft::Bytes> frames = read_frames(out);
  ASSERT_EQ(frames.size(), ca.frames.size() + cb.frames.size());
  const json rep = read_json(path("report.json"));
  EXPECT_TRUE(rep["verifier"]["findings"].empty()) << rep["verifier"].dump();
  if (!testing::tshark_available()) return;
  const testing::TsharkReport t = testing::analyse_capture(out);
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_EQ(t.badIpChecksums + t.badTcpChecksums, 0u);
  EXPECT_EQ(t.tcpProblemCount(), 0u) << (t.firstProblems.empty() ? "" : t.firstProblems[0]);
  std::string response, error;
  ASSERT_TRUE(testing::follow_tcp_stream(out, 1, false, &response, &error)) << error;
  EXPECT_EQ(response, cb.response);
}

TEST_F(RuntimePluginPipeline, AMissingOptionIsAnErrorFromTheCPlugin) {
  testing::HttpCaptureSpec spec;
  const testing::HttpConversation c = conversation(spec);
  const std::string capture = write_capture("http.pcap", {&c});
  json policy = json::parse(runtime_policy("unused"));
  policy["callouts"][0]["options"] = json::object();
  const CommandResult r = replay(capture, write_file("bad.json", policy.dump()), "");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("missing \"report\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace openwfp::test
