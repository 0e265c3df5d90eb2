// Management objects to JSON and back: every object of the sample policy (as
// the engine holds it) reads back to the same object and writes the same
// JSON again; bad JSON is refused with the JSON pointer of the field at
// fault and the status WFP would give.
#include <gtest/gtest.h>

#include <string>

#include "openwfp/engine.hpp"
#include "openwfp/model.hpp"
#include "openwfp/policy.hpp"
#include "policy/object_json.hpp"

namespace openwfp::policy {
namespace {

using nlohmann::json;

std::shared_ptr<const engine::Model> sample_model() {
  Policy pol;
  PolicyError perr;
  EXPECT_TRUE(load_policy_file(std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json", &pol, &perr))
      << perr.to_string();
  static Engine engine;
  EXPECT_TRUE(apply_policy(engine, pol, &perr)) << perr.to_string();
  return engine.snapshot();
}

template <class T>
T read_back(const json& j) {
  T out;
  ObjectError e;
  EXPECT_TRUE(from_json(json::parse(j.dump()), "/object", &out, &e)) << e.field << ": " << e.message;
  return out;
}

TEST(ObjectJson, EveryObjectOfTheSamplePolicyReadsBackTheSame) {
  const auto m = sample_model();
  size_t filters = 0;
  for (const auto& [key, p] : m->providers) {
    const Provider back = read_back<Provider>(to_json(p));
    EXPECT_EQ(back.providerKey, p.providerKey);
    EXPECT_EQ(back.description, p.description);
    EXPECT_EQ(to_json(back), to_json(p));
  }
  for (const auto& [key, s] : m->sublayers) {
    if (s.lifetime == Lifetime::BUILTIN) continue;
    const Sublayer back = read_back<Sublayer>(to_json(s));
    EXPECT_EQ(back.weight, s.weight);
    EXPECT_EQ(back.providerKey, s.providerKey);
    EXPECT_EQ(to_json(back), to_json(s));
  }
  for (const auto& [key, c] : m->callouts) {
    const Callout back = read_back<Callout>(to_json(c));
    EXPECT_EQ(back.calloutId, c.calloutId);
    EXPECT_EQ(back.applicableLayer, c.applicableLayer);
    EXPECT_EQ(to_json(back), to_json(c));
  }
  for (const auto& [id, f] : m->filters) {
    json j;
    ObjectError e;
    ASSERT_TRUE(to_json(f, &j, &e)) << f.name << ": " << e.message;
    const Filter back = read_back<Filter>(j);
    EXPECT_EQ(back.filterId, f.filterId) << f.name;
    EXPECT_EQ(back.filterKey, f.filterKey);
    EXPECT_EQ(back.subLayerKey, f.subLayerKey);
    EXPECT_EQ(back.filterCondition, f.filterCondition) << f.name;
    EXPECT_EQ(back.action.type, f.action.type);
    EXPECT_EQ(back.action.calloutKey, f.action.calloutKey);
    EXPECT_EQ(back.weight.kind, f.weight.kind);
    EXPECT_EQ(back.weight.value, f.weight.value);
    EXPECT_EQ(back.flags, f.flags);
    json again;
    ASSERT_TRUE(to_json(back, &again, &e));
    again["effective_weight"] = j["effective_weight"];  // the engine's, not read back
    EXPECT_EQ(again, j) << f.name;
    ++filters;
  }
  EXPECT_EQ(filters, 9u);
}

struct Bad {
  const char* json;
  const char* field;
  Status status;
};

TEST(ObjectJson, BadFiltersNameTheFieldAtFault) {
  const std::string key = "\"key\": \"0b5b4e4a-1f7e-4c55-9d7c-6a2f4f1e9a01\"";
  const Bad cases[] = {
      {R"([1, 2])", "/f", Status::INVALID_PARAMETER},
      {R"({"name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "BLOCK"}})", "/f/key",
       Status::INVALID_PARAMETER},
      {R"({KEY, "name": "x", "layer": "NO_SUCH_LAYER", "action": {"type": "BLOCK"}})", "/f/layer",
       Status::FWP_LAYER_NOT_FOUND},
      {R"({KEY, "name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "BLOCK"}, "colour": 1})",
       "/f/colour", Status::INVALID_PARAMETER},
      {R"({KEY, "name": "", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "BLOCK"}})", "/f/name",
       Status::FWP_NULL_DISPLAY_NAME},
      {R"({KEY, "name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "DROP"}})", "/f/action/type",
       Status::FWP_INVALID_ACTION_TYPE},
      {R"({KEY, "name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "CALLOUT_TERMINATING"}})",
       "/f/action/callout", Status::FWP_INVALID_ACTION_TYPE},
      {R"({KEY, "name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "BLOCK"}, "weight": {"range": 16}})",
       "/f/weight", Status::FWP_INVALID_WEIGHT},
      {R"({KEY, "name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "BLOCK"},
          "conditions": [{"field": "IP_REMOTE_PORT", "value": 70000}]})",
       "/f/conditions/0/value", Status::FWP_OUT_OF_BOUNDS},
      {R"({KEY, "name": "x", "layer": "INBOUND_IPPACKET_V4", "action": {"type": "BLOCK"},
          "conditions": [{"field": "ALE_APP_ID", "value": "/bin/sh"}]})",
       "/f/conditions/0/field", Status::FWP_CONDITION_NOT_FOUND},
      {R"({KEY, "name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "BLOCK"},
          "conditions": [{"field": "IP_REMOTE_PORT", "match": "ABOUT", "value": 1}]})",
       "/f/conditions/0/match", Status::FWP_MATCH_TYPE_MISMATCH},
      {R"({KEY, "name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "BLOCK"}, "lifetime": "forever"})",
       "/f/lifetime", Status::INVALID_PARAMETER},
      {R"({KEY, "name": "x", "layer": "ALE_AUTH_CONNECT_V4", "action": {"type": "BLOCK"}, "id": -1})", "/f/id",
       Status::FWP_OUT_OF_BOUNDS},
  };
  for (const Bad& b : cases) {
    std::string text = b.json;
    if (auto at = text.find("KEY"); at != std::string::npos) text.replace(at, 3, key);
    SCOPED_TRACE(text);
    Filter f;
    ObjectError e;
    EXPECT_FALSE(from_json(json::parse(text), "/f", &f, &e));
    EXPECT_EQ(e.field, b.field) << e.message;
    EXPECT_EQ(e.status, b.status) << e.message;
    EXPECT_FALSE(e.message.empty());
  }
}

TEST(ObjectJson, SublayerAndCalloutFieldsAreChecked) {
  Sublayer s;
  ObjectError e;
  EXPECT_FALSE(from_json(json::parse(R"({"key": "0b5b4e4a-1f7e-4c55-9d7c-6a2f4f1e9a02", "name": "s", "weight": 70000})"),
                         "/s", &s, &e));
  EXPECT_EQ(e.field, "/s/weight");
  Callout c;
  EXPECT_FALSE(from_json(json::parse(R"({"key": "0b5b4e4a-1f7e-4c55-9d7c-6a2f4f1e9a03", "name": "c",
                                          "layer": "STREAM_V4", "options": "not an object"})"),
                         "/c", &c, &e));
  EXPECT_EQ(e.field, "/c/options");
  EXPECT_TRUE(from_json(json::parse(R"({"key": "0b5b4e4a-1f7e-4c55-9d7c-6a2f4f1e9a03", "name": "c",
                                         "layer": "STREAM_V4", "lifetime": "persistent", "id": 7})"),
                        "/c", &c, &e))
      << e.message;
  EXPECT_EQ(c.lifetime, Lifetime::PERSISTENT);
  EXPECT_EQ(c.calloutId, 7u);
}

}  // namespace
}  // namespace openwfp::policy
