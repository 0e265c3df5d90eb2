// The dpi-block options JSON: what it accepts, and the JSON path of each
// error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "callouts/dpi_matcher_support.hpp"
#include "dpi-block/options.hpp"

namespace openwfp::callouts::dpi::test {
namespace {

// The error of options that must be refused; the outputs stay untouched.
std::string options_error(const std::string& json) {
  std::vector<Pattern> patterns{literal("kept", "kept")};
  MatcherConfig config{77};
  std::string error;
  EXPECT_FALSE(parse_options(json, &patterns, &config, &error)) << json;
  EXPECT_EQ(patterns.size(), 1u);
  EXPECT_EQ(config.maxStreams, 77u);
  return error;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(DpiOptions, ParsesRegexAndLiteralPatterns) {
  std::vector<Pattern> patterns;
  MatcherConfig config{1};
  std::string error;
  ASSERT_TRUE(parse_options(R"({
      "comment": "block two things",
      "patterns": [
        { "name": "exe", "regex": "evil[0-9]+\\.exe" },
        { "name": "word", "literal": "AttAck", "caseless": true, "description": "any case" },
        { "name": "exact", "literal": "a.b*\u0000" }
      ],
      "max_streams": 4096 })",
                            &patterns, &config, &error))
      << error;
  ASSERT_EQ(patterns.size(), 3u);
  EXPECT_EQ(patterns[0].name, "exe");
  EXPECT_EQ(patterns[0].expression, "evil[0-9]+\\.exe");
  EXPECT_FALSE(patterns[0].literal);
  EXPECT_FALSE(patterns[0].caseless);
  EXPECT_EQ(patterns[1].expression, "AttAck");
  EXPECT_TRUE(patterns[1].literal);
  EXPECT_TRUE(patterns[1].caseless);
  EXPECT_EQ(patterns[2].expression, std::string("a.b*\0", 5));
  EXPECT_FALSE(patterns[2].caseless);
  EXPECT_EQ(config.maxStreams, 4096u);
}

TEST(DpiOptions, MaxStreamsDefaultsWhenLeftOut) {
  std::vector<Pattern> patterns;
  MatcherConfig config{5};
  std::string error;
  ASSERT_TRUE(parse_options(R"({"patterns":[{"name":"a","literal":"x"}]})", &patterns, &config, &error)) << error;
  EXPECT_EQ(config.maxStreams, MatcherConfig{}.maxStreams);
}

TEST(DpiOptions, ParsedPatternsCompileAndMatch) {
  std::vector<Pattern> patterns;
  MatcherConfig config;
  std::string error;
  ASSERT_TRUE(parse_options(
      R"({"patterns":[{"name":"meta","literal":"a.b\u0000"},{"name":"any","literal":"xY","caseless":true}],
          "max_streams":2})",
      &patterns, &config, &error))
      << error;
  auto m = Matcher::create(patterns, config, &error);
  ASSERT_NE(m, nullptr) << error;
  EXPECT_EQ(m->max_streams(), 2u);
  auto scratch = m->make_scratch();
  Match first{0, 0};
  const uint32_t s = m->open_stream();
  EXPECT_FALSE(feed(*m, s, std::string_view("axb\0", 4), *scratch, &first));
  ASSERT_TRUE(feed(*m, s, std::string_view("a.b\0", 4), *scratch, &first));
  EXPECT_EQ(first.patternIndex, 0u);
  EXPECT_EQ(first.endOffset, 8u);
  const uint32_t t = m->open_stream();
  ASSERT_TRUE(feed(*m, t, "XY", *scratch, &first));
  EXPECT_EQ(first.patternIndex, 1u);
}

TEST(DpiOptions, BadRegexIsNamedByItsPath) {
  const std::string error =
      options_error(R"({"patterns":[{"name":"ok","literal":"x"},{"name":"bad","regex":"(unclosed"}]})");
  EXPECT_TRUE(starts_with(error, "/patterns/1/regex: ")) << error;
  EXPECT_NE(error.find("parenthesis"), std::string::npos) << error;
}

TEST(DpiOptions, PatternsThatCannotWorkAreRefused) {
  EXPECT_TRUE(starts_with(options_error(R"({"patterns":[{"name":"e","regex":"x*"}]})"),
                          "/patterns/0/regex: matches the empty string"));
  EXPECT_TRUE(starts_with(options_error(R"({"patterns":[{"name":"e","regex":"x\\z"}]})"),
                          "/patterns/0/regex: can only match at the end"));
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"e","regex":"a\u0000b"}]})"),
            "/patterns/0/regex: contains a NUL byte (write it as \\x00)");
}

TEST(DpiOptions, BadJsonIsReportedAtTheRoot) {
  EXPECT_TRUE(starts_with(options_error(R"({"patterns": [)"), "/: invalid JSON: ")) << options_error("{");
  EXPECT_TRUE(starts_with(options_error(""), "/: invalid JSON: "));
  EXPECT_EQ(options_error("[]"), "/: expected an object, found array");
}

TEST(DpiOptions, EachStructuralErrorHasItsPath) {
  EXPECT_EQ(options_error(R"({})"), "/: missing \"patterns\"");
  EXPECT_EQ(options_error(R"({"patterns":{}})"), "/patterns: expected an array, found object");
  EXPECT_EQ(options_error(R"({"patterns":[]})"), "/patterns: at least one pattern is needed");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a","literal":"x"}],"max_stream":3})"),
            "/max_stream: unknown key 'max_stream' (expected one of: patterns, max_streams)");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a","literal":"x"}],"a/b~":3})"),
            "/a~1b~0: unknown key 'a/b~' (expected one of: patterns, max_streams)");
  EXPECT_EQ(options_error(R"({"patterns":["x"]})"), "/patterns/0: expected an object, found string");
  EXPECT_EQ(options_error(R"({"patterns":[{"literal":"x"}]})"), "/patterns/0: missing \"name\"");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"","literal":"x"}]})"), "/patterns/0/name: must not be empty");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":7,"literal":"x"}]})"),
            "/patterns/0/name: expected a string, found number");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a","literal":"x"},{"name":"a","literal":"y"}]})"),
            "/patterns/1/name: duplicate pattern name 'a'");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a"}]})"), "/patterns/0: missing \"regex\" or \"literal\"");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a","regex":"x","literal":"x"}]})"),
            "/patterns/0/literal: a pattern has a \"regex\" or a \"literal\", not both");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a","literal":""}]})"), "/patterns/0/literal: must not be empty");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a","regex":["x"]}]})"),
            "/patterns/0/regex: expected a string, found array");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a","literal":"x","caseless":"yes"}]})"),
            "/patterns/0/caseless: expected true or false, found string");
  EXPECT_EQ(options_error(R"({"patterns":[{"name":"a","regx":"x"}]})"),
            "/patterns/0/regx: unknown key 'regx' (expected one of: name, regex, literal, caseless)");
}

TEST(DpiOptions, MaxStreamsMustBeInRange) {
  const std::string ok = R"({"patterns":[{"name":"a","literal":"x"}],"max_streams":)";
  EXPECT_EQ(options_error(ok + "0}"), "/max_streams: must be in 1..1048576, not 0");
  EXPECT_EQ(options_error(ok + "-1}"), "/max_streams: must be in 1..1048576, not -1");
  EXPECT_EQ(options_error(ok + "1048577}"), "/max_streams: must be in 1..1048576, not 1048577");
  EXPECT_EQ(options_error(ok + "99999999999}"), "/max_streams: must be in 1..1048576, not 99999999999");
  EXPECT_EQ(options_error(ok + "1.5}"), "/max_streams: expected an integer in 1..1048576, found number");
  EXPECT_EQ(options_error(ok + "\"8\"}"), "/max_streams: expected an integer in 1..1048576, found string");
  std::vector<Pattern> patterns;
  MatcherConfig config;
  std::string error;
  ASSERT_TRUE(parse_options(ok + "1048576}", &patterns, &config, &error)) << error;
  EXPECT_EQ(config.maxStreams, kMaxStreamsLimit);
}

}  // namespace
}  // namespace openwfp::callouts::dpi::test
