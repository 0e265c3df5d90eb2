// flow-monitor end to end: HTTP conversations through the real wfpctl with a
// policy that uses the callout at ALE_FLOW_ESTABLISHED and STREAM; the
// report file it writes holds one line per flow with the exact byte counts
// of each direction.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/pipeline_support.hpp"

namespace openwfp::test {
namespace {

using nlohmann::json;

// flow-monitor at both FLOW_ESTABLISHED layers, and at the STREAM layers
// listed (both unless told).
std::string monitor_policy(const json& options,
                           const std::vector<std::string>& streamLayers = {"STREAM_V4", "STREAM_V6"}) {
  json filters = json::array();
  for (const std::string layer : {"ALE_FLOW_ESTABLISHED_V4", "ALE_FLOW_ESTABLISHED_V6"}) {
    filters.push_back({{"name", "watch " + layer},
                       {"layer", layer},
                       {"action", {{"type", "CALLOUT_INSPECTION"}, {"callout", "watch"}}}});
  }
  for (const std::string& layer : streamLayers) {
    filters.push_back({{"name", "count " + layer},
                       {"layer", layer},
                       {"action", {{"type", "CALLOUT_INSPECTION"}, {"callout", "watch"}}}});
  }
  const json policy = {{"callouts", {{{"name", "watch"}, {"plugin", "flow-monitor"}, {"options", options}}}},
                       {"filters", filters}};
  return policy.dump(2);
}

class FlowMonitorPipeline : public PipelineTest {
 protected:
  // Three conversations that overlap in time, each with its own request and
  // response sizes (so a count given to the wrong flow or direction shows):
  // two over IPv4 from different client ports, one over IPv6.
  void SetUp() override {
    PipelineTest::SetUp();
    testing::HttpCaptureSpec a;
    a.clientPort = 40001;
    a.request = "GET /a HTTP/1.1\r\nHost: example.test\r\n\r\n";
    a.requestSegments = 1;
    a.responseSegmentSize = 1000;
    testing::HttpCaptureSpec b = a;
    b.clientPort = 40002;
    b.request = "POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 600\r\n\r\n" + std::string(600, 'u');
    b.requestSegments = 3;
    b.response = "HTTP/1.1 204 No Content\r\n\r\n";
    b.startUs = a.startUs + 300;
    testing::HttpCaptureSpec c = a;
    c.ipVersion = 6;
    c.clientPort = 40003;
    c.request = "GET /six HTTP/1.1\r\nHost: v6.example.test\r\nAccept: */*\r\n\r\n";
    c.requestSegments = 2;
    c.response = testing::default_http_response() + std::string(1234, 'z');
    c.responseSegmentSize = 700;
    c.startUs = a.startUs + 600;
    conversations_ = {conversation(a), conversation(b), conversation(c)};
    capture_ = write_capture("three.pcap", {&conversations_[0], &conversations_[1], &conversations_[2]});
  }

  std::vector<testing::HttpConversation> conversations_;
  std::string capture_;
};

TEST_F(FlowMonitorPipeline, OneLinePerFlowWithTheBytesOfEachDirection) {
  const std::string policy =
      write_file("policy.json", monitor_policy({{"report", path("flows.jsonl")}, {"max_flows", 16}}));
  const CommandResult r = replay(capture_, policy, "--report " + path("report.json") + kStrictArgs);
  ASSERT_EQ(r.status, 0) << r.out;

  const std::vector<json> lines = read_json_lines(path("flows.jsonl"));
  ASSERT_EQ(lines.size(), 3u) << r.out;
  std::map<int, json> byPort;
  std::set<uint64_t> handles;
  for (const json& line : lines) {
    ASSERT_TRUE(line.is_object()) << "not a JSON line in flows.jsonl";
    byPort[line["local_port"].get<int>()] = line;
    handles.insert(line["flow"].get<uint64_t>());
  }
  EXPECT_EQ(handles.size(), 3u);  // three flows, three handles
  const std::map<int, const testing::HttpConversation*> expected = {
      {40001, &conversations_[0]}, {40002, &conversations_[1]}, {40003, &conversations_[2]}};
  for (const auto& [port, conv] : expected) {
    SCOPED_TRACE(port);
    ASSERT_EQ(byPort.count(port), 1u);
    const json& line = byPort[port];
    const bool v6 = port == 40003;
    EXPECT_EQ(line["bytes_sent"], conv->request.size());
    EXPECT_EQ(line["bytes_received"], conv->response.size());
    EXPECT_EQ(line["missed_bytes"], 0);
    EXPECT_EQ(line["ip_version"], v6 ? 6 : 4);
    EXPECT_EQ(line["protocol"], 6);
    EXPECT_EQ(line["local"], v6 ? "2001:db8:1::2" : "10.0.0.2");
    EXPECT_EQ(line["remote"], v6 ? "2001:db8:2::10" : "198.51.100.10");
    EXPECT_EQ(line["remote_port"], 80);
    EXPECT_EQ(line["direction"], "outbound");
  }
  // Nothing else in the way: every record went back through flowDeleteFn,
  // and the verifier found nothing.
  const json report = read_json(path("report.json"));
  EXPECT_EQ(report["callouts"]["flow_delete_calls"], 3);
  EXPECT_EQ(report["callouts"]["flow_contexts"]["associated"], 3);
  EXPECT_TRUE(report["verifier"]["findings"].empty()) << report["verifier"].dump();
  EXPECT_EQ(report["verdicts"]["blocked"], 0);
  EXPECT_NE(r.out.find("flow-monitor 'watch': 3 flows monitored, 3 lines written"), std::string::npos) << r.out;
}

TEST_F(FlowMonitorPipeline, AFullPoolIsCountedAndTheFlowIsNotMonitored) {
  // Two records for three overlapping flows: the last one established (the
  // IPv6 one, 600 us after the first) finds none.
  const std::string policy =
      write_file("policy.json", monitor_policy({{"report", path("flows.jsonl")}, {"max_flows", 2}}));
  const CommandResult r = replay(capture_, policy, kStrictArgs);
  ASSERT_EQ(r.status, 0) << r.out;
  const std::vector<json> lines = read_json_lines(path("flows.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["local_port"].get<int>() + lines[1]["local_port"].get<int>(), 40001 + 40002);
  EXPECT_NE(r.out.find("not monitored: 1 (pool of 2 full)"), std::string::npos) << r.out;
}

TEST_F(FlowMonitorPipeline, WithoutAStreamFilterForAnIpVersionItsFlowsAreNotMonitored) {
  const std::string policy =
      write_file("policy.json", monitor_policy({{"report", path("flows.jsonl")}}, {"STREAM_V4"}));
  const CommandResult r = replay(capture_, policy, kStrictArgs);
  ASSERT_EQ(r.status, 0) << r.out;
  const std::vector<json> lines = read_json_lines(path("flows.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  for (const json& line : lines) EXPECT_EQ(line["ip_version"], 4);
  EXPECT_NE(r.out.find("1 (no STREAM callout)"), std::string::npos) << r.out;
}

TEST_F(FlowMonitorPipeline, BadOptionsAreAnErrorNamingTheCallout) {
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"max_flows", 4}}, "missing \"report\""},
      {{{"report", path("x.jsonl")}, {"max_flows", 0}}, "/max_flows: must be in 1..1048576, not 0"},
      {{{"report", path("x.jsonl")}, {"max_flow", 8}}, "/max_flow: unknown key 'max_flow'"},
      {{{"report", path("no-such-folder/x.jsonl")}}, "/report: cannot open '" + path("no-such-folder/x.jsonl") + "'"},
  };
  for (const auto& [options, message] : cases) {
    SCOPED_TRACE(options.dump());
    const std::string policy = write_file("bad.json", monitor_policy(options));
    const CommandResult r = replay(capture_, policy, "");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.out.find("callout 'watch': plugin 'flow-monitor' did not accept it: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace openwfp::test
