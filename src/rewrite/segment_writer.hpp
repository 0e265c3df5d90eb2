// Reading a captured TCP segment's headers and writing rewritten packets
// from them: sequence and acknowledgement numbers, flags, IP lengths and
// checksums. Never allocates.
#pragma once

#include <cstdint>

namespace openwfp::rewrite {

// Where the parts of a captured IP datagram carrying one whole TCP segment
// lie (offsets from the IP header) and the header fields the rewriter uses.
struct CapturedSegment {
  uint8_t ipVersion = 0;
  uint32_t l4Offset = 0;        // the TCP header
  uint32_t headerLength = 0;    // IP headers + TCP header: where the payload starts
  uint32_t payloadLength = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
};

// False when `ip` is not a whole, unfragmented TCP segment.
bool read_segment(const uint8_t* ip, uint32_t length, CapturedSegment* out) noexcept;

// The most payload one packet with these headers can carry (IPv4 total
// length and IPv6 payload length are 16-bit).
uint32_t payload_limit(const CapturedSegment& s) noexcept;

// Overwrites every SACK option (kind 5) in the TCP options with NOPs.
void blank_sack_options(uint8_t* tcp, uint32_t tcpHeaderLength) noexcept;

// `packet` holds the captured headers (s.headerLength bytes) followed by
// `payloadLength` payload bytes: sets seq, ack and flags, the IP length and
// the IPv4 header and TCP checksums. Returns the packet's length.
uint32_t finish_packet(uint8_t* packet, const CapturedSegment& s, uint32_t seq, uint32_t ack, uint8_t flags,
                       uint32_t payloadLength) noexcept;

}  // namespace openwfp::rewrite
