#include "shard/flow_shard.hpp"

#include <cstring>

namespace openwfp::shard {
namespace {

// A 64-bit mix (the finaliser of a well-known 64-bit hash construction).
uint64_t mix(uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

uint64_t fold(const ByteArray16& a) noexcept {
  uint64_t hi = 0, lo = 0;
  std::memcpy(&hi, a.byteArray16, 8);
  std::memcpy(&lo, a.byteArray16 + 8, 8);
  return mix(hi) ^ lo;
}

// Order-independent combination of the two addresses' hashes.
uint32_t pair(uint64_t a, uint64_t b) noexcept {
  const uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
  return static_cast<uint32_t>(mix(lo * 0x9e3779b97f4a7c15ull + hi) >> 32);
}

}  // namespace

uint32_t address_pair_hash(const decode::DecodedPacket& p) noexcept {
  if (p.ipVersion == 4) return pair(p.v4Source, p.v4Destination);
  if (p.ipVersion == 6) return pair(fold(p.v6Source), fold(p.v6Destination));
  return 0;
}

uint32_t shard_of_frame(uint32_t linktype, const uint8_t* frame, uint32_t caplen, uint32_t wire_length,
                        uint32_t shards) noexcept {
  if (shards <= 1) return 0;
  decode::DecodedPacket p;
  decode::decode_frame(linktype, frame, caplen, wire_length == 0 ? caplen : wire_length, &p);
  // Addresses are whole once the network stage passed, even when a later
  // stage dropped the packet (the worker counts that drop); a packet that
  // fell in the IP header goes to shard 0.
  if (p.stage == decode::Stage::LINK || (p.stage == decode::Stage::NETWORK && p.drop != decode::DropReason::NONE))
    return 0;
  return shard_of_hash(address_pair_hash(p), shards);
}

}  // namespace openwfp::shard
