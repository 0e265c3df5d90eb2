// The dpi-block matcher: matches across chunk boundaries with stream offsets,
// literal and regex patterns, separate state per stream, the stream pool and
// its counters, and the errors of create().
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "callouts/dpi_matcher_support.hpp"

namespace openwfp::callouts::dpi::test {
namespace {

TEST(DpiMatcher, LiteralSplitAcrossTwoChunks) {
  auto m = make_matcher({literal("other", "zzzz"), literal("attack", "attack")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  ASSERT_NE(scratch, nullptr);
  const uint32_t s = m->open_stream();
  ASSERT_NE(s, 0u);
  Match first{99, 99};
  EXPECT_FALSE(feed(*m, s, "xxatt", *scratch, &first));
  ASSERT_TRUE(feed(*m, s, "ackyy", *scratch, &first));
  EXPECT_EQ(first.patternIndex, 1u);
  EXPECT_EQ(first.endOffset, 8u);  // "xxattack" ends at stream offset 8
  EXPECT_EQ(m->stats().matches, 1u);
  EXPECT_EQ(m->stats().bytesScanned, 10u);
  m->close_stream(s, *scratch);
}

TEST(DpiMatcher, LiteralFedOneByteAtATime) {
  auto m = make_matcher({literal("get", "GET /evil HTTP")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t s = m->open_stream();
  const std::string text = "POST /x HTTP/1.1\r\n\r\nGET /evi GET /evil HTTP/1.1\r\n";
  const size_t expectedEnd = text.find("GET /evil HTTP") + 14;
  size_t matchedAt = 0;
  Match first{0, 0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (feed(*m, s, std::string_view(text).substr(i, 1), *scratch, &first)) {
      matchedAt = i + 1;
      break;
    }
  }
  EXPECT_EQ(matchedAt, expectedEnd) << "the match is reported with the byte that completes it";
  EXPECT_EQ(first.patternIndex, 0u);
  EXPECT_EQ(first.endOffset, expectedEnd);
  m->close_stream(s, *scratch);
}

TEST(DpiMatcher, RegexAcrossChunks) {
  auto m = make_matcher({regex("exe", R"(evil[0-9]{3}\.exe)")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t s = m->open_stream();
  Match first{0, 0};
  EXPECT_FALSE(feed(*m, s, "get evil12.exe and evil", *scratch, &first));  // two digits only
  EXPECT_FALSE(feed(*m, s, "12", *scratch, &first));
  ASSERT_TRUE(feed(*m, s, "3.exe!", *scratch, &first));
  EXPECT_EQ(first.endOffset, 23u + 2u + 5u);
}

TEST(DpiMatcher, CaselessLiteralMatchesEitherCaseAndCaseSensitiveDoesNot) {
  auto m = make_matcher({literal("exact", "Secret"), literal("any-case", "AttAck", true)});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t a = m->open_stream();
  Match first{0, 0};
  EXPECT_FALSE(feed(*m, a, "SECRET secret sEcReT", *scratch, &first));
  ASSERT_TRUE(feed(*m, a, " aTTACK", *scratch, &first));
  EXPECT_EQ(first.patternIndex, 1u);
  EXPECT_EQ(first.endOffset, 27u);
  const uint32_t b = m->open_stream();
  ASSERT_TRUE(feed(*m, b, "a Secret", *scratch, &first));
  EXPECT_EQ(first.patternIndex, 0u);
  EXPECT_EQ(first.endOffset, 8u);
}

TEST(DpiMatcher, CaselessRegex) {
  auto m = make_matcher({regex("cmd", "cmd\\.exe", true)});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t s = m->open_stream();
  Match first{0, 0};
  EXPECT_TRUE(feed(*m, s, "run CMD.EXE", *scratch, &first));
  EXPECT_EQ(first.endOffset, 11u);
}

TEST(DpiMatcher, LiteralBytesAreNeverRegexSyntax) {
  const std::string withNul("a\0b", 3);
  auto m = make_matcher({literal("meta", "a.b*(c)?[x]\\d$"), literal("nul", withNul), literal("high", "\xff\xfe")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  Match first{0, 0};
  const uint32_t s1 = m->open_stream();
  EXPECT_FALSE(feed(*m, s1, "axbbbc x3 a.b(c)[x]d", *scratch, &first));
  ASSERT_TRUE(feed(*m, s1, "a.b*(c)?[x]\\d$", *scratch, &first));
  EXPECT_EQ(first.patternIndex, 0u);
  EXPECT_EQ(first.endOffset, 20u + 14u);

  const uint32_t s2 = m->open_stream();
  EXPECT_FALSE(feed(*m, s2, "a b ab a", *scratch, &first));
  ASSERT_TRUE(feed(*m, s2, std::string_view("\0b", 2), *scratch, &first));
  EXPECT_EQ(first.patternIndex, 1u);
  EXPECT_EQ(first.endOffset, 10u);

  const uint32_t s3 = m->open_stream();
  ASSERT_TRUE(feed(*m, s3, "\xfe\xff\xff\xfe", *scratch, &first));
  EXPECT_EQ(first.patternIndex, 2u);
  EXPECT_EQ(first.endOffset, 4u);
}

TEST(DpiMatcher, NearMissesDoNotMatch) {
  auto m = make_matcher({literal("attack", "attack"), regex("num", "id=[0-9]{4};")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t s = m->open_stream();
  Match first{0, 0};
  EXPECT_FALSE(feed(*m, s, "attac-k ttack atack ATTACK id=123; id=12345; id=", *scratch, &first));
  EXPECT_FALSE(feed(*m, s, "12a4; attak", *scratch, &first));
  EXPECT_EQ(m->stats().matches, 0u);
  EXPECT_EQ(m->stats().bytesScanned, 48u + 11u);
  EXPECT_EQ(m->stats().scanErrors, 0u);
}

TEST(DpiMatcher, InterleavedStreamsKeepSeparateState) {
  auto m = make_matcher({literal("attack", "attack")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t a = m->open_stream();
  const uint32_t b = m->open_stream();
  ASSERT_NE(a, 0u);
  ASSERT_NE(b, 0u);
  ASSERT_NE(a, b);
  Match first{0, 0};
  EXPECT_FALSE(feed(*m, a, "att", *scratch, &first));
  EXPECT_FALSE(feed(*m, b, "ack", *scratch, &first));        // "ack" alone is no match on b
  EXPECT_FALSE(feed(*m, b, "12345 at", *scratch, &first));
  ASSERT_TRUE(feed(*m, a, "ack", *scratch, &first));         // a's "att" + "ack"
  EXPECT_EQ(first.endOffset, 6u);
  ASSERT_TRUE(feed(*m, b, "tack", *scratch, &first));        // b's own "at" + "tack"
  EXPECT_EQ(first.endOffset, 15u);
}

TEST(DpiMatcher, EarliestEndingMatchIsReported) {
  auto m = make_matcher({literal("long", "abcdef"), literal("short", "cd"), literal("late", "efg")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t s = m->open_stream();
  Match first{0, 0};
  ASSERT_TRUE(feed(*m, s, "xabcdefg", *scratch, &first));
  EXPECT_EQ(first.patternIndex, 1u);
  EXPECT_EQ(first.endOffset, 5u);
}

TEST(DpiMatcher, AMatchedStreamIsFinishedUntilClosed) {
  auto m = make_matcher({literal("x", "bad")}, 1);
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t s = m->open_stream();
  Match first{0, 0};
  ASSERT_TRUE(feed(*m, s, "bad", *scratch, &first));
  EXPECT_FALSE(feed(*m, s, "bad bad", *scratch, &first));
  EXPECT_EQ(m->stats().bytesScanned, 3u) << "a finished stream is not scanned";
  EXPECT_EQ(m->stats().matches, 1u);
  EXPECT_EQ(m->stats().badStreamIds, 0u);
  m->close_stream(s, *scratch);
  const uint32_t again = m->open_stream();
  ASSERT_EQ(again, s);
  ASSERT_TRUE(feed(*m, again, "so bad", *scratch, &first));
  EXPECT_EQ(first.endOffset, 6u);
}

TEST(DpiMatcher, PoolExhaustionReturnsZeroAndCounts) {
  auto m = make_matcher({literal("x", "bad")}, 3);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->max_streams(), 3u);
  std::array<uint32_t, 3> ids{};
  for (uint32_t& id : ids) {
    id = m->open_stream();
    EXPECT_GE(id, 1u);
    EXPECT_LE(id, 3u);
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
  EXPECT_NE(ids[0], ids[2]);
  EXPECT_EQ(m->open_stream(), 0u);
  EXPECT_EQ(m->open_stream(), 0u);
  const MatcherStats st = m->stats();
  EXPECT_EQ(st.streamsOpened, 3u);
  EXPECT_EQ(st.refusedNoState, 2u);
  EXPECT_EQ(st.streamsClosed, 0u);
}

TEST(DpiMatcher, ClosedSlotIsReusedWithFreshState) {
  auto m = make_matcher({literal("attack", "attack")}, 1);
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t s = m->open_stream();
  ASSERT_EQ(s, 1u);
  Match first{0, 0};
  EXPECT_FALSE(feed(*m, s, "12att", *scratch, &first));
  EXPECT_EQ(m->open_stream(), 0u);
  m->close_stream(s, *scratch);
  const uint32_t reused = m->open_stream();
  ASSERT_EQ(reused, s);
  // The old "att" is gone, and offsets start again from 0.
  EXPECT_FALSE(feed(*m, reused, "ack", *scratch, &first));
  ASSERT_TRUE(feed(*m, reused, "attack", *scratch, &first));
  EXPECT_EQ(first.endOffset, 9u);
  const MatcherStats st = m->stats();
  EXPECT_EQ(st.streamsOpened, 2u);
  EXPECT_EQ(st.streamsClosed, 1u);
  EXPECT_EQ(st.refusedNoState, 1u);
}

TEST(DpiMatcher, BadIdsAreRefusedAndCounted) {
  auto m = make_matcher({literal("x", "bad")}, 2);
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  Match first{0, 0};
  EXPECT_FALSE(feed(*m, 0, "bad", *scratch, &first));
  EXPECT_FALSE(feed(*m, 3, "bad", *scratch, &first));
  EXPECT_FALSE(feed(*m, 1, "bad", *scratch, &first));  // in range, never opened
  const uint32_t s = m->open_stream();
  m->close_stream(s, *scratch);
  m->close_stream(s, *scratch);  // a second close must not put the id on the free list twice
  m->close_stream(0, *scratch);
  EXPECT_EQ(m->stats().badStreamIds, 5u);
  EXPECT_EQ(m->stats().streamsClosed, 1u);
  EXPECT_EQ(m->stats().bytesScanned, 0u);
  const uint32_t x = m->open_stream();
  const uint32_t y = m->open_stream();
  EXPECT_NE(x, 0u);
  EXPECT_NE(y, 0u);
  EXPECT_NE(x, y);
  EXPECT_EQ(m->open_stream(), 0u);
}

TEST(DpiMatcher, ScratchOfAnotherMatcherIsRefused) {
  auto small = make_matcher({literal("x", "bad")});
  auto big = make_matcher({regex("r", "(a|b)[^x]{40,90}c"), literal("y", "bad")});
  ASSERT_NE(small, nullptr);
  ASSERT_NE(big, nullptr);
  auto smallScratch = small->make_scratch();
  auto bigScratch = big->make_scratch();
  const uint32_t s = big->open_stream();
  Match first{0, 0};
  EXPECT_FALSE(feed(*big, s, "bad", *smallScratch, &first));
  EXPECT_EQ(big->stats().badStreamIds, 1u);
  EXPECT_TRUE(feed(*big, s, "bad", *bigScratch, &first));
  EXPECT_EQ(first.endOffset, 3u) << "the refused scan left the stream untouched";
}

TEST(DpiMatcher, ScratchMayOutliveItsMatcher) {
  auto m = make_matcher({literal("x", "bad")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  ASSERT_NE(scratch, nullptr);
  m.reset();
  scratch.reset();  // frees Hyperscan's scratch; ASan builds check it
}

TEST(DpiMatcher, SizesAndPatternsAreReported) {
  const std::vector<Pattern> patterns{literal("a", "one"), regex("b", "tw+o")};
  auto m = make_matcher(patterns, 4);
  ASSERT_NE(m, nullptr);
  EXPECT_GT(m->database_bytes(), 0u);
  EXPECT_GT(m->stream_state_bytes(), 0u);
  EXPECT_EQ(m->pool_bytes(), 4 * m->stream_state_bytes());
  ASSERT_EQ(m->patterns().size(), 2u);
  EXPECT_EQ(m->patterns()[1].name, "b");
  EXPECT_EQ(m->patterns()[1].expression, "tw+o");
}

TEST(DpiMatcher, EndOfStreamMatchesAreNotReported) {
  // "bad\b" may match at the end of the data (a word boundary), which only
  // close would report; the same text followed by a space matches at once.
  auto m = make_matcher({regex("word", "bad\\b")});
  ASSERT_NE(m, nullptr);
  auto scratch = m->make_scratch();
  const uint32_t s = m->open_stream();
  Match first{0, 0};
  EXPECT_FALSE(feed(*m, s, "so bad", *scratch, &first));
  m->close_stream(s, *scratch);
  EXPECT_EQ(m->stats().matches, 0u);
  const uint32_t t = m->open_stream();
  EXPECT_TRUE(feed(*m, t, "so bad ", *scratch, &first));
  EXPECT_EQ(first.endOffset, 6u);
}

TEST(DpiMatcher, CreateNamesTheBadPatternByPath) {
  EXPECT_EQ(create_error({literal("ok", "fine"), regex("broken", "(abc")}).rfind("/patterns/1/regex: ", 0), 0u);
  EXPECT_EQ(create_error({literal("empty", "")}), "/patterns/0/literal: must not be empty");
  EXPECT_EQ(create_error({literal("ok", "x"), literal("ok2", "y"), regex("empty-match", "a*")})
                .rfind("/patterns/2/regex: matches the empty string", 0),
            0u);
  EXPECT_EQ(create_error({regex("at-end", "abc\\z")}).rfind("/patterns/0/regex: can only match at the end", 0), 0u);
  EXPECT_EQ(create_error({regex("nul", std::string("a\0b", 3))}).rfind("/patterns/0/regex: contains a NUL", 0), 0u);
  EXPECT_EQ(create_error({}), "/patterns: at least one pattern is needed");
  EXPECT_EQ(create_error({literal("x", "y")}, 0).rfind("/max_streams: ", 0), 0u);
  EXPECT_EQ(create_error({literal("x", "y")}, kMaxStreamsLimit + 1).rfind("/max_streams: ", 0), 0u);
  const std::string message = create_error({regex("broken", "ab(c")});
  EXPECT_NE(message.find("parenthesis"), std::string::npos) << message;  // Hyperscan's own words
}

// Threads serving different streams at once, each with its own scratch,
// share one small pool: ids are never handed to two holders at once, every
// scan is right, and the counters add up.
TEST(DpiMatcher, ThreadsShareThePool) {
  constexpr uint32_t kStreams = 3;
  constexpr int kThreads = 4;
  constexpr int kRounds = 3000;
  auto m = make_matcher({literal("attack", "attack")}, kStreams);
  ASSERT_NE(m, nullptr);
  std::array<std::atomic<int>, kStreams + 1> holders{};
  std::atomic<int> doubleHeld{0}, wrong{0}, refused{0};
  auto work = [&](int seed) {
    auto scratch = m->make_scratch();
    for (int round = 0; round < kRounds; ++round) {
      const uint32_t s = m->open_stream();
      if (s == 0) {
        refused.fetch_add(1);
        continue;
      }
      if (holders[s].fetch_add(1) != 0) doubleHeld.fetch_add(1);
      const bool hostile = (round + seed) % 2 == 0;
      Match first{0, 0};
      bool hit = feed(*m, s, "GET /x", *scratch, &first);
      hit = feed(*m, s, hostile ? "?q=att" : "?q=abc", *scratch, &first) || hit;
      hit = feed(*m, s, "ack", *scratch, &first) || hit;
      if (hit != hostile || (hit && first.endOffset != 15u)) wrong.fetch_add(1);
      holders[s].fetch_sub(1);
      m->close_stream(s, *scratch);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(doubleHeld.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  const MatcherStats st = m->stats();
  EXPECT_EQ(st.streamsOpened + st.refusedNoState, uint64_t{kThreads} * kRounds);
  EXPECT_EQ(st.refusedNoState, static_cast<uint64_t>(refused.load()));
  EXPECT_EQ(st.streamsClosed, st.streamsOpened);
  EXPECT_EQ(st.scanErrors, 0u);
  EXPECT_EQ(st.badStreamIds, 0u);
  // Every id is free again.
  for (uint32_t i = 0; i < kStreams; ++i) EXPECT_NE(m->open_stream(), 0u);
  EXPECT_EQ(m->open_stream(), 0u);
}

}  // namespace
}  // namespace openwfp::callouts::dpi::test
