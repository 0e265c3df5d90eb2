// Randomised differential test: the compiled classifier against the plain
// reference evaluation, on thousands of random policies and values, both
// filter by filter and through the whole engine (arbitration included).
#include <gtest/gtest.h>

#include <memory>

#include <random>

#include "classify/classifier.hpp"
#include "support/engine_fixture.hpp"

namespace openwfp::test {
namespace {

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng() % n; }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
};

// Values drawn from a small pool so that conditions and inputs meet often.
struct Pools {
  std::vector<uint16_t> ports = {0, 1, 22, 23, 53, 79, 80, 81, 443, 1023, 1024, 8080, 65534, 65535};
  std::vector<uint32_t> v4 = {0, 1, 0x0A000000, 0x0A000001, 0x0AFFFFFF, 0x0B000000, 0xC0A80101, 0x7F000001, 0xFFFFFFFE,
                              0xFFFFFFFF};
  std::vector<std::string> v6 = {"::", "::1", "2001:db8::", "2001:db8::1", "2001:db8:ffff::", "2001:db9::",
                                 "fe80::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};
  std::vector<uint8_t> protocols = {0, 1, 6, 17, 58, 255};
  std::vector<uint32_t> flags = {0, 1, 4, 0x20, 0x21, 0x400, 0xFFFFFFFF};
  std::vector<std::string> apps = {"", "/usr/bin/curl", "/usr/bin/cur", "/usr/bin/CURL", "/opt/app", "/usr/bin/wget"};
  std::vector<uint32_t> uids = {0, 1000, 1001};
};

FilterCondition random_condition(Gen& g, const Pools& p, bool v6) {
  using M = MatchType;
  const M ordered[] = {M::FWP_MATCH_EQUAL, M::FWP_MATCH_NOT_EQUAL, M::FWP_MATCH_GREATER, M::FWP_MATCH_LESS,
                       M::FWP_MATCH_GREATER_OR_EQUAL, M::FWP_MATCH_LESS_OR_EQUAL};
  const M flag_matches[] = {M::FWP_MATCH_FLAGS_ALL_SET, M::FWP_MATCH_FLAGS_ANY_SET, M::FWP_MATCH_FLAGS_NONE_SET};
  switch (g.below(7)) {
    case 0: {  // a port: ordered, range or flags
      const char* name = g.chance(0.5) ? "IP_REMOTE_PORT" : "IP_LOCAL_PORT";
      const uint16_t a = p.ports[g.below(p.ports.size())];
      const uint16_t b = p.ports[g.below(p.ports.size())];
      if (g.chance(0.25)) {
        return cond(name, M::FWP_MATCH_RANGE,
                    ConditionValue::of_range(scalar_uint(DataType::FWP_UINT16, std::min(a, b)),
                                             scalar_uint(DataType::FWP_UINT16, std::max(a, b))));
      }
      if (g.chance(0.15)) return cond(name, flag_matches[g.below(3)], ConditionValue::of_uint(DataType::FWP_UINT16, a));
      return cond(name, ordered[g.below(6)], ConditionValue::of_uint(DataType::FWP_UINT16, a));
    }
    case 1: {  // the remote address: exact, prefix, range, ordered
      if (v6) {
        ByteArray16 a;
        ByteArray16 b;
        parse_ipv6(p.v6[g.below(p.v6.size())], &a);
        parse_ipv6(p.v6[g.below(p.v6.size())], &b);
        const uint64_t kind = g.below(3);
        if (kind == 0) {
          return cond("IP_REMOTE_ADDRESS", g.chance(0.7) ? M::FWP_MATCH_EQUAL : M::FWP_MATCH_NOT_EQUAL,
                      ConditionValue::of_v6_prefix(a, static_cast<uint8_t>(g.below(129))));
        }
        if (kind == 1) {
          if (std::memcmp(a.byteArray16, b.byteArray16, 16) > 0) std::swap(a, b);
          return cond("IP_REMOTE_ADDRESS", M::FWP_MATCH_RANGE, ConditionValue::of_range(scalar_bytes16(a), scalar_bytes16(b)));
        }
        return cond("IP_REMOTE_ADDRESS", ordered[g.below(6)], ConditionValue::of_bytes16(a));
      }
      const uint32_t a = p.v4[g.below(p.v4.size())];
      const uint32_t b = p.v4[g.below(p.v4.size())];
      const uint64_t kind = g.below(3);
      if (kind == 0) {
        return cond("IP_REMOTE_ADDRESS", g.chance(0.7) ? M::FWP_MATCH_EQUAL : M::FWP_MATCH_NOT_EQUAL,
                    ConditionValue::of_v4_prefix(a, static_cast<unsigned>(g.below(33))));
      }
      if (kind == 1) {
        return cond("IP_REMOTE_ADDRESS", M::FWP_MATCH_RANGE,
                    ConditionValue::of_range(scalar_uint(DataType::FWP_UINT32, std::min(a, b)),
                                             scalar_uint(DataType::FWP_UINT32, std::max(a, b))));
      }
      return cond("IP_REMOTE_ADDRESS", ordered[g.below(6)], ConditionValue::of_uint(DataType::FWP_UINT32, a));
    }
    case 2:
      return cond("IP_PROTOCOL", ordered[g.below(6)],
                  ConditionValue::of_uint(DataType::FWP_UINT8, p.protocols[g.below(p.protocols.size())]));
    case 3:
      return cond("FLAGS", g.chance(0.7) ? flag_matches[g.below(3)] : ordered[g.below(6)],
                  ConditionValue::of_uint(DataType::FWP_UINT32, p.flags[g.below(p.flags.size())]));
    case 4: {
      const M string_matches[] = {M::FWP_MATCH_EQUAL, M::FWP_MATCH_NOT_EQUAL, M::FWP_MATCH_PREFIX,
                                  M::FWP_MATCH_NOT_PREFIX, M::FWP_MATCH_EQUAL_CASE_INSENSITIVE};
      return cond("ALE_APP_ID", string_matches[g.below(5)], ConditionValue::of_blob(p.apps[g.below(p.apps.size())]));
    }
    case 5: {
      SecurityDescriptor sd;
      sd.entries.push_back({g.chance(0.8), g.chance(0.5) ? AccessEntry::Kind::USER : AccessEntry::Kind::GROUP,
                            p.uids[g.below(p.uids.size())]});
      return cond("ALE_USER_ID", g.chance(0.7) ? M::FWP_MATCH_EQUAL : M::FWP_MATCH_NOT_EQUAL,
                  ConditionValue::of_security_descriptor(sd));
    }
    default:
      return cond("IP_LOCAL_INTERFACE", ordered[g.below(6)], ConditionValue::of_uint(DataType::FWP_UINT64, g.below(4)));
  }
}

// Incoming values for one classification, random from the pools.
struct RandomIncoming {
  const LayerInfo& layer;
  std::vector<IncomingValue> values;
  ByteArray16 remote6{};
  std::string app;
  ByteBlob app_blob{};
  uint32_t groups[1] = {0};
  TokenAccessInformation token{};

  RandomIncoming(Gen& g, const Pools& p, const LayerInfo& l) : layer(l), values(l.fields.size()) {
    auto set = [&](const char* name, Value v) {
      if (g.chance(0.1)) return;  // absent
      values[*layer.index_of(*find_field(name))].value = v;
    };
    set("IP_REMOTE_PORT", Value::u16(p.ports[g.below(p.ports.size())]));
    set("IP_LOCAL_PORT", Value::u16(p.ports[g.below(p.ports.size())]));
    if (layer.isV6) {
      parse_ipv6(p.v6[g.below(p.v6.size())], &remote6);
      set("IP_REMOTE_ADDRESS", Value::bytes16(&remote6));
    } else {
      set("IP_REMOTE_ADDRESS", Value::u32(p.v4[g.below(p.v4.size())]));
    }
    set("IP_PROTOCOL", Value::u8(p.protocols[g.below(p.protocols.size())]));
    set("FLAGS", Value::u32(p.flags[g.below(p.flags.size())]));
    app = p.apps[g.below(p.apps.size())];
    app_blob = ByteBlob{static_cast<uint32_t>(app.size()), reinterpret_cast<const uint8_t*>(app.data())};
    set("ALE_APP_ID", Value::blob(&app_blob));
    groups[0] = p.uids[g.below(p.uids.size())];
    token = TokenAccessInformation{p.uids[g.below(p.uids.size())], p.uids[g.below(p.uids.size())], 1, groups};
    set("ALE_USER_ID", Value::token(&token));
    set("IP_LOCAL_INTERFACE", Value::u64(g.below(4)));
  }

  IncomingValues view() { return IncomingValues{layer.id, static_cast<uint32_t>(values.size()), values.data()}; }
};

TEST(Differential, CompiledRulesMatchTheReferenceFilterByFilter) {
  const Pools pools;
  size_t compared = 0;
  size_t matched = 0;
  for (uint64_t seed = 1; seed <= 1500; ++seed) {
    Gen g(seed);
    const LayerInfo& L = layer(seed % 2 ? "ALE_AUTH_CONNECT_V4" : "ALE_AUTH_CONNECT_V6");
    const size_t n_rules = 1 + g.below(30);
    std::vector<std::vector<FilterCondition>> conditions(n_rules);
    std::vector<std::vector<classify::RuleCondition>> rule_conditions(n_rules);
    std::vector<classify::RuleInput> inputs;
    for (size_t r = 0; r < n_rules; ++r) {
      const size_t n_cond = g.below(5);
      for (size_t c = 0; c < n_cond; ++c) conditions[r].push_back(random_condition(g, pools, L.isV6));
      for (const FilterCondition& c : conditions[r]) {
        std::string why;
        const uint16_t index = *L.index_of(c.fieldKey);
        ASSERT_EQ(validate_condition(L.data_type(index), c.matchType, c.conditionValue, &why), Status::SUCCESS) << why;
        rule_conditions[r].push_back({index, L.data_type(index), c.matchType, &c.conditionValue});
      }
    }
    for (size_t r = 0; r < n_rules; ++r) inputs.push_back({rule_conditions[r]});
    auto linear = classify::build_linear_classifier(inputs);
    auto tuple = classify::build_tuple_classifier(inputs);
    auto reference = classify::build_reference_classifier(inputs);
    for (int q = 0; q < 20; ++q) {
      RandomIncoming in(g, pools, L);
      const IncomingValues v = in.view();
      // Every match, in order, from each; and the first match of every
      // window [from, end) that a sublayer could be.
      uint32_t a = 0;
      uint32_t t = 0;
      uint32_t b = 0;
      while (true) {
        a = linear->first_match(v, a, static_cast<uint32_t>(n_rules));
        t = tuple->first_match(v, t, static_cast<uint32_t>(n_rules));
        b = reference->first_match(v, b, static_cast<uint32_t>(n_rules));
        ASSERT_EQ(a, b) << "seed " << seed << " query " << q;
        ASSERT_EQ(t, b) << "tuple, seed " << seed << " query " << q;
        ++compared;
        if (a == classify::kNoMatch) break;
        ++matched;
        ++a;
        ++t;
        ++b;
      }
      const auto from = static_cast<uint32_t>(g.below(n_rules));
      const auto end = from + static_cast<uint32_t>(g.below(n_rules - from + 1));
      ASSERT_EQ(tuple->first_match(v, from, end), reference->first_match(v, from, end))
          << "tuple window [" << from << ", " << end << "), seed " << seed << " query " << q;
    }
    // The batch form (queries interleaved through the tables) answers as
    // one query at a time does.
    std::vector<std::unique_ptr<RandomIncoming>> batch;
    std::vector<IncomingValues> views;
    for (int q = 0; q < 37; ++q) batch.push_back(std::make_unique<RandomIncoming>(g, pools, L));
    for (const auto& in : batch) views.push_back(in->view());
    std::vector<const IncomingValues*> pointers;
    for (const IncomingValues& v : views) pointers.push_back(&v);
    std::vector<uint32_t> answers(pointers.size());
    tuple->first_match_batch(pointers.data(), pointers.size(), answers.data());
    for (size_t q = 0; q < pointers.size(); ++q) {
      ASSERT_EQ(answers[q], reference->first_match(*pointers[q], 0, static_cast<uint32_t>(n_rules)))
          << "tuple batch, seed " << seed << " query " << q;
    }
  }
  // The pools are chosen so that both outcomes are common.
  EXPECT_GT(matched, compared / 10);
  EXPECT_LT(matched, compared);
}

TEST(Differential, EngineWithCompiledClassifierDecidesLikeTheReference) {
  const Pools pools;
  size_t blocks = 0;
  size_t permits = 0;
  for (uint64_t seed = 1; seed <= 600; ++seed) {
    Gen g(seed * 7919);
    const LayerInfo& L = layer(seed % 2 ? "ALE_AUTH_CONNECT_V4" : "ALE_AUTH_CONNECT_V6");
    EngineOptions compiled_options;
    compiled_options.classifier = seed % 2 == 0 ? ClassifierKind::LINEAR : ClassifierKind::TUPLE;
    EngineOptions reference_options;
    reference_options.classifier = ClassifierKind::REFERENCE;
    Engine compiled(compiled_options);
    Engine reference(reference_options);
    const size_t n_sub = 1 + g.below(4);
    std::vector<Sublayer> subs;
    for (size_t s = 0; s < n_sub; ++s) subs.push_back(make_sublayer("s" + std::to_string(s), static_cast<uint16_t>(g.below(4))));
    const size_t n_filters = g.below(40);
    std::vector<Filter> filters;
    for (size_t i = 0; i < n_filters; ++i) {
      std::vector<FilterCondition> cs;
      const size_t n_cond = g.below(4);
      for (size_t c = 0; c < n_cond; ++c) cs.push_back(random_condition(g, pools, L.isV6));
      const uint32_t action = g.chance(0.5) ? FWP_ACTION_PERMIT : FWP_ACTION_BLOCK;
      const FilterWeight w = g.chance(0.3)   ? FilterWeight::automatic()
                             : g.chance(0.5) ? FilterWeight::range(static_cast<uint8_t>(g.below(16)))
                                             : FilterWeight::exact(g.below(8));
      filters.push_back(make_filter("f" + std::to_string(i), L.id, action, subs[g.below(n_sub)].subLayerKey, w, cs,
                                    g.chance(0.3) ? FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT : 0));
    }
    for (Engine* e : {&compiled, &reference}) {
      Transaction txn;
      OPENWFP_ASSERT_OK(e->begin(&txn));
      for (const Sublayer& s : subs) OPENWFP_ASSERT_OK(txn.add_sublayer(s));
      for (const Filter& f : filters) OPENWFP_ASSERT_OK(txn.add_filter(f));
      OPENWFP_ASSERT_OK(txn.commit());
    }
    for (int q = 0; q < 10; ++q) {
      RandomIncoming in(g, pools, L);
      ClassifyResult a;
      ClassifyResult b;
      compiled.classify(in.view(), {}, &a);
      reference.classify(in.view(), {}, &b);
      ASSERT_EQ(a.actionType, b.actionType) << "seed " << seed;
      ASSERT_EQ(a.filterId, b.filterId) << "seed " << seed;
      ASSERT_EQ(a.rights, b.rights) << "seed " << seed;
      ASSERT_EQ(a.filtersMatched, b.filtersMatched) << "seed " << seed;
      (a.actionType == FWP_ACTION_BLOCK ? blocks : permits)++;
    }
  }
  EXPECT_GT(blocks, 100u);
  EXPECT_GT(permits, 100u);
}

}  // namespace
}  // namespace openwfp::test
