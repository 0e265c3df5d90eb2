// stream-edit end to end: an HTTP conversation replayed through wfpctl with
// a policy that replaces a string in the request (longer) and in the
// response (shorter); tshark then finds no bad checksum and no TCP
// sequence-analysis problem in the output capture, and its reassembled
// streams show the replacements.
#include <gtest/gtest.h>

#include <string>

#include "support/pipeline_support.hpp"
#include "tshark_check.hpp"

namespace openwfp::test {
namespace {

class StreamEditPipeline : public PipelineTest {};

std::string replaced(std::string text, const std::string& find, const std::string& with) {
  for (size_t at = text.find(find); at != std::string::npos; at = text.find(find, at + with.size())) {
    text.replace(at, find.size(), with);
  }
  return text;
}

const char* kPolicy = R"({
  "callouts": [
    { "name": "host", "plugin": "stream-edit", "options": { "find": "example.test", "replace": "www.example.test.internal" } },
    { "name": "lines", "plugin": "stream-edit", "options": { "find": "line", "replace": "L" } }
  ],
  "filters": [
    { "name": "edit requests", "layer": "STREAM_V4", "weight": 2,
      "conditions": [ { "field": "DIRECTION", "value": "OUTBOUND" } ],
      "action": { "type": "CALLOUT_TERMINATING", "callout": "host" } },
    { "name": "edit responses", "layer": "STREAM_V4", "weight": 1,
      "conditions": [ { "field": "DIRECTION", "value": "INBOUND" } ],
      "action": { "type": "CALLOUT_TERMINATING", "callout": "lines" } }
  ]
})";

TEST_F(StreamEditPipeline, ReplacementsOfOtherLengthsGiveAValidConversation) {
  if (!testing::tshark_available()) GTEST_SKIP() << "tshark is not installed";
  testing::HttpCaptureSpec spec;
  spec.requestSegments = 3;  // "example.test" may be cut between segments
  const testing::HttpConversation c = conversation(spec);
  const std::string capture = write_capture("http.pcap", {&c});
  const std::string policy = write_file("edit.json", kPolicy);
  const CommandResult r = replay(capture, policy, kStrictArgs + " --out " + path("out.pcap") + " --report " +
                                                     path("report.json"));
  ASSERT_EQ(r.status, 0) << r.out;
  const nlohmann::json report = read_json(path("report.json"));
  EXPECT_EQ(report["callouts"]["connections_rewritten"], 1) << report["callouts"].dump();

  const testing::TsharkReport t = testing::analyse_capture(path("out.pcap"));
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_EQ(t.badIpChecksums, 0u);
  EXPECT_EQ(t.badTcpChecksums, 0u);
  EXPECT_EQ(t.tcpProblemCount(), 0u) << [&] {
    std::string s;
    for (const auto& p : t.firstProblems) s += p + "\n";
    return s;
  }();
  std::string request, response, error;
  ASSERT_TRUE(testing::follow_tcp_stream(path("out.pcap"), 0, true, &request, &error)) << error;
  ASSERT_TRUE(testing::follow_tcp_stream(path("out.pcap"), 0, false, &response, &error)) << error;
  EXPECT_EQ(request, replaced(c.request, "example.test", "www.example.test.internal"));
  EXPECT_EQ(response, replaced(c.response, "line", "L"));
  EXPECT_NE(request, c.request);
  EXPECT_NE(response, c.response);
}

TEST_F(StreamEditPipeline, BadOptionsNameTheCallout) {
  testing::HttpCaptureSpec spec;
  const testing::HttpConversation c = conversation(spec);
  const std::string capture = write_capture("http.pcap", {&c});
  const std::string policy = write_file("bad.json", R"({
    "callouts": [ { "name": "broken", "plugin": "stream-edit", "options": { "find": "" , "replace": "x" } } ],
    "filters": [ { "name": "f", "layer": "STREAM_V4", "action": { "type": "CALLOUT_TERMINATING", "callout": "broken" } } ]
  })");
  const CommandResult r = replay(capture, policy, "");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("broken"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/find"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace openwfp::test
