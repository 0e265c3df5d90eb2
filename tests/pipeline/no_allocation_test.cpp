// The data path allocates nothing per packet: once a stack is built (and its
// policy published), TCP connections opened, carried and closed, UDP
// exchanges, IPv6, fragmented datagrams, and a callout that sees every
// packet as a NET_BUFFER_LIST all run without one call of operator new.
// This binary replaces the global operator new (../dispatch/alloc_counter.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../dispatch/alloc_counter.hpp"
#include "craft/craft.hpp"
#include "openwfp/constants.hpp"
#include "stack/stack.hpp"
#include "support/engine_fixture.hpp"

namespace openwfp::pipeline {
namespace {

using craft::Bytes;
using dispatch::test::AllocationCounter;
using test::cond;
using test::layer;

constexpr uint8_t SYN = 0x02, ACK = 0x10, FIN = 0x01, PSH = 0x08;
const uint32_t kHost = craft::v4(10, 0, 0, 2);
const ByteArray16 kHost6 = craft::v6("2001:db8:1::2");

// The frames of `count` connections starting at client port `firstPort`:
// TCP over IPv4 and IPv6 (handshake, data both ways, FINs), a UDP request
// and reply, and a datagram in three fragments.
std::vector<Bytes> traffic(uint16_t firstPort, int count) {
  std::vector<Bytes> frames;
  const std::string request(300, 'q'), response(1200, 'r');
  for (int i = 0; i < count; ++i) {
    const auto port = static_cast<uint16_t>(firstPort + i);
    const uint32_t peer = craft::v4(198, 51, 100, 1 + i % 200);
    const bool six = i % 3 == 0;
    const ByteArray16 peer6 = craft::v6("2001:db8:2::" + std::to_string(1 + i % 200));
    auto ip = [&](bool out, uint8_t proto, const Bytes& l4) {
      if (six) return out ? craft::ipv6(kHost6, peer6, proto, l4) : craft::ipv6(peer6, kHost6, proto, l4);
      return out ? craft::ipv4(kHost, peer, proto, l4) : craft::ipv4(peer, kHost, proto, l4);
    };
    uint32_t c = 1000, s = 5000;
    frames.push_back(craft::ethernet(ip(true, 6, craft::tcp(port, 80, c, 0, SYN)), true));
    frames.push_back(craft::ethernet(ip(false, 6, craft::tcp(80, port, s, c + 1, SYN | ACK)), false));
    ++c;
    ++s;
    frames.push_back(craft::ethernet(ip(true, 6, craft::tcp(port, 80, c, s, ACK)), true));
    frames.push_back(craft::ethernet(ip(true, 6, craft::tcp(port, 80, c, s, PSH | ACK, craft::text(request))), true));
    c += static_cast<uint32_t>(request.size());
    frames.push_back(craft::ethernet(ip(false, 6, craft::tcp(80, port, s, c, PSH | ACK, craft::text(response))), false));
    s += static_cast<uint32_t>(response.size());
    frames.push_back(craft::ethernet(ip(true, 6, craft::tcp(port, 80, c, s, FIN | ACK)), true));
    frames.push_back(craft::ethernet(ip(false, 6, craft::tcp(80, port, s, c + 1, FIN | ACK)), false));
    frames.push_back(craft::ethernet(ip(true, 6, craft::tcp(port, 80, c + 1, s + 1, ACK)), true));
    frames.push_back(craft::ethernet(ip(true, 17, craft::udp(port, 53, craft::text("query"))), true));
    frames.push_back(craft::ethernet(ip(false, 17, craft::udp(53, port, craft::text("answer"))), false));
    if (!six) {
      const Bytes datagram =
          craft::ipv4(peer, kHost, 17, craft::udp(4000, port, Bytes(2000, 0x5a)), static_cast<uint16_t>(port));
      for (const Bytes& f : craft::ipv4_fragments(datagram, {800, 800, 408})) frames.push_back(craft::ethernet(f, false));
    }
  }
  return frames;
}

void classify_nothing(const IncomingValues*, const IncomingMetadata*, void*, const void*, const FilterView*, uint64_t,
                      ClassifyOut*) {}
Status notify_nothing(NotifyType, const Guid*, FilterView*) { return Status::SUCCESS; }

TEST(NoAllocation, SteadyStateTrafficAllocatesNothing) {
  Engine engine;
  // A policy at the ALE, transport and IP packet layers, and an inspection
  // callout at INBOUND_TRANSPORT_V4 (so the stack builds layer data).
  for (const char* name : {"ALE_AUTH_CONNECT_V4", "ALE_AUTH_CONNECT_V6", "ALE_FLOW_ESTABLISHED_V4",
                           "OUTBOUND_TRANSPORT_V4", "INBOUND_TRANSPORT_V6", "INBOUND_IPPACKET_V4"}) {
    const LayerInfo& L = layer(name);
    const bool ipPacket = std::string(name) == "INBOUND_IPPACKET_V4";  // no ports there
    for (int p = 1; p <= 50; ++p) {
      const FilterCondition c = ipPacket ? cond(L, "IP_REMOTE_ADDRESS", MatchType::FWP_MATCH_EQUAL,
                                                "203.0.113." + std::to_string(p))
                                         : cond(L, "IP_REMOTE_PORT", MatchType::FWP_MATCH_EQUAL,
                                                std::to_string(10000 + p));
      ASSERT_EQ(engine.add_filter(test::make_filter("f", L.id, FWP_ACTION_PERMIT, {}, FilterWeight::automatic(), {c})),
                Status::SUCCESS);
    }
  }
  const LayerInfo& inbound = layer("INBOUND_TRANSPORT_V4");
  const Callout callout = test::make_callout("watch", inbound.id);
  ASSERT_EQ(engine.add_callout(callout), Status::SUCCESS);
  ASSERT_EQ(engine.add_filter(test::make_callout_filter("watch", callout, FWP_ACTION_CALLOUT_INSPECTION)),
            Status::SUCCESS);
  uint32_t id = 0;
  ASSERT_EQ(engine.register_callout({callout.calloutKey, 0, classify_nothing, notify_nothing, nullptr}, &id),
            Status::SUCCESS);

  stack::Config config;
  config.streams = stack::StreamReassembly::ALWAYS;  // TCP reassembly counted too
  stack::Prefix p;
  ASSERT_TRUE(stack::parse_prefix("10.0.0.2/32", &p));
  config.local.add(p);
  ASSERT_TRUE(stack::parse_prefix("2001:db8:1::2/128", &p));
  config.local.add(p);
  stack::Stack stack(engine, config);

  const std::vector<Bytes> warm = traffic(20000, 60);
  const std::vector<Bytes> measured = traffic(30000, 120);
  uint64_t now = 1'000'000;
  for (const Bytes& f : warm) stack.process(now += 100, 1, f.data(), static_cast<uint32_t>(f.size()));

  size_t permitted = 0;
  uint64_t allocations = 0;
  {
    AllocationCounter counter;
    for (const Bytes& f : measured) {
      const stack::Result r = stack.process(now += 100, 1, f.data(), static_cast<uint32_t>(f.size()));
      permitted += r.verdict == stack::Verdict::PERMIT ? 1 : 0;
    }
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u) << "over " << measured.size() << " packets";

  // The same through process_batch (batches of 16, the last one short).
  const std::vector<Bytes> batched = traffic(40000, 120);
  std::vector<stack::Stack::Frame> frames;
  for (const Bytes& f : batched) frames.push_back({now += 100, f.data(), static_cast<uint32_t>(f.size()), 0});
  std::vector<stack::Result> results(frames.size());
  {
    AllocationCounter counter;
    stack.process_batch(1, frames.data(), frames.size(), results.data());
    allocations = counter.count();
  }
  EXPECT_EQ(allocations, 0u) << "over " << frames.size() << " packets in batches";
  size_t batchPermitted = 0;
  for (const stack::Result& r : results) batchPermitted += r.verdict == stack::Verdict::PERMIT ? 1 : 0;
  EXPECT_GT(batchPermitted, frames.size() * 3 / 4);
  // The traffic went through (fragments are HELD until the last one).
  EXPECT_GT(permitted, measured.size() * 3 / 4);
}

}  // namespace
}  // namespace openwfp::pipeline
