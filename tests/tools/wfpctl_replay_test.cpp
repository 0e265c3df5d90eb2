// `wfpctl replay` end to end: the bundled sample capture and policy, the
// JSON report, the permitted-packets capture, the stream dumps, and errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "io/pcap_file.hpp"

#include "support/command.hpp"

namespace {

using openwfp::test::CommandResult;

CommandResult run(const std::string& args) { return openwfp::test::run_wfpctl(args); }

std::string src(const std::string& rel) { return std::string(OPENWFP_SOURCE_DIR) + "/" + rel; }

class WfpctlReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("replay-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

nlohmann::json filter_named(const nlohmann::json& report, const std::string& name) {
  for (const auto& f : report["filters"]) {
    if (f["name"] == name) return f;
  }
  return nullptr;
}

TEST_F(WfpctlReplay, TheSampleCaptureThroughTheSamplePolicy) {
  const CommandResult r =
      run("replay " + src("examples/sample.pcap") + " --policy " + src("examples/policy.json") +
          " --local 10.0.0.2 --local 2001:db8:1::2 --report " + path("report.json") + " --out " + path("out.pcap") +
          " --dump-streams " + path("streams"));
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream in(path("report.json"));
  const nlohmann::json rep = nlohmann::json::parse(in);
  EXPECT_EQ(rep["packets"], 21);
  EXPECT_EQ(rep["verdicts"]["permitted"], 14);
  EXPECT_EQ(rep["verdicts"]["blocked"], 5);
  EXPECT_EQ(rep["verdicts"]["held"], 2);
  EXPECT_EQ(rep["verdicts"]["dropped"], 0);
  EXPECT_EQ(filter_named(rep, "no telnet")["blocks"], 1);  // the retransmitted SYN is blocked by the flow's decision
  EXPECT_EQ(filter_named(rep, "no inbound to ssh from outside")["blocks"], 1);
  EXPECT_EQ(filter_named(rep, "no ping from anywhere")["blocks"], 1);
  EXPECT_EQ(filter_named(rep, "no v6 to documentation prefix")["blocks"], 1);
  EXPECT_EQ(filter_named(rep, "allow dns")["permits"], 1);
  EXPECT_EQ(rep["reassembly"]["reassembled"], 1);
  // The telnet flow: ALE decisions and the filter that decided.
  bool telnet_seen = false;
  for (const auto& f : rep["flows"]) {
    if (f["remote_port"] != 23) continue;
    telnet_seen = true;
    EXPECT_EQ(f["decision"], "BLOCK");
    EXPECT_EQ(f["remote"], "10.1.2.3");
    bool connect = false;
    for (const auto& a : f["ale"]) {
      if (a["layer"] == "ALE_AUTH_CONNECT_V4") {
        connect = true;
        EXPECT_EQ(a["action"], "BLOCK");
        EXPECT_EQ(a["filter"], "no telnet");
      }
    }
    EXPECT_TRUE(connect);
  }
  EXPECT_TRUE(telnet_seen);
  // The HTTP streams, both directions, written to files.
  ASSERT_TRUE(rep["streams"].is_array());
  std::string request;
  std::string response;
  for (const auto& s : rep["streams"]) {
    std::ifstream f(s["file"].get<std::string>(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_EQ(ss.str().size(), s["bytes"].get<size_t>());
    EXPECT_EQ(s["missed_bytes"], 0);
    if (s["dport"] == 80) request = ss.str();
    if (s["sport"] == 80) response = ss.str();
  }
  EXPECT_EQ(request.rfind("GET / HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(response.find("Hello from example.com"), std::string::npos) << response;
  // The permitted packets: 14 permitted plus the 2 held fragments of the permitted datagram.
  openwfp::io::CaptureReader reader;
  std::string error;
  ASSERT_TRUE(reader.open(path("out.pcap"), &error)) << error;
  openwfp::io::Frame frame;
  int frames = 0;
  while (reader.next(&frame) == 1) ++frames;
  EXPECT_EQ(frames, 16);
  // The terminal summary names layers and filters.
  EXPECT_NE(r.out.find("ALE_AUTH_CONNECT_V4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no telnet"), std::string::npos) << r.out;
}

TEST_F(WfpctlReplay, WithoutLocalTheBusiestAddressIsLocal) {
  const CommandResult r = run("replay " + src("examples/sample.pcap") + " --policy " + src("examples/policy.json") +
                              " --report " + path("r.json") + " --quiet");
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream in(path("r.json"));
  const auto rep = nlohmann::json::parse(in);
  EXPECT_EQ(rep["local_from"], "the busiest address");
  ASSERT_GE(rep["local"].size(), 1u);
  EXPECT_EQ(rep["local"][0], "10.0.0.2/32");
}

TEST_F(WfpctlReplay, ErrorsAreClearAndNonZero) {
  CommandResult r = run("replay /nonexistent.pcap --policy " + src("examples/policy.json"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("/nonexistent.pcap"), std::string::npos) << r.out;
  std::ofstream(path("garbage.pcap")) << "this is not a capture";
  r = run("replay " + path("garbage.pcap") + " --policy " + src("examples/policy.json"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("cannot read the capture"), std::string::npos) << r.out;
  r = run("replay " + src("examples/sample.pcap") + " --policy " + path("missing.json"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("cannot open the policy file"), std::string::npos) << r.out;
  r = run("replay " + src("examples/sample.pcap") + " --policy " + src("examples/policy.json") + " --local 10.0.0.300");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--local '10.0.0.300'"), std::string::npos) << r.out;
}

}  // namespace

namespace {

// A policy whose built-in `verdict` plugin blocks at ALE_FLOW_ESTABLISHED:
// the verifier reports C3, names the callout, and strict mode fails.
std::string c3_policy(const std::string& action) {
  return R"({
  "callouts": [ { "name": "closer", "plugin": "verdict", "options": { "action": ")" + action + R"(" } } ],
  "filters": [ { "name": "close at established", "layer": "ALE_FLOW_ESTABLISHED_V4",
                 "conditions": [ { "field": "IP_REMOTE_PORT", "value": 80 } ],
                 "action": { "type": "CALLOUT_TERMINATING", "callout": "closer" } } ]
})";
}

}  // namespace

TEST_F(WfpctlReplay, TheVerifierReportsABlockAtFlowEstablishedAndStrictModeFails) {
  for (const std::string action : {"BLOCK", "PERMIT"}) {
    SCOPED_TRACE(action);
    {
      std::ofstream p(path("c3.json"));
      p << c3_policy(action);
    }
    const std::string base = "replay " + src("examples/sample.pcap") + " --policy " + path("c3.json") +
                             " --local 10.0.0.2 --local 2001:db8:1::2 --report " + path("c3-report.json");
    const CommandResult report = run(base);
    ASSERT_EQ(report.status, 0) << report.out;
    std::ifstream in(path("c3-report.json"));
    const nlohmann::json j = nlohmann::json::parse(in);
    const auto& findings = j["verifier"]["findings"];
    ASSERT_EQ(j["verifier"]["mode"], "report");
    ASSERT_FALSE(j["callout_timing"].empty());
    EXPECT_EQ(j["callout_timing"][0]["callout"], "closer");
    EXPECT_GT(j["callout_timing"][0]["calls"].get<uint64_t>(), 0u);
    const CommandResult strict = run(base + " --verifier strict");
    if (action == "BLOCK") {
      ASSERT_EQ(findings.size(), 1u) << findings.dump();
      EXPECT_EQ(findings[0]["consideration"], "C3");
      EXPECT_EQ(findings[0]["callout"], "closer");
      EXPECT_EQ(findings[0]["layer"], "ALE_FLOW_ESTABLISHED_V4");
      EXPECT_NE(report.out.find("C3"), std::string::npos) << report.out;
      EXPECT_EQ(strict.status, 3) << strict.out;
      EXPECT_GT(j["callouts"]["flows_aborted"].get<uint64_t>(), 0u);
    } else {
      EXPECT_TRUE(findings.empty()) << findings.dump();
      EXPECT_EQ(strict.status, 0) << strict.out;
    }
  }
}

TEST_F(WfpctlReplay, AnUnknownPluginIsAnErrorNamingTheCallout) {
  {
    std::ofstream p(path("bad-plugin.json"));
    p << R"({ "callouts": [ { "name": "x", "plugin": "no-such-plugin" } ],
              "filters": [ { "name": "f", "layer": "ALE_AUTH_CONNECT_V4",
                             "action": { "type": "CALLOUT_TERMINATING", "callout": "x" } } ] })";
  }
  const CommandResult r = run("replay " + src("examples/sample.pcap") + " --policy " + path("bad-plugin.json"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("no plugin named 'no-such-plugin'"), std::string::npos) << r.out;
}

TEST_F(WfpctlReplay, TheVerifierReportsCalloutCallsOverTheTimeBudget) {
  {
    std::ofstream p(path("c4.json"));
    p << c3_policy("PERMIT");
  }
  const std::string base = "replay " + src("examples/sample.pcap") + " --policy " + path("c4.json") +
                           " --local 10.0.0.2 --local 2001:db8:1::2 --report " + path("c4-report.json");
  // A budget of 0 µs: every call is over it. A generous one: none is.
  for (const std::string budget : {"0", "1000000"}) {
    SCOPED_TRACE(budget);
    const CommandResult r = run(base + " --budget-us " + budget);
    ASSERT_EQ(r.status, 0) << r.out;
    std::ifstream in(path("c4-report.json"));
    const nlohmann::json j = nlohmann::json::parse(in);
    const auto& findings = j["verifier"]["findings"];
    if (budget == "0") {
      ASSERT_EQ(findings.size(), 1u) << findings.dump();
      EXPECT_EQ(findings[0]["consideration"], "C4");
      EXPECT_EQ(findings[0]["callout"], "closer");
      EXPECT_EQ(findings[0]["count"], j["callout_timing"][0]["calls"]);
    } else {
      EXPECT_TRUE(findings.empty()) << findings.dump();
    }
  }
}
