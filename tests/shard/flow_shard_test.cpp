// The shard of a packet: the same for both directions of a flow and for
// every fragment of a datagram (IPv4 and IPv6), spread evenly over many
// peers, shard 0 for what does not decode to an IP header.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "craft/craft.hpp"
#include "decode/packet.hpp"
#include "shard/flow_shard.hpp"

namespace openwfp::shard {
namespace {

constexpr uint32_t kEthernet = 1;

uint32_t shard(const craft::Bytes& ip, uint32_t shards, bool from_host = true) {
  const craft::Bytes frame = craft::ethernet(ip, from_host);
  return shard_of_frame(kEthernet, frame.data(), static_cast<uint32_t>(frame.size()), 0, shards);
}

TEST(FlowShard, BothDirectionsOfAFlowGoToOneShard) {
  const uint32_t host = craft::v4(10, 0, 0, 2);
  for (uint32_t shards : {2u, 3u, 4u, 7u}) {
    for (int i = 0; i < 200; ++i) {
      const uint32_t peer = craft::v4(100, 64, i / 256, i % 256);
      const craft::Bytes out = craft::ipv4(host, peer, 6, craft::tcp(40000, 443, 1, 0, 0x02));
      const craft::Bytes in = craft::ipv4(peer, host, 6, craft::tcp(443, 40000, 9, 2, 0x12));
      EXPECT_EQ(shard(out, shards), shard(in, shards, false)) << i;
      // Other ports between the same hosts: the same shard (address pair).
      const craft::Bytes udp = craft::ipv4(peer, host, 17, craft::udp(53, 5353, craft::text("x")));
      EXPECT_EQ(shard(out, shards), shard(udp, shards, false)) << i;
    }
  }
  const ByteArray16 a = craft::v6("2001:db8::2"), b = craft::v6("2001:db8:77::9");
  const craft::Bytes out6 = craft::ipv6(a, b, 6, craft::tcp(40000, 443, 1, 0, 0x02));
  const craft::Bytes in6 = craft::ipv6(b, a, 6, craft::tcp(443, 40000, 9, 2, 0x12));
  for (uint32_t shards : {2u, 5u}) EXPECT_EQ(shard(out6, shards), shard(in6, shards, false));
}

TEST(FlowShard, EveryFragmentGoesWhereTheWholeDatagramGoes) {
  const craft::Bytes payload(3000, 'f');
  for (int i = 0; i < 50; ++i) {
    const uint32_t src = craft::v4(192, 0, 2, i), dst = craft::v4(198, 51, 100, 7);
    const craft::Bytes whole = craft::ipv4(src, dst, 17, craft::udp(5000, 6000, payload), static_cast<uint16_t>(i));
    for (const craft::Bytes& frag : craft::ipv4_fragments(whole, {1480, 1480}))
      EXPECT_EQ(shard(frag, 4), shard(whole, 4)) << i;
    const ByteArray16 s6 = craft::v6("2001:db8:1::" + std::to_string(i + 1)), d6 = craft::v6("2001:db8:2::1");
    const craft::Bytes whole6 = craft::ipv6(s6, d6, 17, craft::udp(5000, 6000, payload));
    for (const craft::Bytes& frag : craft::ipv6_fragments(whole6, 77, {1448, 1448}))
      EXPECT_EQ(shard(frag, 4), shard(whole6, 4)) << i;
  }
}

TEST(FlowShard, ManyPeersSpreadEvenly) {
  const uint32_t host = craft::v4(10, 0, 0, 2);
  const uint32_t shards = 4, peers = 4000;
  std::vector<uint32_t> count(shards);
  for (uint32_t i = 0; i < peers; ++i) {
    const uint32_t peer = craft::v4(100, static_cast<int>(i >> 16) & 0xFF, static_cast<int>(i >> 8) & 0xFF,
                                    static_cast<int>(i & 0xFF));
    ++count[shard(craft::ipv4(host, peer, 6, craft::tcp(40000, 443, 1, 0, 0x02)), shards)];
  }
  for (uint32_t n : count) {
    EXPECT_GT(n, peers / shards * 85 / 100);
    EXPECT_LT(n, peers / shards * 115 / 100);
  }
}

TEST(FlowShard, WhatHasNoIpHeaderGoesToShardZero) {
  const craft::Bytes arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4};
  EXPECT_EQ(shard_of_frame(kEthernet, arp.data(), static_cast<uint32_t>(arp.size()), 0, 8), 0u);
  craft::Bytes cut = craft::ethernet(craft::ipv4(craft::v4(1, 2, 3, 4), craft::v4(5, 6, 7, 8), 6,
                                                 craft::tcp(1, 2, 3, 4, 0x02)));
  cut.resize(14 + 12);  // the IPv4 header cut short
  EXPECT_EQ(shard_of_frame(kEthernet, cut.data(), static_cast<uint32_t>(cut.size()), 0, 8), 0u);
  // One shard: everything in it, without decoding.
  EXPECT_EQ(shard_of_frame(kEthernet, nullptr, 0, 0, 1), 0u);
}

TEST(FlowShard, ShardOfHashCoversTheRange) {
  EXPECT_EQ(shard_of_hash(0, 4), 0u);
  EXPECT_EQ(shard_of_hash(0xFFFFFFFFu, 4), 3u);
  EXPECT_EQ(shard_of_hash(0x80000000u, 2), 1u);
  EXPECT_EQ(shard_of_hash(0x7FFFFFFFu, 2), 0u);
}

}  // namespace
}  // namespace openwfp::shard
