// wfpd --live against real traffic between network namespaces the test
// makes: a client host and the host wfpd filters, joined by a veth pair
// (IPv4 and IPv6), and for forwarding a third host behind a router that
// runs wfpd. Each test starts wfpd as a real process inside its namespace
// and drives traffic from child processes in the others.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "daemon/wfpd_process.hpp"
#include "live/kernel_authorizer.hpp"
#include "live/ruleset.hpp"
#include "support/command.hpp"
#include "support/netns.hpp"
#include "store/store_test_support.hpp"

namespace openwfp::live::test {
namespace {

using daemon::test::Client;
using daemon::test::Daemon;
using nlohmann::json;

constexpr const char* kClient4 = "10.231.0.1";
constexpr const char* kClient4b = "10.231.0.3";  // a second address of the client host
constexpr const char* kHost4 = "10.231.0.2";
constexpr const char* kClient6 = "fd00:231::1";
constexpr const char* kHost6 = "fd00:231::2";

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// How many of openwfp's rules (from every backend and family) a namespace
// holds: listed by a child inside it, told through its exit code.
size_t rule_count(const std::string& ns) {
  const int n = in_netns(ns, [] { return static_cast<int>(std::min<size_t>(Ruleset::list_all().size(), 120)); });
  return n < 0 ? SIZE_MAX : static_cast<size_t>(n);
}

// daemon.status's "live" once `ready` holds of it (the workers publish
// their counters every few milliseconds), or after 3 s as it is then.
json live_status(Client& c, const std::function<bool(const json&)>& ready) {
  json live;
  for (int i = 0; i < 150; ++i) {
    live = c.result("daemon.status")["live"];
    if (ready(live)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return live;
}

uint64_t sum_queues(const json& live, const char* what) {
  uint64_t n = 0;
  for (const json& q : live["queues"]) n += q[what].get<uint64_t>();
  return n;
}

// A client host and the filtered host, with echo servers on both.
class LiveHosts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!is_root()) GTEST_SKIP() << "live tests need root (namespaces, netfilter, NFQUEUE)";
    client_ = std::make_unique<Netns>(unique_name("c"));
    host_ = std::make_unique<Netns>(unique_name("h"));
    ASSERT_TRUE(client_->ok() && host_->ok());
    ASSERT_TRUE(link(*client_, "c0", kClient4, kClient6, *host_, "h0", kHost4, kHost6));
    ASSERT_TRUE(sh("ip -n " + client_->name() + " addr add " + kClient4b + "/24 dev c0"));
    ASSERT_TRUE(dir_.ok());
    servers_.push_back(std::make_unique<Background>(
        client_->name(), [] { return echo_server({8080, 8081, 8082}, {9997, 9998, 9999}); }));
    servers_.push_back(std::make_unique<Background>(
        host_->name(), [] { return echo_server({8080, 8081, 8082}, {9997, 9998, 9999}); }));
    // Both servers answer before the test starts.
    for (int i = 0; i < 200 && (in_netns(client_->name(), [] { return udp_ok(kHost4, 9998); }) != 0 ||
                                in_netns(client_->name(), [] { return udp_ok(kHost6, 9998); }) != 0 ||
                                in_netns(host_->name(), [] { return udp_ok(kClient4, 9998); }) != 0 ||
                                in_netns(host_->name(), [] { return udp_ok(kClient6, 9998); }) != 0);
         ++i) {
    }
  }

  std::unique_ptr<Daemon> start_wfpd(const std::string& policy, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--live"};
    if (!policy.empty()) {
      write_file(dir_.file("policy.json"), policy);
      args.push_back("--policy");
      args.push_back(dir_.file("policy.json"));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto d = std::make_unique<Daemon>(dir_.file(""), args);
    d->in_netns(host_->name());
    if (!d->start()) return nullptr;
    return d;
  }

  // From the client host to the filtered one (inbound there), and back.
  int client(const std::function<int()>& fn) { return in_netns(client_->name(), fn); }
  int host(const std::function<int()>& fn) { return in_netns(host_->name(), fn); }

  store::test::TempDir dir_;
  std::unique_ptr<Netns> client_, host_;
  std::vector<std::unique_ptr<Background>> servers_;
};

const char* kPortPolicy = R"({ "filters": [
  { "name": "no udp 9999 in", "layer": "ALE_AUTH_RECV_ACCEPT_V4",
    "conditions": [ { "field": "IP_PROTOCOL", "value": "udp" }, { "field": "IP_LOCAL_PORT", "value": 9999 } ], "action": "BLOCK" },
  { "name": "no tcp 8081 in", "layer": "ALE_AUTH_RECV_ACCEPT_V4",
    "conditions": [ { "field": "IP_PROTOCOL", "value": "tcp" }, { "field": "IP_LOCAL_PORT", "value": 8081 } ], "action": "BLOCK" },
  { "name": "no tcp 8082 out", "layer": "ALE_AUTH_CONNECT_V4",
    "conditions": [ { "field": "IP_PROTOCOL", "value": "tcp" }, { "field": "IP_REMOTE_PORT", "value": 8082 } ], "action": "BLOCK" },
  { "name": "no udp 9997 out", "layer": "ALE_AUTH_CONNECT_V4",
    "conditions": [ { "field": "IP_PROTOCOL", "value": "udp" }, { "field": "IP_REMOTE_PORT", "value": 9997 } ], "action": "BLOCK" },
  { "name": "not to 10.231.0.3", "layer": "ALE_AUTH_CONNECT_V4",
    "conditions": [ { "field": "IP_REMOTE_ADDRESS", "value": "10.231.0.3" } ], "action": "BLOCK" },
  { "name": "no udp 9999 in v6", "layer": "ALE_AUTH_RECV_ACCEPT_V6",
    "conditions": [ { "field": "IP_PROTOCOL", "value": "udp" }, { "field": "IP_LOCAL_PORT", "value": 9999 } ], "action": "BLOCK" },
  { "name": "no tcp 8081 in v6", "layer": "ALE_AUTH_RECV_ACCEPT_V6",
    "conditions": [ { "field": "IP_PROTOCOL", "value": "tcp" }, { "field": "IP_LOCAL_PORT", "value": 8081 } ], "action": "BLOCK" },
  { "name": "no tcp 8082 out v6", "layer": "ALE_AUTH_CONNECT_V6",
    "conditions": [ { "field": "IP_REMOTE_PORT", "value": 8082 } ], "action": "BLOCK" }
] })";

TEST_F(LiveHosts, BlocksAndPermitsTcpAndUdpByPortAndAddressOverIpv4AndIpv6) {
  auto d = start_wfpd(kPortPolicy);
  ASSERT_NE(d, nullptr);
  // Inbound to the filtered host.
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9998); }), 0);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9999, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(client([] { return tcp_ok(kHost4, 8080); }), 0);
  EXPECT_EQ(client([] { return tcp_ok(kHost4, 8081, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(client([] { return udp_ok(kHost6, 9998); }), 0);
  EXPECT_EQ(client([] { return udp_ok(kHost6, 9999, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(client([] { return tcp_ok(kHost6, 8080); }), 0);
  EXPECT_EQ(client([] { return tcp_ok(kHost6, 8081, "hello", kBlockedWaitMs); }), 1);
  // Outbound from it.
  EXPECT_EQ(host([] { return tcp_ok(kClient4, 8080); }), 0);
  EXPECT_EQ(host([] { return tcp_ok(kClient4, 8082, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(host([] { return udp_ok(kClient4, 9998); }), 0);
  EXPECT_EQ(host([] { return udp_ok(kClient4, 9997, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(host([] { return tcp_ok(kClient4b, 8080, "hello", kBlockedWaitMs); }), 1);  // by address
  EXPECT_EQ(host([] { return tcp_ok(kClient6, 8080); }), 0);
  EXPECT_EQ(host([] { return tcp_ok(kClient6, 8082, "hello", kBlockedWaitMs); }), 1);

  Client c(d->socket());
  // Every blocking filter counted its blocks; drops are net events.
  const json counters = c.result("filter.counters")["counters"];
  const json filters = c.result("filter.enum")["filters"];
  std::map<std::string, uint64_t> blocks;
  for (const json& f : filters) {
    for (const json& k : counters) {
      if (k["id"] == f["id"]) blocks[f["name"].get<std::string>()] = k["blocks"].get<uint64_t>();
    }
  }
  for (const char* name : {"no udp 9999 in", "no tcp 8081 in", "no tcp 8082 out", "no udp 9997 out", "not to 10.231.0.3",
                           "no udp 9999 in v6", "no tcp 8081 in v6", "no tcp 8082 out v6"}) {
    EXPECT_GE(blocks[name], 1u) << name;
  }
  const json events = c.result("events.enum", {{"type", "CLASSIFY_DROP"}})["events"];
  std::set<std::pair<std::string, uint64_t>> seen;  // (layer, local port) of inbound drops
  for (const json& e : events) seen.insert({e["layer"].get<std::string>(), e.value("localPort", 0)});
  EXPECT_TRUE(seen.count({"ALE_AUTH_RECV_ACCEPT_V4", 9999}));
  EXPECT_TRUE(seen.count({"ALE_AUTH_RECV_ACCEPT_V6", 8081}));
  const json live = live_status(c, [](const json& l) { return sum_queues(l, "received") > 20; });
  EXPECT_EQ(live["running"], true);
  EXPECT_EQ(live["failMode"], "open");
  EXPECT_GT(live["queues"][0]["received"].get<uint64_t>(), 20u);
  EXPECT_GT(live["counters"]["block"].get<uint64_t>(), 0u);
  EXPECT_FALSE(live["rules"].empty());
  c.close();

  // A clean stop takes every rule out; traffic flows without wfpd.
  EXPECT_EQ(d->kill(SIGTERM), 0);
  EXPECT_EQ(rule_count(host_->name()), 0u);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9999); }), 0);
  EXPECT_EQ(host([] { return tcp_ok(kClient4, 8082); }), 0);
}

TEST_F(LiveHosts, FailOpenPassesAndFailClosedDropsWhenKilledAndARestartCleansUp) {
  const char* policy = R"({ "filters": [ { "name": "no udp 9999 in", "layer": "ALE_AUTH_RECV_ACCEPT_V4",
    "conditions": [ { "field": "IP_LOCAL_PORT", "value": 9999 } ], "action": "BLOCK" } ] })";
  auto d = start_wfpd(policy);
  ASSERT_NE(d, nullptr);
  const size_t installed = rule_count(host_->name());
  EXPECT_GT(installed, 0u);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9999, "hello", kBlockedWaitMs); }), 1);
  // Killed, fail-open: the rules stay, but traffic passes without the policy.
  d->kill(SIGKILL);
  EXPECT_EQ(rule_count(host_->name()), installed);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9999); }), 0);
  EXPECT_EQ(client([] { return tcp_ok(kHost4, 8080); }), 0);

  // A restart removes what the dead one left and installs one set (fail-closed now).
  d = start_wfpd(policy, {"--fail-mode", "closed"});
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(rule_count(host_->name()), installed);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9998); }), 0);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9999, "hello", kBlockedWaitMs); }), 1);
  {
    Client c(d->socket());
    EXPECT_EQ(c.result("daemon.status")["live"]["failMode"], "closed");
  }
  // Killed, fail-closed: nothing passes until wfpd is back or its rules go.
  d->kill(SIGKILL);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9998, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(client([] { return tcp_ok(kHost4, 8080, "hello", kBlockedWaitMs); }), 1);
  d = start_wfpd(policy);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9998); }), 0);
  EXPECT_EQ(d->kill(SIGTERM), 0);
  EXPECT_EQ(rule_count(host_->name()), 0u);
  EXPECT_EQ(client([] { return udp_ok(kHost4, 9999); }), 0);
}

// An address added while wfpd runs is this host's from then on: traffic to
// it meets the inbound layers (and the filters there), as to the others.
TEST_F(LiveHosts, AnAddressAddedWhileRunningIsLocal) {
  auto d = start_wfpd(kPortPolicy);
  ASSERT_NE(d, nullptr);
  constexpr const char* kNew = "10.231.0.9";
  ASSERT_TRUE(sh("ip -n " + host_->name() + " addr add " + kNew + "/24 dev h0"));
  Client c(d->socket());
  const json live = live_status(c, [&](const json& l) {
    for (const json& a : l["local"]) {
      if (a == std::string(kNew) + "/32") return true;
    }
    return false;
  });
  EXPECT_GE(live["localChanges"].get<uint64_t>(), 1u) << live.dump();
  EXPECT_NE(live["local"].dump().find(std::string(kNew) + "/32"), std::string::npos) << live.dump();
  // The workers take the new set between two batches.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(client([] { return tcp_ok(kNew, 8080); }), 0);
  EXPECT_EQ(client([] { return tcp_ok(kNew, 8081, "hello", kBlockedWaitMs); }), 1);  // "no tcp 8081 in"
  EXPECT_EQ(client([] { return udp_ok(kNew, 9999, "hello", kBlockedWaitMs); }), 1);  // "no udp 9999 in"
  EXPECT_EQ(client([] { return udp_ok(kNew, 9998); }), 0);
}

TEST_F(LiveHosts, FiltersMatchTheApplicationPathAndTheUser) {
  char bash[PATH_MAX];
  ASSERT_NE(::realpath("/bin/bash", bash), nullptr);
  const std::string policy = R"({ "filters": [
    { "name": "bash may not connect", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "ALE_APP_ID", "value": ")" + std::string(bash) + R"(" } ], "action": "BLOCK" },
    { "name": "uid 4242 may not connect", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "ALE_USER_ID", "value": "uid:4242" } ], "action": "BLOCK" } ] })";
  auto d = start_wfpd(policy);
  ASSERT_NE(d, nullptr);
  // This test's own process connects; bash does not; nor does uid 4242.
  EXPECT_EQ(host([] { return tcp_ok(kClient4, 8080); }), 0);
  const std::string viaBash = "timeout 1 bash -c 'exec 3<>/dev/tcp/" + std::string(kClient4) + "/8080' 2>/dev/null";
  EXPECT_FALSE(host_->run(viaBash));
  EXPECT_TRUE(host_->run("timeout 3 bash -c 'exec 3<>/dev/udp/" + std::string(kClient4) + "/9998' 2>/dev/null"))
      << "a UDP socket is opened without a packet";
  EXPECT_EQ(host([] {
              if (::setgid(4242) != 0 || ::setuid(4242) != 0) return 2;
              return tcp_ok(kClient4, 8080, "hello", kBlockedWaitMs);
            }),
            1);
  EXPECT_EQ(host([] {
              if (::setgid(4343) != 0 || ::setuid(4343) != 0) return 2;
              return tcp_ok(kClient4, 8080);
            }),
            0);
  Client c(d->socket());
  const json events = c.result("events.enum", {{"type", "CLASSIFY_DROP"}})["events"];
  bool bashSeen = false, userSeen = false;
  for (const json& e : events) {
    if (e.value("application", "") == bash) bashSeen = true;
    if (e.value("userId", 0) == 4242) userSeen = true;
  }
  EXPECT_TRUE(bashSeen) << events.dump();
  EXPECT_TRUE(userSeen) << events.dump();
  // wfpctl shows the live drops with the application, and the hooks and queues.
  const auto shown = openwfp::test::run_wfpctl("--socket " + d->socket() + " events");
  EXPECT_NE(shown.out.find(std::string("app ") + bash), std::string::npos) << shown.out;
  const auto state = openwfp::test::run_wfpctl("--socket " + d->socket() + " show state");
  EXPECT_NE(state.out.find("live: running, iptables-nft, fail-open"), std::string::npos) << state.out;
  EXPECT_NE(state.out.find("-A INPUT -j OPENWFP_INPUT"), std::string::npos) << state.out;
  const json lookup = live_status(c, [](const json& l) {
    return l["queues"][0]["processLookup"]["found"].get<uint64_t>() >= 4;
  })["queues"][0]["processLookup"];
  EXPECT_GE(lookup["found"].get<uint64_t>(), 4u) << lookup.dump();
}

// client -- router (wfpd) -- server: forwarded traffic, classified at IPFORWARD.
TEST(LiveForward, ForwardedTrafficIsClassifiedAtIpforward) {
  if (!is_root()) GTEST_SKIP() << "live tests need root (namespaces, netfilter, NFQUEUE)";
  Netns a(unique_name("a")), r(unique_name("r")), b(unique_name("b"));
  ASSERT_TRUE(a.ok() && r.ok() && b.ok());
  ASSERT_TRUE(link(a, "a0", "10.232.1.1", "fd00:232:1::1", r, "ra", "10.232.1.2", "fd00:232:1::2"));
  ASSERT_TRUE(link(b, "b0", "10.232.2.1", "fd00:232:2::1", r, "rb", "10.232.2.2", "fd00:232:2::2"));
  ASSERT_TRUE(a.run("ip route add default via 10.232.1.2") && a.run("ip -6 route add default via fd00:232:1::2"));
  ASSERT_TRUE(b.run("ip route add default via 10.232.2.2") && b.run("ip -6 route add default via fd00:232:2::2"));
  ASSERT_TRUE(r.run("sysctl -qw net.ipv4.ip_forward=1") && r.run("sysctl -qw net.ipv6.conf.all.forwarding=1"));
  Background server(b.name(), [] { return echo_server({8080, 8081}, {9998}); });
  // Routes and neighbours settle (IPv6 too) before wfpd starts.
  for (int i = 0; i < 200 && (in_netns(a.name(), [] { return udp_ok("10.232.2.1", 9998); }) != 0 ||
                              in_netns(a.name(), [] { return udp_ok("fd00:232:2::1", 9998); }) != 0);
       ++i) {
  }
  store::test::TempDir dir;
  // IPFORWARD has no port fields (WFP's layer carries addresses): block by destination address instead.
  write_file(dir.file("policy.json"), R"({ "filters": [
    { "name": "nothing forwarded to 10.232.2.1", "layer": "IPFORWARD_V4",
      "conditions": [ { "field": "IP_DESTINATION_ADDRESS", "value": "10.232.2.1" } ], "action": "BLOCK" },
    { "name": "nothing forwarded to fd00:232:2::1", "layer": "IPFORWARD_V6",
      "conditions": [ { "field": "IP_DESTINATION_ADDRESS", "value": "fd00:232:2::1" } ], "action": "BLOCK" }
  ] })");
  {
    Daemon d(dir.file(""), {"--live"});
    d.in_netns(r.name());
    ASSERT_TRUE(d.start());
    // Without a policy, forwarded traffic passes through wfpd.
    EXPECT_EQ(in_netns(a.name(), [] { return tcp_ok("10.232.2.1", 8080); }), 0);
    EXPECT_EQ(in_netns(a.name(), [] { return tcp_ok("fd00:232:2::1", 8080); }), 0);
    Client c(d.socket());
    EXPECT_GT(live_status(c, [](const json& l) { return l["counters"]["packets"].get<uint64_t>() > 0; })["counters"]["packets"]
                  .get<uint64_t>(),
              0u);
  }
  Daemon d(dir.file(""), {"--live", "--policy", dir.file("policy.json")});
  d.in_netns(r.name());
  ASSERT_TRUE(d.start());
  EXPECT_EQ(in_netns(a.name(), [] { return tcp_ok("10.232.2.1", 8080, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(in_netns(a.name(), [] { return udp_ok("10.232.2.1", 9998, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(in_netns(a.name(), [] { return tcp_ok("fd00:232:2::1", 8080, "hello", kBlockedWaitMs); }), 1);
  // The router itself still reaches b: its own traffic is not forwarded.
  EXPECT_EQ(in_netns(r.name(), [] { return tcp_ok("10.232.2.1", 8080); }), 0);
  Client c(d.socket());
  const json events = c.result("events.enum", {{"type", "CLASSIFY_DROP"}})["events"];
  std::set<std::string> layers;
  for (const json& e : events) layers.insert(e["layer"].get<std::string>());
  EXPECT_TRUE(layers.count("IPFORWARD_V4")) << events.dump();
  EXPECT_TRUE(layers.count("IPFORWARD_V6")) << events.dump();
}

}  // namespace
}  // namespace openwfp::live::test

namespace openwfp::live::test {
namespace {

// A callout pends the connection at ALE_AUTH_CONNECT / ALE_AUTH_RECV_ACCEPT
// (the inspect sample: pend, complete from a DPC, decide on the
// reauthorization by the remote port): the pended SYN waits in the queue
// and goes on as it was once the decision permits it.
TEST_F(LiveHosts, APendedAleDecisionHoldsTheConnectionUntilItIsCompleted) {
  const char* policy = R"({
    "callouts": [ { "name": "inspect", "plugin": "inspect", "options": { "block_remote_port": 8082 } } ],
    "filters": [
      { "name": "pend connect", "layer": "ALE_AUTH_CONNECT_V4", "action": { "type": "CALLOUT_TERMINATING", "callout": "inspect" } },
      { "name": "pend accept", "layer": "ALE_AUTH_RECV_ACCEPT_V4", "action": { "type": "CALLOUT_TERMINATING", "callout": "inspect" } },
      { "name": "pend connect v6", "layer": "ALE_AUTH_CONNECT_V6", "action": { "type": "CALLOUT_TERMINATING", "callout": "inspect" } } ] })";
  auto d = start_wfpd(policy);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(host([] { return tcp_ok(kClient4, 8080); }), 0);
  EXPECT_EQ(host([] { return tcp_ok(kClient6, 8080); }), 0);
  EXPECT_EQ(host([] { return tcp_ok(kClient4, 8082, "hello", kBlockedWaitMs); }), 1);
  EXPECT_EQ(client([] { return tcp_ok(kHost4, 8080); }), 0);
  EXPECT_EQ(host([] { return udp_ok(kClient4, 9998); }), 0);
  Client c(d->socket());
  const auto released = [](const json& l) { return sum_queues(l, "released") + sum_queues(l, "replaced"); };
  const json live = live_status(c, [&](const json& l) { return released(l) >= 4; });
  EXPECT_GE(released(live), 4u) << live.dump();
  EXPECT_GE(live["counters"]["absorbed"].get<uint64_t>(), 4u) << live.dump();
  // The SYN to 8082, pended and then refused, was dropped when the pend
  // completed, not kept until the pend would have timed out.
  const json after = live_status(c, [](const json& l) { return sum_queues(l, "pendsRefused") >= 1 && sum_queues(l, "held") == 0; });
  EXPECT_GE(sum_queues(after, "pendsRefused"), 1u) << after.dump();
  EXPECT_EQ(sum_queues(after, "held"), 0u) << after.dump();
}

// The stream-edit sample edits the host's outbound HTTP request in flight:
// the server (on the client host) receives the edited bytes, and the host's
// own client sees them in the echo, over a connection whose sequence
// numbers openwfp keeps consistent in both directions.
TEST_F(LiveHosts, AStreamEditChangesLiveTrafficAndBothEndsSeeTheEditedBytes) {
  const char* policy = R"({
    "callouts": [ { "name": "host", "plugin": "stream-edit",
                    "options": { "find": "example.test", "replace": "www.example.test.internal" } } ],
    "filters": [ { "name": "edit requests", "layer": "STREAM_V4",
                   "conditions": [ { "field": "DIRECTION", "value": "OUTBOUND" } ],
                   "action": { "type": "CALLOUT_TERMINATING", "callout": "host" } } ] })";
  auto d = start_wfpd(policy);
  ASSERT_NE(d, nullptr);
  const std::string request = "GET / HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n";
  const std::string edited = "GET / HTTP/1.1\r\nHost: www.example.test.internal\r\nAccept: */*\r\n\r\n";
  std::string got;
  const int rc = host([&] { return tcp_exchange(kClient4, 8080, request) == "echo:" + edited ? 0 : 1; });
  EXPECT_EQ(rc, 0);
  // Unedited traffic (another port is edited the same: every outbound stream is).
  EXPECT_EQ(host([] { return tcp_ok(kClient4, 8081, "no match here"); }), 0);
  Client c(d->socket());
  const json live = live_status(c, [](const json& l) { return sum_queues(l, "replaced") >= 1; });
  EXPECT_GE(sum_queues(live, "replaced"), 1u) << live.dump();
}

}  // namespace
}  // namespace openwfp::live::test

namespace openwfp::live::test {
namespace {

// A connected UDP exchange: only an answer from host:port itself is received.
int connected_udp_ok(const std::string& host, uint16_t port, const std::string& message) {
  sockaddr_storage to{};
  socklen_t len = 0;
  if (!address(host, port, &to, &len)) return 2;
  const int fd = ::socket(to.ss_family, SOCK_DGRAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), len) != 0) return 2;
  (void)::send(fd, message.data(), message.size(), 0);
  pollfd p{fd, POLLIN, 0};
  std::string got;
  if (::poll(&p, 1, 1500) == 1) {
    char buffer[2048];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) got.assign(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return got == "echo:" + message ? 0 : 1;
}

// The dd-proxy sample redirects the host's datagrams to port 9996 of one
// address to port 9995 of another (network send injection: out through a
// raw socket), and the replies come back as if from the first (network
// receive injection: in through the TUN device), so a connected socket
// takes them.
TEST_F(LiveHosts, InjectedPacketsGoOutAndComeInOnTheWire) {
  const std::string policy = R"({
    "callouts": [ { "name": "proxy", "plugin": "dd-proxy",
                    "options": { "from_port": 9996, "to_address": ")" + std::string(kClient4b) + R"(", "to_port": 9995 } } ],
    "filters": [ { "name": "proxy udp", "layer": "DATAGRAM_DATA_V4",
                   "action": { "type": "CALLOUT_TERMINATING", "callout": "proxy" } } ] })";
  // Answers come from the address asked (10.231.0.3), not the routes' preferred one.
  Background proxied(client_->name(), [] { return udp_echo_on(kClient4b, 9995); });
  for (int i = 0; i < 200 && host([] { return connected_udp_ok(kClient4b, 9995, "up"); }) != 0; ++i) {
  }
  // Nothing listens on 9996.
  EXPECT_EQ(host([] { return connected_udp_ok(kClient4, 9996, "via proxy"); }), 1);
  auto d = start_wfpd(policy);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(host([] { return connected_udp_ok(kClient4, 9996, "via proxy"); }), 0);
  EXPECT_EQ(host([] { return connected_udp_ok(kClient4, 9998, "direct"); }), 0);
  Client c(d->socket());
  const json live = live_status(c, [](const json& l) {
    return sum_queues(l, "injected") >= 1 && sum_queues(l, "injectedInbound") >= 1;
  });
  EXPECT_GE(sum_queues(live, "injected"), 1u) << live.dump();
  EXPECT_GE(sum_queues(live, "injectedInbound"), 1u) << live.dump();
  EXPECT_EQ(sum_queues(live, "injectFailed") + sum_queues(live, "injectInboundFailed"), 0u) << live.dump();
  c.close();
  EXPECT_EQ(d->kill(SIGTERM), 0);
  EXPECT_FALSE(host_->run("ip link show openwfp-inject >/dev/null 2>&1")) << "the TUN device goes with wfpd";
}

}  // namespace
}  // namespace openwfp::live::test

namespace openwfp::live::test {
namespace {

// Without the privileges live traffic needs, wfpd says so and installs nothing.
TEST(LiveErrors, WithoutRootWfpdRefusesWithAClearMessageAndLeavesNothing) {
  if (!is_root()) GTEST_SKIP() << "the test drops root itself";
  Netns ns(unique_name("e"));
  ASSERT_TRUE(ns.ok());
  store::test::TempDir dir;
  ASSERT_TRUE(::chmod(dir.file("").c_str(), 0777) == 0);
  const std::string cmd = "ip netns exec " + ns.name() + " setpriv --reuid 4242 --regid 4242 --clear-groups " +
                          OPENWFP_WFPD + " --live --socket " + dir.file("s.sock") + " --state-dir " + dir.file("state");
  const auto r = openwfp::test::run_command(cmd);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("needs CAP_NET_ADMIN"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("as root"), std::string::npos) << r.out;
  EXPECT_EQ(rule_count(ns.name()), 0u);
}

}  // namespace
}  // namespace openwfp::live::test

namespace openwfp::live::test {
namespace {

// A cgroup v2 directory the test makes (and removes) for the processes the
// kernel's authorization judges; children join it with join().
class TestCgroup {
 public:
  TestCgroup() {
    const std::string root = cgroup2_root();
    if (!root.empty()) path_ = root + "/openwfp-test-" + std::to_string(::getpid());
    if (!path_.empty() && ::mkdir(path_.c_str(), 0755) != 0) path_.clear();
  }
  ~TestCgroup() {
    if (!path_.empty()) ::rmdir(path_.c_str());
  }
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // Moves the calling process in (0 when it did).
  int join() const {
    std::ofstream procs(path_ + "/cgroup.procs");
    procs << "0" << std::flush;
    return procs.good() ? 0 : 1;
  }

 private:
  std::string path_;
};

// The errno of a TCP connect (0: connected; ETIMEDOUT: no answer within
// `timeoutMs`, as when the queue drops the SYN).
int connect_errno(const std::string& host, uint16_t port, int timeoutMs) {
  sockaddr_storage to{};
  socklen_t len = 0;
  if (!address(host, port, &to, &len)) return EINVAL;
  const int fd = ::socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), len) != 0 && errno != EINPROGRESS) {
    const int e = errno;
    ::close(fd);
    return e;
  }
  pollfd p{fd, POLLOUT, 0};
  int error = ETIMEDOUT;
  socklen_t elen = sizeof error;
  if (::poll(&p, 1, timeoutMs) == 1) (void)::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &elen);
  ::close(fd);
  return error;
}

// The errno of an unconnected UDP send (0: sent).
int sendto_errno(const std::string& host, uint16_t port) {
  sockaddr_storage to{};
  socklen_t len = 0;
  if (!address(host, port, &to, &len)) return EINVAL;
  const int fd = ::socket(to.ss_family, SOCK_DGRAM, 0);
  const int e = ::sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), len) == 1 ? 0 : errno;
  ::close(fd);
  return e;
}

// The errno of binding a TCP socket to a local port (0: bound).
int bind_errno(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  const int e = ::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0 ? 0 : errno;
  ::close(fd);
  return e;
}

// wfpd --live --ebpf: the host's connects, sends and binds are judged in the
// kernel before any packet exists; the caller sees EPERM at once, and the
// refusal is an event with the executable, pid and user. Only processes of
// the given cgroup are judged; a layer the kernel cannot evaluate is left to
// the queue; the programs go when wfpd stops or is killed.
TEST_F(LiveHosts, TheKernelRefusesConnectsSendsAndBindsBeforeAnyPacket) {
  TestCgroup cg;
  if (!cg.ok()) GTEST_SKIP() << "no cgroup v2 hierarchy to make a test cgroup in";
  char bash[PATH_MAX];
  ASSERT_NE(::realpath("/bin/bash", bash), nullptr);
  const std::string policy = R"({ "filters": [
    { "name": "no tcp 8082", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "IP_PROTOCOL", "value": "tcp" }, { "field": "IP_REMOTE_PORT", "value": 8082 } ], "action": "BLOCK" },
    { "name": "no udp 9997", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "IP_PROTOCOL", "value": "udp" }, { "field": "IP_REMOTE_PORT", "value": 9997 } ], "action": "BLOCK" },
    { "name": "not to 10.231.0.3", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "IP_REMOTE_ADDRESS", "value": "10.231.0.3" } ], "action": "BLOCK" },
    { "name": "bash may not connect", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "ALE_APP_ID", "value": ")" + std::string(bash) + R"(" } ], "action": "BLOCK" },
    { "name": "uid 4242 may not connect", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "ALE_USER_ID", "value": "uid:4242" } ], "action": "BLOCK" },
    { "name": "no port 7777", "layer": "ALE_RESOURCE_ASSIGNMENT_V4",
      "conditions": [ { "field": "IP_PROTOCOL", "value": "tcp" }, { "field": "IP_LOCAL_PORT", "value": 7777 } ], "action": "BLOCK" },
    { "name": "no tcp 8082 v6", "layer": "ALE_AUTH_CONNECT_V6",
      "conditions": [ { "field": "IP_REMOTE_PORT", "value": 8082 } ], "action": "BLOCK" },
    { "name": "v6 has a filter on the local port", "layer": "ALE_AUTH_CONNECT_V6",
      "conditions": [ { "field": "IP_LOCAL_PORT", "value": 1 } ], "action": "BLOCK" } ] })";
  auto d = start_wfpd(policy, {"--ebpf", "--cgroup", cg.path()});
  ASSERT_NE(d, nullptr);
  auto judged = [&](const std::function<int()>& fn) {
    return host([&] { return cg.join() != 0 ? 200 : fn(); });
  };
  // Refused at the call, before any packet.
  EXPECT_EQ(judged([] { return connect_errno(kClient4, 8080, 2500); }), 0);
  EXPECT_EQ(judged([] { return connect_errno(kClient4, 8082, 2500); }), EPERM);
  EXPECT_EQ(judged([] { return connect_errno(kClient4b, 8080, 2500); }), EPERM);
  EXPECT_EQ(judged([] { return sendto_errno(kClient4, 9997); }), EPERM);
  EXPECT_EQ(judged([] { return sendto_errno(kClient4, 9998); }), 0);
  EXPECT_EQ(judged([] { return bind_errno(7777); }), EPERM);
  EXPECT_EQ(judged([] { return bind_errno(7778); }), 0);
  EXPECT_EQ(judged([] {
              if (::setgid(4242) != 0 || ::setuid(4242) != 0) return 2;
              return connect_errno(kClient4, 8080, 2500);
            }),
            EPERM);
  EXPECT_EQ(judged([] {
              if (::setgid(4343) != 0 || ::setuid(4343) != 0) return 2;
              return connect_errno(kClient4, 8080, 2500);
            }),
            0);
  // bash is refused by its executable.
  const std::string out = dir_.file("bash.out");
  EXPECT_EQ(judged([&] {
              const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
              if (fd < 0 || ::dup2(fd, 2) != 2) return 101;
              ::execl(bash, "bash", "-c", ("exec 3<>/dev/tcp/" + std::string(kClient4) + "/8080 || exit 7").c_str(),
                      static_cast<char*>(nullptr));
              return 100;
            }),
            7);
  {
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("Operation not permitted"), std::string::npos) << text;
  }
  // IPv6 has a filter the kernel cannot see (the local port is not chosen
  // at connect): the layer is the queue's, which drops the SYN instead.
  EXPECT_EQ(judged([] { return connect_errno(kClient6, 8082, kBlockedWaitMs); }), ETIMEDOUT);
  EXPECT_EQ(judged([] { return connect_errno(kClient6, 8080, 2500); }), 0);
  // A process outside the cgroup meets the queue only.
  EXPECT_EQ(host([] { return connect_errno(kClient4, 8082, kBlockedWaitMs); }), ETIMEDOUT);

  Client c(d->socket());
  const json live = c.result("daemon.status")["live"];
  ASSERT_TRUE(live.contains("ebpf")) << live.dump();
  const json& k = live["ebpf"];
  EXPECT_EQ(k["cgroup"], cg.path());
  for (const json& l : k["layers"]) {
    EXPECT_EQ(l["decided"], l["layer"] != "ALE_AUTH_CONNECT_V6") << l.dump();
  }
  EXPECT_NE(k["layers"][1].value("reason", "").find("IP_LOCAL_PORT"), std::string::npos);
  EXPECT_EQ(k["counters"]["blocked"], 6u) << k.dump();
  EXPECT_GE(k["counters"]["deferred"].get<uint64_t>(), 2u);
  // The refusals are events with the executable and the user.
  bool bashSeen = false, userSeen = false, bindSeen = false;
  for (int i = 0; i < 100 && !(bashSeen && userSeen && bindSeen); ++i) {
    const json events = c.result("events.enum", {{"type", "CLASSIFY_DROP"}})["events"];
    for (const json& e : events) {
      if (e.value("application", "") == bash) bashSeen = true;
      if (e.value("userId", 0) == 4242) userSeen = true;
      if (e.value("layer", "") == "ALE_RESOURCE_ASSIGNMENT_V4" && e.value("localPort", 0) == 7777) bindSeen = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(bashSeen && userSeen && bindSeen)
      << bashSeen << userSeen << bindSeen << " " << c.result("daemon.status")["live"]["ebpf"].dump() << "\n"
      << c.result("events.enum", {{"type", "CLASSIFY_DROP"}}).dump();

  // Each refusing filter counted its refusals.
  const json counters = c.result("filter.counters")["counters"];
  const json filters = c.result("filter.enum")["filters"];
  std::map<std::string, uint64_t> blocks;
  for (const json& f : filters) {
    for (const json& n : counters) {
      if (n["id"] == f["id"]) blocks[f["name"].get<std::string>()] = n["blocks"].get<uint64_t>();
    }
  }
  EXPECT_GE(blocks["no tcp 8082"], 2u);  // the kernel's refusal, and the queue's drop for the process outside
  EXPECT_EQ(blocks["no udp 9997"], 1u);
  EXPECT_EQ(blocks["not to 10.231.0.3"], 1u);
  EXPECT_EQ(blocks["bash may not connect"], 1u);
  EXPECT_EQ(blocks["uid 4242 may not connect"], 1u);
  EXPECT_EQ(blocks["no port 7777"], 1u);

  const auto state = openwfp::test::run_wfpctl("--socket " + d->socket() + " show state");
  EXPECT_NE(state.out.find("kernel authorization (eBPF) on " + cg.path()), std::string::npos) << state.out;
  EXPECT_NE(state.out.find("ALE_AUTH_CONNECT_V6          left to the queue: filter"), std::string::npos) << state.out;
  const auto shown = openwfp::test::run_wfpctl("--socket " + d->socket() + " events");
  EXPECT_NE(shown.out.find(std::string("app ") + bash), std::string::npos) << shown.out;

  // A filter added while running reaches the kernel.
  c.result("filter.add", {{"filter", {{"name", "no 8080"}, {"layer", "ALE_AUTH_CONNECT_V4"},
                                       {"conditions", json::array({{{"field", "IP_REMOTE_PORT"}, {"value", 8080}}})},
                                       {"action", {{"type", "BLOCK"}}}}}});
  int rc = 0;
  for (int i = 0; i < 100 && (rc = judged([] { return connect_errno(kClient4, 8080, 2500); })) != EPERM; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(rc, EPERM);

  // Stopped or killed, wfpd leaves no program behind. (The kernel releases
  // a dead process's links from deferred work: within a moment of its end.)
  auto connects_again = [&] {
    int e = -1;
    for (int i = 0; i < 100 && (e = judged([] { return connect_errno(kClient4, 8082, 2500); })) == EPERM; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return e;
  };
  EXPECT_EQ(d->kill(SIGTERM), 0);
  EXPECT_EQ(judged([] { return connect_errno(kClient4, 8082, 2500); }), 0);  // a stop detaches before it ends
  d = start_wfpd(policy, {"--ebpf", "--cgroup", cg.path()});
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(judged([] { return connect_errno(kClient4, 8082, 2500); }), EPERM);
  d->kill(SIGKILL);
  EXPECT_EQ(connects_again(), 0);
}

// --ebpf on a directory that is not a cgroup v2 one: a clear error, and
// nothing installed (no rules, no programs, no TUN device).
TEST(LiveErrors, EbpfOnADirectoryThatIsNotACgroupRefusesAndLeavesNothing) {
  if (!is_root()) GTEST_SKIP() << "live tests need root";
  Netns ns(unique_name("e"));
  ASSERT_TRUE(ns.ok());
  store::test::TempDir dir;
  const std::string cmd = "ip netns exec " + ns.name() + " " + OPENWFP_WFPD + " --live --ebpf --cgroup " +
                          dir.file("") + " --socket " + dir.file("s.sock") + " --state-dir " + dir.file("state");
  const auto r = openwfp::test::run_command(cmd);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("is not a cgroup v2 directory"), std::string::npos) << r.out;
  EXPECT_EQ(rule_count(ns.name()), 0u);
  EXPECT_FALSE(ns.run("ip link show openwfp-inject >/dev/null 2>&1"));
}

}  // namespace
}  // namespace openwfp::live::test
