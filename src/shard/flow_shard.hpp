// Which worker a captured packet belongs to.
//
// Each worker owns a whole stack (flow table, fragment reassembly, stream
// buffers, pends), so every packet that shares state must reach the same
// worker: both directions of a flow, and every fragment of a datagram (a
// later fragment has no ports). The shard is therefore a hash of the
// unordered pair of IP addresses, the way NFQUEUE's --queue-balance and
// receive-side scaling's 2-tuple mode spread packets: symmetric, and the
// same for fragments and whole datagrams. Traffic between one pair of hosts
// stays on one worker; traffic with many peers spreads evenly.
//
// A frame whose IP header does not decode goes to shard 0 (its drop is
// counted there). An ICMP error is sharded by its own addresses, not by the
// packet it quotes.
#pragma once

#include <cstdint>

#include "decode/packet.hpp"

namespace openwfp::shard {

// A 32-bit hash of the packet's address pair, equal for both directions.
// `p` must have reached the network stage (ipVersion set); otherwise 0.
uint32_t address_pair_hash(const decode::DecodedPacket& p) noexcept;

// The shard in [0, shards) of one hash (multiply-shift: no modulo bias
// worth mentioning, no division).
inline uint32_t shard_of_hash(uint32_t hash, uint32_t shards) noexcept {
  return static_cast<uint32_t>((uint64_t{hash} * shards) >> 32);
}

// Decodes the frame as the stack does (`wire_length` 0: same as caplen, so
// a datagram cut short by the snap length is told from a malformed one) and
// returns its shard.
uint32_t shard_of_frame(uint32_t linktype, const uint8_t* frame, uint32_t caplen, uint32_t wire_length,
                        uint32_t shards) noexcept;

}  // namespace openwfp::shard
