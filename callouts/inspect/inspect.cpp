// The inspect callout: registered at ALE_AUTH_CONNECT_V4/V6,
// ALE_AUTH_RECV_ACCEPT_V4/V6 and the four transport layers (one instance,
// one run-time id per layer), as CALLOUT_TERMINATING.
//
// ALE: the first classification pends (FwpsPendOperation0, answered Block +
// ABSORB) and queues a DPC that completes it; the reauthorization that the
// completion causes (IS_REAUTHORIZE) gives the decision: Block for the
// configured remote port, Permit otherwise. A pended connect's packet is
// kept by the stack and released on a permit; an accepted connection's
// packet is not (as in WFP), so the callout clones it before pending and
// re-injects the clone from the DPC after the completion.
//
// Transport layers: every packet of a permitted flow is cloned, absorbed and
// re-injected from a DPC (transport injection of TCP from a classifyFn is
// refused: C6). Packets the callout injected itself are permitted.
//
// Everything held is in a pending record taken from a preallocated pool;
// when none is left the packet or connection is permitted uninspected
// (counted).
#include <arpa/inet.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "common/plugin_support.hpp"
#include "inspect/options.hpp"
#include "inspect/plugin.hpp"
#include "inspect/slot_pool.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/dispatch.hpp"
#include "openwfp/fwps.hpp"
#include "openwfp/fwps_fields.hpp"
#include "openwfp/netbuf.hpp"

namespace openwfp::callouts::inspect {
namespace {

using plugin_support::Counter;

plugin_support::HostHolder g_host;

struct Inspector;

enum class Work : uint8_t { COMPLETE_CONNECT, COMPLETE_ACCEPT, SEND, RECEIVE };

// What a DPC carries: the pend to complete and/or the clone to re-inject.
struct Pending {
  Inspector* owner = nullptr;
  uint32_t id = 0;
  dispatch::KDPC dpc;
  Work work = Work::SEND;
  bool permit = true;              // COMPLETE_ACCEPT: the decision the reauthorization will give
  bool isClone = true;             // nbl is a clone (else a copy of our own pool)
  uint16_t addressFamily = WFP_AF_INET;
  uint64_t completionContext = 0;
  uint64_t endpointHandle = 0;
  uint32_t compartmentId = 0;
  netbuf::NetBufferList* nbl = nullptr;
};

struct Inspector {
  Inspector(std::string n, const Options& o)
      : name(std::move(n)),
        options(o),
        slots(o.maxPending),
        records(new Pending[o.maxPending]),
        // A clone and, on the send path, an aligned copy per record; copies
        // of up to two blocks (a 1500-byte segment fits one).
        packets(netbuf::NetBufferListPoolParameters{o.maxPending * 2, o.maxPending * 2, o.maxPending * 4,
                                                    o.maxPending * 2, 2048, 64, 0}) {}
  std::string name;
  Options options;
  SlotPool slots;
  std::unique_ptr<Pending[]> records;
  netbuf::NetBufferListPool packets;
  HANDLE injection = nullptr;

  Counter pended;             // connections pended at an ALE layer
  Counter permitted;          // reauthorizations answered Permit
  Counter blocked;            // reauthorizations answered Block (the remote port)
  Counter reinjected;         // packets re-injected whose injection completed successfully
  Counter selfInjected;       // packets seen again after our injection: permitted
  Counter leftToAle;          // inbound packets opening a connection: left to ALE_AUTH_RECV_ACCEPT
  Counter poolFull;           // permitted uninspected: every record in use
  Counter notPended;          // FwpsPendOperation0 refused: decided at once
  Counter cloneFailed;        // permitted uninspected: no clone (packet pool empty)
  Counter injectFailed;       // an injection call or its completion failed: the packet was lost
  Counter dpcRefused;         // the DPC queue was full

  Pending* take() noexcept {
    const uint32_t id = slots.acquire();
    if (id == 0) return nullptr;
    Pending* p = &records[id - 1];
    p->nbl = nullptr;
    p->isClone = true;
    p->permit = true;
    return p;
  }
  void give_back(Pending* p) noexcept {
    if (p->nbl != nullptr) {
      if (p->isClone) {
        (void)netbuf::free_clone_net_buffer_list(p->nbl, 0);
      } else {
        (void)netbuf::free_net_buffer_list(p->nbl);
      }
      p->nbl = nullptr;
    }
    slots.release(p->id);
  }
};

// Where the ALE layers keep the fields the callout reads.
struct AleLayer {
  uint16_t flags, remotePort, count;
  bool accept;
  uint16_t addressFamily;
};
bool ale_layer(uint16_t layerId, AleLayer* out) noexcept {
  switch (layerId) {
    case FWPS_LAYER_ALE_AUTH_CONNECT_V4:
      *out = {FWPS_FIELD_ALE_AUTH_CONNECT_V4_FLAGS, FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT,
              FWPS_FIELD_ALE_AUTH_CONNECT_V4_MAX, false, WFP_AF_INET};
      return true;
    case FWPS_LAYER_ALE_AUTH_CONNECT_V6:
      *out = {FWPS_FIELD_ALE_AUTH_CONNECT_V6_FLAGS, FWPS_FIELD_ALE_AUTH_CONNECT_V6_IP_REMOTE_PORT,
              FWPS_FIELD_ALE_AUTH_CONNECT_V6_MAX, false, WFP_AF_INET6};
      return true;
    case FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4:
      *out = {FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_FLAGS, FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_IP_REMOTE_PORT,
              FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V4_MAX, true, WFP_AF_INET};
      return true;
    case FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6:
      *out = {FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_FLAGS, FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_IP_REMOTE_PORT,
              FWPS_FIELD_ALE_AUTH_RECV_ACCEPT_V6_MAX, true, WFP_AF_INET6};
      return true;
    default: return false;
  }
}

uint32_t uint32_field(const IncomingValues& values, uint16_t field) noexcept {
  const Value& v = values.incomingValue[field].value;
  return v.type == DataType::FWP_UINT32 ? v.uint32 : 0;
}
bool remote_port_blocked(const Inspector& self, const IncomingValues& values, uint16_t field) noexcept {
  const Value& v = values.incomingValue[field].value;
  return self.options.blockRemotePort && v.type == DataType::FWP_UINT16 && v.uint16 == self.options.remotePort;
}

void answer(ClassifyOut* out, uint32_t action) noexcept {
  out->actionType = action;
  if (action == FWP_ACTION_BLOCK) out->rights &= ~FWPS_RIGHT_ACTION_WRITE;
}
void absorb(ClassifyOut* out) noexcept {
  out->actionType = FWP_ACTION_BLOCK;
  out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
  out->rights &= ~FWPS_RIGHT_ACTION_WRITE;
}

// A clone of the packet from its IP header: the layer data starts
// `headers` bytes after it, and is put back where it was.
netbuf::NetBufferList* clone_from(Inspector& self, netbuf::NetBufferList* nbl, uint32_t headers) noexcept {
  if (nbl == nullptr) return nullptr;
  if (headers > 0 && netbuf::retreat_net_buffer_list_data_start(nbl, headers, 0) != Status::SUCCESS) return nullptr;
  netbuf::NetBufferList* clone = nullptr;
  if (netbuf::allocate_clone_net_buffer_list(nbl, &self.packets, 0, &clone) != Status::SUCCESS) clone = nullptr;
  if (headers > 0) (void)netbuf::advance_net_buffer_list_data_start(nbl, headers, false);
  return clone;
}

void inject_complete(void* context, NetBufferList* nbl, bool) {
  auto* p = static_cast<Pending*>(context);
  if (nbl->status == Status::SUCCESS) {
    p->owner->reinjected.add();
  } else {
    p->owner->injectFailed.add();
  }
  p->owner->give_back(p);
}

void reinject(Pending& p) noexcept {
  Inspector& self = *p.owner;
  Status status = Status::SUCCESS;
  if (p.work == Work::SEND) {
    // The send path needs a pointer-aligned header (C7); the layer data's
    // transport header usually is not. The copy is made here, not in
    // classifyFn, where reading the payload is C2.
    const netbuf::NetBuffer* nb = p.nbl->firstNetBuffer;
    const uint8_t* start = nb->currentMdl != nullptr ? nb->currentMdl->mappedSystemVa + nb->currentMdlOffset : nullptr;
    if (start != nullptr && reinterpret_cast<uintptr_t>(start) % alignof(void*) != 0) {
      netbuf::NetBufferList* aligned = nullptr;
      if (copy_with_aligned_header(p.nbl, &self.packets, &aligned) != Status::SUCCESS) {
        self.cloneFailed.add();
        self.give_back(&p);
        return;
      }
      (void)netbuf::free_clone_net_buffer_list(p.nbl, 0);
      p.nbl = aligned;
      p.isClone = false;
    }
    status = FwpsInjectTransportSendAsync0(self.injection, nullptr, p.endpointHandle, 0, nullptr, p.addressFamily,
                                           p.compartmentId, p.nbl, inject_complete, &p);
  } else {
    status = FwpsInjectTransportReceiveAsync0(self.injection, nullptr, nullptr, 0, p.addressFamily, p.compartmentId, 0,
                                              0, p.nbl, inject_complete, &p);
  }
  if (status != Status::SUCCESS) {
    self.injectFailed.add();
    self.give_back(&p);  // a failed call leaves the list ours
  }
}

void deferred(void* context, void*, void*) {
  auto* p = static_cast<Pending*>(context);
  switch (p->work) {
    case Work::COMPLETE_CONNECT:
      FwpsCompleteOperation0(p->completionContext, nullptr);
      p->owner->give_back(p);
      break;
    case Work::COMPLETE_ACCEPT:
      FwpsCompleteOperation0(p->completionContext, nullptr);
      // The reauthorization answers as decided when the pend began; a
      // blocked connection's packet goes no further.
      if (p->permit && p->nbl != nullptr) {
        p->work = Work::RECEIVE;
        reinject(*p);
      } else {
        p->owner->give_back(p);
      }
      break;
    case Work::SEND:
    case Work::RECEIVE: reinject(*p); break;
  }
}

void ale(Inspector& self, const IncomingValues& values, const IncomingMetadata& meta, void* layerData,
         const AleLayer& layer, ClassifyOut* out) noexcept {
  if (values.incomingValue == nullptr || values.valueCount < layer.count) {
    answer(out, FWP_ACTION_PERMIT);
    return;
  }
  const bool block = remote_port_blocked(self, values, layer.remotePort);
  if ((uint32_field(values, layer.flags) & FWP_CONDITION_FLAG_IS_REAUTHORIZE) != 0) {
    (block ? self.blocked : self.permitted).add();
    answer(out, block ? FWP_ACTION_BLOCK : FWP_ACTION_PERMIT);
    return;
  }
  Pending* p = meta.has(FWPS_METADATA_FIELD_COMPLETION_HANDLE) ? self.take() : nullptr;
  if (p == nullptr) {
    if (meta.has(FWPS_METADATA_FIELD_COMPLETION_HANDLE)) self.poolFull.add();
    answer(out, block ? FWP_ACTION_BLOCK : FWP_ACTION_PERMIT);
    return;
  }
  p->work = layer.accept ? Work::COMPLETE_ACCEPT : Work::COMPLETE_CONNECT;
  p->permit = !block;
  p->addressFamily = layer.addressFamily;
  p->compartmentId = meta.compartmentId;
  if (layer.accept && !block) {
    // WFP does not keep an accepted connection's packet: re-injecting it
    // after the completion is the callout's job.
    p->nbl = clone_from(self, static_cast<netbuf::NetBufferList*>(layerData),
                        meta.ipHeaderSize + meta.transportHeaderSize);
    if (layerData != nullptr && p->nbl == nullptr) self.cloneFailed.add();
  }
  if (FwpsPendOperation0(meta.completionHandle, &p->completionContext) != Status::SUCCESS) {
    self.notPended.add();
    self.give_back(p);
    answer(out, block ? FWP_ACTION_BLOCK : FWP_ACTION_PERMIT);
    return;
  }
  self.pended.add();
  if (!dispatch::KeInsertQueueDpc(&p->dpc, nullptr, nullptr)) {
    // No DPC: complete now (the stack carries it out after this
    // classification); the accepted packet is lost.
    self.dpcRefused.add();
    FwpsCompleteOperation0(p->completionContext, nullptr);
    self.give_back(p);
  }
  absorb(out);
}

void transport(Inspector& self, const IncomingMetadata& meta, void* layerData, bool outbound, uint16_t addressFamily,
               ClassifyOut* out) noexcept {
  auto* nbl = static_cast<netbuf::NetBufferList*>(layerData);
  if (nbl == nullptr) {
    answer(out, FWP_ACTION_PERMIT);
    return;
  }
  const PacketInjectionState state = FwpsQueryPacketInjectionState0(self.injection, nbl, nullptr);
  if (state == PacketInjectionState::FWPS_PACKET_INJECTED_BY_SELF ||
      state == PacketInjectionState::FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF) {
    self.selfInjected.add();
    answer(out, FWP_ACTION_PERMIT);
    return;
  }
  if (!outbound && meta.has(FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED)) {
    // The packet opens a connection: ALE_AUTH_RECV_ACCEPT pends it and
    // re-injects it, once; taking it here too would handle it twice.
    self.leftToAle.add();
    answer(out, FWP_ACTION_PERMIT);
    return;
  }
  if (outbound && !meta.has(FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE)) {
    answer(out, FWP_ACTION_PERMIT);  // nowhere to send a clone: let the packet through uninspected
    return;
  }
  Pending* p = self.take();
  if (p == nullptr) {
    self.poolFull.add();
    answer(out, FWP_ACTION_PERMIT);
    return;
  }
  p->work = outbound ? Work::SEND : Work::RECEIVE;
  p->addressFamily = addressFamily;
  p->compartmentId = meta.compartmentId;
  p->endpointHandle = meta.transportEndpointHandle;
  // Outbound: transport send takes the packet from its transport header,
  // where the layer data starts. Inbound: transport receive takes it from
  // the IP header, before the layer data.
  p->nbl = clone_from(self, nbl, outbound ? 0 : meta.ipHeaderSize + meta.transportHeaderSize);
  if (p->nbl == nullptr) {
    self.cloneFailed.add();
    self.give_back(p);
    answer(out, FWP_ACTION_PERMIT);
    return;
  }
  if (!dispatch::KeInsertQueueDpc(&p->dpc, nullptr, nullptr)) {
    self.dpcRefused.add();
    self.give_back(p);
    answer(out, FWP_ACTION_PERMIT);
    return;
  }
  absorb(out);
}

void classify(const IncomingValues* values, const IncomingMetadata* meta, void* layerData, const void*,
              const FilterView* filter, uint64_t, ClassifyOut* out) {
  Inspector* self = g_host.instance_for<Inspector>(filter->action.calloutId);
  if (self == nullptr) return;  // being registered or unregistered
  if ((out->rights & FWPS_RIGHT_ACTION_WRITE) == 0) return;  // a higher filter decided for good
  AleLayer layer;
  if (ale_layer(values->layerId, &layer)) {
    ale(*self, *values, *meta, layerData, layer, out);
    return;
  }
  switch (values->layerId) {
    case FWPS_LAYER_OUTBOUND_TRANSPORT_V4: transport(*self, *meta, layerData, true, WFP_AF_INET, out); break;
    case FWPS_LAYER_OUTBOUND_TRANSPORT_V6: transport(*self, *meta, layerData, true, WFP_AF_INET6, out); break;
    case FWPS_LAYER_INBOUND_TRANSPORT_V4: transport(*self, *meta, layerData, false, WFP_AF_INET, out); break;
    case FWPS_LAYER_INBOUND_TRANSPORT_V6: transport(*self, *meta, layerData, false, WFP_AF_INET6, out); break;
    default: out->actionType = FWP_ACTION_CONTINUE; break;  // a layer it has nothing to do at
  }
}

openwfp_status create(const openwfp_plugin_host* host, const char* instanceName, const char* optionsJson,
                      void** instance, char* error, size_t errorSize) {
  return plugin_support::create_instance(
      g_host, host, instance, error, errorSize, "out of memory for the pending records",
      [&](std::string* why) -> std::unique_ptr<Inspector> {
        Options options;
        if (!parse_options(optionsJson, &options, why)) return nullptr;
        auto self = std::make_unique<Inspector>(instanceName, options);
        for (uint32_t i = 0; i < options.maxPending; ++i) {
          Pending& p = self->records[i];
          p.owner = self.get();
          p.id = i + 1;
          dispatch::KeInitializeDpc(&p.dpc, deferred, &p);
        }
        if (FwpsInjectionHandleCreate0(WFP_AF_UNSPEC, FWPS_INJECTION_TYPE_TRANSPORT, &self->injection) !=
            Status::SUCCESS) {
          return plugin_support::fail(why, "cannot create an injection handle");
        }
        return self;
      });
}

void destroy(void* instance) {
  std::unique_ptr<Inspector> self(static_cast<Inspector*>(instance));
  (void)FwpsInjectionHandleDestroy0(self->injection);
  char line[640];
  std::snprintf(line, sizeof line,
                "inspect '%s': %llu connections pended, %llu permitted, %llu blocked; %llu packets re-injected, "
                "%llu seen again after injection, %llu left to ALE; not inspected: %llu (pool of %u full), %llu (no clone), "
                "%llu (not pended), %llu (DPC queue full); %llu injections failed",
                self->name.c_str(), self->pended.get(), self->permitted.get(), self->blocked.get(),
                self->reinjected.get(), self->selfInjected.get(), self->leftToAle.get(), self->poolFull.get(),
                self->slots.capacity(),
                self->cloneFailed.get(), self->notPended.get(), self->dpcRefused.get(), self->injectFailed.get());
  g_host.log_summary(self->injectFailed.get() == 0, line);
}

const openwfp_plugin kInspect = plugin_support::plugin_descriptor(
    "inspect",
    "pends ALE connect/accept and re-injects every packet of a permitted flow from a DPC "
    "(options: block_remote_port, max_pending)",
    &create, &destroy, &classify);

}  // namespace

const openwfp_plugin* inspect_plugin() noexcept { return &kInspect; }

}  // namespace openwfp::callouts::inspect
