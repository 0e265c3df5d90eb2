// Rewriting the packets of one TCP connection whose byte streams were edited
// at the STREAM layer (bytes passed, removed, or injected with
// FwpsStreamInjectAsync0), so that what goes on the wire is still a valid TCP
// conversation: continuous sequence numbers, acknowledgements that match the
// edited streams, correct lengths and checksums.
//
// Model. Each direction has an original stream (the bytes the sender wrote,
// as the STREAM layer delivered them) and an output stream (the edited bytes
// that go out). The STREAM layer's decisions, in stream order, build the
// output: pass() appends original bytes, drop() skips original bytes,
// insert() appends new bytes. Decided output bytes wait in a per-direction
// queue until a captured segment of that direction goes out (on_segment):
// that segment then carries every queued byte, split into packets of at most
// maxSegmentPayload bytes, at the output sequence position. A captured
// segment thus carries what was decided by the time it is sent, not its own
// bytes; retransmissions and reordering of the capture disappear from the
// output, which is always in order.
//
// Mapping rule (original offset -> output offset), per direction. The map is
// a base point and a list of breakpoints, each an original offset and the
// output offset it maps to (equivalently, a cumulative delta). From a
// breakpoint on, the mapping advances one output byte per original byte, but
// never beyond the next breakpoint's output offset:
//   - an insertion at original offset x adds a breakpoint at x whose output
//     offset counts the inserted bytes: x maps to the position after them
//     (an acknowledgement of x covers what was inserted before byte x);
//   - a removal of [a, b) adds a breakpoint at b that maps to the output
//     position where the range was; every offset in [a, b] maps there;
//   - consecutive insertions at one point, and consecutive removals, share a
//     breakpoint. Before the base point the mapping is the identity shifted
//     by the base's delta (at start(), the identity: everything before the
//     start offset went out unchanged).
// Acknowledgement translation: a captured segment of direction d acknowledges
// an original offset x of the other direction o (unwrapped modulo 2^32 around
// o's decided position). Its output ack is map_o(x), clamped to what o has
// actually sent (plus one once o's FIN went out, so the ack of a FIN is the
// output FIN + 1), and never below an ack d already sent. Breakpoints of o
// whose region lies wholly before x are then pruned (the last one at or
// before x becomes the base); output_offset() of offsets before the base is
// approximate afterwards, and an ack older than the base (a retransmitted
// segment's) repeats the last ack d sent, as acks never go back.
//
// Packets. Flags, window, options and IP fields are copied from the captured
// segment, except: FIN is set only on the packet that ends d's output (after
// end(d) and once the queue is empty), SYN only on the first packet of a
// split, RST only on the last. A SYN keeps its sequence number and carries
// queued bytes only when it sits right before them (TCP Fast Open). SACK
// options (kind 5) are overwritten with NOPs (kind 1) whenever the other
// direction is being rewritten: their blocks name original sequence numbers,
// and the output has no holes for them to describe; SACK-permitted on a SYN
// stays. Timestamps are copied. The urgent pointer is copied unchanged. The
// IPv4 identification is copied onto every packet of a split (the packets
// are atomic datagrams, RFC 6864). IPv4 total length and header checksum,
// IPv6 payload length (extension headers kept) and the TCP checksum are
// recomputed. A packet with no payload, no SYN/FIN/RST and the same ACK flag,
// ack and window as the last packet sent in its direction is suppressed
// (counted), so the rewriting causes no duplicate ACKs. A captured packet
// that does not decode as a whole TCP segment (bad headers, a fragment,
// another protocol) is not emitted (segmentsUndecodable).
//
// A direction not started goes out as captured (its sequence numbers and
// payload untouched); its acks are still translated when the other direction
// is started. After end(d), pass/drop/insert on d are refused.
//
// Limits. At most maxQueuedBytesPerDirection decided-but-unsent output bytes
// per direction (a pass or insert larger than the free space is refused
// whole: split it); at most maxBreakpointsPerDirection breakpoints per
// direction not yet pruned by an acknowledgement. A refusal changes nothing
// and returns INSUFFICIENT_RESOURCES. maxSegmentPayload is read as at least
// 1; a packet also never exceeds the IP length fields (65535). Jumbograms
// are not supported. Offsets are 64-bit; sequence numbers are modulo 2^32.
//
// All memory is allocated by the constructor; no method allocates or throws.
// Not thread-safe; the emit callback must not call back into the rewriter.
#pragma once

#include <cstdint>
#include <vector>

#include "openwfp/status.hpp"
#include "rewrite/byte_ring.hpp"
#include "rewrite/offset_map.hpp"

namespace openwfp::rewrite {

struct Config {
  uint32_t maxQueuedBytesPerDirection = 256 * 1024;  // output bytes decided but not yet sent (preallocated ring)
  uint32_t maxBreakpointsPerDirection = 256;         // edit points kept for ACK translation
  uint32_t maxSegmentPayload = 1460;                  // split longer output into several segments
  // Inline (live traffic) rather than a capture: each side acknowledges what
  // it received, the other direction's output stream, so acknowledgements
  // are translated from output to original offsets (the sender of those
  // bytes counts in its original stream); in a capture they are original
  // and are translated to output offsets.
  bool inlinePath = false;
};

enum class Dir : uint8_t { CLIENT_TO_SERVER = 0, SERVER_TO_CLIENT = 1 };

// Called for each packet the rewriter writes: a whole IP datagram (v4 or v6,
// TCP), valid during the call.
using EmitFn = void (*)(void* context, const uint8_t* ip, uint32_t length);

struct Stats {
  uint64_t bytesPassed = 0;
  uint64_t bytesDropped = 0;
  uint64_t bytesInserted = 0;
  uint64_t segmentsIn = 0;          // on_segment calls with a packet
  uint64_t segmentsOut = 0;         // packets emitted
  uint64_t segmentsSuppressed = 0;  // captured segments that had nothing to add
  uint64_t refusedQueueFull = 0;
  uint64_t refusedBreakpointsFull = 0;
  uint64_t segmentsUndecodable = 0;  // captured packets that are not a whole TCP segment (not emitted)
};

class TcpRewriter {
 public:
  explicit TcpRewriter(const Config& config = {});  // allocates its buffers here, never later
  TcpRewriter(const TcpRewriter&) = delete;
  TcpRewriter& operator=(const TcpRewriter&) = delete;

  // Starts (or restarts) rewriting direction d: `baseSeq` is the TCP sequence
  // number of stream offset 0 (ISN + 1) and `offset` the stream offset of the
  // next byte the STREAM layer will decide. Everything before `offset` went
  // out unchanged (identity mapping). Forgets d's queue, breakpoints and end.
  void start(Dir d, uint32_t baseSeq, uint64_t offset) noexcept;

  // The STREAM layer's decisions for direction d, in stream order.
  Status pass(Dir d, const uint8_t* data, uint32_t length) noexcept;   // these original bytes go out as they are
  Status drop(Dir d, uint32_t length) noexcept;                         // the next `length` original bytes are removed
  Status insert(Dir d, const uint8_t* data, uint32_t length) noexcept;  // new bytes at the current point

  // d's FIN was reached in the stream (after all its data): the output FIN
  // goes out once every queued byte of d has been sent.
  void end(Dir d) noexcept;

  // A captured segment of direction d that must now go on the wire: writes
  // 0..N rewritten IP packets through emit (see the header comment).
  void on_segment(Dir d, const uint8_t* ip, uint32_t length, EmitFn emit, void* context) noexcept;

  // Inline: the original sequence number that `ack` (an acknowledgement of
  // d's output stream, as the receiver sent it) stands for; `ack` itself
  // before d has started. Changes nothing.
  uint32_t original_ack(Dir d, uint32_t ack) const noexcept;
  // Output offset of an original offset of d (no clamping to what was sent).
  uint64_t output_offset(Dir d, uint64_t originalOffset) const noexcept;
  const Stats& stats() const noexcept { return stats_; }

  // State, for callers and tests.
  bool started(Dir d) const noexcept { return side(d).started; }
  uint64_t decided_original(Dir d) const noexcept { return side(d).map.decided_original(); }  // original bytes decided
  uint64_t decided_output(Dir d) const noexcept { return side(d).map.decided_output(); }      // output bytes decided
  uint64_t sent_output(Dir d) const noexcept { return side(d).sent; }                         // output bytes emitted
  uint32_t queued_bytes(Dir d) const noexcept { return side(d).queue.size(); }
  uint32_t breakpoints(Dir d) const noexcept { return side(d).map.size(); }
  bool fin_sent(Dir d) const noexcept { return side(d).finSent; }

 private:
  struct Side {
    explicit Side(const Config& config) : queue(config.maxQueuedBytesPerDirection), map(config.maxBreakpointsPerDirection) {}
    ByteRing queue;
    OffsetMap map;
    uint32_t baseSeq = 0;
    uint64_t sent = 0;  // output bytes emitted (the next packet's position)
    bool started = false;
    bool ended = false;    // end() called
    bool finSent = false;  // the output FIN went out
    // The last packet this direction emitted (duplicate-ACK suppression)
    // and the highest ack it carried, as an output offset of the other side.
    bool anySent = false;
    bool lastHadAck = false;
    uint32_t lastAck = 0;
    uint16_t lastWindow = 0;
    bool ackValid = false;
    int64_t ackOffset = 0;
  };

  Side& side(Dir d) noexcept { return sides_[static_cast<uint8_t>(d) & 1u]; }
  const Side& side(Dir d) const noexcept { return sides_[static_cast<uint8_t>(d) & 1u]; }
  Status check_decision(Dir d, const uint8_t* data, uint32_t length) noexcept;
  uint32_t translate_ack(Side& self, Side& peer, uint32_t ack) noexcept;

  Config config_;
  Side sides_[2];
  std::vector<uint8_t> scratch_;  // one output packet
  Stats stats_{};
};

}  // namespace openwfp::rewrite
