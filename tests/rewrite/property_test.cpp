// Randomised property test: random streams both ways, cut into random
// segments with random (lagging) acknowledgements and retransmissions, edited
// by random scripts (removals, insertions, replacements, at the start, at
// segment ends and at the end of the stream). The emitted streams equal the
// edited streams, every ack equals the translated position of what the
// original ack covered, clamped to what was sent, and the conversation passes
// the Wire's sequence analysis with valid checksums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "rewrite_test_support.hpp"

namespace openwfp::rewrite::test {
namespace {

using Rng = std::mt19937_64;

uint64_t uniform(Rng& rng, uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); }
bool chance(Rng& rng, double p) { return std::bernoulli_distribution(p)(rng); }

Bytes random_bytes(Rng& rng, uint64_t n) {
  Bytes b(n);
  for (uint8_t& x : b) x = static_cast<uint8_t>(uniform(rng, 0, 255));
  return b;
}

uint32_t random_isn(Rng& rng) {
  // near 2^32 often, so that streams wrap
  return chance(rng, 0.4) ? 0xFFFFFFFFu - static_cast<uint32_t>(uniform(rng, 0, 3000)) : static_cast<uint32_t>(rng());
}

// Sorted, non-overlapping edits over a stream of `length` bytes; several may
// share a point, one may sit at the very end.
std::vector<Edit> random_edits(Rng& rng, uint64_t length) {
  std::vector<Edit> edits;
  const uint64_t wanted = uniform(rng, 0, 12);
  uint64_t at = 0;
  while (edits.size() < wanted) {
    at += chance(rng, 0.2) ? 0 : uniform(rng, 0, 800);
    if (at > length) break;
    Edit e;
    e.at = at;
    e.removed = chance(rng, 0.35) ? 0 : uniform(rng, 0, std::min<uint64_t>(length - at, 1500));
    if (!chance(rng, 0.3)) e.inserted = random_bytes(rng, uniform(rng, 0, 2000));
    at += e.removed;
    edits.push_back(std::move(e));
  }
  return edits;
}

TEST(TcpRewriterProperty, RandomEditScriptsGiveTheEditedStreamsAndTranslatedAcks) {
  Rng rng(20240611);
  for (int round = 0; round < 250; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const bool v6 = chance(rng, 0.5);
    Conversation c(Capture{v6}, random_isn(rng), random_isn(rng));
    Bytes streams[2] = {random_bytes(rng, uniform(rng, 0, 5000)), random_bytes(rng, uniform(rng, 0, 7000))};
    if (chance(rng, 0.1)) streams[0].clear();

    // The original conversation: segments, pure ACKs, lagging acks, retransmissions.
    c.handshake();
    uint64_t pos[2] = {0, 0};
    int64_t ackedBy[2] = {0, 0};  // what each side acknowledged of its peer
    std::vector<size_t> dataSteps;
    std::vector<bool> decideEarly;  // step i's bytes are decided before step i - 1 goes out
    while (pos[0] < streams[0].size() || pos[1] < streams[1].size()) {
      const int d = pos[0] == streams[0].size() ? 1 : pos[1] == streams[1].size() ? 0 : static_cast<int>(uniform(rng, 0, 1));
      const Dir dir = d == 0 ? C2S : S2C;
      const int p = 1 - d;
      const int64_t peerSent = static_cast<int64_t>(pos[p]);
      ackedBy[d] = chance(rng, 0.5) ? peerSent : static_cast<int64_t>(uniform(rng, static_cast<uint64_t>(ackedBy[d]),
                                                                               static_cast<uint64_t>(peerSent)));
      const uint64_t roll = uniform(rng, 0, 99);
      if (roll < 8 && !dataSteps.empty()) {
        c.retransmit(dataSteps[uniform(rng, 0, dataSteps.size() - 1)]);
      } else if (roll < 20) {
        c.send(dir, {}, ackedBy[d]);
      } else {
        const uint64_t n = std::min<uint64_t>(streams[d].size() - pos[d], uniform(rng, 1, 1460));
        dataSteps.push_back(c.steps.size());
        c.send(dir, Bytes(streams[d].begin() + static_cast<std::ptrdiff_t>(pos[d]),
                          streams[d].begin() + static_cast<std::ptrdiff_t>(pos[d] + n)),
               ackedBy[d]);
        pos[d] += n;
        if (chance(rng, 0.1)) {
          // The capture holds the peer's ACK of this segment before the
          // segment itself; its bytes are decided before that ACK or after.
          ackedBy[p] = static_cast<int64_t>(pos[d]);
          c.send(p == 0 ? C2S : S2C, {}, ackedBy[p]);
          std::swap(c.steps[c.steps.size() - 1], c.steps[c.steps.size() - 2]);
          dataSteps.back() = c.steps.size() - 1;
          decideEarly.resize(c.steps.size(), false);
          decideEarly.back() = chance(rng, 0.5);
        }
      }
    }
    const Dir firstFin = chance(rng, 0.5) ? C2S : S2C;
    c.fin(firstFin);
    c.fin(opposite(firstFin));
    c.send(firstFin, {});

    const std::vector<Edit> edits[2] = {random_edits(rng, streams[0].size()), random_edits(rng, streams[1].size())};
    Editor editors[2] = {Editor(C2S, edits[0], chance(rng, 0.5)), Editor(S2C, edits[1], chance(rng, 0.5))};
    Config config;
    const uint32_t payloads[] = {1460, 536, 100};
    config.maxSegmentPayload = payloads[uniform(rng, 0, 2)];
    TcpRewriter rw(config);
    rw.start(C2S, c.base_seq(C2S), 0);
    rw.start(S2C, c.base_seq(S2C), 0);
    Wire wire;

    // Play step by step, checking each emitted ack against the reference
    // (the editor's own record of where each original byte went).
    int64_t lastExpected[2] = {-1, -1};
    decideEarly.resize(c.steps.size() + 1, false);
    const auto decide = [&](const Step& s) {
      Editor& ed = editors[idx(s.dir)];
      if (!s.retransmission) {
        if (!s.payload.empty()) ed.decide(rw, s.offset, s.payload);
        if ((s.flags & FIN) != 0) {
          ed.finish(rw);
          rw.end(s.dir);
        }
        // The peer cannot have acknowledged these bytes yet: nothing about
        // them was pruned, so the reported translation is exact.
        for (uint64_t x = s.offset; x <= s.offset + s.payload.size(); ++x)
          ASSERT_EQ(rw.output_offset(s.dir, x), ed.reference(x)) << "offset " << x;
      }
    };
    for (size_t k = 0; k < c.steps.size(); ++k) {
      const Step& s = c.steps[k];
      if (decideEarly[k + 1]) decide(c.steps[k + 1]);
      if (!decideEarly[k]) decide(s);
      if (HasFatalFailure()) return;
      const Dir peer = opposite(s.dir);
      const size_t first = wire.packets.size();
      wire.feed(rw, s.dir, s.captured);
      if ((s.flags & ACK) == 0) continue;
      const int64_t sentPeer = static_cast<int64_t>(wire.stream(peer).size()) + wire.fins(peer);
      const Editor& peerEd = editors[idx(peer)];
      int64_t expected = std::min<int64_t>(static_cast<int64_t>(peerEd.reference(static_cast<uint64_t>(s.acked))), sentPeer);
      expected = std::max(expected, lastExpected[idx(s.dir)]);
      lastExpected[idx(s.dir)] = expected;
      for (size_t i = first; i < wire.packets.size(); ++i) {
        ASSERT_EQ(wire.packets[i].ack, c.base_seq(peer) + static_cast<uint32_t>(expected))
            << "packet " << i << " step " << k << " acks " << s.acked << " sent " << sentPeer << " decided "
            << rw.decided_original(peer) << " retransmission " << s.retransmission;
        ASSERT_LE(expected, sentPeer);
      }
    }
    for (const std::string& p : wire.problems) ADD_FAILURE() << p;
    if (!wire.problems.empty()) break;

    EXPECT_EQ(wire.stream(C2S), Editor::apply(streams[0], edits[0]));
    EXPECT_EQ(wire.stream(S2C), Editor::apply(streams[1], edits[1]));
    EXPECT_EQ(wire.fins(C2S), 1);
    EXPECT_EQ(wire.fins(S2C), 1);
    EXPECT_EQ(wire.next_seq(C2S), c.base_seq(C2S) + static_cast<uint32_t>(wire.stream(C2S).size()) + 1);
    for (const Emitted& e : wire.packets) EXPECT_LE(e.payload.size(), config.maxSegmentPayload);
    EXPECT_EQ(rw.output_offset(C2S, streams[0].size()), wire.stream(C2S).size());
    EXPECT_EQ(rw.output_offset(S2C, streams[1].size()), wire.stream(S2C).size());
    EXPECT_EQ(rw.stats().refusedQueueFull + rw.stats().refusedBreakpointsFull, 0u);
  }
}

}  // namespace
}  // namespace openwfp::rewrite::test
