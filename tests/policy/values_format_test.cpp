// Condition values written back in the policy form read back to the same
// value and match type, for every kind of field a policy can set; values no
// policy can write are refused with a reason.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "policy/values.hpp"

namespace openwfp::policy {
namespace {

struct Case {
  const char* layer;
  const char* field;
  const char* value;  // JSON text
  const char* expected;  // JSON text of the formatted value
};

const Case kCases[] = {
    {"ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS", R"("10.1.2.3")", R"("10.1.2.3")"},
    {"ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS", R"("10.0.0.0/8")", R"("10.0.0.0/8")"},
    {"ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS", R"("0.0.0.0/0")", R"("0.0.0.0/0")"},
    {"ALE_AUTH_CONNECT_V4", "IP_REMOTE_ADDRESS", R"(["10.0.0.1", "10.0.0.9"])", R"(["10.0.0.1", "10.0.0.9"])"},
    {"ALE_AUTH_CONNECT_V6", "IP_REMOTE_ADDRESS", R"("2001:db8::1")", R"("2001:db8::1")"},
    {"ALE_AUTH_CONNECT_V6", "IP_REMOTE_ADDRESS", R"("2001:db8::/32")", R"("2001:db8::/32")"},
    {"ALE_AUTH_CONNECT_V6", "IP_REMOTE_ADDRESS", R"(["2001:db8::1", "2001:db8::ff"])", R"(["2001:db8::1", "2001:db8::ff"])"},
    {"ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT", "443", "443"},
    {"ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT", R"("0x17")", "23"},
    {"ALE_AUTH_CONNECT_V4", "IP_REMOTE_PORT", "[1024, 65535]", "[1024, 65535]"},
    {"ALE_AUTH_CONNECT_V4", "IP_PROTOCOL", R"("tcp")", "6"},
    {"OUTBOUND_TRANSPORT_V4", "FLAGS", R"("IS_LOOPBACK|IS_FRAGMENT")", nullptr},
    {"ALE_AUTH_CONNECT_V4", "ALE_APP_ID", R"("/usr/bin/curl")", R"("/usr/bin/curl")"},
    {"ALE_AUTH_CONNECT_V4", "ALE_USER_ID", R"(["uid:1000", "!gid:27", 5])", R"(["uid:1000", "!gid:27", "uid:5"])"},
    {"ALE_AUTH_CONNECT_V4", "ALE_USER_ID", R"({"allow": ["uid:0"], "deny": ["gid:100"]})", R"(["uid:0", "!gid:100"])"},
};

const LayerInfo& layer_named(const char* name) { return *find_layer(name); }

uint16_t index_of(const LayerInfo& layer, const char* field) { return *layer.index_of(*find_field(field)); }

TEST(PolicyValueFormat, ValuesReadBackTheSame) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.layer) + " " + c.field + " " + c.value);
    const LayerInfo& layer = layer_named(c.layer);
    const uint16_t index = index_of(layer, c.field);
    MatchType match = MatchType::FWP_MATCH_EQUAL;
    ConditionValue parsed;
    ValueError e;
    ASSERT_TRUE(parse_condition_value(nlohmann::json::parse(c.value), layer, index, false, &match, &parsed, &e))
        << e.message;
    nlohmann::json formatted;
    ASSERT_TRUE(format_condition_value(parsed, layer, index, &formatted, &e)) << e.message;
    if (c.expected != nullptr) {
      EXPECT_EQ(formatted, nlohmann::json::parse(c.expected));
    }
    MatchType again_match = MatchType::FWP_MATCH_EQUAL;
    ConditionValue again;
    ASSERT_TRUE(parse_condition_value(formatted, layer, index, false, &again_match, &again, &e)) << e.message;
    EXPECT_EQ(again, parsed);
    EXPECT_EQ(again_match, match);
  }
}

TEST(PolicyValueFormat, ValuesNoPolicyCanWriteAreRefused) {
  const LayerInfo& layer = layer_named("ALE_AUTH_CONNECT_V4");
  ValueError e;
  nlohmann::json out;
  // 255.0.255.0: a mask, not a prefix.
  EXPECT_FALSE(format_condition_value(ConditionValue::of_v4_mask(0x0A000000u, 0xFF00FF00u), layer,
                                      index_of(layer, "IP_REMOTE_ADDRESS"), &out, &e));
  EXPECT_EQ(e.status, Status::FWP_INVALID_NET_MASK);
  ConditionValue bad = ConditionValue::of_blob(std::string("\xff\xfe", 2));
  EXPECT_FALSE(format_condition_value(bad, layer, index_of(layer, "ALE_APP_ID"), &out, &e));
  EXPECT_NE(e.message.find("UTF-8"), std::string::npos);
  // A string where the field takes numbers.
  EXPECT_FALSE(format_condition_value(ConditionValue::of_string("x"), layer, index_of(layer, "IP_REMOTE_PORT"), &out, &e));
}

}  // namespace
}  // namespace openwfp::policy
