// 1000 random streams, cut into random chunks and scanned interleaved with
// each other, against a naive search over the whole stream text.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "callouts/dpi_matcher_support.hpp"

namespace openwfp::callouts::dpi::test {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Where each pattern first ends in `text` (std::string::npos for never).
// Patterns 0..2 are literals; pattern 3 is the regex "ab+c", searched by hand.
// No two of them can end at the same offset (their last bytes or the bytes
// before differ), so the earliest end names exactly one pattern.
std::vector<size_t> first_ends(const std::string& text, const std::vector<Pattern>& patterns) {
  std::vector<size_t> ends;
  for (const Pattern& p : patterns) {
    if (p.literal) {
      const size_t at = p.caseless ? lower(text).find(lower(p.expression)) : text.find(p.expression);
      ends.push_back(at == std::string::npos ? at : at + p.expression.size());
      continue;
    }
    size_t end = std::string::npos;
    for (size_t e = 3; e <= text.size() && end == std::string::npos; ++e) {
      if (text[e - 1] != 'c') continue;
      size_t i = e - 1;
      while (i > 0 && text[i - 1] == 'b') --i;
      if (i < e - 1 && i > 0 && text[i - 1] == 'a') end = e;
    }
    ends.push_back(end);
  }
  return ends;
}

struct Live {
  uint32_t id = 0;
  std::string text;
  std::vector<size_t> cuts;  // chunk boundaries, ascending, ending at text.size()
  size_t next = 0;           // chunks fed so far
  size_t fed = 0;            // bytes fed so far
  std::optional<Match> match;
  size_t matchedAfter = 0;   // bytes fed when the match was reported
};

TEST(DpiMatcherReference, RandomStreamsAgreeWithNaiveSearch) {
  // A small alphabet so that partial and overlapping matches are common.
  const std::vector<Pattern> patterns{literal("dad", "dad"), literal("bAbA", "bAbA", true), literal("ccc", "ccc"),
                                      regex("ab+c", "ab+c")};
  constexpr uint32_t kConcurrent = 8;
  constexpr int kStreams = 1000;
  auto m = make_matcher(patterns, kConcurrent);
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  std::mt19937 rng(20240611);
  const std::string alphabet = "abcdAB";
  auto pick = [&](size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng); };

  auto make_live = [&] {
    Live l;
    l.id = m->open_stream();
    const size_t length = pick(0, 60);
    for (size_t i = 0; i < length; ++i) l.text += alphabet[pick(0, alphabet.size() - 1)];
    size_t at = 0;
    while (at < length) {
      at += std::min(length - at, pick(0, 9));  // 0-byte chunks too
      l.cuts.push_back(at);
    }
    if (l.cuts.empty()) l.cuts.push_back(0);
    return l;
  };

  int started = 0, finished = 0, matched = 0;
  uint64_t bytes = 0;
  std::vector<Live> live;
  while (finished < kStreams) {
    while (live.size() < kConcurrent && started < kStreams) {
      live.push_back(make_live());
      ASSERT_NE(live.back().id, 0u) << "the pool holds kConcurrent streams";
      ++started;
    }
    const size_t index = pick(0, live.size() - 1);
    Live& l = live[index];
    const size_t from = l.fed;
    const size_t to = l.cuts[l.next++];
    Match first{0, 0};
    const bool hit = m->scan(l.id, reinterpret_cast<const uint8_t*>(l.text.data()) + from, to - from, *scratch, &first);
    if (!l.match) bytes += to - from;
    if (hit) {
      ASSERT_FALSE(l.match.has_value()) << "a stream reports one match";
      l.match = first;
      l.matchedAfter = to;
    }
    l.fed = to;
    if (l.next == l.cuts.size()) {
      const std::vector<size_t> ends = first_ends(l.text, patterns);
      const size_t earliest = *std::min_element(ends.begin(), ends.end());
      SCOPED_TRACE("stream text: " + l.text);
      if (earliest == std::string::npos) {
        EXPECT_FALSE(l.match.has_value()) << "false match of pattern " << l.match->patternIndex;
      } else {
        ++matched;
        ASSERT_TRUE(l.match.has_value()) << "missed a match ending at " << earliest;
        EXPECT_EQ(l.match->endOffset, earliest);
        ASSERT_LT(l.match->patternIndex, patterns.size());
        EXPECT_EQ(ends[l.match->patternIndex], earliest) << "the reported pattern ends there";
        // Reported by the chunk holding the match's last byte.
        const auto cut = std::lower_bound(l.cuts.begin(), l.cuts.end(), earliest);
        EXPECT_EQ(l.matchedAfter, *cut);
      }
      m->close_stream(l.id, *scratch);
      if (index + 1 != live.size()) l = std::move(live.back());
      live.pop_back();
      ++finished;
    }
  }
  // The data makes both outcomes common, so neither side is trivially right.
  EXPECT_GT(matched, kStreams / 5);
  EXPECT_LT(matched, kStreams * 4 / 5);
  const MatcherStats st = m->stats();
  EXPECT_EQ(st.streamsOpened, uint64_t{kStreams});
  EXPECT_EQ(st.streamsClosed, uint64_t{kStreams});
  EXPECT_EQ(st.matches, static_cast<uint64_t>(matched));
  EXPECT_EQ(st.bytesScanned, bytes);
  EXPECT_EQ(st.scanErrors + st.badStreamIds + st.refusedNoState, 0u);
}

}  // namespace
}  // namespace openwfp::callouts::dpi::test
