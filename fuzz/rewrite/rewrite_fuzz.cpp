// libFuzzer target for the TCP rewriter (src/rewrite). The input is a small
// configuration (tiny caps, so every limit is reached) and a sequence of
// operations on one connection: start, pass, drop, insert and end for either
// direction, and captured segments (well-formed IPv4 or IPv6 TCP packets
// with fuzzed sequence, ack, flags and payload, or raw bytes) handed to
// on_segment. Checked after every call:
//   - every emitted packet decodes as one whole TCP segment with correct IP
//     and TCP checksums and lengths;
//   - in a started direction, a data packet (a SYN's from seq + 1) carries exactly the
//     next bytes of the output stream that pass and insert decided since
//     start(), at the matching sequence number, and output only goes forward;
//   - queued bytes and breakpoints stay within the caps, sent <= decided;
//   - a refused decision changes nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/fuzz_input.hpp"
#include "craft/craft.hpp"
#include "decode/packet.hpp"
#include "openwfp/checksum.hpp"
#include "rewrite/tcp_rewriter.hpp"

namespace {

using openwfp::Status;
using openwfp::rewrite::Config;
using openwfp::rewrite::Dir;
using openwfp::rewrite::TcpRewriter;

using openwfp::fuzz::check;
using openwfp::fuzz::Reader;

// What the test knows of one direction.
struct Side {
  bool started = false;
  uint32_t baseSeq = 0;              // sequence number of stream offset 0
  uint64_t startOffset = 0;          // output offset of the first decided byte
  std::vector<uint8_t> decided;      // output bytes decided since start()
  uint64_t checkedUpTo = 0;          // bytes of `decided` seen in emitted packets
};

struct Emitted {
  Side* side = nullptr;
};

constexpr uint8_t kSyn = 0x02, kFin = 0x01, kRst = 0x04;

void on_emit(void* context, const uint8_t* ip, uint32_t length) {
  auto* e = static_cast<Emitted*>(context);
  check(length > 0 && length <= 65535);
  openwfp::decode::DecodedPacket p;
  check(openwfp::decode::decode_ip(ip, length, &p, true) == openwfp::decode::DropReason::NONE);
  check(p.protocol == 6 && !p.isFragment);
  if (p.ipVersion == 4) check(openwfp::ipv4_header_checksum_ok(ip, p.ipHeaderLength));
  check(p.l4Offset + p.l4HeaderLength + p.payloadLength == length);
  check(openwfp::transport_checksum_ok(ip, 6, p.l4Offset, length - p.l4Offset));
  Side& s = *e->side;
  if (!s.started || p.payloadLength == 0) return;
  // Output offset of this packet's first byte, from its sequence number (a
  // SYN carrying data, as in TCP Fast Open, holds it from seq + 1).
  const uint32_t rel = p.tcpSeq + ((p.tcpFlags & kSyn) != 0 ? 1u : 0u) - s.baseSeq;
  check(rel >= s.startOffset);
  const uint64_t at = rel - s.startOffset;  // offsets stay far below 2^32 here
  check(at + p.payloadLength <= s.decided.size());
  for (uint32_t i = 0; i < p.payloadLength; ++i) check(ip[p.payloadOffset + i] == s.decided[at + i]);
  // Output is always in order: each data packet starts where the last ended.
  check(at == s.checkedUpTo);
  s.checkedUpTo = at + p.payloadLength;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  Config config;
  config.maxQueuedBytesPerDirection = 1 + in.u8() % 128;
  config.maxBreakpointsPerDirection = 1 + in.u8() % 8;
  config.maxSegmentPayload = in.u8() % 64;
  const bool v6 = (in.u8() & 1) != 0;
  TcpRewriter rw(config);
  Side sides[2];
  uint32_t capturedSeq[2] = {in.u32(), in.u32()};
  const uint32_t client = openwfp::craft::v4(10, 0, 0, 2), server = openwfp::craft::v4(198, 51, 100, 10);
  const auto client6 = openwfp::craft::v6("2001:db8:1::2"), server6 = openwfp::craft::v6("2001:db8:2::10");

  while (!in.empty()) {
    const uint8_t head = in.u8();
    const int d = head & 1;
    const Dir dir = static_cast<Dir>(d);
    Side& s = sides[d];
    size_t got = 0;
    switch ((head >> 1) % 7) {
      case 0: {  // start
        const uint64_t offset = in.u16();
        s = Side{};
        s.started = true;
        s.baseSeq = in.u32();
        s.startOffset = offset;
        rw.start(dir, s.baseSeq, offset);
        break;
      }
      case 1: {  // pass
        const uint8_t* bytes = in.take(in.u8(), &got);
        const uint64_t before = rw.decided_output(dir);
        const Status st = rw.pass(dir, bytes, static_cast<uint32_t>(got));
        if (st == Status::SUCCESS && s.started) s.decided.insert(s.decided.end(), bytes, bytes + got);
        if (st != Status::SUCCESS) check(rw.decided_output(dir) == before);
        break;
      }
      case 2: {  // drop
        const uint64_t before = rw.decided_output(dir);
        const Status st = rw.drop(dir, in.u8());
        check(rw.decided_output(dir) == before);  // removal decides no output
        (void)st;
        break;
      }
      case 3: {  // insert
        const uint8_t* bytes = in.take(in.u8() % 32, &got);
        const uint64_t before = rw.decided_output(dir);
        const Status st = rw.insert(dir, bytes, static_cast<uint32_t>(got));
        if (st == Status::SUCCESS && s.started) s.decided.insert(s.decided.end(), bytes, bytes + got);
        if (st != Status::SUCCESS) check(rw.decided_output(dir) == before);
        break;
      }
      case 4:  // end
        rw.end(dir);
        break;
      case 5: {  // a captured, well-formed segment
        const uint8_t flags = in.u8() & (kSyn | kFin | kRst | 0x10 | 0x08);
        const uint32_t seq = capturedSeq[d] + static_cast<uint32_t>(static_cast<int8_t>(in.u8()));
        const uint32_t ack = capturedSeq[1 - d] + static_cast<uint32_t>(static_cast<int8_t>(in.u8()));
        const uint8_t* bytes = in.take(in.u8() % 48, &got);
        capturedSeq[d] = seq + static_cast<uint32_t>(got);
        const openwfp::craft::Bytes payload(bytes, bytes + got);
        const uint16_t sport = d == 0 ? 40000 : 80, dport = d == 0 ? 80 : 40000;
        const openwfp::craft::Bytes tcp = openwfp::craft::tcp(sport, dport, seq, ack, flags, payload);
        const openwfp::craft::Bytes ip = v6 ? openwfp::craft::ipv6(d == 0 ? client6 : server6,
                                                                   d == 0 ? server6 : client6, 6, tcp)
                                            : openwfp::craft::ipv4(d == 0 ? client : server,
                                                                   d == 0 ? server : client, 6, tcp);
        Emitted e{&s};
        rw.on_segment(dir, ip.data(), static_cast<uint32_t>(ip.size()), on_emit, &e);
        break;
      }
      default: {  // raw bytes as a captured packet
        const uint8_t* bytes = in.take(in.u8(), &got);
        Emitted e{&s};
        rw.on_segment(dir, bytes, static_cast<uint32_t>(got), on_emit, &e);
        break;
      }
    }
    for (int k = 0; k < 2; ++k) {
      const Dir kd = static_cast<Dir>(k);
      check(rw.queued_bytes(kd) <= config.maxQueuedBytesPerDirection);
      check(rw.breakpoints(kd) <= config.maxBreakpointsPerDirection);
      if (rw.started(kd)) check(rw.sent_output(kd) <= rw.decided_output(kd));
    }
  }
  return 0;
}
