// Management objects: weights, lifetimes, references, transactions.
#include <gtest/gtest.h>

#include <thread>

#include "support/engine_fixture.hpp"

namespace openwfp::test {
namespace {

const LayerInfo& L() { return layer("ALE_AUTH_CONNECT_V4"); }

TEST(Weights, ExplicitRangeAndAutomatic) {
  Engine engine;
  uint64_t explicit_id = 0;
  uint64_t range_id = 0;
  uint64_t auto_id = 0;
  OPENWFP_ASSERT_OK(engine.add_filter(make_filter("e", L().id, FWP_ACTION_BLOCK, {}, FilterWeight::exact(0xDEADBEEFCAFE)), &explicit_id));
  OPENWFP_ASSERT_OK(engine.add_filter(make_filter("r", L().id, FWP_ACTION_BLOCK, {}, FilterWeight::range(15),
                                                  {cond(L(), "IP_REMOTE_PORT", MatchType::FWP_MATCH_EQUAL, "23")}),
                                      &range_id));
  OPENWFP_ASSERT_OK(engine.add_filter(make_filter("a", L().id, FWP_ACTION_BLOCK, {}, FilterWeight::automatic(),
                                                  {cond(L(), "IP_REMOTE_PORT", MatchType::FWP_MATCH_EQUAL, "23")}),
                                      &auto_id));
  auto m = engine.snapshot();
  EXPECT_EQ(m->find_filter(explicit_id)->effectiveWeight, 0xDEADBEEFCAFEu);
  const uint64_t r = m->find_filter(range_id)->effectiveWeight;
  const uint64_t a = m->find_filter(auto_id)->effectiveWeight;
  EXPECT_EQ(r >> 60, 15u);
  EXPECT_LT(a, uint64_t{1} << 60);
  EXPECT_EQ(r & ((uint64_t{1} << 60) - 1), a);  // the low 60 bits are the automatic weight
  EXPECT_GT(a, 0u);
}

TEST(Weights, MoreSpecificFiltersWeighMore) {
  Engine engine;
  auto add = [&](std::vector<FilterCondition> cs) {
    uint64_t id = 0;
    EXPECT_EQ(engine.add_filter(make_filter("f", L().id, FWP_ACTION_PERMIT, {}, FilterWeight::automatic(), std::move(cs)), &id),
              Status::SUCCESS);
    return engine.snapshot()->find_filter(id)->effectiveWeight;
  };
  const uint64_t none = add({});
  const uint64_t slash8 = add({cond(L(), "IP_REMOTE_ADDRESS", MatchType::FWP_MATCH_EQUAL, "10.0.0.0/8")});
  const uint64_t slash24 = add({cond(L(), "IP_REMOTE_ADDRESS", MatchType::FWP_MATCH_EQUAL, "10.0.0.0/24")});
  const uint64_t host = add({cond(L(), "IP_REMOTE_ADDRESS", MatchType::FWP_MATCH_EQUAL, "10.0.0.1")});
  const uint64_t host_port = add({cond(L(), "IP_REMOTE_ADDRESS", MatchType::FWP_MATCH_EQUAL, "10.0.0.1"),
                                  cond(L(), "IP_REMOTE_PORT", MatchType::FWP_MATCH_EQUAL, "443")});
  EXPECT_EQ(none, 0u);
  EXPECT_LT(none, slash8);
  EXPECT_LT(slash8, slash24);
  EXPECT_LT(slash24, host);
  EXPECT_LT(host, host_port);
}

TEST(Weights, RangeOutOfBoundsIsRefused) {
  Engine engine;
  std::string why;
  EXPECT_EQ(engine.add_filter(make_filter("f", L().id, FWP_ACTION_BLOCK, {}, FilterWeight::range(16)), nullptr, &why),
            Status::FWP_INVALID_WEIGHT);
  EXPECT_NE(why.find("0..15"), std::string::npos);
}

TEST(Objects, ReferencesAndDeletion) {
  Engine engine;
  Sublayer s = make_sublayer("s", 10);
  OPENWFP_ASSERT_OK(engine.add_sublayer(s));
  EXPECT_EQ(engine.add_sublayer(s), Status::FWP_ALREADY_EXISTS);
  uint64_t id = 0;
  OPENWFP_ASSERT_OK(engine.add_filter(make_filter("f", L().id, FWP_ACTION_BLOCK, s.subLayerKey), &id));
  Transaction txn;
  OPENWFP_ASSERT_OK(engine.begin(&txn));
  EXPECT_EQ(txn.delete_sublayer(s.subLayerKey), Status::FWP_IN_USE);
  EXPECT_EQ(txn.delete_sublayer(FWPM_SUBLAYER_UNIVERSAL), Status::FWP_BUILTIN_OBJECT);
  EXPECT_EQ(txn.delete_sublayer(Guid::random()), Status::FWP_SUBLAYER_NOT_FOUND);
  OPENWFP_ASSERT_OK(txn.delete_filter_by_id(id));
  OPENWFP_ASSERT_OK(txn.delete_sublayer(s.subLayerKey));
  OPENWFP_ASSERT_OK(txn.commit());
  EXPECT_EQ(engine.snapshot()->find_sublayer(s.subLayerKey), nullptr);
  EXPECT_EQ(engine.delete_filter_by_id(id), Status::FWP_FILTER_NOT_FOUND);
}

TEST(Objects, FiltersNeedWhatTheyReference) {
  Engine engine;
  std::string why;
  Filter f = make_filter("f", L().id, FWP_ACTION_BLOCK, Guid::random());
  EXPECT_EQ(engine.add_filter(f, nullptr, &why), Status::FWP_SUBLAYER_NOT_FOUND);
  f = make_filter("f", 9999, FWP_ACTION_BLOCK, {});
  EXPECT_EQ(engine.add_filter(f, nullptr, &why), Status::FWP_LAYER_NOT_FOUND);
  f = make_filter("f", L().id, FWP_ACTION_CALLOUT_TERMINATING, {});
  f.action.calloutKey = Guid::random();
  EXPECT_EQ(engine.add_filter(f, nullptr, &why), Status::FWP_CALLOUT_NOT_FOUND);
  f = make_filter("f", L().id, 0x1234, {});
  EXPECT_EQ(engine.add_filter(f, nullptr, &why), Status::FWP_INVALID_ACTION_TYPE);
  f = make_filter("f", L().id, FWP_ACTION_BLOCK, {}, FilterWeight::automatic(), {}, FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED);
  EXPECT_EQ(engine.add_filter(f, nullptr, &why), Status::FWP_INVALID_FLAGS);
  f = make_filter("f", layer("STREAM_V4").id, FWP_ACTION_BLOCK, {}, FilterWeight::automatic(),
                  {cond("IP_PROTOCOL", MatchType::FWP_MATCH_EQUAL, ConditionValue::of_uint(DataType::FWP_UINT8, 6))});
  EXPECT_EQ(engine.add_filter(f, nullptr, &why), Status::FWP_CONDITION_NOT_FOUND);
  EXPECT_NE(why.find("STREAM_V4"), std::string::npos);
  // A callout applies to one layer.
  const Callout c = make_callout("c", layer("STREAM_V4").id);
  OPENWFP_ASSERT_OK(engine.add_callout(c));
  f = make_filter("f", L().id, FWP_ACTION_CALLOUT_INSPECTION, {});
  f.action.calloutKey = c.calloutKey;
  EXPECT_EQ(engine.add_filter(f, nullptr, &why), Status::FWP_INCOMPATIBLE_LAYER);
  // A referenced callout cannot be deleted.
  f.layerKey = c.applicableLayer;
  OPENWFP_ASSERT_OK(engine.add_filter(f));
  Transaction txn;
  OPENWFP_ASSERT_OK(engine.begin(&txn));
  EXPECT_EQ(txn.delete_callout(c.calloutKey), Status::FWP_IN_USE);
  // Nothing failed above changed the engine.
  EXPECT_EQ(txn.model().filters.size(), 1u);
}

TEST(Objects, LifetimesMayOnlyReferenceLongerLivedObjects) {
  Engine engine;
  Sublayer dynamic_sub = make_sublayer("d", 1);
  dynamic_sub.lifetime = Lifetime::DYNAMIC;
  OPENWFP_ASSERT_OK(engine.add_sublayer(dynamic_sub));
  Filter f = make_filter("f", L().id, FWP_ACTION_BLOCK, dynamic_sub.subLayerKey);
  f.lifetime = Lifetime::PERSISTENT;
  std::string why;
  EXPECT_EQ(engine.add_filter(f, nullptr, &why), Status::FWP_LIFETIME_MISMATCH);
  EXPECT_NE(why.find("persistent"), std::string::npos);
  f.lifetime = Lifetime::DYNAMIC;
  OPENWFP_ASSERT_OK(engine.add_filter(f));
  Provider p;
  p.name = "p";
  p.providerKey = Guid::random();
  p.lifetime = Lifetime::STATIC;
  OPENWFP_ASSERT_OK(engine.add_provider(p));
  Sublayer persistent_sub = make_sublayer("p", 2);
  persistent_sub.lifetime = Lifetime::PERSISTENT;
  persistent_sub.providerKey = p.providerKey;
  EXPECT_EQ(engine.add_sublayer(persistent_sub), Status::FWP_LIFETIME_MISMATCH);
}

TEST(Transactions, AbortLeavesNothingBehind) {
  Engine engine;
  const uint64_t gen = engine.generation();
  {
    Transaction txn;
    OPENWFP_ASSERT_OK(engine.begin(&txn));
    OPENWFP_ASSERT_OK(txn.add_sublayer(make_sublayer("s", 1)));
    OPENWFP_ASSERT_OK(txn.add_filter(make_filter("f", L().id, FWP_ACTION_BLOCK, {})));
    EXPECT_EQ(txn.model().filters.size(), 1u);
    EXPECT_TRUE(engine.snapshot()->filters.empty());  // not visible before commit
    txn.abort();
    EXPECT_EQ(txn.add_sublayer(make_sublayer("t", 1)), Status::FWP_NO_TXN_IN_PROGRESS);
  }
  EXPECT_TRUE(engine.snapshot()->filters.empty());
  EXPECT_EQ(engine.snapshot()->sublayers.size(), 1u);  // the built-in one
  EXPECT_EQ(engine.generation(), gen);
  Incoming in(L());
  ClassifyResult r;
  engine.classify(in.values(), {}, &r);
  EXPECT_TRUE(r.noMatch);
}

TEST(Transactions, AFailedOperationDoesNotDoomTheTransaction) {
  Engine engine;
  Transaction txn;
  OPENWFP_ASSERT_OK(engine.begin(&txn));
  EXPECT_EQ(txn.add_filter(make_filter("bad", L().id, FWP_ACTION_BLOCK, Guid::random())), Status::FWP_SUBLAYER_NOT_FOUND);
  OPENWFP_ASSERT_OK(txn.add_filter(make_filter("good", L().id, FWP_ACTION_BLOCK, {})));
  OPENWFP_ASSERT_OK(txn.commit());
  ASSERT_EQ(engine.snapshot()->filters.size(), 1u);
  EXPECT_EQ(engine.snapshot()->filters.begin()->second.name, "good");
  EXPECT_EQ(txn.commit(), Status::FWP_NO_TXN_IN_PROGRESS);
}

TEST(Transactions, WaitingForTheLockIsBounded) {
  EngineOptions options;
  options.transactionWait = std::chrono::milliseconds(50);
  Engine engine(options);
  Transaction first;
  OPENWFP_ASSERT_OK(engine.begin(&first));
  Status second_status = Status::SUCCESS;
  std::string why;
  std::thread other([&] {
    Transaction second;
    second_status = engine.begin(&second, &why);
  });
  other.join();
  EXPECT_EQ(second_status, Status::FWP_TIMEOUT);
  EXPECT_NE(why.find("transaction lock"), std::string::npos);
  // Implicit transactions wait for it too.
  std::thread implicit([&] { second_status = engine.add_sublayer(make_sublayer("x", 1)); });
  implicit.join();
  EXPECT_EQ(second_status, Status::FWP_TIMEOUT);
  first.abort();
  OPENWFP_ASSERT_OK(engine.add_sublayer(make_sublayer("x", 1)));
}

TEST(Transactions, CommitPublishesOneGeneration) {
  Engine engine;
  const uint64_t before = engine.generation();
  Transaction txn;
  OPENWFP_ASSERT_OK(engine.begin(&txn));
  for (int i = 0; i < 10; ++i) OPENWFP_ASSERT_OK(txn.add_filter(make_filter("f" + std::to_string(i), L().id, FWP_ACTION_BLOCK, {})));
  EXPECT_EQ(engine.generation(), before);
  OPENWFP_ASSERT_OK(txn.commit());
  EXPECT_EQ(engine.generation(), before + 1);
  std::set<uint64_t> ids;
  for (const auto& [id, f] : engine.snapshot()->filters) ids.insert(f.filterId);
  EXPECT_EQ(ids.size(), 10u);
}

TEST(Transactions, DisabledFiltersAreNotClassified) {
  Engine engine;
  OPENWFP_ASSERT_OK(engine.add_filter(make_filter("off", L().id, FWP_ACTION_BLOCK, {}, FilterWeight::automatic(), {},
                                                  FWPM_FILTER_FLAG_DISABLED)));
  Incoming in(L());
  ClassifyResult r;
  engine.classify(in.values(), {}, &r);
  EXPECT_TRUE(r.noMatch);
}

}  // namespace
}  // namespace openwfp::test

namespace openwfp::test {
namespace {

// Persistent objects come back from a store with the ids they had: a filter
// keeps its filterId (later filters are numbered above it), a callout its
// calloutId; an id already taken is refused and the transaction stays usable.
TEST(Objects, RestoredObjectsKeepTheirIds) {
  Engine engine;
  Transaction txn;
  OPENWFP_ASSERT_OK(engine.begin(&txn));
  Callout c = make_callout("kept", L().id);
  c.calloutId = 40;
  c.lifetime = Lifetime::PERSISTENT;
  OPENWFP_ASSERT_OK(txn.restore_callout(c));
  Filter f = make_filter("kept", L().id, FWP_ACTION_BLOCK, {});
  f.filterKey = Guid::random();
  f.filterId = 500;
  f.lifetime = Lifetime::PERSISTENT;
  OPENWFP_ASSERT_OK(txn.restore_filter(f));
  Filter again = make_filter("same id", L().id, FWP_ACTION_BLOCK, {});
  again.filterId = 500;
  std::string why;
  EXPECT_EQ(txn.restore_filter(again, &why), Status::FWP_ALREADY_EXISTS);
  EXPECT_NE(why.find("500"), std::string::npos) << why;
  Callout other = make_callout("other", L().id);
  other.calloutId = 40;  // another key cannot take id 40
  EXPECT_EQ(txn.restore_callout(other), Status::FWP_ALREADY_EXISTS);
  uint64_t next = 0;
  OPENWFP_ASSERT_OK(txn.add_filter(make_filter("next", L().id, FWP_ACTION_PERMIT, {}), &next));
  EXPECT_EQ(next, 501u);
  uint32_t nextCallout = 0;
  OPENWFP_ASSERT_OK(txn.add_callout(make_callout("new", L().id), &nextCallout));
  EXPECT_EQ(nextCallout, 41u);
  OPENWFP_ASSERT_OK(txn.commit());
  const auto m = engine.snapshot();
  ASSERT_NE(m->find_filter(f.filterKey), nullptr);
  EXPECT_EQ(m->find_filter(f.filterKey)->filterId, 500u);
  EXPECT_EQ(m->find_callout(c.calloutKey)->calloutId, 40u);
}

}  // namespace
}  // namespace openwfp::test
