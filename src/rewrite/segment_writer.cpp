#include "rewrite/segment_writer.hpp"

#include <algorithm>
#include <cstring>

#include "decode/packet.hpp"
#include "openwfp/checksum.hpp"

namespace openwfp::rewrite {
namespace {

constexpr uint8_t kOptionEnd = 0, kOptionNop = 1, kOptionSack = 5;
constexpr uint32_t kIpv6HeaderLength = 40;
constexpr uint32_t kMaxIpLengthField = 0xFFFF;

void store16(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void store32(uint8_t* p, uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

}  // namespace

bool read_segment(const uint8_t* ip, uint32_t length, CapturedSegment* out) noexcept {
  decode::DecodedPacket p;
  if (decode::decode_ip(ip, length, &p) != decode::DropReason::NONE) return false;
  if (!p.hasTransport || p.isFragment || p.protocol != decode::kProtoTcp || p.truncatedBytes != 0) return false;
  out->ipVersion = p.ipVersion;
  out->l4Offset = p.l4Offset;
  out->headerLength = p.l4Offset + p.l4HeaderLength;
  out->payloadLength = p.payloadLength;
  out->seq = p.tcpSeq;
  out->ack = p.tcpAck;
  out->flags = p.tcpFlags;
  out->window = p.tcpWindow;
  return true;
}

uint32_t payload_limit(const CapturedSegment& s) noexcept {
  const uint32_t counted = s.ipVersion == 4 ? s.headerLength : s.headerLength - kIpv6HeaderLength;
  return counted >= kMaxIpLengthField ? 0 : kMaxIpLengthField - counted;
}

void blank_sack_options(uint8_t* tcp, uint32_t tcpHeaderLength) noexcept {
  // The decoder checked every option length against the header.
  uint32_t at = 20;
  while (at < tcpHeaderLength) {
    const uint8_t kind = tcp[at];
    if (kind == kOptionEnd) return;
    if (kind == kOptionNop) {
      ++at;
      continue;
    }
    if (at + 1 >= tcpHeaderLength || tcp[at + 1] < 2) return;
    const uint32_t len = std::min<uint32_t>(tcp[at + 1], tcpHeaderLength - at);
    if (kind == kOptionSack) std::memset(tcp + at, kOptionNop, len);
    at += len;
  }
}

uint32_t finish_packet(uint8_t* packet, const CapturedSegment& s, uint32_t seq, uint32_t ack, uint8_t flags,
                       uint32_t payloadLength) noexcept {
  uint8_t* tcp = packet + s.l4Offset;
  store32(tcp + 4, seq);
  store32(tcp + 8, ack);
  tcp[13] = flags;
  const uint32_t total = s.headerLength + payloadLength;
  if (s.ipVersion == 4) {
    store16(packet + 2, total);
    ipv4_set_header_checksum(packet, static_cast<size_t>(packet[0] & 0x0F) * 4);
  } else {
    store16(packet + 4, total - kIpv6HeaderLength);
  }
  transport_set_checksum(packet, decode::kProtoTcp, s.l4Offset, total - s.l4Offset);
  return total;
}

}  // namespace openwfp::rewrite
