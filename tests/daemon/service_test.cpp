// The management service without its transport: sessions and their dynamic
// objects, explicit transactions (isolation, abort, one per session, the
// bounded wait for the lock), persistent objects through a real store and a
// restart, access control by uid and groups, and errors that name the
// method or the field at fault.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon/persistence.hpp"
#include "daemon/service.hpp"
#include "store/store_test_support.hpp"

namespace openwfp::daemon {
namespace {

using nlohmann::json;

const Caller kRoot{0, 0, {}};

json filter(const std::string& key, uint16_t port, const char* lifetime = nullptr) {
  json f = {{"key", key},
            {"name", "port " + std::to_string(port)},
            {"layer", "ALE_AUTH_CONNECT_V4"},
            {"conditions", json::array({{{"field", "IP_REMOTE_PORT"}, {"value", port}}})},
            {"action", {{"type", "BLOCK"}}}};
  if (lifetime != nullptr) f["lifetime"] = lifetime;
  return f;
}

std::string key(int n) { return store::test::key_of(static_cast<uint64_t>(n)); }

struct Call {
  bool ok;
  json result;
  CallError error;
};

Call call(Service& s, SessionId id, const std::string& method, const json& params = json::object()) {
  Call c;
  c.ok = s.call(id, method, params, &c.result, &c.error);
  return c;
}

size_t filters_seen(Service& s, SessionId id, const json& tmpl = json::object()) {
  const Call c = call(s, id, "filter.enum", tmpl);
  EXPECT_TRUE(c.ok) << c.error.message;
  return c.result["filters"].size();
}

TEST(Service, ADynamicSessionsObjectsGoWhenItCloses) {
  Engine engine;
  Service service(engine, nullptr, {});
  const SessionId dynamic = service.open_session(kRoot);
  const SessionId fixed = service.open_session(kRoot, false);
  ASSERT_TRUE(call(service, dynamic, "filter.add", {{"filter", filter(key(1), 23)}}).ok);
  ASSERT_TRUE(call(service, fixed, "filter.add", {{"filter", filter(key(2), 24)}}).ok);
  const Call got = call(service, fixed, "filter.get", {{"key", key(1)}});
  ASSERT_TRUE(got.ok) << got.error.message;
  EXPECT_EQ(got.result["lifetime"], "dynamic");
  EXPECT_EQ(filters_seen(service, fixed), 2u);
  service.close_session(dynamic);
  EXPECT_EQ(filters_seen(service, fixed), 1u);
  EXPECT_EQ(engine.snapshot()->find_filter(*Guid::parse(key(2)))->lifetime, Lifetime::STATIC);
  service.close_session(fixed);  // static objects stay
  EXPECT_EQ(engine.snapshot()->filters.size(), 1u);
  EXPECT_EQ(service.session_count(), 0u);
}

TEST(Service, ExplicitTransactionsAreIsolatedAndAllOrNothing) {
  EngineOptions options;
  options.transactionWait = std::chrono::milliseconds(50);
  Engine engine(options);
  Service service(engine, nullptr, {});
  const SessionId a = service.open_session(kRoot), b = service.open_session(kRoot);
  ASSERT_TRUE(call(service, a, "transaction.begin").ok);
  Call again = call(service, a, "transaction.begin");
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(again.error.status, Status::FWP_TXN_IN_PROGRESS);
  ASSERT_TRUE(call(service, a, "filter.add", {{"filter", filter(key(1), 23)}}).ok);
  ASSERT_TRUE(call(service, a, "filter.add", {{"filter", filter(key(2), 24)}}).ok);
  EXPECT_EQ(filters_seen(service, a), 2u);  // its own uncommitted objects
  EXPECT_EQ(filters_seen(service, b), 0u);  // the committed state
  // b cannot change anything while a holds the lock: its wait is bounded.
  const Call blocked = call(service, b, "filter.add", {{"filter", filter(key(3), 25)}});
  EXPECT_FALSE(blocked.ok);
  EXPECT_EQ(blocked.error.status, Status::FWP_TIMEOUT);
  const Call committed = call(service, a, "transaction.commit");
  ASSERT_TRUE(committed.ok) << committed.error.message;
  EXPECT_EQ(committed.result["generation"], engine.generation());
  EXPECT_EQ(filters_seen(service, b), 2u);
  // Abort leaves nothing.
  ASSERT_TRUE(call(service, b, "transaction.begin").ok);
  ASSERT_TRUE(call(service, b, "filter.delete", {{"key", key(1)}}).ok);
  ASSERT_TRUE(call(service, b, "filter.add", {{"filter", filter(key(4), 26)}}).ok);
  ASSERT_TRUE(call(service, b, "transaction.abort").ok);
  EXPECT_EQ(filters_seen(service, a), 2u);
  const Call none = call(service, b, "transaction.commit");
  EXPECT_EQ(none.error.status, Status::FWP_NO_TXN_IN_PROGRESS);
  // A session closed in the middle of a transaction: it is aborted.
  ASSERT_TRUE(call(service, b, "transaction.begin").ok);
  ASSERT_TRUE(call(service, b, "filter.add", {{"filter", filter(key(5), 27)}}).ok);
  service.close_session(b);
  EXPECT_EQ(filters_seen(service, a), 2u);
  ASSERT_TRUE(call(service, a, "filter.add", {{"filter", filter(key(6), 28)}}).ok);  // the lock is free
}

TEST(Service, PersistentObjectsReachTheStoreAndComeBack) {
  store::test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string error;
  std::unique_ptr<store::PersistentStore> st;
  ASSERT_EQ(store::PersistentStore::open(dir.file("wfpd.db"), {}, &st, &error), Status::SUCCESS) << error;
  uint64_t id = 0;
  {
    Engine engine;
    Service service(engine, st.get(), {});
    const SessionId s = service.open_session(kRoot);
    const Call added = call(service, s, "filter.add", {{"filter", filter(key(1), 23, "persistent")}});
    ASSERT_TRUE(added.ok) << added.error.message;
    id = added.result["id"].get<uint64_t>();
    ASSERT_TRUE(call(service, s, "filter.add", {{"filter", filter(key(2), 24, "static")}}).ok);
    ASSERT_TRUE(call(service, s, "filter.add", {{"filter", filter(key(3), 25)}}).ok);  // dynamic
    EXPECT_EQ(st->commit_sequence(), 1u);  // only the persistent one was written
  }
  std::vector<store::StoredObject> objects;
  ASSERT_EQ(st->load(&objects, &error), Status::SUCCESS);
  ASSERT_EQ(objects.size(), 1u);
  Engine restarted;
  Transaction txn;
  ASSERT_EQ(restarted.begin(&txn), Status::SUCCESS);
  ASSERT_EQ(restore_persistent(txn, objects, &error), Status::SUCCESS) << error;
  ASSERT_EQ(txn.commit(), Status::SUCCESS);
  Service service(restarted, st.get(), {});
  const SessionId s = service.open_session(kRoot);
  const Call got = call(service, s, "filter.get", {{"id", id}});
  ASSERT_TRUE(got.ok) << got.error.message;
  EXPECT_EQ(got.result["key"], key(1));
  EXPECT_EQ(filters_seen(service, s), 1u);
  ASSERT_TRUE(call(service, s, "filter.delete", {{"id", id}}).ok);
  ASSERT_EQ(st->load(&objects, &error), Status::SUCCESS);
  EXPECT_TRUE(objects.empty());
}

TEST(Service, ChangesNeedRootOrTheAdminGroupAndReadsTheReadGroup) {
  Engine engine;
  Service open(engine, nullptr, {});
  const SessionId user = open.open_session({1000, 1000, {}});
  const Call denied = call(open, user, "filter.add", {{"filter", filter(key(1), 23)}});
  EXPECT_FALSE(denied.ok);
  EXPECT_EQ(denied.error.status, Status::ACCESS_DENIED);
  EXPECT_NE(denied.error.message.find("1000"), std::string::npos);
  EXPECT_TRUE(call(open, user, "filter.enum").ok);  // no read group: everyone reads
  EXPECT_FALSE(call(open, user, "transaction.begin").ok);

  Service guarded(engine, nullptr, {.adminGroup = 50, .readGroup = 60});
  const SessionId stranger = guarded.open_session({1000, 1000, {}});
  const SessionId reader = guarded.open_session({1001, 1001, {60}});
  const SessionId admin = guarded.open_session({1002, 50, {}});
  EXPECT_EQ(call(guarded, stranger, "filter.enum").error.status, Status::ACCESS_DENIED);
  EXPECT_TRUE(call(guarded, reader, "filter.enum").ok);
  EXPECT_EQ(call(guarded, reader, "filter.add", {{"filter", filter(key(2), 24)}}).error.status, Status::ACCESS_DENIED);
  EXPECT_TRUE(call(guarded, admin, "filter.add", {{"filter", filter(key(3), 25)}}).ok);
  EXPECT_EQ(engine.snapshot()->filters.size(), 1u);
}

TEST(Service, ErrorsNameTheMethodOrTheField) {
  Engine engine;
  Service service(engine, nullptr, {});
  const SessionId s = service.open_session(kRoot);
  Call c = call(service, s, "filter.frobnicate");
  EXPECT_EQ(c.error.status, Status::NOT_SUPPORTED);
  EXPECT_EQ(c.error.field, "/method");
  c = call(service, s, "filter.add", {{"filter", filter(key(1), 23)}, {"extra", 1}});
  EXPECT_EQ(c.error.field, "/params/extra");
  json bad = filter(key(1), 23);
  bad["conditions"][0]["value"] = 70000;
  c = call(service, s, "filter.add", {{"filter", bad}});
  EXPECT_EQ(c.error.status, Status::FWP_OUT_OF_BOUNDS);
  EXPECT_EQ(c.error.field, "/params/filter/conditions/0/value");
  c = call(service, s, "filter.get", {{"key", key(9)}});
  EXPECT_EQ(c.error.status, Status::FWP_FILTER_NOT_FOUND);
  c = call(service, s, "filter.delete", {{"key", "not a guid"}});
  EXPECT_EQ(c.error.field, "/params/key");
  EXPECT_EQ(call(service, 999, "filter.enum").error.status, Status::FWP_SESSION_ABORTED);
  // A static filter cannot reference a dynamic sublayer (it would outlive it).
  const Call sub = call(service, s, "sublayer.add", {{"sublayer", {{"key", key(20)}, {"name", "mine"}, {"weight", 5}}}});
  ASSERT_TRUE(sub.ok) << sub.error.field << ": " << sub.error.message;
  json f = filter(key(2), 24, "static");
  f["sublayer"] = key(20);
  c = call(service, s, "filter.add", {{"filter", f}});
  EXPECT_EQ(c.error.status, Status::FWP_LIFETIME_MISMATCH) << c.error.message;
  EXPECT_TRUE(engine.snapshot()->filters.empty());
}

TEST(Service, EnumerationTemplatesSelect) {
  Engine engine;
  Service service(engine, nullptr, {});
  const SessionId s = service.open_session(kRoot, false);
  ASSERT_TRUE(call(service, s, "provider.add", {{"provider", {{"key", key(30)}, {"name", "acme"}}}}).ok);
  ASSERT_TRUE(call(service, s, "filter.add", {{"filter", filter(key(1), 23)}}).ok);
  json v6 = filter(key(2), 24);
  v6["layer"] = "ALE_AUTH_CONNECT_V6";
  v6["provider"] = key(30);
  ASSERT_TRUE(call(service, s, "filter.add", {{"filter", v6}}).ok);
  json plain = {{"key", key(3)}, {"name", "all"}, {"layer", "ALE_AUTH_CONNECT_V4"}, {"action", {{"type", "PERMIT"}}}};
  ASSERT_TRUE(call(service, s, "filter.add", {{"filter", plain}}).ok);
  EXPECT_EQ(filters_seen(service, s), 3u);
  EXPECT_EQ(filters_seen(service, s, {{"layer", "ALE_AUTH_CONNECT_V4"}}), 2u);
  EXPECT_EQ(filters_seen(service, s, {{"field", "IP_REMOTE_PORT"}}), 2u);
  EXPECT_EQ(filters_seen(service, s, {{"provider", key(30)}}), 1u);
  EXPECT_EQ(filters_seen(service, s, {{"layer", "ALE_AUTH_CONNECT_V4"}, {"field", "IP_REMOTE_PORT"}}), 1u);
  EXPECT_EQ(call(service, s, "filter.enum", {{"layer", "NOPE"}}).error.field, "/params/layer");
  const Call providers = call(service, s, "provider.enum");
  ASSERT_TRUE(providers.ok);
  EXPECT_EQ(providers.result["providers"].size(), 1u);
}

// 16 sessions at once, each adding and deleting its own filters (some in
// explicit transactions of two) and enumerating: no deadlock, no request
// lost, and every enumeration shows a state some order of commits gives:
// each session's filters appear in whole transactions (never one of a
// transaction's pair without the other).
TEST(Service, SixteenSessionsAtOnce) {
  Engine engine;
  Service service(engine, nullptr, {});
  constexpr int kSessions = 16, kRounds = 40;
  std::atomic<int> failures{0}, torn{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kSessions; ++t) {
    threads.emplace_back([&, t] {
      const SessionId s = service.open_session(kRoot, false);
      for (int round = 0; round < kRounds; ++round) {
        const int base = 100000 * (t + 1) + 10 * round;
        const bool pair = round % 2 == 0;
        if (pair && !call(service, s, "transaction.begin").ok) ++failures;
        if (!call(service, s, "filter.add", {{"filter", filter(key(base), static_cast<uint16_t>(1 + t))}}).ok) ++failures;
        if (pair && !call(service, s, "filter.add", {{"filter", filter(key(base + 1), static_cast<uint16_t>(1 + t))}}).ok)
          ++failures;
        if (pair && !call(service, s, "transaction.commit").ok) ++failures;
        // Another session's view: pairs whole.
        const Call seen = call(service, s, "filter.enum");
        if (!seen.ok) {
          ++failures;
          continue;
        }
        std::set<std::string> keys;
        for (const json& f : seen.result["filters"]) keys.insert(f["key"].get<std::string>());
        for (const std::string& k : keys) {
          const uint64_t n = std::stoull(k.substr(24), nullptr, 16);
          if (n % 10 == 0 && (n / 10) % 2 == 0 && keys.count(key(static_cast<int>(n + 1))) == 0) ++torn;
        }
        if (round % 3 == 2 && !call(service, s, "filter.delete", {{"key", key(base)}}).ok) ++failures;
      }
      service.close_session(s);
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  // Each session added 40 + 20 filters and deleted 13.
  EXPECT_EQ(engine.snapshot()->filters.size(), static_cast<size_t>(kSessions * (kRounds + kRounds / 2 - 13)));
}

}  // namespace
}  // namespace openwfp::daemon
