// What the dpi-block matcher tests share: pattern builders, create, feed.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dpi-block/matcher.hpp"

namespace openwfp::callouts::dpi::test {

inline Pattern literal(std::string name, std::string text, bool caseless = false) {
  return Pattern{std::move(name), std::move(text), true, caseless};
}
inline Pattern regex(std::string name, std::string text, bool caseless = false) {
  return Pattern{std::move(name), std::move(text), false, caseless};
}

// A matcher that must compile (the test fails with Hyperscan's message if not).
inline std::unique_ptr<Matcher> make_matcher(const std::vector<Pattern>& patterns, uint32_t maxStreams = 16) {
  std::string error;
  auto m = Matcher::create(patterns, MatcherConfig{maxStreams}, &error);
  EXPECT_NE(m, nullptr) << error;
  return m;
}

// The error create() gives (empty when it unexpectedly succeeds).
inline std::string create_error(const std::vector<Pattern>& patterns, uint32_t maxStreams = 16) {
  std::string error;
  auto m = Matcher::create(patterns, MatcherConfig{maxStreams}, &error);
  EXPECT_EQ(m, nullptr);
  return m == nullptr ? error : std::string();
}

inline bool feed(Matcher& m, uint32_t stream, std::string_view bytes, Matcher::Scratch& scratch,
                 Match* first = nullptr) {
  return m.scan(stream, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), scratch, first);
}

}  // namespace openwfp::callouts::dpi::test
