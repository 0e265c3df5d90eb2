// TCP stream reassembly: turns the segments of one TCP connection, as they
// were seen (out of order, retransmitted, overlapping, with gaps), into the
// in-order byte stream of each direction, as the STREAM layer delivers it.
//
// Each direction is tracked from its SYN (or, for a connection picked up
// mid-stream, from its first segment). Data is delivered as soon as it is in
// order; out-of-order data is held until the hole fills. A hole that can no
// longer fill is skipped and reported as missed bytes before the next data:
//   - the other direction acknowledges beyond it (the receiver got bytes the
//     capture lost) in a segment that carries data or FIN (a pure ACK alone
//     does not: a capture may carry it ahead of the data it acknowledges),
//   - the direction's held bytes reach their cap,
//   - the direction ends (FIN, RST) or the connection is closed.
// Retransmitted bytes already delivered are dropped; overlapping bytes keep
// the first copy seen (counted); data outside the receiver's advertised
// window is dropped (counted).
//
// Ends: a FIN ends its direction at once (holes before it become missed
// bytes, held bytes past it are dropped); its chunk has fin set. A RST inside
// the window delivers what both directions hold (holes as missed bytes), then
// one chunk with rst set in the direction that sent it, and ends both
// directions. close() delivers what is held and ends every direction not yet
// ended with a fin chunk (client to server first). After the end, segments
// are RETRANSMISSION (all before the end) or OUT_OF_WINDOW (past it).
//
// Memory is bounded per direction and in total across connections (shared
// Budget); no allocation per segment: held data lives in fixed-size blocks
// from a preallocated pool.
#pragma once

#include <cstdint>
#include <string_view>

namespace openwfp::stream {

struct Config {
  uint32_t maxHeldBytesPerDirection = 1u << 20;  // out-of-order bytes waiting for a hole
  uint32_t maxHeldSegmentsPerDirection = 1024;   // held pieces (the part of a segment not already held is one piece per gap it fills)
  uint64_t maxHeldBytesTotal = 64ull << 20;      // all connections (the Budget's pool size)
  bool enforceWindow = true;                      // drop data beyond the receiver's advertised window
  // Added by the stream module:
  uint32_t maxConnections = 16384;       // connections with state at once (per-direction state is a preallocated pool)
  uint32_t windowTolerance = 65535;      // bytes past the receiver's right window edge still accepted (a window update the
                                         // capture lost or reordered); also how far a RST may sit before the next expected byte
  uint32_t overlapHistoryBytes = 256;    // last delivered bytes kept per direction to tell a retransmission that differs
};

// Directions of one connection: the side that sent the first segment seen
// (normally the SYN) is the client.
enum class Direction : uint8_t { CLIENT_TO_SERVER = 0, SERVER_TO_CLIENT = 1 };

struct Segment {
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;         // TCP flags (decode::kTcp*)
  uint16_t window = 0;       // as on the wire (not yet scaled)
  uint8_t windowScale = 0xFF;  // from a SYN's option; 0xFF when absent
  uint16_t urgentPointer = 0;
  const uint8_t* payload = nullptr;
  uint32_t length = 0;
};

// A run of in-order bytes of one direction.
struct Chunk {
  Direction direction = Direction::CLIENT_TO_SERVER;
  const uint8_t* data = nullptr;  // valid only during the callback
  uint32_t length = 0;
  uint64_t streamOffset = 0;     // offset of data[0] in the direction's stream (missed bytes count)
  uint64_t missedBytes = 0;      // bytes skipped just before this chunk (a hole that will not fill)
  bool fin = false;              // the direction ends after this chunk (length may be 0)
  bool rst = false;              // the connection was reset (length may be 0)
  bool push = false;
  bool urgent = false;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void on_chunk(const Chunk& chunk) noexcept = 0;
};

enum class SegmentOutcome : uint8_t {
  ACCEPTED,       // in order (delivered) or held for later
  RETRANSMISSION, // every byte was delivered already (or is already held, or was skipped as missed)
  OUT_OF_WINDOW,  // dropped: beyond the receiver's window or before the stream start (also: a RST outside
                  // the window, a SYN inside an established stream, data after the direction or connection ended)
  NO_BUFFER,      // held bytes at their cap: the hole was skipped (missed bytes) to make progress
                  // (also: no per-connection state left in the Budget, see Stats::noState)
  IGNORED,        // no data and no FIN/RST (pure ACK, window update), or a RST once the connection is over
};
std::string_view segment_outcome_name(SegmentOutcome o) noexcept;

struct Stats {
  uint64_t segments = 0;
  uint64_t bytesDelivered = 0;
  uint64_t bytesMissed = 0;
  uint64_t retransmissions = 0;
  uint64_t overlaps = 0;        // segments that overlapped held or delivered bytes with different content
  uint64_t outOfWindow = 0;
  uint64_t capHits = 0;         // holes skipped because held bytes reached a cap
  uint64_t heldBytes = 0;       // gauge, all connections sharing the budget
  // Added by the stream module:
  uint64_t rstIgnored = 0;      // RSTs outside the window (their outcome is OUT_OF_WINDOW, counted in outOfWindow too)
  uint64_t noState = 0;         // segments refused because maxConnections connections already had state (NO_BUFFER)
};

// Shared by all connections: the block pool and the totals.
class Budget {
 public:
  explicit Budget(const Config& config);
  ~Budget();
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;
  const Config& config() const noexcept;
  const Stats& stats() const noexcept;

 private:
  friend class Connection;
  struct Impl;
  Impl* impl_;
};

// One TCP connection. Cheap to construct; holds no memory until data is out
// of order (its per-direction state comes from the Budget's preallocated pool
// at the first segment). Destroy every Connection before its Budget.
//
// on_chunk is called from inside on_segment / close. From on_chunk a Sink may
// call close() on the same connection (it takes effect when the current call
// returns, delivering to that call's sink) and may feed other connections of the same Budget (their chunks are
// then not coalesced); a nested on_segment on the same connection is refused
// as IGNORED.
class Connection {
 public:
  explicit Connection(Budget& budget) noexcept;
  ~Connection();  // returns held blocks to the budget
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  SegmentOutcome on_segment(Direction direction, const Segment& segment, Sink& sink) noexcept;
  // The connection is over (idle timeout, eviction, end of capture): deliver
  // what is held, reporting holes as missed bytes, and end both directions.
  void close(Sink& sink) noexcept;

  uint64_t delivered(Direction d) const noexcept;  // bytes delivered so far
  uint64_t missed(Direction d) const noexcept;
  bool finished(Direction d) const noexcept;       // FIN or RST delivered

 private:
  struct Side;
  Budget& budget_;
  Side* sides_[2] = {nullptr, nullptr};
  bool ended_ = false;              // reset or closed: nothing more is delivered
  bool busy_ = false;               // inside on_segment / close (a Sink called back into us)
  bool deferredClose_ = false;      // close() asked for from inside on_segment's callback: done on return, its
                                    // chunks to on_segment's sink (a flag, not a pointer: the flow entry stays small)
  bool acquire_sides() noexcept;
};

}  // namespace openwfp::stream
