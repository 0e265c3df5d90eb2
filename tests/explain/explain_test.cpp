// explain::explain on an engine built from the sample policy: the decision,
// the standing filter and the trace, values as text or numbers, and errors
// that name the field at fault; the text form carries the same.
#include <gtest/gtest.h>

#include "explain/explain.hpp"
#include "openwfp/policy.hpp"

namespace openwfp::explain {
namespace {

using nlohmann::json;

class Explain : public ::testing::Test {
 protected:
  void SetUp() override {
    policy::Policy pol;
    policy::PolicyError perr;
    ASSERT_TRUE(policy::load_policy_file(std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json", &pol, &perr));
    ASSERT_TRUE(policy::apply_policy(engine, pol, &perr)) << perr.to_string();
  }
  Engine engine;
};

TEST_F(Explain, TheStandingFilterAndItsTrace) {
  json r;
  ExplainError e;
  const json fields = {{"IP_REMOTE_PORT", 23}, {"IP_REMOTE_ADDRESS", "10.1.2.3"}, {"IP_LOCAL_PORT", "40000"},
                       {"IP_PROTOCOL", "tcp"}};
  ASSERT_TRUE(explain(engine, "ALE_AUTH_CONNECT_V4", fields, &r, &e)) << e.message;
  EXPECT_EQ(r["action"], "BLOCK");
  EXPECT_EQ(r["filter"], "no telnet");
  EXPECT_TRUE(r["hard"].get<bool>());
  EXPECT_FALSE(r["no_match"].get<bool>());
  EXPECT_EQ(r["fields"]["IP_REMOTE_PORT"], "23");
  ASSERT_FALSE(r["trace"].empty());
  bool decided = false;
  for (const json& s : r["trace"])
    for (const json& f : s["filters"]) decided = decided || (f["name"] == "no telnet" && f["effect"] == "DECIDED");
  EXPECT_TRUE(decided) << r.dump(2);
  const std::string text = explain_text(r);
  EXPECT_NE(text.find("decision  BLOCK  by filter 'no telnet'"), std::string::npos) << text;
  EXPECT_NE(text.find("sublayer corp"), std::string::npos) << text;
}

TEST_F(Explain, NothingMatchingIsTheDefaultPermit) {
  json r;
  ExplainError e;
  ASSERT_TRUE(explain(engine, "ALE_AUTH_CONNECT_V4", {{"IP_REMOTE_PORT", 443}}, &r, &e)) << e.message;
  EXPECT_EQ(r["action"], "PERMIT");
  EXPECT_TRUE(r["filter"].is_null());
  EXPECT_NE(explain_text(r).find("no filter decided"), std::string::npos);
}

TEST_F(Explain, ErrorsNameTheField) {
  json r;
  ExplainError e;
  EXPECT_FALSE(explain(engine, "NO_SUCH_LAYER", json::object(), &r, &e));
  EXPECT_EQ(e.status, Status::FWP_LAYER_NOT_FOUND);
  EXPECT_TRUE(e.field.empty());
  EXPECT_FALSE(explain(engine, "ALE_AUTH_CONNECT_V4", {{"IP_NOPE", 1}}, &r, &e));
  EXPECT_EQ(e.field, "/IP_NOPE");
  EXPECT_FALSE(explain(engine, "ALE_AUTH_CONNECT_V4", {{"IP_REMOTE_PORT", 70000}}, &r, &e));
  EXPECT_EQ(e.field, "/IP_REMOTE_PORT");
  EXPECT_FALSE(explain(engine, "ALE_AUTH_CONNECT_V4", {{"IP_REMOTE_ADDRESS", "10.0.0.0/8"}}, &r, &e));
  EXPECT_NE(e.message.find("one value"), std::string::npos) << e.message;
  EXPECT_FALSE(explain(engine, "ALE_AUTH_CONNECT_V4", {{"IP_REMOTE_PORT", json::array()}}, &r, &e));
  EXPECT_FALSE(explain(engine, "ALE_AUTH_CONNECT_V4", {{"ETHER_SOURCE_ADDRESS", "00:11:22:33:44:55"}}, &r, &e));
  EXPECT_EQ(e.status, Status::FWP_CONDITION_NOT_FOUND);
}

}  // namespace
}  // namespace openwfp::explain
