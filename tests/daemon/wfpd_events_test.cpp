// wfpd as a real process with its data source: a capture replayed while a
// policy is applied; net events enumerated and streamed to a subscriber,
// per-filter counters that agree with the events, the daemon's status, and
// its config file (options, and errors that name the option at fault).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "store/store_test_support.hpp"
#include "support/command.hpp"
#include "wfpd_process.hpp"

namespace openwfp::daemon {
namespace {

using test::Client;
using test::Daemon;
using nlohmann::json;

const std::string kCapture = std::string(OPENWFP_SOURCE_DIR) + "/examples/sample.pcap";
const std::string kPolicy = std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json";

// Polls events.enum until `n` events of `type` are there (up to 20 s).
json wait_for_events(Client& c, const std::string& type, size_t n) {
  json r;
  for (int i = 0; i < 2000; ++i) {
    r = c.result("events.enum", {{"type", type}, {"limit", 100000}});
    if (r.is_object() && r["events"].size() >= n) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return r;
}

TEST(WfpdEvents, AReplayedCaptureGivesDropsCountersAndAStream) {
  store::test::TempDir dir;
  Daemon d(dir.file(""), {"--replay", kCapture, "--replay-rounds", "0", "--replay-pause-ms", "20"});
  ASSERT_TRUE(d.start());
  const openwfp::test::CommandResult applied = openwfp::test::run_wfpctl("--socket " + d.socket() + " apply " + kPolicy);
  ASSERT_EQ(applied.status, 0) << applied.out;

  Client c(d.socket());
  const json drops = wait_for_events(c, "CLASSIFY_DROP", 10);
  ASSERT_GE(drops["events"].size(), 10u) << drops.dump();
  std::set<uint64_t> dropFilters;
  uint64_t previous = 0;
  for (const json& e : drops["events"]) {
    EXPECT_EQ(e["type"], "CLASSIFY_DROP");
    EXPECT_GT(e["sequence"].get<uint64_t>(), previous);
    previous = e["sequence"];
    EXPECT_TRUE(e.contains("layer") && e.contains("time") && e.contains("filterId")) << e.dump();
    dropFilters.insert(e["filterId"].get<uint64_t>());
  }
  // The telnet connect the sample policy blocks, with its 5-tuple.
  bool telnet = false;
  for (const json& e : drops["events"]) {
    if (e.value("layer", "") == "ALE_AUTH_CONNECT_V4" && e.value("remotePort", 0) == 23) {
      telnet = true;
      EXPECT_EQ(e["protocol"], 6);
      EXPECT_EQ(e["direction"], "OUTBOUND");
      EXPECT_TRUE(e.contains("localAddress") && e.contains("remoteAddress")) << e.dump();
    }
  }
  EXPECT_TRUE(telnet) << drops.dump();

  // Every filter named by a drop has blocks counted; no filter counted blocks without events.
  const json counters = c.result("filter.counters");
  std::set<uint64_t> blocking;
  for (const json& f : counters["counters"]) {
    EXPECT_EQ(f["hits"].get<uint64_t>(), f["permits"].get<uint64_t>() + f["blocks"].get<uint64_t>());
    if (f["blocks"].get<uint64_t>() > 0) blocking.insert(f["id"].get<uint64_t>());
  }
  for (uint64_t id : dropFilters) EXPECT_TRUE(blocking.count(id)) << "filter " << id;
  const json one = c.result("filter.counters", {{"id", *dropFilters.begin()}});
  ASSERT_EQ(one["counters"].size(), 1u);

  const json status = c.result("daemon.status");
  EXPECT_TRUE(status["replay"]["running"].get<bool>());
  EXPECT_GT(status["replay"]["roundsDone"].get<uint64_t>(), 0u);
  EXPECT_EQ(status["events"]["lostInRings"], 0);

  // A subscriber gets later events as they happen, filtered by type.
  Client sub(d.socket());
  const json subscribed = sub.result("events.subscribe", {{"type", "CLASSIFY_DROP"}});
  const uint64_t last = subscribed["last"];
  for (int i = 0; i < 3; ++i) {
    const std::string line = sub.read_line();
    ASSERT_FALSE(line.empty()) << "no event streamed";
    const json pushed = json::parse(line);
    if (pushed.contains("gap")) continue;
    ASSERT_TRUE(pushed.contains("event")) << line;
    EXPECT_EQ(pushed["event"]["type"], "CLASSIFY_DROP");
    EXPECT_GT(pushed["event"]["sequence"].get<uint64_t>(), last);
  }
  // Bad requests name the field.
  json bad = c.call("events.enum", {{"type", "DROPS"}});
  EXPECT_EQ(bad["error"]["field"], "/params/type");
  bad = c.call("events.enum", {{"limit", 0}});
  EXPECT_EQ(bad["error"]["field"], "/params/limit");
  bad = c.call("events.subscribe", {{"after", 3}});
  EXPECT_EQ(bad["error"]["field"], "/params/after");
  sub.close();
  EXPECT_EQ(d.kill(SIGTERM), 0);  // stops cleanly with a replay running and a subscriber gone
}

// A flood of drops (the capture replayed without pause) against small caps:
// memory and store stay within them and count what they let go.
TEST(WfpdEvents, TheCapsHoldUnderAFloodOfDrops) {
  store::test::TempDir dir;
  Daemon d(dir.file(""), {"--replay", kCapture, "--replay-rounds", "0", "--events-memory", "50", "--events-stored", "120"});
  ASSERT_TRUE(d.start());
  ASSERT_EQ(openwfp::test::run_wfpctl("--socket " + d.socket() + " apply " + kPolicy).status, 0);
  Client c(d.socket());
  json st;
  for (int i = 0; i < 2000; ++i) {
    st = c.result("daemon.status")["events"];
    if (st["collected"].get<uint64_t>() > 600) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(st["collected"].get<uint64_t>(), 600u) << st.dump();
  EXPECT_LE(st["inMemory"].get<uint64_t>(), 50u);
  EXPECT_GT(st["droppedFromMemory"].get<uint64_t>(), 0u);
  const json memory = c.result("events.enum", {{"limit", 100000}});
  EXPECT_LE(memory["events"].size(), 50u);
  EXPECT_TRUE(memory["gap"].get<bool>());
  const json stored = c.result("events.enum", {{"limit", 100000}, {"stored", true}});
  EXPECT_LE(stored["events"].size(), 120u);
  EXPECT_GE(stored["events"].size(), 50u);
  for (size_t i = 1; i < stored["events"].size(); ++i) {
    EXPECT_LT(stored["events"][i - 1]["sequence"].get<uint64_t>(), stored["events"][i]["sequence"].get<uint64_t>());
  }
  st = c.result("daemon.status")["events"];
  EXPECT_GT(st["storedDropped"].get<uint64_t>(), 0u) << st.dump();
  // Every event is accounted for: in memory, left it, or lost before it.
  EXPECT_EQ(st["collected"].get<uint64_t>(), st["inMemory"].get<uint64_t>() + st["droppedFromMemory"].get<uint64_t>());
  EXPECT_EQ(d.kill(SIGTERM), 0);
}

TEST(WfpdEvents, EventsSurviveARestartInTheStore) {
  store::test::TempDir dir;
  uint64_t last = 0;
  {
    Daemon d(dir.file(""), {"--replay", kCapture, "--replay-rounds", "0", "--replay-pause-ms", "20"});
    ASSERT_TRUE(d.start());
    ASSERT_EQ(openwfp::test::run_wfpctl("--socket " + d.socket() + " apply " + kPolicy).status, 0);
    Client c(d.socket());
    last = wait_for_events(c, "CLASSIFY_DROP", 5)["last"];
    ASSERT_GT(last, 0u);
    EXPECT_EQ(d.kill(SIGTERM), 0);
  }
  Daemon d(dir.file(""));  // idle this time
  ASSERT_TRUE(d.start());
  Client c(d.socket());
  const json r = c.result("daemon.status");
  EXPECT_GE(r["events"]["lastSequence"].get<uint64_t>(), last);  // numbering goes on
  EXPECT_TRUE(c.result("events.enum")["events"].empty());         // memory starts empty,
  const json stored = c.result("events.enum", {{"stored", true}, {"type", "CLASSIFY_DROP"}, {"limit", 100000}});
  EXPECT_GE(stored["events"].size(), 5u);                          // the store has them
  for (const json& e : stored["events"]) EXPECT_EQ(e["type"], "CLASSIFY_DROP");
  const openwfp::test::CommandResult listed =
      openwfp::test::run_wfpctl("--socket " + d.socket() + " events --stored --type CLASSIFY_DROP --limit 2");
  EXPECT_EQ(listed.status, 0) << listed.out;
  EXPECT_NE(listed.out.find("CLASSIFY_DROP"), std::string::npos) << listed.out;
}

TEST(WfpdEvents, ExplainAsksTheLiveEngine) {
  store::test::TempDir dir;
  Daemon d(dir.file(""));
  ASSERT_TRUE(d.start());
  const std::string sock = "--socket " + d.socket();
  ASSERT_EQ(openwfp::test::run_wfpctl(sock + " apply " + kPolicy).status, 0);
  openwfp::test::CommandResult r = openwfp::test::run_wfpctl(
      sock + " explain --layer ALE_AUTH_CONNECT_V4 --field IP_REMOTE_PORT=23 --field IP_REMOTE_ADDRESS=10.1.2.3"
             " --field IP_LOCAL_PORT=40000 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json answer = json::parse(r.out);
  EXPECT_EQ(answer["action"], "BLOCK");
  EXPECT_EQ(answer["filter"], "no telnet");
  // A change reaches the live engine: the filter gone, the same values are permitted.
  ASSERT_EQ(openwfp::test::run_wfpctl(sock + " filter delete --id " + std::to_string(answer["filter_id"].get<uint64_t>())).status, 0);
  r = openwfp::test::run_wfpctl(sock + " explain --layer ALE_AUTH_CONNECT_V4 --field IP_REMOTE_PORT=23"
                                       " --field IP_REMOTE_ADDRESS=10.1.2.3 --field IP_LOCAL_PORT=40000");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("decision  PERMIT"), std::string::npos) << r.out;
  r = openwfp::test::run_wfpctl(sock + " explain --layer ALE_AUTH_CONNECT_V4 --field IP_NOPE=1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("IP_NOPE"), std::string::npos) << r.out;
  Client c(d.socket());
  const json raw = c.call("engine.explain", {{"layer", "ALE_AUTH_CONNECT_V4"}, {"fields", {{"IP_REMOTE_PORT", "x"}}}});
  EXPECT_EQ(raw["error"]["field"], "/params/fields/IP_REMOTE_PORT") << raw.dump();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

TEST(WfpdEvents, TheConfigFileSetsOptionsAndItsErrorsNameThem) {
  store::test::TempDir dir;
  const std::string conf = dir.file("wfpd.conf");
  const std::string sock = dir.file("conf.sock");
  write_file(conf, "# comment\nsocket = \"" + sock + "\"\nstate-dir = \"" + dir.file("state") +
                       "\"\nevents-memory = 77\n");
  const pid_t pid = Daemon::spawn({"wfpd", "--config", conf});
  bool up = false;
  for (int i = 0; i < 1000 && !up; ++i) {
    Client c(sock, 2);
    up = c.ok() && c.call("session.info").contains("result");
    if (up) {
      EXPECT_EQ(c.result("daemon.status")["events"]["memoryCap"], 77);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(up);

  write_file(conf, "socket = \"" + sock + "\"\ncolour = \"blue\"\n");
  openwfp::test::CommandResult r = openwfp::test::run_command(std::string(OPENWFP_WFPD) + " --config " + conf);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("colour"), std::string::npos) << r.out;
  write_file(conf, "socket = \"" + sock + "\"\nevents-memory = -5\n");
  r = openwfp::test::run_command(std::string(OPENWFP_WFPD) + " --config " + conf);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("events-memory"), std::string::npos) << r.out;
  r = openwfp::test::run_command(std::string(OPENWFP_WFPD) + " --config " + dir.file("missing.conf"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("missing.conf"), std::string::npos) << r.out;
  r = openwfp::test::run_command(std::string(OPENWFP_WFPD) + " --socket " + sock + " --state-dir " + dir.file("s2") +
                                 " --replay " + dir.file("none.pcap"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("none.pcap"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace openwfp::daemon
