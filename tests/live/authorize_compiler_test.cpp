// The kernel's connect and bind rules against the engine: random policies
// at ALE_AUTH_CONNECT_V4/V6 and ALE_RESOURCE_ASSIGNMENT_V4 (sublayers,
// weights, soft and hard permits, blocks; protocol, ports, addresses with
// NOT_EQUAL and ORed conditions, executables and users) compiled to rules,
// and for random connects the rules' evaluation (the code the BPF programs
// run) gives the engine's answer and deciding filter. Policies the kernel
// cannot evaluate leave their layer to the queue, with the reason.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/generation.hpp"
#include "live/authorize_compiler.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/policy.hpp"
#include "policy/values.hpp"

namespace openwfp::live {
namespace {

struct Built {
  Engine engine;
  AuthorizeProgram program;
};

std::unique_ptr<Built> build(const std::string& policyText) {
  auto b = std::make_unique<Built>();
  policy::Policy pol;
  policy::PolicyError error;
  EXPECT_TRUE(policy::parse_policy(policyText, "test.json", &pol, &error)) << error.to_string();
  EXPECT_TRUE(policy::apply_policy(b->engine, pol, &error)) << error.to_string();
  const auto gen = engine::build_generation(b->engine.snapshot(), b->engine.generation(), ClassifierKind::LINEAR);
  b->program = compile_authorization(*gen);
  return b;
}

const std::vector<std::string> kApps = {"/usr/bin/curl", "/usr/bin/wget", "/opt/app/bin/client"};
const std::vector<uint32_t> kUids = {0, 1000, 4242};
const std::vector<std::string> kPrefixes4 = {"10.0.0.0/8", "10.1.0.0/16", "192.168.1.0/24", "10.1.2.3", "0.0.0.0/0"};
const std::vector<std::string> kAddresses4 = {"10.0.0.1", "10.1.2.3", "10.1.2.4", "10.255.255.255", "192.168.1.7",
                                              "192.168.2.1", "9.255.255.255", "11.0.0.0"};
const std::vector<std::string> kPrefixes6 = {"2001:db8::/32", "2001:db8:1::/48", "fd00::/8", "2001:db8::5"};
const std::vector<std::string> kAddresses6 = {"2001:db8::5", "2001:db8:1::1", "2001:db8:2::1", "fd12::1",
                                              "2001:db9::1", "::1"};

template <typename T>
const T& pick(std::mt19937& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}
bool chance(std::mt19937& rng, int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; }

// One random condition on a field the kernel sees.
std::string random_condition(std::mt19937& rng, bool v6, bool bind) {
  const std::string port = bind ? "IP_LOCAL_PORT" : "IP_REMOTE_PORT";
  const std::string address = bind ? "IP_LOCAL_ADDRESS" : "IP_REMOTE_ADDRESS";
  switch (std::uniform_int_distribution<int>(0, 6)(rng)) {
    case 0: return std::string(R"({ "field": "IP_PROTOCOL", "value": ")") + (chance(rng, 50) ? "tcp" : "udp") + "\" }";
    case 1: return R"({ "field": ")" + port + R"(", "value": )" + std::to_string(pick(rng, std::vector<int>{53, 80, 443, 8080})) + " }";
    case 2: return R"({ "field": ")" + port + R"(", "match": "RANGE", "value": [1000, 9000] })";
    case 3:
      return R"({ "field": ")" + address + R"(", "match": ")" + (chance(rng, 25) ? "NOT_EQUAL" : "EQUAL") +
             R"(", "value": ")" + pick(rng, v6 ? kPrefixes6 : kPrefixes4) + "\" }";
    case 4: return R"({ "field": "ALE_APP_ID", "value": ")" + pick(rng, kApps) + "\" }";
    case 5: {
      std::string users = "\"uid:" + std::to_string(pick(rng, kUids)) + "\"";
      if (chance(rng, 40)) users += ", \"uid:" + std::to_string(pick(rng, kUids)) + "\"";
      if (chance(rng, 25)) users += ", \"!uid:" + std::to_string(pick(rng, kUids)) + "\"";
      return R"({ "field": "ALE_USER_ID", "value": [ )" + users + " ] }";
    }
    default: return R"({ "field": ")" + port + R"(", "match": "GREATER", "value": 1023 })";
  }
}

std::string random_policy(std::mt19937& rng, int filters) {
  std::string p = R"({ "sublayers": [ { "name": "high", "weight": 300 }, { "name": "mid", "weight": 200 },
                                       { "name": "low", "weight": 100 } ], "filters": [)";
  const char* layers[] = {"ALE_AUTH_CONNECT_V4", "ALE_AUTH_CONNECT_V6", "ALE_RESOURCE_ASSIGNMENT_V4"};
  for (int i = 0; i < filters; ++i) {
    const int layer = std::uniform_int_distribution<int>(0, 2)(rng);
    const bool v6 = layer == 1, bind = layer == 2;
    std::string conditions;
    const int n = std::uniform_int_distribution<int>(0, 3)(rng);
    for (int c = 0; c < n; ++c) conditions += (c > 0 ? ", " : "") + random_condition(rng, v6, bind);
    const bool permit = chance(rng, 50);
    p += std::string(i > 0 ? "," : "") + R"(
      { "name": "f)" + std::to_string(i) + R"(", "layer": ")" + layers[layer] + R"(", "sublayer": ")" +
         pick(rng, std::vector<std::string>{"high", "mid", "low"}) + R"(", "weight": )" +
         std::to_string(std::uniform_int_distribution<int>(0, 15)(rng)) + R"(, "conditions": [ )" + conditions +
         R"( ], "action": ")" + (permit ? "PERMIT" : "BLOCK") + "\"" +
         (permit && chance(rng, 40) ? R"(, "flags": [ "CLEAR_ACTION_RIGHT" ])" : "") + " }";
  }
  return p + "\n] }";
}

// One connect (or bind) through the engine and through the rules.
struct Probe {
  uint8_t protocol;
  uint16_t port;
  std::string address;
  uint32_t uid;
  int app;  // index in kApps, or -1: another executable
};

void set(policy::IncomingStore& in, const LayerInfo& layer, const char* field, const std::string& text) {
  const auto index = layer.index_of(*find_field(field));
  ASSERT_TRUE(index.has_value()) << field;
  ConditionValue v;
  policy::ValueError error;
  ASSERT_TRUE(policy::parse_value_text(text, layer, *index, &v, &error)) << text;
  in.set(*index, v);
}

// The engine's answer (OWFP_PERMIT/BLOCK); fails when the rules differ.
uint32_t compare(Built& b, uint32_t slot, const Probe& p) {
  const LayerInfo& layer = authorize_layer(slot);
  const bool bind = slot >= OWFP_SLOT_BIND_V4;
  const std::string app = p.app >= 0 ? kApps[static_cast<size_t>(p.app)] : "/usr/bin/other";
  policy::IncomingStore in(layer);
  set(in, layer, "IP_PROTOCOL", std::to_string(p.protocol));
  set(in, layer, bind ? "IP_LOCAL_PORT" : "IP_REMOTE_PORT", std::to_string(p.port));
  set(in, layer, bind ? "IP_LOCAL_ADDRESS" : "IP_REMOTE_ADDRESS", p.address);
  set(in, layer, "ALE_APP_ID", app);
  set(in, layer, "ALE_USER_ID", "uid:" + std::to_string(p.uid) + ",gid:" + std::to_string(p.uid));
  ClassifyResult engineResult;
  b.engine.classify(in.values(), ClassifyInput{}, &engineResult);

  owfp_tuple t{};
  ConditionValue address;
  policy::ValueError error;
  const auto index = layer.index_of(*find_field(bind ? "IP_LOCAL_ADDRESS" : "IP_REMOTE_ADDRESS"));
  EXPECT_TRUE(policy::parse_value_text(p.address, layer, *index, &address, &error));
  if (layer.isV6) {
    for (int i = 0; i < 8; ++i) t.addr_hi = (t.addr_hi << 8) | address.scalar.array.byteArray16[i];
    for (int i = 8; i < 16; ++i) t.addr_lo = (t.addr_lo << 8) | address.scalar.array.byteArray16[i];
  } else {
    t.addr_lo = address.scalar.bits;
  }
  t.protocol = p.protocol;
  t.port = p.port;
  t.uid = p.uid;
  // The apps the program lists, as the kernel's apps map would name them.
  t.app = OWFP_APP_UNLISTED;
  for (size_t i = 0; i < b.program.apps.size(); ++i) {
    if (b.program.apps[i] == app) t.app = static_cast<uint32_t>(i) + 1;
  }
  uint64_t filterId = 0;
  const uint32_t action = evaluate_authorization(b.program.layers[slot], t, &filterId);
  const uint32_t expected = engineResult.actionType == FWP_ACTION_BLOCK ? OWFP_BLOCK : OWFP_PERMIT;
  EXPECT_EQ(action, expected) << layer.name << " proto " << int{p.protocol} << " port " << p.port << " "
                              << p.address << " uid " << p.uid << " app " << app;
  EXPECT_EQ(filterId, engineResult.noMatch ? 0 : engineResult.filterId);
  return expected;
}

TEST(AuthorizeCompiler, RulesGiveTheEnginesDecisionForRandomPoliciesAndConnects) {
  std::mt19937 rng(20261207);
  uint64_t blocked = 0, permitted = 0, engineBlocked = 0, enginePermitted = 0;
  for (int round = 0; round < 40; ++round) {
    auto b = build(random_policy(rng, 40));
    for (uint32_t slot : {OWFP_SLOT_CONNECT_V4, OWFP_SLOT_CONNECT_V6, OWFP_SLOT_BIND_V4}) {
      ASSERT_TRUE(b->program.layers[slot].decided) << b->program.layers[slot].reason;
      for (int i = 0; i < 200; ++i) {
        Probe p{chance(rng, 50) ? uint8_t{6} : chance(rng, 80) ? uint8_t{17} : uint8_t{1},
                pick(rng, std::vector<uint16_t>{53, 80, 443, 999, 1000, 1023, 1024, 8080, 9000, 9001}),
                pick(rng, slot == OWFP_SLOT_CONNECT_V6 ? kAddresses6 : kAddresses4),
                pick(rng, std::vector<uint32_t>{0, 1000, 4242, 7}),
                std::uniform_int_distribution<int>(-1, 2)(rng)};
        (compare(*b, slot, p) == OWFP_BLOCK ? engineBlocked : enginePermitted)++;
        if (::testing::Test::HasFailure()) return;
      }
    }
    for (uint32_t slot = 0; slot < OWFP_SLOTS; ++slot) {
      for (const owfp_rule& r : b->program.layers[slot].rules) (r.action == OWFP_BLOCK ? blocked : permitted)++;
    }
  }
  // Both kinds of rule were exercised.
  EXPECT_GT(blocked, 100u);
  EXPECT_GT(permitted, 100u);
  EXPECT_GT(engineBlocked, 2000u);
  EXPECT_GT(enginePermitted, 2000u);
  std::printf("connects: %llu blocked, %llu permitted\n", static_cast<unsigned long long>(engineBlocked),
              static_cast<unsigned long long>(enginePermitted));
}

TEST(AuthorizeCompiler, AFilterTheKernelCannotEvaluateLeavesItsLayerToTheQueue) {
  auto b = build(R"({ "callouts": [ { "name": "c" } ], "filters": [
    { "name": "local port", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "IP_LOCAL_PORT", "value": 5000 } ], "action": "BLOCK" },
    { "name": "a callout", "layer": "ALE_AUTH_CONNECT_V6", "action": { "type": "CALLOUT_TERMINATING", "callout": "c" } },
    { "name": "a group", "layer": "ALE_RESOURCE_ASSIGNMENT_V4",
      "conditions": [ { "field": "ALE_USER_ID", "value": [ "gid:27" ] } ], "action": "BLOCK" },
    { "name": "folder", "layer": "ALE_RESOURCE_ASSIGNMENT_V6",
      "conditions": [ { "field": "ALE_APP_ID", "match": "PREFIX", "value": "/usr/bin/" } ], "action": "BLOCK" } ] })");
  for (uint32_t slot = 0; slot < OWFP_SLOTS; ++slot) {
    EXPECT_FALSE(b->program.layers[slot].decided) << slot;
    EXPECT_TRUE(b->program.layers[slot].rules.empty());
  }
  EXPECT_NE(b->program.layers[OWFP_SLOT_CONNECT_V4].reason.find("IP_LOCAL_PORT"), std::string::npos);
  EXPECT_NE(b->program.layers[OWFP_SLOT_CONNECT_V6].reason.find("callout"), std::string::npos);
  EXPECT_NE(b->program.layers[OWFP_SLOT_BIND_V4].reason.find("group"), std::string::npos);
  EXPECT_NE(b->program.layers[OWFP_SLOT_BIND_V6].reason.find("ALE_APP_ID"), std::string::npos);
}

TEST(AuthorizeCompiler, OredConditionsExpandAndALayerOverTheCapIsLeftToTheQueue) {
  const std::string policy = R"({ "filters": [
    { "name": "ports", "layer": "ALE_AUTH_CONNECT_V4",
      "conditions": [ { "field": "IP_REMOTE_PORT", "value": 1 }, { "field": "IP_REMOTE_PORT", "value": 3 },
                      { "field": "IP_REMOTE_ADDRESS", "value": "10.0.0.1" }, { "field": "IP_REMOTE_ADDRESS", "value": "10.0.0.9" },
                      { "field": "IP_REMOTE_ADDRESS", "match": "NOT_EQUAL", "value": "10.0.0.0/8" } ],
      "action": "BLOCK" } ] })";
  auto b = build(policy);
  // Ports {1, 3} x addresses {10.0.0.1, 10.0.0.9, below 10/8, above 10/8}.
  EXPECT_TRUE(b->program.layers[OWFP_SLOT_CONNECT_V4].decided);
  EXPECT_EQ(b->program.layers[OWFP_SLOT_CONNECT_V4].rules.size(), 8u);
  policy::Policy pol;
  policy::PolicyError error;
  ASSERT_TRUE(policy::parse_policy(policy, "t.json", &pol, &error));
  const auto gen = engine::build_generation(b->engine.snapshot(), b->engine.generation(), ClassifierKind::LINEAR);
  const AuthorizeProgram small = compile_authorization(*gen, 7);
  EXPECT_FALSE(small.layers[OWFP_SLOT_CONNECT_V4].decided);
  EXPECT_NE(small.layers[OWFP_SLOT_CONNECT_V4].reason.find("more than 7"), std::string::npos);
}

}  // namespace
}  // namespace openwfp::live
