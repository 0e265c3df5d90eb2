// Test support for the rewriter: captured segments of one connection built
// with src/craft, STREAM-layer decisions from an edit list, and a wire that
// decodes every emitted packet with src/decode and checks it the way a
// protocol analyser's sequence analysis does (checksums, continuous sequence
// numbers, no ack of unsent bytes, acks never going back, no duplicate ACKs).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "craft/craft.hpp"
#include "decode/packet.hpp"
#include "openwfp/checksum.hpp"
#include "rewrite/tcp_rewriter.hpp"

namespace openwfp::rewrite::test {

using craft::Bytes;
inline constexpr Dir C2S = Dir::CLIENT_TO_SERVER;
inline constexpr Dir S2C = Dir::SERVER_TO_CLIENT;
inline constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

inline int idx(Dir d) { return d == C2S ? 0 : 1; }
inline Dir opposite(Dir d) { return d == C2S ? S2C : C2S; }
inline Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
inline std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

// A TCP header (craft::tcp) with raw option bytes (padded to 4) after the fixed 20 bytes.
inline Bytes tcp_with_options(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                              const Bytes& payload, uint16_t window, Bytes options) {
  craft::TcpOptions o;
  o.window = window;
  Bytes t = craft::tcp(sport, dport, seq, ack, flags, payload, o);
  while (options.size() % 4 != 0) options.push_back(0);
  t.insert(t.begin() + 20, options.begin(), options.end());
  t[12] = static_cast<uint8_t>(((20 + options.size()) / 4) << 4);
  return t;
}

// The captured packets of one connection: client 10.0.0.1:40000 (or
// 2001:db8::1) to server 10.0.0.2:80 (2001:db8::2).
struct Capture {
  bool v6 = false;

  Bytes segment(Dir d, uint32_t seq, uint32_t ack, uint8_t flags, const Bytes& payload = {}, uint16_t window = 64240,
                const Bytes& options = {}) const {
    const bool c2s = d == C2S;
    const uint16_t sport = c2s ? 40000 : 80, dport = c2s ? 80 : 40000;
    Bytes l4 = options.empty() && (flags & SYN) == 0
                   ? craft::tcp(sport, dport, seq, ack, flags, payload, craft::TcpOptions{0, -1, window})
                   : tcp_with_options(sport, dport, seq, ack, flags, payload, window,
                                      options.empty() ? Bytes{2, 4, 0x05, 0xB4, 1, 1, 4, 2} : options);
    if (v6) {
      const ByteArray16 a = craft::v6("2001:db8::1"), b = craft::v6("2001:db8::2");
      return craft::ipv6(c2s ? a : b, c2s ? b : a, decode::kProtoTcp, l4);
    }
    const uint32_t a = craft::v4(10, 0, 0, 1), b = craft::v4(10, 0, 0, 2);
    return craft::ipv4(c2s ? a : b, c2s ? b : a, decode::kProtoTcp, l4, 0x1234);
  }
};

struct Emitted {
  Dir dir = C2S;
  Bytes ip;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  Bytes payload;
  Bytes tcpOptions;
};

// Collects the emitted packets and checks the conversation they make.
class Wire {
 public:
  static void emit(void* context, const uint8_t* ip, uint32_t length) {
    static_cast<Wire*>(context)->take(ip, length);
  }

  // Sends a captured segment of d through the rewriter; returns how many
  // packets it emitted.
  size_t feed(TcpRewriter& rw, Dir d, const Bytes& captured) {
    current_ = d;
    const size_t before = packets.size();
    rw.on_segment(d, captured.data(), static_cast<uint32_t>(captured.size()), &Wire::emit, this);
    return packets.size() - before;
  }

  Bytes stream(Dir d) const {
    Bytes out;
    for (const Emitted& e : packets)
      if (e.dir == d) out.insert(out.end(), e.payload.begin(), e.payload.end());
    return out;
  }
  // The next sequence number expected from d (after SYN, data and FIN).
  uint32_t next_seq(Dir d) const { return side_[idx(d)].next; }
  bool seen(Dir d) const { return side_[idx(d)].seen; }
  int fins(Dir d) const { return side_[idx(d)].fins; }

  std::vector<Emitted> packets;
  std::vector<std::string> problems;

 private:
  struct Side {
    bool seen = false;
    uint32_t next = 0;
    bool ackSeen = false;
    uint32_t lastAck = 0;
    uint16_t lastWindow = 0;
    int fins = 0;
  };

  void problem(const std::string& what) { problems.push_back("packet " + std::to_string(packets.size()) + ": " + what); }

  void take(const uint8_t* ip, uint32_t length) {
    decode::DecodedPacket p;
    if (decode::decode_ip(ip, length, &p) != decode::DropReason::NONE || !p.hasTransport ||
        p.protocol != decode::kProtoTcp) {
      problem("does not decode as TCP");
      packets.push_back({current_, Bytes(ip, ip + length), 0, 0, 0, 0, {}, {}});
      return;
    }
    if (p.ipTotalLength != length) problem("IP length differs from the packet");
    if (p.ipVersion == 4 && !ipv4_header_checksum_ok(ip, p.ipHeaderLength)) problem("bad IPv4 header checksum");
    if (!transport_checksum_ok(ip, decode::kProtoTcp, p.l4Offset, length - p.l4Offset)) problem("bad TCP checksum");
    Emitted e{current_,
              Bytes(ip, ip + length),
              p.tcpSeq,
              p.tcpAck,
              p.tcpFlags,
              p.tcpWindow,
              Bytes(ip + p.payloadOffset, ip + p.payloadOffset + p.payloadLength),
              Bytes(ip + p.l4Offset + 20, ip + p.l4Offset + p.l4HeaderLength)};
    analyse(e);
    packets.push_back(std::move(e));
  }

  static bool after(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

  void analyse(const Emitted& e) {
    Side& s = side_[idx(e.dir)];
    const Side& peer = side_[idx(opposite(e.dir))];
    const uint32_t len = static_cast<uint32_t>(e.payload.size());
    const bool syn = (e.flags & SYN) != 0, fin = (e.flags & FIN) != 0, rst = (e.flags & RST) != 0;
    if (!s.seen) {
      s.seen = true;
      s.next = e.seq;
    } else if (e.seq != s.next) {
      problem(after(e.seq, s.next) ? "previous segment lost" : "retransmission or out-of-order");
    }
    if (s.fins > 0 && (len > 0 || fin)) problem("data or FIN after the FIN");
    s.next = e.seq + len + (syn ? 1u : 0u) + (fin ? 1u : 0u);
    if (fin) ++s.fins;
    if ((e.flags & ACK) != 0) {
      // (a snippet that starts mid-stream may ack what came before it)
      if (peer.seen && after(e.ack, peer.next)) problem("ACKed unseen segment");
      if (s.ackSeen && after(s.lastAck, e.ack)) problem("ack went back");
      if (s.ackSeen && len == 0 && !syn && !fin && !rst && e.ack == s.lastAck && e.window == s.lastWindow)
        problem("duplicate ACK");
      s.ackSeen = true;
      s.lastAck = e.ack;
    }
    s.lastWindow = e.window;
  }

  Dir current_ = C2S;
  Side side_[2];
};

// One edit of a direction's original stream: `removed` bytes from `at` are
// replaced by `inserted` (either may be empty).
struct Edit {
  uint64_t at = 0;
  uint64_t removed = 0;
  Bytes inserted;
};

// The STREAM layer's decisions for one direction, following a sorted list of
// non-overlapping edits: pass everything else. An insertion that falls on a
// segment's end is made at once (`eager`) or when the next bytes come.
class Editor {
 public:
  Editor(Dir d, std::vector<Edit> edits, bool eager = false) : dir_(d), edits_(std::move(edits)), eager_(eager) {}

  // Decides the segment bytes at stream offsets [offset, offset + size); each
  // call must continue where the last one stopped.
  void decide(TcpRewriter& rw, uint64_t offset, const Bytes& data) {
    ASSERT_EQ(offset, cursor_);
    const uint64_t end = offset + data.size();
    while (true) {
      const Edit* e = next_ < edits_.size() ? &edits_[next_] : nullptr;
      if (e != nullptr && e->at == cursor_ && !inserted_) {
        if (cursor_ == end && !eager_) break;  // at the next bytes
        ASSERT_EQ(rw.insert(dir_, e->inserted.data(), static_cast<uint32_t>(e->inserted.size())), Status::SUCCESS);
        inserted_ = true;
        outCount_ += e->inserted.size();
      }
      if (e != nullptr && inserted_ && cursor_ >= e->at + e->removed) {
        ++next_;
        inserted_ = false;
        continue;
      }
      if (cursor_ == end) break;
      if (e != nullptr && e->at <= cursor_) {  // inside the edit's removed range
        const uint64_t n = std::min(end, e->at + e->removed) - cursor_;
        ASSERT_EQ(rw.drop(dir_, static_cast<uint32_t>(n)), Status::SUCCESS);
        cursor_ += n;
        outAt_.insert(outAt_.end(), n, outCount_);
      } else {
        const uint64_t stop = e != nullptr ? std::min(end, e->at) : end;
        ASSERT_EQ(rw.pass(dir_, data.data() + (cursor_ - offset), static_cast<uint32_t>(stop - cursor_)),
                  Status::SUCCESS);
        for (; cursor_ < stop; ++cursor_) outAt_.push_back(outCount_++);
      }
    }
  }
  // The stream ends here: an insertion at its end is made now.
  void finish(TcpRewriter& rw) {
    eager_ = true;
    decide(rw, cursor_, {});
  }

  // The output offset of original offset x by the decisions made so far:
  // where byte x went (or would have gone, when removed); past the decided
  // bytes, one output byte per original byte.
  uint64_t reference(uint64_t x) const { return x < cursor_ ? outAt_[x] : outCount_ + (x - cursor_); }

  // The edited stream for an original one.
  static Bytes apply(const Bytes& original, const std::vector<Edit>& edits) {
    Bytes out;
    uint64_t at = 0;
    for (const Edit& e : edits) {
      out.insert(out.end(), original.begin() + static_cast<std::ptrdiff_t>(at),
                 original.begin() + static_cast<std::ptrdiff_t>(e.at));
      out.insert(out.end(), e.inserted.begin(), e.inserted.end());
      at = e.at + e.removed;
    }
    out.insert(out.end(), original.begin() + static_cast<std::ptrdiff_t>(at), original.end());
    return out;
  }

 private:
  Dir dir_;
  std::vector<Edit> edits_;
  bool eager_;
  size_t next_ = 0;
  bool inserted_ = false;  // the current edit's insertion was made
  uint64_t cursor_ = 0;
  std::vector<uint64_t> outAt_;  // per original byte decided: the output count when it was passed or removed
  uint64_t outCount_ = 0;
};

}  // namespace openwfp::rewrite::test

namespace openwfp::rewrite::test {

// One captured segment of a scripted conversation.
struct Step {
  Dir dir = C2S;
  Bytes captured;
  uint64_t offset = 0;  // stream offset of the payload
  Bytes payload;
  uint8_t flags = 0;
  bool retransmission = false;  // the STREAM layer decides nothing for it
  int64_t acked = 0;            // original offset of the peer's stream it acknowledges (a FIN counts one)
};

// The original endpoints of a connection: each step is what the capture
// holds, in capture order.
class Conversation {
 public:
  Conversation(Capture capture, uint32_t clientIsn, uint32_t serverIsn) : capture_(capture), isn_{clientIsn, serverIsn} {}

  uint32_t base_seq(Dir d) const { return isn_[idx(d)] + 1; }
  const Bytes& original(Dir d) const { return sent_[idx(d)]; }

  void handshake() {
    add(C2S, capture_.segment(C2S, isn_[0], 0, SYN), SYN, -1, {});
    add(S2C, capture_.segment(S2C, isn_[1], isn_[0] + 1, SYN | ACK), SYN | ACK, 0, {});
    send(C2S, {});
  }
  // d sends `payload` (possibly none) acknowledging `acked` bytes of the
  // peer (by default everything the peer sent, its FIN included).
  void send(Dir d, const Bytes& payload, int64_t acked = -1, uint8_t flags = 0, uint16_t window = 64240,
            const Bytes& options = {}) {
    const int p = idx(opposite(d));
    if (acked < 0) acked = static_cast<int64_t>(sent_[p].size()) + (fin_[p] ? 1 : 0);
    flags = static_cast<uint8_t>(flags | ACK | (payload.empty() ? 0 : PSH));
    const uint32_t seq = base_seq(d) + static_cast<uint32_t>(sent_[idx(d)].size()) + (fin_[idx(d)] ? 1u : 0u);
    const uint32_t ack = base_seq(opposite(d)) + static_cast<uint32_t>(acked);
    add(d, capture_.segment(d, seq, ack, flags, payload, window, options), flags, acked, payload);
    sent_[idx(d)].insert(sent_[idx(d)].end(), payload.begin(), payload.end());
  }
  void fin(Dir d, const Bytes& payload = {}) {
    send(d, payload, -1, FIN);
    fin_[idx(d)] = true;
  }
  // The capture holds step i again.
  void retransmit(size_t i) {
    Step s = steps[i];
    s.retransmission = true;
    steps.push_back(std::move(s));
  }

  std::vector<Step> steps;

 private:
  void add(Dir d, Bytes captured, uint8_t flags, int64_t acked, const Bytes& payload) {
    Step s;
    s.dir = d;
    s.captured = std::move(captured);
    s.offset = sent_[idx(d)].size();
    s.payload = payload;
    s.flags = flags;
    s.acked = acked;
    steps.push_back(std::move(s));
  }

  Capture capture_;
  uint32_t isn_[2];
  Bytes sent_[2];
  bool fin_[2] = {false, false};
};

// Plays a conversation through a rewriter: the editors decide each new
// segment's bytes (and the end at a FIN), then the segment goes out.
// Returns, per step, the packets it emitted (indices into wire.packets).
inline std::vector<std::pair<size_t, size_t>> play(const Conversation& c, TcpRewriter& rw, Wire& wire,
                                                   Editor& client, Editor& server) {
  std::vector<std::pair<size_t, size_t>> emitted;
  for (const Step& s : c.steps) {
    Editor& ed = s.dir == C2S ? client : server;
    if (!s.retransmission) {
      if (!s.payload.empty()) ed.decide(rw, s.offset, s.payload);
      if ((s.flags & FIN) != 0) {
        ed.finish(rw);
        rw.end(s.dir);
      }
    }
    const size_t first = wire.packets.size();
    wire.feed(rw, s.dir, s.captured);
    emitted.emplace_back(first, wire.packets.size());
  }
  return emitted;
}

}  // namespace openwfp::rewrite::test
