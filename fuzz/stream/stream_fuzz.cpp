// libFuzzer target for the TCP stream reassembler. The input is a small
// configuration (tiny caps, so every limit is reached) and a sequence of
// segment descriptors (connection, direction, flags, sequence and ack as
// deltas, window, window scale, length and the data bytes) fed to two
// Connections sharing one Budget; then both are closed and destroyed.
// Checked after every call: no crash or out-of-bounds read (ASan), each
// direction's chunks are contiguous (streamOffset = bytes delivered + missed
// before it), delivered bytes never go backwards, nothing follows a fin (only
// a rst may), the counters agree with the chunks, held bytes stay within the
// caps, and everything is released at the end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "common/fuzz_input.hpp"

#include "stream/reassembler.hpp"

namespace {

using openwfp::stream::Budget;
using openwfp::stream::Chunk;
using openwfp::stream::Config;
using openwfp::stream::Connection;
using openwfp::stream::Direction;
using openwfp::stream::Segment;
using openwfp::stream::Sink;

using openwfp::fuzz::check;
using openwfp::fuzz::Reader;

class CheckingSink : public Sink {
 public:
  void on_chunk(const Chunk& c) noexcept override {
    const size_t d = c.direction == Direction::CLIENT_TO_SERVER ? 0 : 1;
    check(c.streamOffset == position[d] + c.missedBytes);
    check(!ended[d] || c.rst);
    check(c.length == 0 || c.data != nullptr);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < c.length; ++i) sum += c.data[i];  // every byte must be readable
    checksum += sum;
    position[d] = c.streamOffset + c.length;
    delivered[d] += c.length;
    reportedMissed[d] += c.missedBytes;
    if (c.fin || c.rst) ended[d] = true;
  }
  uint64_t position[2] = {0, 0};
  uint64_t delivered[2] = {0, 0};
  uint64_t reportedMissed[2] = {0, 0};
  bool ended[2] = {false, false};
  uint32_t checksum = 0;
};

void check_connection(const Connection& conn, const CheckingSink& sink) {
  for (size_t d = 0; d < 2; ++d) {
    const Direction dir = d == 0 ? Direction::CLIENT_TO_SERVER : Direction::SERVER_TO_CLIENT;
    check(conn.delivered(dir) == sink.delivered[d]);
    check(conn.missed(dir) >= sink.reportedMissed[d]);  // skipped, maybe not reported yet
    if (sink.ended[d]) check(conn.finished(dir));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  Config config;
  config.maxHeldBytesPerDirection = static_cast<uint32_t>(in.u8()) * 16;
  config.maxHeldSegmentsPerDirection = in.u8() % 8;
  config.maxHeldBytesTotal = static_cast<uint64_t>(in.u8() % 6) * 2016;
  config.maxConnections = 1 + in.u8() % 2;
  config.windowTolerance = in.u8() % 2 == 0 ? 0u : in.u16();
  config.overlapHistoryBytes = in.u8() % 64;
  config.enforceWindow = (in.u8() & 1) != 0;
  Budget budget(config);

  constexpr size_t kConnections = 2;
  std::unique_ptr<Connection> conns[kConnections];
  CheckingSink sinks[kConnections];
  uint32_t next[kConnections][2];
  for (size_t c = 0; c < kConnections; ++c) {
    conns[c] = std::make_unique<Connection>(budget);
    next[c][0] = in.u32();
    next[c][1] = in.u32();
  }
  uint64_t deliveredBefore[kConnections][2] = {};

  while (!in.empty()) {
    const uint8_t head = in.u8();
    const size_t c = (head >> 1) % kConnections;
    const size_t d = head & 1;
    Segment s;
    s.flags = in.u8();
    s.seq = next[c][d] + static_cast<uint32_t>(static_cast<int16_t>(in.u16()));
    s.ack = next[c][1 - d] + static_cast<uint32_t>(static_cast<int16_t>(in.u16()));
    s.window = in.u16();
    s.windowScale = in.u8() % 16 == 15 ? 0xFF : in.u8() % 16;
    size_t length = 0;
    s.payload = in.take(in.u8(), &length);
    s.length = static_cast<uint32_t>(length);
    if ((head & 0x80) != 0) s.payload = nullptr;  // a segment whose payload is missing
    next[c][d] = s.seq + s.length;
    const Direction dir = d == 0 ? Direction::CLIENT_TO_SERVER : Direction::SERVER_TO_CLIENT;
    conns[c]->on_segment(dir, s, sinks[c]);

    check_connection(*conns[c], sinks[c]);
    for (size_t k = 0; k < 2; ++k) {
      const uint64_t now = sinks[c].delivered[k];
      check(now >= deliveredBefore[c][k]);
      deliveredBefore[c][k] = now;
    }
    check(budget.stats().heldBytes <= 2ull * kConnections * config.maxHeldBytesPerDirection);
    check(budget.stats().heldBytes <= config.maxHeldBytesTotal);
    if ((head & 0x40) != 0 && (head & 0x20) != 0 && (head & 0x10) != 0) conns[c]->close(sinks[c]);
  }

  uint64_t delivered = 0;
  for (size_t c = 0; c < kConnections; ++c) {
    conns[c]->close(sinks[c]);
    check_connection(*conns[c], sinks[c]);
    check(conns[c]->finished(Direction::CLIENT_TO_SERVER) && conns[c]->finished(Direction::SERVER_TO_CLIENT));
    check(sinks[c].ended[0] || sinks[c].ended[1]);  // a RST ends only its sender's direction with a chunk
    delivered += sinks[c].delivered[0] + sinks[c].delivered[1];
  }
  check(budget.stats().heldBytes == 0);
  check(budget.stats().bytesDelivered == delivered);
  for (auto& conn : conns) conn.reset();
  check(budget.stats().heldBytes == 0);
  return 0;
}
