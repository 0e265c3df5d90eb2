// wfpctl's management commands against a real wfpd: export and apply round
// trip onto a fresh daemon, providers and sublayers added, listed and
// deleted, filters added from a file and inline, net events listed and
// followed, show state with counters, shell completion, and errors that
// exit non-zero naming the problem.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "store/store_test_support.hpp"
#include "support/command.hpp"
#include "wfpd_process.hpp"

namespace openwfp::daemon {
namespace {

using nlohmann::json;
using openwfp::test::CommandResult;
using openwfp::test::run_command;
using test::Daemon;

const std::string kPolicy = std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json";

CommandResult ctl(const Daemon& d, const std::string& args) {
  return openwfp::test::run_wfpctl("--socket " + d.socket() + " " + args);
}

// Every object but ids and effective weights (assigned by the engine).
json objects(const Daemon& d) {
  const CommandResult r = ctl(d, "show state --json");
  EXPECT_EQ(r.status, 0) << r.out;
  json s = json::parse(r.out, nullptr, false);
  json out;
  for (const char* kind : {"providers", "sublayers", "callouts", "filters"}) {
    std::set<std::string> items;
    for (json o : s[kind]) {
      o.erase("id");
      o.erase("effective_weight");
      items.insert(o.dump());
    }
    out[kind] = items;
  }
  return out;
}

TEST(WfpctlManage, ExportedPolicyAppliesOntoAFreshDaemonIdentically) {
  store::test::TempDir dir;
  Daemon a(dir.file("a")), b(dir.file("b"));
  std::filesystem::create_directories(dir.file("a"));
  std::filesystem::create_directories(dir.file("b"));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  ASSERT_EQ(ctl(a, "apply " + kPolicy).status, 0);
  // A persistent filter besides, added as an API object.
  CommandResult r = ctl(a, R"(filter add --object '{"name": "no irc", "layer": "ALE_AUTH_CONNECT_V4", "lifetime": "persistent",
      "weight": 7, "conditions": [{"field": "IP_REMOTE_PORT", "value": 6667}], "action": {"type": "BLOCK"}}')");
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string exported = dir.file("export.json");
  r = ctl(a, "export --out " + exported);
  ASSERT_EQ(r.status, 0) << r.out;
  r = ctl(b, "apply " + exported);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(objects(a), objects(b));
  r = ctl(b, "filter list --json");
  bool persistent = false;
  for (const json& f : json::parse(r.out)) persistent = persistent || (f["name"] == "no irc" && f["lifetime"] == "persistent");
  EXPECT_TRUE(persistent) << r.out;
  // Exporting again gives the same file.
  r = ctl(b, "export");
  ASSERT_EQ(r.status, 0);
  std::ifstream in(exported);
  EXPECT_EQ(json::parse(r.out), json::parse(in));
}

TEST(WfpctlManage, ProvidersSublayersAndFilters) {
  store::test::TempDir dir;
  Daemon d(dir.file(""));
  ASSERT_TRUE(d.start());
  const std::string pkey = store::test::key_of(1), skey = store::test::key_of(2);
  CommandResult r = ctl(d, "provider add --object '{\"key\": \"" + pkey + "\", \"name\": \"acme\", \"lifetime\": \"static\"}'");
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string file = dir.file("sublayer.json");
  std::ofstream(file) << R"({"key": ")" << skey << R"(", "name": "acme rules", "weight": 300, "provider": ")" << pkey
                      << R"(", "lifetime": "static"})";
  r = ctl(d, "sublayer add --file " + file);
  ASSERT_EQ(r.status, 0) << r.out;
  r = ctl(d, "sublayer list --provider " + pkey + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_EQ(json::parse(r.out).size(), 1u);
  EXPECT_EQ(json::parse(r.out)[0]["weight"], 300);
  r = ctl(d, "provider list");
  EXPECT_NE(r.out.find("acme"), std::string::npos) << r.out;
  r = ctl(d, "filter add --object '{\"name\": \"f\", \"layer\": \"ALE_AUTH_CONNECT_V4\", \"sublayer\": \"" + skey +
                 "\", \"lifetime\": \"static\", \"action\": {\"type\": \"PERMIT\"}}'");
  ASSERT_EQ(r.status, 0) << r.out;
  r = ctl(d, "filter list --sublayer " + skey + " --json");
  ASSERT_EQ(json::parse(r.out).size(), 1u) << r.out;
  // A provider still referenced cannot go; errors name the WFP status.
  r = ctl(d, "provider delete --key " + pkey);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("STATUS_FWP_IN_USE"), std::string::npos) << r.out;
  r = ctl(d, "filter delete --id 1");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_EQ(ctl(d, "sublayer delete --key " + skey).status, 0);
  ASSERT_EQ(ctl(d, "provider delete --key " + pkey).status, 0);
  r = ctl(d, "provider list --json");
  EXPECT_EQ(json::parse(r.out).size(), 0u) << r.out;
  // Bad input: non-zero with the problem named.
  r = ctl(d, "filter add --object '{not json'");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("not a JSON object"), std::string::npos) << r.out;
  r = ctl(d, "filter add --object '{\"name\": \"x\", \"layer\": \"NOPE\", \"action\": {\"type\": \"BLOCK\"}}'");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("/params/filter/layer"), std::string::npos) << r.out;
  r = ctl(d, "filter add --file " + dir.file("missing.json"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("missing.json"), std::string::npos) << r.out;
  r = ctl(d, "sublayer delete");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--key"), std::string::npos) << r.out;
}

TEST(WfpctlManage, EventsAndCountersOfAReplay) {
  store::test::TempDir dir;
  Daemon d(dir.file(""), {"--replay", std::string(OPENWFP_SOURCE_DIR) + "/examples/sample.pcap", "--replay-rounds", "0",
                          "--replay-pause-ms", "20"});
  ASSERT_TRUE(d.start());
  ASSERT_EQ(ctl(d, "apply " + kPolicy).status, 0);
  CommandResult r;
  for (int i = 0; i < 500; ++i) {  // until the first drops are in
    r = ctl(d, "events --type CLASSIFY_DROP --json");
    if (r.status == 0 && !json::parse(r.out)["events"].empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_FALSE(json::parse(r.out)["events"].empty());
  r = ctl(d, "events --type CLASSIFY_DROP --layer ALE_AUTH_CONNECT_V4 --limit 3");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("CLASSIFY_DROP"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10.0.0.2:"), std::string::npos) << r.out;
  // Following: new events arrive until wfpctl is interrupted.
  r = run_command("timeout -s INT 2 " + std::string(OPENWFP_WFPCTL) + " --socket " + d.socket() +
                  " events --follow --json --type CLASSIFY_DROP");
  size_t lines = 0;
  std::istringstream out(r.out);
  for (std::string line; std::getline(out, line);) {
    const json e = json::parse(line, nullptr, false);
    ASSERT_TRUE(e.is_object()) << line;
    EXPECT_EQ(e["type"], "CLASSIFY_DROP");
    ++lines;
  }
  EXPECT_GT(lines, 0u) << r.out;
  // show state: the filters with their counters and the replay.
  r = ctl(d, "show state");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("blocks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay "), std::string::npos) << r.out;
  r = ctl(d, "show state --json");
  const json state = json::parse(r.out);
  uint64_t blocks = 0;
  for (const json& c : state["counters"]["counters"]) blocks += c["blocks"].get<uint64_t>();
  EXPECT_GT(blocks, 0u);
  r = ctl(d, "events --type NOPE");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("/params/type"), std::string::npos) << r.out;
}

TEST(WfpctlManage, CompletionCoversEveryCommand) {
  const CommandResult r = openwfp::test::run_wfpctl("completion bash");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* word : {"explain", "replay", "apply", "export", "provider", "sublayer", "callout", "filter", "events",
                           "show", "completion", "--follow", "--socket", "--policy"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
  EXPECT_NE(r.out.find("complete -F _wfpctl wfpctl"), std::string::npos);
  // The script completes: "wfpctl filter l" -> list.
  const std::string script = std::string(OPENWFP_WFPCTL) + " completion bash > /tmp/wfpctl-completion-$$.bash && "
                             "bash -c 'source /tmp/wfpctl-completion-'$$'.bash; COMP_WORDS=(wfpctl filter l); "
                             "COMP_CWORD=2; _wfpctl; echo \"${COMPREPLY[@]}\"'; rm -f /tmp/wfpctl-completion-$$.bash";
  const CommandResult c = run_command(script);
  EXPECT_EQ(c.out, "list\n");
}

}  // namespace
}  // namespace openwfp::daemon
