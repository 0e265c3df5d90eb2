#include "rewrite/tcp_rewriter.hpp"

#include <algorithm>
#include <cstring>

#include "rewrite/segment_writer.hpp"

namespace openwfp::rewrite {
namespace {

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

// Room for any packet the rewriter writes: the captured headers plus a
// payload, within the IPv6 payload length field (the larger of the two
// versions' limits: 40 + 65535).
constexpr uint32_t kScratchBytes = 40 + 0xFFFF;

Dir other(Dir d) noexcept {
  return d == Dir::CLIENT_TO_SERVER ? Dir::SERVER_TO_CLIENT : Dir::CLIENT_TO_SERVER;
}

Config sanitized(Config c) noexcept {
  c.maxSegmentPayload = std::max<uint32_t>(c.maxSegmentPayload, 1);
  return c;
}

// The TCP sequence number of output offset `offset` (modulo 2^32).
uint32_t seq_at(uint32_t baseSeq, int64_t offset) noexcept {
  return baseSeq + static_cast<uint32_t>(static_cast<uint64_t>(offset));
}

}  // namespace

TcpRewriter::TcpRewriter(const Config& config)
    : config_(sanitized(config)), sides_{Side(config_), Side(config_)}, scratch_(kScratchBytes) {}

void TcpRewriter::start(Dir d, uint32_t baseSeq, uint64_t offset) noexcept {
  Side& s = side(d);
  s.queue.clear();
  s.map.reset(offset);
  s.baseSeq = baseSeq;
  s.sent = offset;
  s.started = true;
  s.ended = false;
  s.finSent = false;
  s.anySent = false;
  s.lastHadAck = false;
  // What the other side acknowledged of d is now counted in a new sequence space.
  side(other(d)).ackValid = false;
}

Status TcpRewriter::check_decision(Dir d, const uint8_t* data, uint32_t length) noexcept {
  const Side& s = side(d);
  if (!s.started || s.ended) return Status::INVALID_PARAMETER;
  if (data == nullptr && length > 0) return Status::INVALID_PARAMETER;
  return Status::SUCCESS;
}

Status TcpRewriter::pass(Dir d, const uint8_t* data, uint32_t length) noexcept {
  if (const Status st = check_decision(d, data, length); st != Status::SUCCESS) return st;
  Side& s = side(d);
  if (!s.queue.push(data, length)) {
    ++stats_.refusedQueueFull;
    return Status::INSUFFICIENT_RESOURCES;
  }
  s.map.pass(length);
  stats_.bytesPassed += length;
  return Status::SUCCESS;
}

Status TcpRewriter::drop(Dir d, uint32_t length) noexcept {
  if (const Status st = check_decision(d, nullptr, 0); st != Status::SUCCESS) return st;
  if (length == 0) return Status::SUCCESS;
  Side& s = side(d);
  if (!s.map.can_remove()) {
    ++stats_.refusedBreakpointsFull;
    return Status::INSUFFICIENT_RESOURCES;
  }
  s.map.remove(length);
  stats_.bytesDropped += length;
  return Status::SUCCESS;
}

Status TcpRewriter::insert(Dir d, const uint8_t* data, uint32_t length) noexcept {
  if (const Status st = check_decision(d, data, length); st != Status::SUCCESS) return st;
  if (length == 0) return Status::SUCCESS;
  Side& s = side(d);
  if (s.queue.free_space() < length) {
    ++stats_.refusedQueueFull;
    return Status::INSUFFICIENT_RESOURCES;
  }
  if (!s.map.can_insert()) {
    ++stats_.refusedBreakpointsFull;
    return Status::INSUFFICIENT_RESOURCES;
  }
  s.queue.push(data, length);
  s.map.insert(length);
  stats_.bytesInserted += length;
  return Status::SUCCESS;
}

void TcpRewriter::end(Dir d) noexcept {
  Side& s = side(d);
  if (s.started) s.ended = true;
}

uint64_t TcpRewriter::output_offset(Dir d, uint64_t originalOffset) const noexcept {
  const Side& s = side(d);
  if (!s.started) return originalOffset;
  const int64_t y = s.map.translate(static_cast<int64_t>(originalOffset));
  return y < 0 ? 0 : static_cast<uint64_t>(y);
}

uint32_t TcpRewriter::original_ack(Dir d, uint32_t ack) const noexcept {
  const Side& s = side(d);
  if (!s.started) return ack;
  const int64_t reference = static_cast<int64_t>(s.map.decided_output());
  const int32_t distance = static_cast<int32_t>(ack - seq_at(s.baseSeq, reference));
  return seq_at(s.baseSeq, s.map.untranslate(reference + distance));
}

uint32_t TcpRewriter::translate_ack(Side& self, Side& peer, uint32_t ack) noexcept {
  if (config_.inlinePath) {
    // The ack counts in the peer's output stream; the peer counts in its
    // original one. Unwrapped around what the peer has decided.
    const int64_t reference = static_cast<int64_t>(peer.map.decided_output());
    const int32_t distance = static_cast<int32_t>(ack - seq_at(peer.baseSeq, reference));
    int64_t original = peer.map.untranslate(reference + distance);
    if (self.ackValid) original = std::max(original, self.ackOffset);
    self.ackValid = true;
    self.ackOffset = original;
    peer.map.prune(std::min(original, static_cast<int64_t>(peer.map.decided_original())));
    return seq_at(peer.baseSeq, original);
  }
  // Unwrap the 32-bit ack around the peer's decided position: a receiver
  // acknowledges within 2^31 of what the sender has written.
  const int64_t reference = static_cast<int64_t>(peer.map.decided_original());
  const int32_t distance = static_cast<int32_t>(ack - seq_at(peer.baseSeq, reference));
  const int64_t original = reference + distance;
  int64_t out = 0;
  if (self.ackValid && original < static_cast<int64_t>(peer.map.base_original())) {
    // Older than an ack this side already sent (that ack pruned the map):
    // a stale ack (a retransmitted segment) says nothing new.
    out = self.ackOffset;
  } else {
    out = peer.map.translate(original);
    const int64_t sendable = static_cast<int64_t>(peer.sent) + (peer.finSent ? 1 : 0);
    out = std::min(out, sendable);
    if (self.ackValid) out = std::max(out, self.ackOffset);
  }
  self.ackValid = true;
  self.ackOffset = out;
  peer.map.prune(std::min(original, reference));
  return seq_at(peer.baseSeq, out);
}

void TcpRewriter::on_segment(Dir d, const uint8_t* ip, uint32_t length, EmitFn emit, void* context) noexcept {
  if (ip == nullptr || emit == nullptr) return;
  ++stats_.segmentsIn;
  CapturedSegment seg;
  if (!read_segment(ip, length, &seg)) {
    ++stats_.segmentsUndecodable;
    return;
  }
  Side& s = side(d);
  Side& peer = side(other(d));
  uint8_t* out = scratch_.data();
  std::memcpy(out, ip, seg.headerLength);

  uint32_t ack = seg.ack;
  if (peer.started) {
    if ((seg.flags & kAck) != 0) ack = translate_ack(s, peer, seg.ack);
    blank_sack_options(out + seg.l4Offset, seg.headerLength - seg.l4Offset);
  }

  if (!s.started) {
    std::memcpy(out + seg.headerLength, ip + seg.headerLength, seg.payloadLength);
    emit(context, out, finish_packet(out, seg, seg.seq, ack, seg.flags, seg.payloadLength));
    ++stats_.segmentsOut;
    return;
  }

  const bool syn = (seg.flags & kSyn) != 0;
  const bool rst = (seg.flags & kRst) != 0;
  const uint8_t kept = static_cast<uint8_t>(seg.flags & ~(kFin | kSyn | kRst));
  const uint32_t chunkMax = std::min(config_.maxSegmentPayload, payload_limit(seg));
  uint32_t remaining = s.queue.size();
  // A SYN keeps its sequence number: it carries queued bytes only when they
  // follow it directly (TCP Fast Open); otherwise they wait.
  if (chunkMax == 0 || (syn && seg.seq + 1 != seq_at(s.baseSeq, static_cast<int64_t>(s.sent)))) remaining = 0;

  bool first = true;
  do {
    const uint32_t n = std::min(remaining, chunkMax);
    const bool last = n == remaining;
    uint8_t flags = kept;
    if (first && syn) flags |= kSyn;
    const bool fin = last && s.ended && !s.finSent && s.queue.size() == n;
    if (fin) flags |= kFin;
    if (last && rst) flags |= kRst;
    if (n == 0 && (flags & (kSyn | kFin | kRst)) == 0 && s.anySent && s.lastHadAck == ((flags & kAck) != 0) &&
        s.lastAck == ack && s.lastWindow == seg.window) {
      ++stats_.segmentsSuppressed;
      return;
    }
    const uint32_t seq = (first && syn) ? seg.seq
                                        : seq_at(s.baseSeq, static_cast<int64_t>(s.sent) + (s.finSent ? 1 : 0));
    s.queue.peek(out + seg.headerLength, n);
    const uint32_t total = finish_packet(out, seg, seq, ack, flags, n);
    s.queue.consume(n);
    s.sent += n;
    if (fin) s.finSent = true;
    s.anySent = true;
    s.lastHadAck = (flags & kAck) != 0;
    s.lastAck = ack;
    s.lastWindow = seg.window;
    ++stats_.segmentsOut;
    emit(context, out, total);
    remaining -= n;
    first = false;
  } while (remaining > 0);
}

}  // namespace openwfp::rewrite
