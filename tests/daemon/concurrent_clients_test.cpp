// 16 clients on wfpd's socket at once while a capture replays through two
// workers: each applies its filters in transactions of two, deletes some,
// and enumerates; one also reads events and counters, another subscribes.
// Everything in one process, so ThreadSanitizer sees the sessions, the
// transport, the workers and the event collector together. No request
// fails, no deadlock, and every enumeration shows a state some order of
// commits produces (a transaction's two filters both or neither).
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon/event_hub.hpp"
#include "daemon/replay_source.hpp"
#include "daemon/service.hpp"
#include "daemon/unix_server.hpp"
#include "openwfp/policy.hpp"
#include "store/store_test_support.hpp"
#include "wfpd_process.hpp"

namespace openwfp::daemon {
namespace {

using nlohmann::json;
using test::Client;

TEST(ConcurrentClients, SixteenClientsWhileACaptureReplays) {
  store::test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  Engine engine;
  {
    policy::Policy pol;
    policy::PolicyError perr;
    ASSERT_TRUE(policy::load_policy_file(std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json", &pol, &perr));
    ASSERT_TRUE(policy::apply_policy(engine, pol, &perr)) << perr.to_string();
  }
  const size_t policyFilters = engine.snapshot()->filters.size();
  ReplayConfig rc;
  rc.capture = std::string(OPENWFP_SOURCE_DIR) + "/examples/sample.pcap";
  rc.workers = 2;
  rc.rounds = 0;
  rc.pause = std::chrono::milliseconds(2);  // the workers share two cores with 17 clients
  std::unique_ptr<ReplaySource> source;
  std::string error;
  ASSERT_TRUE(ReplaySource::open(engine, rc, &source, &error)) << error;
  EventHubConfig hc;
  hc.flushInterval = std::chrono::milliseconds(5);
  EventHub hub(hc, nullptr);
  hub.attach(source->recorders());
  hub.start();
  source->start();
  Service service(engine, nullptr, {});
  service.set_data_path({&hub, source.get()});
  ServerConfig sc;
  sc.socketPath = dir.file("s.sock");
  UnixServer server(service, sc);
  ASSERT_TRUE(server.start(&error)) << error;

  constexpr int kClients = 16, kRounds = 15;
  std::atomic<int> failures{0}, torn{0}, streamed{0};
  std::atomic<bool> stopSubscriber{false};
  std::thread subscriber([&] {
    Client sub(sc.socketPath, 1);
    if (!sub.call("events.subscribe").contains("result")) ++failures;
    while (!stopSubscriber) {
      const std::string line = sub.read_line();  // times out after 1 s when quiet
      if (!line.empty() && json::parse(line, nullptr, false).contains("event")) ++streamed;
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      Client c(sc.socketPath);
      auto ok = [&](const json& r) {
        if (!r.contains("result")) ++failures;
        return r.contains("result");
      };
      for (int round = 0; round < kRounds; ++round) {
        const int base = 100000 * (t + 1) + 10 * round;
        ok(c.call("transaction.begin"));
        ok(c.call("filter.add", {{"filter", test::block_filter(store::test::key_of(static_cast<uint64_t>(base)),
                                                                static_cast<uint16_t>(1000 + t), "static")}}));
        ok(c.call("filter.add", {{"filter", test::block_filter(store::test::key_of(static_cast<uint64_t>(base + 1)),
                                                                static_cast<uint16_t>(1000 + t), "static")}}));
        ok(c.call("transaction.commit"));
        const json seen = c.call("filter.enum", {{"layer", "ALE_AUTH_CONNECT_V4"}});
        if (!ok(seen)) continue;
        std::set<std::string> keys;
        for (const json& f : seen["result"]["filters"]) keys.insert(f["key"].get<std::string>());
        for (const std::string& k : keys) {
          if (k.rfind("00000000-0000-0000-0000-", 0) != 0) continue;  // the policy's own
          const uint64_t n = std::stoull(k.substr(24), nullptr, 16);
          const uint64_t partner = n % 2 == 0 ? n + 1 : n - 1;
          if (keys.count(store::test::key_of(partner)) == 0) ++torn;
        }
        if (round % 5 == 4) {  // a whole pair goes in one transaction
          ok(c.call("transaction.begin"));
          ok(c.call("filter.delete", {{"key", store::test::key_of(static_cast<uint64_t>(base))}}));
          ok(c.call("filter.delete", {{"key", store::test::key_of(static_cast<uint64_t>(base + 1))}}));
          ok(c.call("transaction.commit"));
        }
        if (t == 0) {
          ok(c.call("events.enum", {{"limit", 50}}));
          ok(c.call("filter.counters"));
          ok(c.call("daemon.status"));
        }
      }
    });
  }
  for (std::thread& th : clients) th.join();
  stopSubscriber = true;
  subscriber.join();
  server.stop();
  source->stop();
  hub.stop();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(engine.snapshot()->filters.size(), policyFilters + kClients * 2 * (kRounds - kRounds / 5));
  EXPECT_GT(source->status().roundsDone, 0u);
  EXPECT_GT(hub.stats().collected, 0u);
  EXPECT_GT(streamed.load(), 0);
}

}  // namespace
}  // namespace openwfp::daemon
