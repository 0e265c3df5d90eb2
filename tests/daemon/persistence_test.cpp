// Persistent objects through the store and back: a policy with persistent
// and static objects is applied, the persistent ones are written to a real
// store file as the daemon writes them after a commit, and a fresh engine
// restored from the reopened file holds exactly them, with the same keys
// and ids (static ones are gone, as after a daemon restart). Later commits
// write only what changed.
#include <gtest/gtest.h>

#include <string>

#include "daemon/persistence.hpp"
#include "openwfp/policy.hpp"
#include "store/store_test_support.hpp"

namespace openwfp::daemon {
namespace {

const char* kPolicy = R"({
  "providers": [ { "name": "acme", "flags": ["PERSISTENT"] }, { "name": "fleeting" } ],
  "sublayers": [ { "name": "corp", "weight": 100, "provider": "acme", "flags": ["PERSISTENT"] } ],
  "callouts": [ { "name": "watch", "layer": "ALE_AUTH_CONNECT_V4", "flags": ["PERSISTENT"] } ],
  "filters": [
    { "name": "no telnet", "layer": "ALE_AUTH_CONNECT_V4", "sublayer": "corp", "weight": 12,
      "conditions": [ { "field": "IP_REMOTE_PORT", "value": 23 }, { "field": "IP_REMOTE_ADDRESS", "value": "10.0.0.0/8" } ],
      "action": "BLOCK", "flags": ["PERSISTENT", "CLEAR_ACTION_RIGHT"], "provider": "acme" },
    { "name": "watch web", "layer": "ALE_AUTH_CONNECT_V4", "sublayer": "corp",
      "conditions": [ { "field": "IP_REMOTE_PORT", "value": [80, 443] } ],
      "action": { "type": "CALLOUT_INSPECTION", "callout": "watch" }, "flags": ["PERSISTENT"] },
    { "name": "static one", "layer": "ALE_AUTH_CONNECT_V4", "action": "PERMIT" },
    { "name": "users", "layer": "ALE_AUTH_CONNECT_V4", "flags": ["PERSISTENT"],
      "conditions": [ { "field": "ALE_USER_ID", "value": ["uid:0", "!gid:100"] } ], "action": "BLOCK" }
  ]
})";

void apply_text(Engine& engine, const char* text) {
  policy::Policy pol;
  policy::PolicyError perr;
  ASSERT_TRUE(policy::parse_policy(text, "test.json", &pol, &perr)) << perr.to_string();
  ASSERT_TRUE(policy::apply_policy(engine, pol, &perr)) << perr.to_string();
}

size_t persistent_count(const engine::Model& m) {
  size_t n = 0;
  for (const auto& [k, p] : m.providers) n += p.lifetime == Lifetime::PERSISTENT;
  for (const auto& [k, s] : m.sublayers) n += s.lifetime == Lifetime::PERSISTENT;
  for (const auto& [k, c] : m.callouts) n += c.lifetime == Lifetime::PERSISTENT;
  for (const auto& [k, f] : m.filters) n += f.lifetime == Lifetime::PERSISTENT;
  return n;
}

TEST(Persistence, PersistentObjectsComeBackWithTheirKeysAndIds) {
  store::test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");

  Engine first;
  // Filters added before take ids 1-2, so the restored ones cannot come
  // back with those numbers by chance.
  apply_text(first, R"({"filters": [ {"name": "a", "layer": "ALE_AUTH_CONNECT_V4", "action": "PERMIT"},
                                      {"name": "b", "layer": "ALE_AUTH_CONNECT_V4", "action": "PERMIT"} ]})");
  const auto before = first.snapshot();
  apply_text(first, kPolicy);
  const auto after = first.snapshot();
  ASSERT_EQ(persistent_count(*after), 6u);  // acme, corp, watch, three filters

  store::StoreChange change;
  std::string error;
  ASSERT_TRUE(persistent_changes(*before, *after, &change, &error)) << error;
  EXPECT_EQ(change.upserts.size(), 6u);
  EXPECT_TRUE(change.deletes.empty());
  {
    std::unique_ptr<store::PersistentStore> s;
    ASSERT_EQ(store::PersistentStore::open(path, {}, &s, &error), Status::SUCCESS) << error;
    ASSERT_EQ(s->apply(change, &error), Status::SUCCESS) << error;
  }

  // A restart: a new engine, the store reopened.
  std::unique_ptr<store::PersistentStore> s;
  ASSERT_EQ(store::PersistentStore::open(path, {}, &s, &error), Status::SUCCESS) << error;
  std::vector<store::StoredObject> objects;
  ASSERT_EQ(s->load(&objects, &error), Status::SUCCESS) << error;
  Engine second;
  {
    Transaction txn;
    ASSERT_EQ(second.begin(&txn), Status::SUCCESS);
    ASSERT_EQ(restore_persistent(txn, objects, &error), Status::SUCCESS) << error;
    ASSERT_EQ(txn.commit(&error), Status::SUCCESS) << error;
  }
  const auto restored = second.snapshot();
  EXPECT_EQ(persistent_count(*restored), 6u);
  for (const auto& [id, f] : after->filters) {
    const Filter* back = restored->find_filter(f.filterKey);
    if (f.lifetime != Lifetime::PERSISTENT) {
      EXPECT_EQ(back, nullptr) << f.name;
      continue;
    }
    ASSERT_NE(back, nullptr) << f.name;
    EXPECT_EQ(back->filterId, f.filterId) << f.name;
    EXPECT_EQ(back->effectiveWeight, f.effectiveWeight) << f.name;
    EXPECT_EQ(back->filterCondition, f.filterCondition) << f.name;
    EXPECT_EQ(back->subLayerKey, f.subLayerKey);
    EXPECT_EQ(back->providerKey, f.providerKey);
    EXPECT_EQ(back->flags, f.flags);
  }
  for (const auto& [key, c] : after->callouts) {
    ASSERT_NE(restored->find_callout(key), nullptr);
    EXPECT_EQ(restored->find_callout(key)->calloutId, c.calloutId);
  }
  EXPECT_EQ(restored->find_provider_by_name("fleeting"), nullptr);
  ASSERT_NE(restored->find_sublayer_by_name("corp"), nullptr);
  EXPECT_EQ(restored->find_sublayer_by_name("corp")->weight, 100);

  // The next commit deletes one persistent filter and a static one: one
  // delete reaches the store, nothing else.
  {
    Transaction txn;
    ASSERT_EQ(first.begin(&txn), Status::SUCCESS);
    ASSERT_EQ(txn.delete_filter_by_key(after->find_filter_by_name("users")->filterKey), Status::SUCCESS);
    ASSERT_EQ(txn.delete_filter_by_key(after->find_filter_by_name("static one")->filterKey), Status::SUCCESS);
    ASSERT_EQ(txn.commit(), Status::SUCCESS);
  }
  store::StoreChange next;
  ASSERT_TRUE(persistent_changes(*after, *first.snapshot(), &next, &error)) << error;
  EXPECT_TRUE(next.upserts.empty());
  ASSERT_EQ(next.deletes.size(), 1u);
  EXPECT_EQ(next.deletes[0].kind, "filter");
  EXPECT_EQ(next.deletes[0].key, after->find_filter_by_name("users")->filterKey.to_string());
  ASSERT_EQ(s->apply(next, &error), Status::SUCCESS) << error;
  ASSERT_EQ(s->load(&objects, &error), Status::SUCCESS);
  EXPECT_EQ(objects.size(), 5u);
}

TEST(Persistence, ABadStoredObjectIsNamed) {
  Engine engine;
  Transaction txn;
  ASSERT_EQ(engine.begin(&txn), Status::SUCCESS);
  std::string why;
  const std::vector<store::StoredObject> objects = {
      {"filter", "0b5b4e4a-1f7e-4c55-9d7c-6a2f4f1e9a01", 3, "ALE_AUTH_CONNECT_V4", R"({"name": "no key"})"}};
  EXPECT_NE(restore_persistent(txn, objects, &why), Status::SUCCESS);
  EXPECT_NE(why.find("0b5b4e4a-1f7e-4c55-9d7c-6a2f4f1e9a01"), std::string::npos) << why;
  EXPECT_NE(why.find("/key"), std::string::npos) << why;
}

}  // namespace
}  // namespace openwfp::daemon
