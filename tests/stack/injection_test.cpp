// Layer data at the packet layers and the injection functions: the packet a
// callout sees at each layer, clone + absorb + re-inject from a DPC, the
// injection state (self, other, previously self), transport send with the
// IP header built from the flow, and the considerations C2 (payload read at
// a packet layer), C5 (receive-path injection with a wrong IPv4 checksum),
// C6 (inline TCP injection from a transport-layer classifyFn) and C7
// (send-path injection with a misaligned header).
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "craft/craft.hpp"
#include "decode/packet.hpp"
#include "openwfp/checksum.hpp"
#include "openwfp/fwps.hpp"
#include "stack/stack.hpp"
#include "support/engine_fixture.hpp"
#include "support/stack_world.hpp"

namespace openwfp::test {
namespace {

using craft::Bytes;
constexpr uint8_t SYN = 0x02;
const uint32_t kHost = craft::v4(10, 0, 0, 2);
const uint32_t kWeb = craft::v4(93, 184, 216, 34);

std::function<void(const IncomingMetadata*, void*, ClassifyOut*)> g_classify;
void classify_fn(const IncomingValues*, const IncomingMetadata* meta, void* layerData, const void*, const FilterView*,
                 uint64_t, ClassifyOut* out) {
  if (g_classify) g_classify(meta, layerData, out);
}

class Sent final : public stack::Observer {
 public:
  void on_inject(const uint8_t* ip, uint32_t length, bool outbound) override {
    packets.emplace_back(ip, ip + length);
    outbounds.push_back(outbound);
  }
  std::vector<Bytes> packets;
  std::vector<bool> outbounds;
};

// One terminating callout at the layer, and two injection handles: the
// callout's and another one's.
struct World : StackWorld<Sent> {
  netbuf::NetBufferListPool pool{16, 4096, 64};
  HANDLE handle = nullptr;
  HANDLE other = nullptr;

  explicit World(const std::string& layer_name) {
    g_classify = nullptr;
    callout_at(layer_name, FWP_ACTION_CALLOUT_TERMINATING, classify_fn);
    EXPECT_EQ(FwpsInjectionHandleCreate0(WFP_AF_INET, 0, &handle), Status::SUCCESS);
    EXPECT_EQ(FwpsInjectionHandleCreate0(WFP_AF_INET, 0, &other), Status::SUCCESS);
  }
  ~World() {
    g_classify = nullptr;
    stack.reset();
    FwpsInjectionHandleDestroy0(handle);
    FwpsInjectionHandleDestroy0(other);
  }
};

Bytes nbl_bytes(const netbuf::NetBufferList* nbl) {
  const netbuf::NetBuffer* nb = nbl->firstNetBuffer;
  Bytes b(nb->dataLength);
  uint32_t copied = 0;
  netbuf::copy_from_net_buffer(nb, 0, b.data(), nb->dataLength, &copied);
  return b;
}

// What a DPC carries to inject later.
struct Pending {
  netbuf::NetBufferList* clone = nullptr;
  HANDLE handle = nullptr;
  uint64_t endpoint = 0;
  Status status = Status::UNSUCCESSFUL;
  int completions = 0;
  Status completionStatus = Status::UNSUCCESSFUL;
};

void complete_clone(void* context, NetBufferList* nbl, bool) {
  auto* p = static_cast<Pending*>(context);
  ++p->completions;
  p->completionStatus = nbl->status;
  netbuf::free_clone_net_buffer_list(nbl, 0);
}

void complete_free(void* context, NetBufferList* nbl, bool) {
  auto* p = static_cast<Pending*>(context);
  ++p->completions;
  p->completionStatus = nbl->status;
  netbuf::free_net_buffer_list(nbl);
}

void inject_network_send_dpc(void* context, void*, void*) {
  auto* p = static_cast<Pending*>(context);
  p->status = FwpsInjectNetworkSendAsync0(p->handle, nullptr, 0, 1, p->clone, complete_clone, p);
}

void inject_transport_receive_dpc(void* context, void*, void*) {
  auto* p = static_cast<Pending*>(context);
  p->status = FwpsInjectTransportReceiveAsync0(p->handle, nullptr, nullptr, 0, WFP_AF_INET, 1, 1, 0, p->clone,
                                               complete_clone, p);
}

TEST(StackLayerData, EachLayerSeesThePacketAtWfpsOffset) {
  World w("OUTBOUND_TRANSPORT_V4");
  Bytes seen;
  uint32_t ip_header = 0;
  g_classify = [&](const IncomingMetadata* meta, void* data, ClassifyOut* out) {
    ASSERT_NE(data, nullptr);
    seen = nbl_bytes(static_cast<netbuf::NetBufferList*>(data));
    ip_header = meta->ipHeaderSize;
    out->actionType = FWP_ACTION_PERMIT;
  };
  const Bytes ip = craft::ipv4(kHost, kWeb, 17, craft::udp(5000, 53, craft::text("query")));
  EXPECT_EQ(w.send(ip, true).verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(ip_header, 20u);
  EXPECT_EQ(seen, Bytes(ip.begin() + 20, ip.end()));  // outbound transport: from the transport header
}

TEST(StackInjection, CloneAbsorbAndReinjectFromADpcWithTheInjectionState) {
  World w("OUTBOUND_IPPACKET_V4");
  Pending pending;
  std::vector<PacketInjectionState> states;
  dispatch::KDPC dpc;
  dispatch::KeInitializeDpc(&dpc, inject_network_send_dpc, &pending);
  g_classify = [&](const IncomingMetadata*, void* data, ClassifyOut* out) {
    auto* nbl = static_cast<netbuf::NetBufferList*>(data);
    HANDLE context = nullptr;
    const PacketInjectionState state = FwpsQueryPacketInjectionState0(w.handle, nbl, &context);
    states.push_back(state);
    EXPECT_EQ(FwpsQueryPacketInjectionState0(w.other, nbl, nullptr),
              state == PacketInjectionState::FWPS_PACKET_INJECTED_BY_SELF
                  ? PacketInjectionState::FWPS_PACKET_INJECTED_BY_OTHER
                  : PacketInjectionState::FWPS_PACKET_NOT_INJECTED);
    if (state == PacketInjectionState::FWPS_PACKET_INJECTED_BY_SELF) {
      netbuf::NetBufferList* clone = nullptr;
      ASSERT_EQ(netbuf::allocate_clone_net_buffer_list(nbl, &w.pool, 0, &clone), Status::SUCCESS);
      EXPECT_EQ(FwpsQueryPacketInjectionState0(w.handle, clone, nullptr),
                PacketInjectionState::FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF);
      netbuf::free_clone_net_buffer_list(clone, 0);
      out->actionType = FWP_ACTION_PERMIT;
      return;
    }
    ASSERT_EQ(netbuf::allocate_clone_net_buffer_list(nbl, &w.pool, 0, &pending.clone), Status::SUCCESS);
    pending.handle = w.handle;
    EXPECT_TRUE(dispatch::KeInsertQueueDpc(&dpc, nullptr, nullptr));
    out->actionType = FWP_ACTION_BLOCK;
    out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
    out->rights &= ~FWPS_RIGHT_ACTION_WRITE;
  };
  const Bytes ip = craft::ipv4(kHost, kWeb, 17, craft::udp(5000, 53, craft::text("query")));
  EXPECT_EQ(w.send(ip, true).verdict, stack::Verdict::ABSORBED);
  EXPECT_EQ(pending.status, Status::SUCCESS);
  EXPECT_EQ(pending.completions, 1);
  EXPECT_EQ(pending.completionStatus, Status::SUCCESS);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0], PacketInjectionState::FWPS_PACKET_NOT_INJECTED);
  EXPECT_EQ(states[1], PacketInjectionState::FWPS_PACKET_INJECTED_BY_SELF);
  ASSERT_EQ(w.observer.packets.size(), 1u);
  EXPECT_EQ(w.observer.packets[0], ip);
  EXPECT_TRUE(w.observer.outbounds[0]);
  EXPECT_EQ(w.stack->counters().injectedSent, 1u);
  EXPECT_EQ(w.stack->findings().total(), 0u);
  EXPECT_EQ(w.pool.counters().lists.inUse, 0u);  // the clone went back
}

// C6: a TCP packet injected inline from a transport-layer classifyFn fails;
// from a DPC the same injection succeeds and the packet goes on.
TEST(StackConsiderations, C6InlineTcpInjectionFailsAndTheDpcSucceeds) {
  for (const bool from_dpc : {false, true}) {
    SCOPED_TRACE(from_dpc);
    dispatch::reset_irql_violations();
    World w("INBOUND_TRANSPORT_V4");
    Pending pending;
    dispatch::KDPC dpc;
    dispatch::KeInitializeDpc(&dpc, inject_transport_receive_dpc, &pending);
    Status inline_status = Status::SUCCESS;
    int self_seen = 0;
    g_classify = [&](const IncomingMetadata* meta, void* data, ClassifyOut* out) {
      auto* nbl = static_cast<netbuf::NetBufferList*>(data);
      if (FwpsQueryPacketInjectionState0(w.handle, nbl, nullptr) ==
          PacketInjectionState::FWPS_PACKET_INJECTED_BY_SELF) {
        ++self_seen;
        out->actionType = FWP_ACTION_PERMIT;
        return;
      }
      // Receive injection takes the packet from its IP header.
      const uint32_t headers = meta->ipHeaderSize + meta->transportHeaderSize;
      ASSERT_EQ(netbuf::retreat_net_buffer_list_data_start(nbl, headers, 0), Status::SUCCESS);
      ASSERT_EQ(netbuf::allocate_clone_net_buffer_list(nbl, &w.pool, 0, &pending.clone), Status::SUCCESS);
      netbuf::advance_net_buffer_list_data_start(nbl, headers, false);
      pending.handle = w.handle;
      if (from_dpc) {
        EXPECT_TRUE(dispatch::KeInsertQueueDpc(&dpc, nullptr, nullptr));
      } else {
        inline_status = FwpsInjectTransportReceiveAsync0(w.handle, nullptr, nullptr, 0, WFP_AF_INET, 1, 1, 0,
                                                         pending.clone, complete_clone, &pending);
        if (inline_status != Status::SUCCESS) netbuf::free_clone_net_buffer_list(pending.clone, 0);
      }
      out->actionType = FWP_ACTION_BLOCK;
      out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
    };
    const Bytes syn = craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 500, 0, SYN));
    EXPECT_EQ(w.send(syn, false).verdict, stack::Verdict::ABSORBED);
    if (from_dpc) {
      EXPECT_EQ(pending.status, Status::SUCCESS);
      EXPECT_EQ(pending.completions, 1);
      EXPECT_EQ(self_seen, 1);
      ASSERT_EQ(w.observer.packets.size(), 1u);
      EXPECT_EQ(w.observer.packets[0], syn);
      EXPECT_FALSE(w.observer.outbounds[0]);
      EXPECT_EQ(w.stack->findings().total(), 0u);
    } else {
      EXPECT_EQ(inline_status, dispatch::kWrongIrqlStatus);
      EXPECT_EQ(pending.completions, 0);  // a failed call does not complete
      ASSERT_EQ(w.stack->findings().all().size(), 1u);
      EXPECT_EQ(w.stack->findings().all()[0].consideration, "C6");
      bool recorded = false;
      for (const auto& v : dispatch::irql_violations()) recorded = recorded || v.rule == dispatch::IrqlRule::IN_CLASSIFY;
      EXPECT_TRUE(recorded);
      EXPECT_TRUE(w.observer.packets.empty());
    }
  }
}

// C5: receive-path injection of a packet whose IPv4 checksum is wrong.
TEST(StackConsiderations, C5ReceiveInjectionWithAWrongChecksumIsReported) {
  for (const bool fix : {false, true}) {
    SCOPED_TRACE(fix);
    World w("INBOUND_IPPACKET_V4");
    Pending pending;
    g_classify = [&](const IncomingMetadata*, void* data, ClassifyOut* out) {
      auto* nbl = static_cast<netbuf::NetBufferList*>(data);
      if (FwpsQueryPacketInjectionState0(w.handle, nbl, nullptr) != PacketInjectionState::FWPS_PACKET_NOT_INJECTED) {
        out->actionType = FWP_ACTION_PERMIT;
        return;
      }
      // A new packet: the received one with a changed TTL (and, if fixed, the checksum recalculated).
      Bytes copy = craft::ipv4(kWeb, kHost, 17, craft::udp(53, 5000, craft::text("answer")));
      copy[8] = 7;
      if (fix) ipv4_set_header_checksum(copy.data(), 20);
      netbuf::NetBufferList* fresh = nullptr;
      ASSERT_EQ(netbuf::allocate_net_buffer_list(&w.pool, static_cast<uint32_t>(copy.size()), &fresh), Status::SUCCESS);
      uint32_t n = 0;
      netbuf::copy_to_net_buffer(fresh->firstNetBuffer, 0, copy.data(), static_cast<uint32_t>(copy.size()), &n);
      EXPECT_EQ(FwpsInjectNetworkReceiveAsync0(w.handle, nullptr, 0, 1, 1, 0, fresh, complete_free, &pending),
                Status::SUCCESS);
      out->actionType = FWP_ACTION_BLOCK;
      out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
    };
    w.send(craft::ipv4(kWeb, kHost, 17, craft::udp(53, 5000, craft::text("answer"))), false);
    EXPECT_EQ(pending.completions, 1);
    if (fix) {
      EXPECT_EQ(pending.completionStatus, Status::SUCCESS);
      EXPECT_EQ(w.observer.packets.size(), 1u);
      EXPECT_EQ(w.stack->findings().total(), 0u);
    } else {
      EXPECT_NE(pending.completionStatus, Status::SUCCESS);
      EXPECT_TRUE(w.observer.packets.empty());
      ASSERT_EQ(w.stack->findings().all().size(), 1u);
      EXPECT_EQ(w.stack->findings().all()[0].consideration, "C5");
    }
  }
}

// C7: send-path injection of a list whose IP header is not pointer-aligned.
TEST(StackConsiderations, C7MisalignedSendInjectionFailsAndTheAlignedCopyGoesOut) {
  World w("OUTBOUND_IPPACKET_V4");
  Pending pending;
  alignas(8) uint8_t memory[256] = {};
  const Bytes ip = craft::ipv4(kHost, kWeb, 17, craft::udp(6000, 53, craft::text("late")));
  std::memcpy(memory + 1, ip.data(), ip.size());
  Status misaligned = Status::SUCCESS, aligned = Status::UNSUCCESSFUL;
  g_classify = [&](const IncomingMetadata*, void* data, ClassifyOut* out) {
    if (FwpsQueryPacketInjectionState0(w.handle, static_cast<netbuf::NetBufferList*>(data), nullptr) !=
        PacketInjectionState::FWPS_PACKET_NOT_INJECTED) {
      out->actionType = FWP_ACTION_PERMIT;
      return;
    }
    if (pending.completions > 0 || aligned == Status::SUCCESS) {
      out->actionType = FWP_ACTION_PERMIT;
      return;
    }
    netbuf::Mdl* mdl = nullptr;
    ASSERT_EQ(netbuf::allocate_mdl(&w.pool, memory + 1, static_cast<uint32_t>(ip.size()), &mdl), Status::SUCCESS);
    netbuf::NetBufferList* odd = nullptr;
    ASSERT_EQ(netbuf::allocate_net_buffer_and_net_buffer_list(&w.pool, 0, 0, mdl, 0, ip.size(), &odd),
              Status::SUCCESS);
    misaligned = FwpsInjectNetworkSendAsync0(w.handle, nullptr, 0, 1, odd, complete_free, &pending);
    netbuf::NetBufferList* copy = nullptr;
    ASSERT_EQ(copy_with_aligned_header(odd, &w.pool, &copy), Status::SUCCESS);
    netbuf::free_net_buffer_list(odd);
    aligned = FwpsInjectNetworkSendAsync0(w.handle, nullptr, 0, 1, copy, complete_free, &pending);
    out->actionType = FWP_ACTION_PERMIT;
  };
  w.send(craft::ipv4(kHost, kWeb, 17, craft::udp(5000, 53, craft::text("first"))), true);
  EXPECT_EQ(misaligned, Status::DATATYPE_MISALIGNMENT);
  EXPECT_EQ(aligned, Status::SUCCESS);
  EXPECT_EQ(pending.completions, 1);
  ASSERT_EQ(w.observer.packets.size(), 1u);
  EXPECT_EQ(w.observer.packets[0], ip);
  ASSERT_EQ(w.stack->findings().all().size(), 1u);
  EXPECT_EQ(w.stack->findings().all()[0].consideration, "C7");
}

// C2: reading payload at a packet layer is reported; reading headers is not.
TEST(StackConsiderations, C2PayloadReadAtAPacketLayerIsReported) {
  for (const bool read_payload : {false, true}) {
    SCOPED_TRACE(read_payload);
    World w("INBOUND_TRANSPORT_V4");
    g_classify = [&](const IncomingMetadata* meta, void* data, ClassifyOut* out) {
      auto* nbl = static_cast<netbuf::NetBufferList*>(data);
      uint8_t buf[64];
      uint32_t n = 0;
      if (read_payload) {
        netbuf::copy_from_net_buffer(nbl->firstNetBuffer, 0, buf, 4, &n);  // the data: payload
      } else {
        const uint32_t headers = meta->ipHeaderSize + meta->transportHeaderSize;
        netbuf::retreat_net_buffer_list_data_start(nbl, headers, 0);
        netbuf::copy_from_net_buffer(nbl->firstNetBuffer, 0, buf, headers, &n);  // headers only
        netbuf::advance_net_buffer_list_data_start(nbl, headers, false);
      }
      out->actionType = FWP_ACTION_PERMIT;
    };
    w.send(craft::ipv4(kWeb, kHost, 17, craft::udp(53, 5000, craft::text("payload"))), false);
    if (read_payload) {
      ASSERT_EQ(w.stack->findings().all().size(), 1u);
      EXPECT_EQ(w.stack->findings().all()[0].consideration, "C2");
      EXPECT_NE(w.stack->findings().all()[0].calloutId, 0u);
    } else {
      EXPECT_EQ(w.stack->findings().total(), 0u);
    }
  }
}

void inject_transport_send_dpc(void* context, void*, void*) {
  auto* p = static_cast<Pending*>(context);
  p->status = FwpsInjectTransportSendAsync0(p->handle, nullptr, p->endpoint, 0, nullptr, WFP_AF_INET, 1, p->clone,
                                            complete_free, p);
}

TEST(StackInjection, TransportSendBuildsTheIpHeaderFromTheFlow) {
  World w("ALE_FLOW_ESTABLISHED_V4");
  Pending pending;
  dispatch::KDPC dpc;
  dispatch::KeInitializeDpc(&dpc, inject_transport_send_dpc, &pending);
  const Bytes extra = craft::udp(5000, 53, craft::text("second datagram"));
  g_classify = [&](const IncomingMetadata* meta, void*, ClassifyOut* out) {
    ASSERT_TRUE(meta->has(FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE));
    pending.endpoint = meta->transportEndpointHandle;
    pending.handle = w.handle;
    ASSERT_EQ(netbuf::allocate_net_buffer_list(&w.pool, static_cast<uint32_t>(extra.size()), &pending.clone),
              Status::SUCCESS);
    uint32_t n = 0;
    netbuf::copy_to_net_buffer(pending.clone->firstNetBuffer, 0, extra.data(), static_cast<uint32_t>(extra.size()), &n);
    EXPECT_TRUE(dispatch::KeInsertQueueDpc(&dpc, nullptr, nullptr));
    out->actionType = FWP_ACTION_PERMIT;
  };
  w.send(craft::ipv4(kHost, kWeb, 17, craft::udp(5000, 53, craft::text("first"))), true);
  EXPECT_EQ(pending.status, Status::SUCCESS);
  EXPECT_EQ(pending.completionStatus, Status::SUCCESS);
  ASSERT_EQ(w.observer.packets.size(), 1u);
  const Bytes& out = w.observer.packets[0];
  decode::DecodedPacket p;
  ASSERT_EQ(decode::decode_ip(out.data(), static_cast<uint32_t>(out.size()), &p, true), decode::DropReason::NONE);
  EXPECT_EQ(p.v4Source, kHost);
  EXPECT_EQ(p.v4Destination, kWeb);
  EXPECT_TRUE(ipv4_header_checksum_ok(out.data(), 20));
  EXPECT_TRUE(transport_checksum_ok(out.data(), 17, 20, out.size() - 20));
  EXPECT_EQ(Bytes(out.begin() + 20, out.end()).size(), extra.size());
}

}  // namespace
}  // namespace openwfp::test
