// flow-monitor's parts on their own: options, the record pool, the report
// line.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "flow-monitor/options.hpp"
#include "flow-monitor/record_pool.hpp"
#include "flow-monitor/report_file.hpp"
#include "openwfp/constants.hpp"

namespace openwfp::callouts::flow_monitor {
namespace {

std::string options_error(const std::string& text) {
  Options o;
  std::string error;
  EXPECT_FALSE(parse_options(text, &o, &error)) << text;
  return error;
}

TEST(FlowMonitorOptions, ReportIsRequiredAndMaxFlowsHasADefault) {
  Options o;
  std::string error;
  ASSERT_TRUE(parse_options(R"({"report":"flows.jsonl","comment":"ignored"})", &o, &error)) << error;
  EXPECT_EQ(o.report, "flows.jsonl");
  EXPECT_EQ(o.maxFlows, 4096u);
  ASSERT_TRUE(parse_options(R"({"report":"f","max_flows":1048576})", &o, &error)) << error;
  EXPECT_EQ(o.maxFlows, 1048576u);
}

TEST(FlowMonitorOptions, ErrorsNameTheirPlace) {
  EXPECT_EQ(options_error("{}"), "/: missing \"report\" (the file the flows are written to)");
  EXPECT_EQ(options_error("[1]"), "/: expected an object, found array");
  EXPECT_EQ(options_error("{"), "/: the options are not valid JSON");
  EXPECT_EQ(options_error(R"({"report":""})"), "/report: must not be empty");
  EXPECT_EQ(options_error(R"({"report":7})"), "/report: expected a file path, found number");
  EXPECT_EQ(options_error(R"({"report":"f","max_flows":0})"), "/max_flows: must be in 1..1048576, not 0");
  EXPECT_EQ(options_error(R"({"report":"f","max_flows":-3})"), "/max_flows: must be in 1..1048576, not -3");
  EXPECT_EQ(options_error(R"({"report":"f","max_flows":1048577})"), "/max_flows: must be in 1..1048576, not 1048577");
  EXPECT_EQ(options_error(R"({"report":"f","max_flows":"8"})"),
            "/max_flows: expected an integer in 1..1048576, found string");
  EXPECT_EQ(options_error(R"({"report":"f","a/b":1})"),
            "/a~1b: unknown key 'a/b' (expected one of: report, max_flows)");
}

TEST(FlowMonitorRecordPool, HandsOutEveryRecordOnceThenNone) {
  RecordPool pool(3);
  std::set<uint32_t> ids;
  for (int i = 0; i < 3; ++i) ids.insert(pool.acquire());
  EXPECT_EQ(ids, (std::set<uint32_t>{1, 2, 3}));
  EXPECT_EQ(pool.acquire(), 0u);
  EXPECT_EQ(pool.in_use(), 3u);
  pool.find(2)->bytesSent = 99;
  ASSERT_TRUE(pool.release(2));
  EXPECT_EQ(pool.find(2), nullptr);  // not in use any more
  EXPECT_FALSE(pool.release(2));     // twice: refused, the free list stays sound
  EXPECT_FALSE(pool.release(0));
  EXPECT_FALSE(pool.release(4));
  EXPECT_EQ(pool.acquire(), 2u);
  EXPECT_EQ(pool.find(2)->bytesSent, 0u);  // a fresh record
  EXPECT_EQ(pool.acquire(), 0u);
}

TEST(FlowMonitorRecordPool, ThreadsTakingAndGivingBackNeverShareARecord) {
  RecordPool pool(8);
  std::vector<std::thread> threads;
  std::atomic<int> clashes{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const uint32_t id = pool.acquire();
        if (id == 0) continue;
        FlowRecord* r = pool.find(id);
        r->flowHandle = static_cast<uint64_t>(t);
        std::this_thread::yield();
        if (r->flowHandle != static_cast<uint64_t>(t)) ++clashes;
        if (!pool.release(id)) ++clashes;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(clashes.load(), 0);
  EXPECT_EQ(pool.in_use(), 0u);
  std::set<uint32_t> ids;
  for (int i = 0; i < 8; ++i) ids.insert(pool.acquire());
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(ids.count(0), 0u);
}

TEST(FlowMonitorReport, ALineIsOneJsonObject) {
  FlowRecord r;
  r.flowHandle = 0x0100000000000007ull;
  r.hasTuple = true;
  r.ipVersion = 6;
  r.protocol = 6;
  r.localPort = 40003;
  r.remotePort = 443;
  r.direction = FWP_DIRECTION_INBOUND;
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8:1::2", r.local.data()), 1);
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8:2::10", r.remote.data()), 1);
  r.bytesSent = 12;
  r.bytesReceived = 34;
  r.missedBytes = 5;
  char line[512];
  const size_t n = format_flow_line(r, line, sizeof line);
  ASSERT_GT(n, 0u);
  ASSERT_EQ(line[n - 1], '\n');
  const auto j = nlohmann::json::parse(std::string(line, n));
  EXPECT_EQ(j, nlohmann::json::parse(R"({"flow":72057594037927943,"ip_version":6,"protocol":6,
      "local":"2001:db8:1::2","local_port":40003,"remote":"2001:db8:2::10","remote_port":443,
      "direction":"inbound","bytes_sent":12,"bytes_received":34,"missed_bytes":5})"));

  r.hasTuple = false;  // what ALE_FLOW_ESTABLISHED did not say is left out
  const size_t m = format_flow_line(r, line, sizeof line);
  EXPECT_EQ(
      nlohmann::json::parse(std::string(line, m)),
      nlohmann::json::parse(R"({"flow":72057594037927943,"bytes_sent":12,"bytes_received":34,"missed_bytes":5})"));
  EXPECT_EQ(format_flow_line(r, line, 10), 0u);  // too small: nothing, rather than half a line
}

TEST(FlowMonitorReport, ReportFileWritesLinesAndSaysWhenItCannotOpen) {
  const std::string file = ::testing::TempDir() + "/flow-monitor-report-" + std::to_string(::getpid()) + ".jsonl";
  {
    ReportFile report;
    std::string error;
    ASSERT_TRUE(report.open(file, &error)) << error;
    FlowRecord r;
    r.flowHandle = 1;
    EXPECT_TRUE(report.write_flow(r));
    r.flowHandle = 2;
    EXPECT_TRUE(report.write_flow(r));
    EXPECT_EQ(report.lines(), 2u);
    EXPECT_TRUE(report.close());
  }
  std::ifstream in(file);
  std::string first, second, third;
  ASSERT_TRUE(std::getline(in, first));
  ASSERT_TRUE(std::getline(in, second));
  EXPECT_FALSE(std::getline(in, third));
  EXPECT_EQ(nlohmann::json::parse(first)["flow"], 1);
  EXPECT_EQ(nlohmann::json::parse(second)["flow"], 2);
  std::remove(file.c_str());

  ReportFile bad;
  std::string error;
  EXPECT_FALSE(bad.open("/nonexistent-folder/flows.jsonl", &error));
  EXPECT_EQ(error.rfind("cannot open '/nonexistent-folder/flows.jsonl' for writing: ", 0), 0u) << error;
}

}  // namespace
}  // namespace openwfp::callouts::flow_monitor
