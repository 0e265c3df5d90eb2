// TcpRewriter over scripted conversations built with src/craft: identity,
// replacements, removals, insertions, splitting, FINs, sequence wrap-around,
// refusals, SACK blanking and duplicate-ACK suppression. Every emitted packet
// is decoded with src/decode and checked by the Wire.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "rewrite_test_support.hpp"

namespace openwfp::rewrite::test {
namespace {

struct Variant {
  bool v6;
  uint32_t clientIsn, serverIsn;
};
const Variant kVariants[] = {
    {false, 1000, 500000},
    {true, 1000, 500000},
    {false, 0xFFFFFFF0u, 0xFFFFFFFEu},  // both directions cross 2^32 early
    {true, 0xFFFFFFC0u, 0x7FFFFFF0u},
};

std::string describe(const Variant& v) {
  return std::string(v.v6 ? "IPv6" : "IPv4") + " isn " + std::to_string(v.clientIsn) + "/" +
         std::to_string(v.serverIsn);
}

const std::string kRequest1 = "GET /index.html HTTP/1.1\r\nHost: www.exa";
const std::string kRequest2 = "mple.com\r\nUser-Agent: openwfp\r\nAccept: */*\r\n\r\n";
const std::string kResponse[3] = {"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n",
                                  "Content-Type: text/plain\r\n\r\n", "hello from www.example.com...\n"};

// Handshake, a request in 2 segments, its ACK, a response in 3 segments, an
// ACK, FINs both ways and the last ACK. Every segment acknowledges all the
// peer sent.
Conversation http_conversation(const Variant& v) {
  Conversation c(Capture{v.v6}, v.clientIsn, v.serverIsn);
  c.handshake();
  c.send(C2S, bytes(kRequest1));
  c.send(C2S, bytes(kRequest2));
  c.send(S2C, {});
  for (const std::string& r : kResponse) c.send(S2C, bytes(r));
  c.send(C2S, {});
  c.fin(C2S);
  c.fin(S2C);
  c.send(C2S, {});
  return c;
}


void start_both(TcpRewriter& rw, const Conversation& c) {
  rw.start(C2S, c.base_seq(C2S), 0);
  rw.start(S2C, c.base_seq(S2C), 0);
}

void expect_clean(const Wire& wire) {
  for (const std::string& p : wire.problems) ADD_FAILURE() << p;
}

// Every packet of d acknowledges everything the peer had put on the wire.
void expect_acks_everything(const Wire& wire, const Conversation& c, Dir d) {
  uint32_t peerNext = 0;
  bool peerSeen = false;
  for (size_t i = 0; i < wire.packets.size(); ++i) {
    const Emitted& e = wire.packets[i];
    if (e.dir == d && (e.flags & ACK) != 0) {
      ASSERT_TRUE(peerSeen) << "packet " << i;
      EXPECT_EQ(e.ack, peerNext) << "packet " << i;
    }
    if (e.dir != d) {
      peerSeen = true;
      peerNext = e.seq + static_cast<uint32_t>(e.payload.size()) + ((e.flags & (SYN | FIN)) != 0 ? 1u : 0u);
    }
  }
  (void)c;
}

TEST(TcpRewriter, IdentityEmitsEveryPacketUnchanged) {
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(describe(v));
    const Conversation c = http_conversation(v);
    TcpRewriter rw;
    start_both(rw, c);
    Wire wire;
    Editor client(C2S, {}), server(S2C, {});
    const auto emitted = play(c, rw, wire, client, server);
    ASSERT_EQ(wire.packets.size(), c.steps.size());
    for (size_t i = 0; i < c.steps.size(); ++i) {
      EXPECT_EQ(emitted[i].second - emitted[i].first, 1u) << "step " << i;
      EXPECT_EQ(wire.packets[i].ip, c.steps[i].captured) << "step " << i;
    }
    expect_clean(wire);
    EXPECT_EQ(rw.stats().segmentsIn, c.steps.size());
    EXPECT_EQ(rw.stats().segmentsOut, c.steps.size());
    EXPECT_EQ(rw.stats().segmentsSuppressed, 0u);
    EXPECT_EQ(rw.stats().bytesPassed, kRequest1.size() + kRequest2.size() + kResponse[0].size() +
                                          kResponse[1].size() + kResponse[2].size());
    EXPECT_EQ(rw.breakpoints(C2S), 0u);
  }
}

// "www.example.com" spans the request's two segments.
void check_replacement(const std::string& replacement) {
  const std::string request = kRequest1 + kRequest2;
  const uint64_t at = request.find("www.example.com");
  const std::vector<Edit> edits = {{at, 15, bytes(replacement)}};
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(describe(v));
    const Conversation c = http_conversation(v);
    TcpRewriter rw;
    start_both(rw, c);
    Wire wire;
    Editor client(C2S, edits), server(S2C, {});
    play(c, rw, wire, client, server);
    expect_clean(wire);

    std::string edited = request;
    edited.replace(at, 15, replacement);
    EXPECT_EQ(str(wire.stream(C2S)), edited);
    EXPECT_EQ(str(wire.stream(S2C)), kResponse[0] + kResponse[1] + kResponse[2]);
    expect_acks_everything(wire, c, S2C);  // translated: the client's output seq + len
    expect_acks_everything(wire, c, C2S);
    EXPECT_EQ(wire.fins(C2S), 1);
    EXPECT_EQ(wire.fins(S2C), 1);
    // The client's FIN sits right after the edited request.
    for (const Emitted& e : wire.packets) {
      if (e.dir == C2S && (e.flags & FIN) != 0) {
        EXPECT_EQ(e.seq, c.base_seq(C2S) + static_cast<uint32_t>(edited.size()));
      }
    }
    // The end of the request (after the acks pruned the breakpoints) and,
    // before any ack, the replaced range.
    EXPECT_EQ(rw.output_offset(C2S, request.size()), edited.size());
    EXPECT_EQ(rw.output_offset(C2S, request.size() + 1), edited.size() + 1);  // the FIN
    EXPECT_EQ(rw.output_offset(S2C, 40), 40u);                                // the response is untouched
    {
      Conversation partial(Capture{v.v6}, v.clientIsn, v.serverIsn);
      partial.handshake();
      partial.send(C2S, bytes(kRequest1));
      partial.send(C2S, bytes(kRequest2));
      TcpRewriter fresh;
      start_both(fresh, partial);
      Wire w;
      Editor cl(C2S, edits), sv(S2C, {});
      play(partial, fresh, w, cl, sv);
      EXPECT_EQ(fresh.breakpoints(C2S), 2u);
      EXPECT_EQ(fresh.output_offset(C2S, at - 1), at - 1);
      EXPECT_EQ(fresh.output_offset(C2S, at), at + replacement.size());  // after the new bytes
      EXPECT_EQ(fresh.output_offset(C2S, at + 7), at + replacement.size());
      EXPECT_EQ(fresh.output_offset(C2S, at + 15), at + replacement.size());
      EXPECT_EQ(fresh.output_offset(C2S, at + 16), at + replacement.size() + 1);
      EXPECT_EQ(str(w.stream(C2S)), edited);
    }
    EXPECT_EQ(rw.stats().bytesDropped, 15u);
    EXPECT_EQ(rw.stats().bytesInserted, replacement.size());
    for (const Emitted& e : wire.packets) EXPECT_EQ(e.ip[0] >> 4, v.v6 ? 6 : 4);
  }
}

TEST(TcpRewriter, ReplacesAStringWithALongerOne) { check_replacement("images.example.org.test"); }
TEST(TcpRewriter, ReplacesAStringWithAShorterOne) { check_replacement("ex.io"); }

TEST(TcpRewriter, SequenceNumbersWrapPast2To32) {
  const Variant v{false, 0xFFFFFFF8u, 0xFFFFFFFFu};  // the server's data starts at sequence 0
  const Conversation c = http_conversation(v);
  TcpRewriter rw;
  start_both(rw, c);
  Wire wire;
  const std::string request = kRequest1 + kRequest2;
  Editor client(C2S, {{4, 1, bytes("/very/long/path/to/")}}), server(S2C, {{0, 8, {}}});
  play(c, rw, wire, client, server);
  expect_clean(wire);
  EXPECT_EQ(str(wire.stream(C2S)), request.substr(0, 4) + "/very/long/path/to/" + request.substr(5));
  const std::string response = kResponse[0] + kResponse[1] + kResponse[2];
  EXPECT_EQ(str(wire.stream(S2C)), response.substr(8));
  bool wrapped = false;
  uint32_t previous = 0;
  for (const Emitted& e : wire.packets) {
    if (e.dir != C2S) continue;
    if (e.seq < previous) wrapped = true;
    previous = e.seq;
  }
  EXPECT_TRUE(wrapped);
  expect_acks_everything(wire, c, S2C);
  expect_acks_everything(wire, c, C2S);
}

// A segment whose bytes are all removed, an insertion without removal longer
// than maxSegmentPayload, the FIN after the last byte and its ack translated.
TEST(TcpRewriter, RemovesASegmentInsertsSplitsAndCarriesTheFin) {
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(describe(v));
    Conversation c(Capture{v.v6}, v.clientIsn, v.serverIsn);
    c.handshake();
    const Bytes seg1 = bytes("first segment;"), seg2 = bytes("second, removed;"), seg3 = bytes("third.");
    c.send(C2S, seg1);
    c.send(S2C, {});
    c.send(C2S, seg2);  // acks what the first one acked: a duplicate once its bytes are gone
    c.send(S2C, {});    // acks the removed bytes
    c.send(C2S, seg3);
    c.send(S2C, {});
    c.fin(C2S);
    c.fin(S2C);
    c.send(C2S, {});

    Bytes big(2500);
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>('a' + i % 26);
    const uint64_t third = seg1.size() + seg2.size();
    const std::vector<Edit> edits = {{seg1.size(), seg2.size(), {}}, {third, 0, big}};
    Config config;
    config.maxSegmentPayload = 1000;
    TcpRewriter rw(config);
    start_both(rw, c);
    Wire wire;
    Editor client(C2S, edits), server(S2C, {});
    const auto emitted = play(c, rw, wire, client, server);
    expect_clean(wire);

    Bytes expected = seg1;
    expected.insert(expected.end(), big.begin(), big.end());
    expected.insert(expected.end(), seg3.begin(), seg3.end());
    EXPECT_EQ(wire.stream(C2S), expected);
    // Step 5 (seg2) adds nothing. Step 6 acknowledges the removed bytes: that
    // maps to where they were, the ack step 4 already sent. Both suppressed.
    ASSERT_EQ(emitted[4].second - emitted[4].first, 1u);
    EXPECT_EQ(wire.packets[emitted[4].first].ack, c.base_seq(C2S) + static_cast<uint32_t>(seg1.size()));
    EXPECT_EQ(emitted[5].second - emitted[5].first, 0u);
    EXPECT_EQ(emitted[6].second - emitted[6].first, 0u);
    EXPECT_EQ(rw.stats().segmentsSuppressed, 2u);
    // step 7 (seg3) carries the insertion and seg3: 2506 bytes in packets of at most 1000
    ASSERT_EQ(emitted[7].second - emitted[7].first, 3u);
    for (size_t i = emitted[7].first; i < emitted[7].second; ++i)
      EXPECT_LE(wire.packets[i].payload.size(), 1000u);
    EXPECT_EQ(wire.packets[emitted[7].first].payload.size(), 1000u);
    // the FIN: one packet, right after the last byte; the server's ack of it translated
    ASSERT_EQ(emitted[9].second - emitted[9].first, 1u);
    const Emitted& fin = wire.packets[emitted[9].first];
    EXPECT_EQ(fin.flags & FIN, FIN);
    EXPECT_TRUE(fin.payload.empty());
    EXPECT_EQ(fin.seq, c.base_seq(C2S) + static_cast<uint32_t>(expected.size()));
    const Emitted& serverFin = wire.packets[emitted[10].first];
    EXPECT_EQ(serverFin.ack, fin.seq + 1);
    EXPECT_TRUE(rw.fin_sent(C2S));
    expect_acks_everything(wire, c, S2C);
  }
}

// Bytes inserted at the very end go out before the FIN, which rides on the
// last packet of the split.
TEST(TcpRewriter, FinRidesOnTheLastPacketOfASplit) {
  Conversation c(Capture{false}, 7, 9);
  c.handshake();
  c.fin(C2S, bytes("bye"));
  c.fin(S2C);
  c.send(C2S, {});
  Config config;
  config.maxSegmentPayload = 100;
  TcpRewriter rw(config);
  start_both(rw, c);
  Wire wire;
  const Bytes tail(250, 'z');
  Editor client(C2S, {{3, 0, tail}}), server(S2C, {});
  const auto emitted = play(c, rw, wire, client, server);
  expect_clean(wire);
  ASSERT_EQ(emitted[3].second - emitted[3].first, 3u);
  for (size_t i = emitted[3].first; i < emitted[3].second; ++i)
    EXPECT_EQ(wire.packets[i].flags & FIN, i + 1 == emitted[3].second ? FIN : 0) << i;
  EXPECT_EQ(wire.stream(C2S).size(), 253u);
  EXPECT_EQ(wire.packets[emitted[4].first].ack, c.base_seq(C2S) + 253 + 1);
  EXPECT_EQ(wire.packets[emitted[5].first].ack, c.base_seq(S2C) + 1);
}

// A retransmission in the capture carries nothing new: suppressed, so the
// output has neither a retransmission nor a duplicate ACK.
TEST(TcpRewriter, CapturedRetransmissionsAreSuppressed) {
  Conversation c(Capture{true}, 100, 200);
  c.handshake();
  c.send(C2S, bytes("hello"));
  c.retransmit(3);
  c.send(S2C, bytes("world"));
  c.retransmit(5);
  c.send(C2S, {});
  TcpRewriter rw;
  start_both(rw, c);
  Wire wire;
  Editor client(C2S, {{0, 0, bytes(">>")}}), server(S2C, {});
  const auto emitted = play(c, rw, wire, client, server);
  expect_clean(wire);
  EXPECT_EQ(emitted[4].second - emitted[4].first, 0u);
  EXPECT_EQ(emitted[6].second - emitted[6].first, 0u);
  EXPECT_EQ(rw.stats().segmentsSuppressed, 2u);
  EXPECT_EQ(str(wire.stream(C2S)), ">>hello");
  EXPECT_EQ(str(wire.stream(S2C)), "world");
}

// A pure ACK that changes only the window still goes out (a window update).
TEST(TcpRewriter, WindowUpdatesAreKept) {
  Conversation c(Capture{false}, 100, 200);
  c.handshake();
  c.send(C2S, bytes("x"));
  c.send(C2S, {}, -1, 0, 1000);
  c.send(C2S, {}, -1, 0, 1000);
  TcpRewriter rw;
  start_both(rw, c);
  Wire wire;
  Editor client(C2S, {}), server(S2C, {});
  const auto emitted = play(c, rw, wire, client, server);
  expect_clean(wire);
  EXPECT_EQ(emitted[4].second - emitted[4].first, 1u);
  EXPECT_EQ(emitted[5].second - emitted[5].first, 0u);
}

TEST(TcpRewriter, SackBlocksBecomeNops) {
  Conversation c(Capture{false}, 100, 200);
  c.handshake();
  c.send(S2C, bytes("0123456789"));
  // a SACK block for bytes 20..30 of the server's stream, and a timestamp
  const Bytes options = {1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  c.send(C2S, {}, -1, 0, 64240, options);
  TcpRewriter rw;
  start_both(rw, c);
  Wire wire;
  Editor client(C2S, {}), server(S2C, {{2, 3, {}}});
  play(c, rw, wire, client, server);
  expect_clean(wire);
  const Emitted& e = wire.packets.back();
  ASSERT_EQ(e.dir, C2S);
  Bytes expected = options;
  for (size_t i = 2; i < 12; ++i) expected[i] = 1;
  expected.resize(24, 0);
  EXPECT_EQ(e.tcpOptions, expected);
  EXPECT_EQ(e.ack, c.base_seq(S2C) + 7);
}

TEST(TcpRewriter, QueueFullRefusalChangesNothing) {
  Config config;
  config.maxQueuedBytesPerDirection = 32;
  TcpRewriter rw(config);
  rw.start(C2S, 1000, 0);
  rw.start(S2C, 5000, 0);
  const Bytes data(40, 'd');
  ASSERT_EQ(rw.pass(C2S, data.data(), 20), Status::SUCCESS);
  EXPECT_EQ(rw.pass(C2S, data.data(), 13), Status::INSUFFICIENT_RESOURCES);
  EXPECT_EQ(rw.insert(C2S, data.data(), 13), Status::INSUFFICIENT_RESOURCES);
  EXPECT_EQ(rw.stats().refusedQueueFull, 2u);
  EXPECT_EQ(rw.queued_bytes(C2S), 20u);
  EXPECT_EQ(rw.decided_original(C2S), 20u);
  EXPECT_EQ(rw.decided_output(C2S), 20u);
  EXPECT_EQ(rw.breakpoints(C2S), 0u);
  EXPECT_EQ(rw.stats().bytesPassed, 20u);
  EXPECT_EQ(rw.stats().bytesInserted, 0u);

  const Bytes more = bytes("0123456789ab");
  ASSERT_EQ(rw.insert(C2S, more.data(), 12), Status::SUCCESS);
  EXPECT_EQ(rw.queued_bytes(C2S), 32u);
  Capture cap;
  Wire wire;
  wire.feed(rw, C2S, cap.segment(C2S, 1000, 5000, ACK | PSH, Bytes(20, 'd')));
  ASSERT_EQ(wire.packets.size(), 1u);
  EXPECT_EQ(str(wire.packets[0].payload), std::string(20, 'd') + "0123456789ab");
  EXPECT_EQ(rw.queued_bytes(C2S), 0u);
  EXPECT_EQ(rw.pass(C2S, data.data(), 32), Status::SUCCESS);  // the ring wraps
  wire.feed(rw, C2S, cap.segment(C2S, 1020, 5000, ACK | PSH, Bytes(32, 'd')));
  ASSERT_EQ(wire.packets.size(), 2u);
  EXPECT_EQ(wire.packets[1].payload, Bytes(32, 'd'));
  EXPECT_EQ(wire.packets[1].seq, 1032u);
  expect_clean(wire);
}

TEST(TcpRewriter, BreakpointsFullRefusalChangesNothingUntilAnAckPrunes) {
  Config config;
  config.maxBreakpointsPerDirection = 2;
  TcpRewriter rw(config);
  rw.start(C2S, 1000, 0);
  rw.start(S2C, 5000, 0);
  const Bytes data(100, 'p');
  ASSERT_EQ(rw.pass(C2S, data.data(), 10), Status::SUCCESS);
  ASSERT_EQ(rw.insert(C2S, data.data(), 5), Status::SUCCESS);  // breakpoint 1 at 10
  ASSERT_EQ(rw.insert(C2S, data.data(), 5), Status::SUCCESS);  // same point: shares it
  ASSERT_EQ(rw.pass(C2S, data.data(), 10), Status::SUCCESS);
  ASSERT_EQ(rw.drop(C2S, 4), Status::SUCCESS);  // breakpoint 2 at 24
  ASSERT_EQ(rw.drop(C2S, 2), Status::SUCCESS);  // continues the removal: moves it to 26
  EXPECT_EQ(rw.breakpoints(C2S), 2u);

  std::vector<uint64_t> before;
  for (uint64_t x = 0; x < 40; ++x) before.push_back(rw.output_offset(C2S, x));
  EXPECT_EQ(rw.insert(C2S, data.data(), 3), Status::INSUFFICIENT_RESOURCES);
  ASSERT_EQ(rw.pass(C2S, data.data(), 4), Status::SUCCESS);
  EXPECT_EQ(rw.drop(C2S, 1), Status::INSUFFICIENT_RESOURCES);
  EXPECT_EQ(rw.stats().refusedBreakpointsFull, 2u);
  EXPECT_EQ(rw.breakpoints(C2S), 2u);
  EXPECT_EQ(rw.queued_bytes(C2S), 34u);
  EXPECT_EQ(rw.decided_original(C2S), 30u);
  EXPECT_EQ(rw.decided_output(C2S), 34u);
  for (uint64_t x = 0; x < 40; ++x) EXPECT_EQ(rw.output_offset(C2S, x), before[x]) << x;
  EXPECT_EQ(before[10], 20u);
  EXPECT_EQ(before[24], 30u);
  EXPECT_EQ(before[25], 30u);
  EXPECT_EQ(before[26], 30u);
  EXPECT_EQ(before[30], 34u);

  Capture cap;
  Wire wire;
  wire.feed(rw, C2S, cap.segment(C2S, 1000, 5000, ACK | PSH, Bytes(30, 'p')));
  // the server acknowledges original byte 25: the breakpoint at 10 is pruned
  wire.feed(rw, S2C, cap.segment(S2C, 5000, 1000 + 25, ACK));
  EXPECT_EQ(wire.packets.back().ack, 1000u + 30);
  EXPECT_EQ(rw.breakpoints(C2S), 1u);
  EXPECT_EQ(rw.output_offset(C2S, 26), 30u);
  EXPECT_EQ(rw.output_offset(C2S, 29), 33u);
  EXPECT_EQ(rw.insert(C2S, data.data(), 3), Status::SUCCESS);
  EXPECT_EQ(rw.breakpoints(C2S), 2u);
  expect_clean(wire);
}

TEST(TcpRewriter, InvalidParameters) {
  TcpRewriter rw;
  const uint8_t b[4] = {1, 2, 3, 4};
  EXPECT_EQ(rw.pass(C2S, b, 4), Status::INVALID_PARAMETER);
  EXPECT_EQ(rw.drop(C2S, 4), Status::INVALID_PARAMETER);
  EXPECT_EQ(rw.insert(C2S, b, 4), Status::INVALID_PARAMETER);
  rw.start(C2S, 1, 0);
  EXPECT_EQ(rw.pass(S2C, b, 4), Status::INVALID_PARAMETER);  // the other direction is not started
  EXPECT_EQ(rw.pass(C2S, nullptr, 4), Status::INVALID_PARAMETER);
  EXPECT_EQ(rw.insert(C2S, nullptr, 1), Status::INVALID_PARAMETER);
  EXPECT_EQ(rw.pass(C2S, nullptr, 0), Status::SUCCESS);
  EXPECT_EQ(rw.insert(C2S, nullptr, 0), Status::SUCCESS);
  EXPECT_EQ(rw.drop(C2S, 0), Status::SUCCESS);
  EXPECT_EQ(rw.decided_original(C2S), 0u);
  EXPECT_EQ(rw.queued_bytes(C2S), 0u);
  rw.end(C2S);
  EXPECT_EQ(rw.pass(C2S, b, 4), Status::INVALID_PARAMETER);  // after the end
  rw.start(C2S, 1, 0);                                        // a restart forgets the end
  EXPECT_EQ(rw.pass(C2S, b, 4), Status::SUCCESS);
  EXPECT_EQ(rw.stats().bytesPassed, 4u);
}

// Rewriting picked up mid-stream: bytes before the start offset map to
// themselves; a direction never started goes out as captured, its acks
// translated.
TEST(TcpRewriter, StartsMidStreamAndLeavesAnUnstartedDirectionAlone) {
  TcpRewriter rw;
  rw.start(C2S, 1000, 500);
  Capture cap;
  Wire wire;
  const Bytes data = bytes("abcdef");
  ASSERT_EQ(rw.drop(C2S, 2), Status::SUCCESS);
  ASSERT_EQ(rw.pass(C2S, data.data() + 2, 4), Status::SUCCESS);
  wire.feed(rw, C2S, cap.segment(C2S, 1500, 9000, ACK | PSH, data));
  ASSERT_EQ(wire.packets.size(), 1u);
  EXPECT_EQ(wire.packets[0].seq, 1500u);
  EXPECT_EQ(wire.packets[0].ack, 9000u);
  EXPECT_EQ(str(wire.packets[0].payload), "cdef");
  EXPECT_EQ(rw.output_offset(C2S, 100), 100u);
  EXPECT_EQ(rw.output_offset(C2S, 501), 500u);
  EXPECT_EQ(rw.output_offset(C2S, 506), 504u);
  const Bytes reply = cap.segment(S2C, 9000, 1506, ACK | PSH, bytes("ok"));
  wire.feed(rw, S2C, reply);
  ASSERT_EQ(wire.packets.size(), 2u);
  EXPECT_EQ(wire.packets[1].ack, 1504u);
  Bytes expected = reply;  // only the ack (and the checksum) differ
  EXPECT_NE(wire.packets[1].ip, expected);
  expected = cap.segment(S2C, 9000, 1504, ACK | PSH, bytes("ok"));
  EXPECT_EQ(wire.packets[1].ip, expected);
  expect_clean(wire);
}

// Bytes decided before the SYN goes out ride on it (TCP Fast Open): the SYN
// keeps its sequence number, its data starts at seq + 1, and the next packet
// continues right after it. A SYN that does not sit right before the queued
// bytes carries none of them.
TEST(TcpRewriter, DataDecidedBeforeTheSynRidesOnIt) {
  TcpRewriter rw;
  rw.start(C2S, 1001, 0);  // ISN 1000
  Capture cap;
  Wire wire;
  ASSERT_EQ(rw.insert(C2S, bytes("hello ").data(), 6), Status::SUCCESS);
  ASSERT_EQ(wire.feed(rw, C2S, cap.segment(C2S, 1000, 0, SYN)), 1u);
  EXPECT_EQ(wire.packets[0].seq, 1000u);
  EXPECT_EQ(wire.packets[0].flags & SYN, SYN);
  EXPECT_EQ(str(wire.packets[0].payload), "hello ");
  EXPECT_EQ(rw.sent_output(C2S), 6u);
  const Bytes more = bytes("world");
  ASSERT_EQ(rw.pass(C2S, more.data(), 5), Status::SUCCESS);
  ASSERT_EQ(wire.feed(rw, C2S, cap.segment(C2S, 1001, 0, PSH, more)), 1u);
  EXPECT_EQ(wire.packets[1].seq, 1007u);
  EXPECT_EQ(str(wire.packets[1].payload), "world");
  expect_clean(wire);

  TcpRewriter late;
  late.start(C2S, 1001, 0);
  Wire wire2;
  ASSERT_EQ(late.insert(C2S, bytes("x").data(), 1), Status::SUCCESS);
  ASSERT_EQ(wire2.feed(late, C2S, cap.segment(C2S, 5000, 0, SYN)), 1u);  // not ISN + 1 == 1001
  EXPECT_TRUE(wire2.packets[0].payload.empty());
  EXPECT_EQ(late.queued_bytes(C2S), 1u);
}

TEST(TcpRewriter, UndecodablePacketsAreNotEmitted) {
  TcpRewriter rw;
  rw.start(C2S, 1000, 0);
  Wire wire;
  Capture cap;
  Bytes bad = cap.segment(C2S, 1000, 1, ACK);
  bad.resize(30);  // cut inside the TCP header
  wire.feed(rw, C2S, bad);
  const Bytes udp = craft::ipv4(craft::v4(10, 0, 0, 1), craft::v4(10, 0, 0, 2), decode::kProtoUdp,
                                craft::udp(1, 2, bytes("x")));
  wire.feed(rw, C2S, udp);
  EXPECT_TRUE(wire.packets.empty());
  EXPECT_EQ(rw.stats().segmentsUndecodable, 2u);
  EXPECT_EQ(rw.stats().segmentsIn, 2u);
}

}  // namespace
}  // namespace openwfp::rewrite::test
