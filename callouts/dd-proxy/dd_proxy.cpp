// The dd-proxy callout: registered at DATAGRAM_DATA_V4/V6 as
// CALLOUT_TERMINATING.
//
// Outbound UDP to from_port: a deep copy of the datagram (from its IP
// header) gets to_address:to_port as its destination, the original is
// absorbed, and the copy is sent from a DPC with FwpsInjectNetworkSendAsync0.
// The original destination is remembered per local port. Inbound UDP from
// to_address:to_port to a local port that was redirected: a copy gets the
// original destination back as its source and is received from a DPC with
// FwpsInjectNetworkReceiveAsync0, so the application sees the reply come
// from where it sent. Both copies have their checksums updated; datagrams
// the callout injected itself are permitted.
#include <arpa/inet.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "common/plugin_support.hpp"
#include "dd-proxy/options.hpp"
#include "dd-proxy/plugin.hpp"
#include "dd-proxy/rewrite.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/dispatch.hpp"
#include "openwfp/fwps.hpp"
#include "openwfp/fwps_fields.hpp"
#include "openwfp/netbuf.hpp"

namespace openwfp::callouts::dd_proxy {
namespace {

using plugin_support::Counter;

plugin_support::HostHolder g_host;
constexpr uint8_t kUdp = 17;

struct Proxy;

struct Pending {
  Proxy* owner = nullptr;
  dispatch::KDPC dpc;
  bool outbound = true;
  uint32_t compartmentId = 0;
  uint32_t interfaceIndex = 0, subInterfaceIndex = 0;
  netbuf::NetBufferList* nbl = nullptr;
  std::atomic<bool> taken{false};
};

// The original destination of the datagrams a local port sent to from_port
// (written by the outbound path, read by the inbound one).
struct Origin {
  std::array<uint8_t, 16> address{};
  std::atomic<bool> known{false};
};

struct Proxy {
  Proxy(std::string n, const Options& o)
      : name(std::move(n)),
        options(o),
        records(new Pending[o.maxPending]),
        origins(new Origin[65536]),
        packets(o.maxPending, 2048, 64) {}
  std::string name;
  Options options;
  std::unique_ptr<Pending[]> records;
  std::unique_ptr<Origin[]> origins;  // by local port
  netbuf::NetBufferListPool packets;
  HANDLE injection = nullptr;
  std::atomic<uint32_t> cursor{0};

  Counter redirected;     // outbound datagrams sent to the new destination
  Counter restored;       // replies received with the original source
  Counter selfInjected;   // datagrams seen again after our injection: permitted
  Counter poolFull;       // permitted unchanged: every record in use
  Counter copyFailed;     // permitted unchanged: no copy (packet pool empty, or headers not contiguous)
  Counter injectFailed;   // injection call or completion failed: the datagram was lost
  Counter dpcRefused;     // permitted unchanged: the DPC queue was full
  Counter unknownReply;   // from to_address:to_port to a port that never sent: permitted unchanged

  // A free record: a short scan from a moving cursor (the records are few
  // and a DPC gives each back quickly).
  Pending* take() noexcept {
    const uint32_t n = options.maxPending;
    const uint32_t start = cursor.fetch_add(1, std::memory_order_relaxed);
    for (uint32_t k = 0; k < n; ++k) {
      Pending& p = records[(start + k) % n];
      bool expected = false;
      if (p.taken.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
        p.nbl = nullptr;
        return &p;
      }
    }
    return nullptr;
  }
  void give_back(Pending* p) noexcept {
    if (p->nbl != nullptr) (void)netbuf::free_net_buffer_list(p->nbl);
    p->nbl = nullptr;
    p->taken.store(false, std::memory_order_release);
  }
};

struct DatagramLayer {
  uint8_t ipVersion;
  uint16_t protocol, localPort, remoteAddress, remotePort, direction, count;
};
constexpr DatagramLayer kV4{4,
                            FWPS_FIELD_DATAGRAM_DATA_V4_IP_PROTOCOL,
                            FWPS_FIELD_DATAGRAM_DATA_V4_IP_LOCAL_PORT,
                            FWPS_FIELD_DATAGRAM_DATA_V4_IP_REMOTE_ADDRESS,
                            FWPS_FIELD_DATAGRAM_DATA_V4_IP_REMOTE_PORT,
                            FWPS_FIELD_DATAGRAM_DATA_V4_DIRECTION,
                            FWPS_FIELD_DATAGRAM_DATA_V4_MAX};
constexpr DatagramLayer kV6{6,
                            FWPS_FIELD_DATAGRAM_DATA_V6_IP_PROTOCOL,
                            FWPS_FIELD_DATAGRAM_DATA_V6_IP_LOCAL_PORT,
                            FWPS_FIELD_DATAGRAM_DATA_V6_IP_REMOTE_ADDRESS,
                            FWPS_FIELD_DATAGRAM_DATA_V6_IP_REMOTE_PORT,
                            FWPS_FIELD_DATAGRAM_DATA_V6_DIRECTION,
                            FWPS_FIELD_DATAGRAM_DATA_V6_MAX};

bool remote_is(const Value& v, const Options& o) noexcept {
  if (o.ipVersion == 4) {
    if (v.type != DataType::FWP_UINT32) return false;
    const uint32_t network = htonl(v.uint32);  // incoming IPv4 addresses are in host order
    return std::memcmp(&network, o.toAddress.data(), 4) == 0;
  }
  return v.type == DataType::FWP_BYTE_ARRAY16_TYPE && v.byteArray16 != nullptr &&
         std::memcmp(v.byteArray16->byteArray16, o.toAddress.data(), 16) == 0;
}

void inject_complete(void* context, NetBufferList* nbl, bool) {
  auto* p = static_cast<Pending*>(context);
  Proxy& self = *p->owner;
  if (nbl->status != Status::SUCCESS) {
    self.injectFailed.add();
  } else {
    (p->outbound ? self.redirected : self.restored).add();
  }
  self.give_back(p);
}

void deferred(void* context, void*, void*) {
  auto* p = static_cast<Pending*>(context);
  Proxy& self = *p->owner;
  const Status status =
      p->outbound ? FwpsInjectNetworkSendAsync0(self.injection, nullptr, 0, p->compartmentId, p->nbl, inject_complete, p)
                  : FwpsInjectNetworkReceiveAsync0(self.injection, nullptr, 0, p->compartmentId, p->interfaceIndex,
                                                   p->subInterfaceIndex, p->nbl, inject_complete, p);
  if (status != Status::SUCCESS) {
    self.injectFailed.add();
    self.give_back(p);  // a failed call leaves the list ours
  }
}

// A rewritten deep copy of the datagram from its IP header (the layer data
// starts `headers` bytes after it and is put back where it was), or nullptr.
netbuf::NetBufferList* rewritten_copy(Proxy& self, netbuf::NetBufferList* nbl, uint32_t headers,
                                      uint32_t ipHeaderSize, End end, const uint8_t* address, uint16_t port,
                                      uint8_t* oldAddress) noexcept {
  if (netbuf::retreat_net_buffer_list_data_start(nbl, headers, 0) != Status::SUCCESS) return nullptr;
  netbuf::NetBufferList* copy = nullptr;
  if (netbuf::allocate_deep_clone_net_buffer_list(nbl, &self.packets, &copy) != Status::SUCCESS) copy = nullptr;
  (void)netbuf::advance_net_buffer_list_data_start(nbl, headers, false);
  if (copy == nullptr) return nullptr;
  // The headers are rewritten in place: they must be contiguous in the copy.
  uint8_t* ip = netbuf::get_data_buffer(copy->firstNetBuffer, ipHeaderSize + 8, nullptr);
  if (ip == nullptr) {
    (void)netbuf::free_net_buffer_list(copy);
    return nullptr;
  }
  uint16_t oldPort = 0;
  rewrite_end(ip, ipHeaderSize, end, address, port, oldAddress, &oldPort);
  return copy;
}

void datagram(Proxy& self, const IncomingValues& values, const IncomingMetadata& meta, void* layerData,
              const DatagramLayer& layer, ClassifyOut* out) noexcept {
  out->actionType = FWP_ACTION_PERMIT;
  auto* nbl = static_cast<netbuf::NetBufferList*>(layerData);
  if (nbl == nullptr || layer.ipVersion != self.options.ipVersion || values.incomingValue == nullptr ||
      values.valueCount < layer.count) {
    return;
  }
  const auto at = [&](uint16_t field) -> const Value& { return values.incomingValue[field].value; };
  if (at(layer.protocol).type != DataType::FWP_UINT8 || at(layer.protocol).uint8 != kUdp) return;
  if (at(layer.localPort).type != DataType::FWP_UINT16 || at(layer.remotePort).type != DataType::FWP_UINT16) return;
  const PacketInjectionState state = FwpsQueryPacketInjectionState0(self.injection, nbl, nullptr);
  if (state == PacketInjectionState::FWPS_PACKET_INJECTED_BY_SELF ||
      state == PacketInjectionState::FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF) {
    self.selfInjected.add();
    return;
  }
  const bool outbound = at(layer.direction).type == DataType::FWP_UINT32 &&
                        at(layer.direction).uint32 == FWP_DIRECTION_OUTBOUND;
  const uint16_t localPort = at(layer.localPort).uint16;
  const uint16_t remotePort = at(layer.remotePort).uint16;
  Origin& origin = self.origins[localPort];
  if (outbound ? remotePort != self.options.fromPort
               : (remotePort != self.options.toPort || !remote_is(at(layer.remoteAddress), self.options))) {
    return;
  }
  if (!outbound && !origin.known.load(std::memory_order_acquire)) {
    self.unknownReply.add();
    return;
  }
  Pending* p = self.take();
  if (p == nullptr) {
    self.poolFull.add();
    return;
  }
  p->outbound = outbound;
  p->compartmentId = meta.compartmentId;
  p->interfaceIndex = meta.has(FWPS_METADATA_FIELD_SOURCE_INTERFACE_INDEX) ? meta.sourceInterfaceIndex : 0;
  p->subInterfaceIndex = 0;
  std::array<uint8_t, 16> old{};
  if (outbound) {
    // Outbound DATAGRAM_DATA starts at the transport header.
    p->nbl = rewritten_copy(self, nbl, meta.ipHeaderSize, meta.ipHeaderSize, End::DESTINATION,
                            self.options.toAddress.data(), self.options.toPort, old.data());
  } else {
    // Inbound DATAGRAM_DATA starts after the transport header.
    const std::array<uint8_t, 16> original = origin.address;
    p->nbl = rewritten_copy(self, nbl, meta.ipHeaderSize + meta.transportHeaderSize, meta.ipHeaderSize, End::SOURCE,
                            original.data(), self.options.fromPort, old.data());
  }
  if (p->nbl == nullptr) {
    self.copyFailed.add();
    self.give_back(p);
    return;
  }
  if (outbound) {
    origin.address = old;
    origin.known.store(true, std::memory_order_release);
  }
  if (!dispatch::KeInsertQueueDpc(&p->dpc, nullptr, nullptr)) {
    self.dpcRefused.add();
    self.give_back(p);
    return;
  }
  out->actionType = FWP_ACTION_BLOCK;
  out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
  out->rights &= ~FWPS_RIGHT_ACTION_WRITE;
}

void classify(const IncomingValues* values, const IncomingMetadata* meta, void* layerData, const void*,
              const FilterView* filter, uint64_t, ClassifyOut* out) {
  Proxy* self = g_host.instance_for<Proxy>(filter->action.calloutId);
  if (self == nullptr) return;  // being registered or unregistered
  if ((out->rights & FWPS_RIGHT_ACTION_WRITE) == 0) return;
  switch (values->layerId) {
    case FWPS_LAYER_DATAGRAM_DATA_V4: datagram(*self, *values, *meta, layerData, kV4, out); break;
    case FWPS_LAYER_DATAGRAM_DATA_V6: datagram(*self, *values, *meta, layerData, kV6, out); break;
    default: out->actionType = FWP_ACTION_CONTINUE; break;
  }
}

openwfp_status create(const openwfp_plugin_host* host, const char* instanceName, const char* optionsJson,
                      void** instance, char* error, size_t errorSize) {
  return plugin_support::create_instance(
      g_host, host, instance, error, errorSize, "out of memory for the pending records",
      [&](std::string* why) -> std::unique_ptr<Proxy> {
        Options options;
        if (!parse_options(optionsJson, &options, why)) return nullptr;
        auto self = std::make_unique<Proxy>(instanceName, options);
        for (uint32_t i = 0; i < options.maxPending; ++i) {
          self->records[i].owner = self.get();
          dispatch::KeInitializeDpc(&self->records[i].dpc, deferred, &self->records[i]);
        }
        if (FwpsInjectionHandleCreate0(WFP_AF_UNSPEC, FWPS_INJECTION_TYPE_NETWORK, &self->injection) !=
            Status::SUCCESS) {
          return plugin_support::fail(why, "cannot create an injection handle");
        }
        return self;
      });
}

void destroy(void* instance) {
  std::unique_ptr<Proxy> self(static_cast<Proxy*>(instance));
  (void)FwpsInjectionHandleDestroy0(self->injection);
  char line[512];
  std::snprintf(line, sizeof line,
                "dd-proxy '%s': %llu datagrams redirected, %llu replies restored, %llu seen again after injection; "
                "passed unchanged: %llu (pool of %u full), %llu (no copy), %llu (DPC queue full), "
                "%llu (reply to a port that never sent); %llu injections failed",
                self->name.c_str(), self->redirected.get(), self->restored.get(), self->selfInjected.get(),
                self->poolFull.get(), self->options.maxPending, self->copyFailed.get(), self->dpcRefused.get(),
                self->unknownReply.get(), self->injectFailed.get());
  g_host.log_summary(self->injectFailed.get() == 0, line);
}

const openwfp_plugin kDdProxy = plugin_support::plugin_descriptor(
    "dd-proxy",
    "redirects outbound UDP to one port to another address and port, replies rewritten back "
    "(options: from_port, to_address, to_port, max_pending)",
    &create, &destroy, &classify);

}  // namespace

const openwfp_plugin* dd_proxy_plugin() noexcept { return &kDdProxy; }

}  // namespace openwfp::callouts::dd_proxy
