#include "stack/stack.hpp"

#include <cstring>

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "openwfp/checksum.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/fwps.hpp"
#include "openwfp/fwps_fields.hpp"
#include "rewrite/tcp_rewriter.hpp"
#include "runtime/host.hpp"
#include "stack/endpoint_set.hpp"

namespace openwfp::stack {

const char* verdict_name(Verdict v) noexcept {
  switch (v) {
    case Verdict::PERMIT: return "permit";
    case Verdict::BLOCK: return "block";
    case Verdict::DROP: return "drop";
    case Verdict::HELD: return "held";
    case Verdict::ABSORBED: return "absorbed";
  }
  return "unknown";
}

namespace {

// FWPS_DISCARD_MODULE_* and the general module's reasons.
constexpr uint32_t kDiscardModuleNetwork = 0, kDiscardModuleTransport = 1, kDiscardModuleGeneral = 2;
constexpr uint32_t kDiscardFirewallPolicy = 0;
constexpr uint32_t kIfTypeEthernet = 6, kIfTypeLoopback = 24;

// The V4 or V6 form of a layer: V6 ids follow V4 ids by `step` (2 for layers
// with DISCARD forms, 1 for the others).
LayerId pick(LayerId v4, uint8_t ip_version, LayerId step = 2) noexcept {
  return ip_version == 6 ? static_cast<LayerId>(v4 + step) : v4;
}

bool is_icmp_error(const decode::DecodedPacket& p) noexcept {
  if (p.protocol == decode::kProtoIcmp) {
    return p.icmpType == 3 || p.icmpType == 4 || p.icmpType == 5 || p.icmpType == 11 || p.icmpType == 12;
  }
  if (p.protocol == decode::kProtoIcmpv6) return p.icmpType >= 1 && p.icmpType <= 4;
  return false;
}

bool is_icmp(uint8_t protocol) noexcept { return protocol == decode::kProtoIcmp || protocol == decode::kProtoIcmpv6; }

uint64_t mix(uint64_t h, uint64_t v) noexcept {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xBF58476D1CE4E5B9ull;
}

}  // namespace

// Every TCP flow the table can hold may need stream state.
stream::Config stream_config(const Config& c) noexcept {
  stream::Config s = c.stream;
  if (s.maxConnections < c.flows.maxFlows) s.maxConnections = c.flows.maxFlows;
  return s;
}

// A classification's extras beyond the incoming values.
struct CalloutExtras {
  void* layerData = nullptr;
  void (*afterCallout)(void*, const FilterView&, const ClassifyOut&) = nullptr;
  void* afterCalloutContext = nullptr;
};

// What a STREAM classification's callouts asked for: the first callout that
// set a stream action decides it (the engine then ignores the action type).
struct StreamCallState {
  StreamCalloutIoPacket* io = nullptr;
  bool recorded = false;
  StreamCalloutIoPacket answer;
  uint32_t filterActionType = 0;
  uint32_t calloutId = 0;
  static void after(void* self, const FilterView& filter, const ClassifyOut&) {
    auto* st = static_cast<StreamCallState*>(self);
    if (st->recorded || st->io->streamAction == StreamActionType::FWPS_STREAM_ACTION_NONE) return;
    st->recorded = true;
    st->answer = *st->io;
    st->filterActionType = filter.action.type;
    st->calloutId = filter.action.calloutId;
  }
};

// Which callout answered at FLOW_ESTABLISHED (for C3's report).
struct FlowEstablishedCall {
  uint64_t filterId = 0;
  uint32_t calloutId = 0;
  static void after(void* self, const FilterView& filter, const ClassifyOut& out) {
    auto* c = static_cast<FlowEstablishedCall*>(self);
    if (out.actionType == FWP_ACTION_BLOCK) {
      c->filterId = filter.filterId;
      c->calloutId = filter.action.calloutId;
    }
  }
};

// The classification in progress, as FwpsPendOperation0/FwpsPendClassify0 see it.
struct PendScope {
  uint64_t handle = 0;
  bool pendable = false;
  bool reauthorize = false;
  uint64_t flowId = 0;
  LayerId layer = 0;
  uint32_t pendSlot = kNoPend;
};

bool is_pendable(LayerId id) noexcept {
  switch (id) {
    case FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4:
    case FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V6:
    case FWPS_LAYER_ALE_AUTH_LISTEN_V4:
    case FWPS_LAYER_ALE_AUTH_LISTEN_V6:
    case FWPS_LAYER_ALE_AUTH_CONNECT_V4:
    case FWPS_LAYER_ALE_AUTH_CONNECT_V6:
    case FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4:
    case FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6: return true;
    default: return false;
  }
}

enum class Ale : uint8_t { PASS, BLOCKED, PENDED };

// Where a layer's NET_BUFFER_LIST data starts (WFP's "data offset
// positions"): NONE when the layer gets no packet.
enum class DataAt : uint8_t { NONE, IP_HEADER, TRANSPORT_HEADER, DATA, INNER_IP_HEADER };

struct LayerDataRule {
  DataAt inbound = DataAt::NONE, outbound = DataAt::NONE;
  bool packetLayer = false;  // IP packet, transport, forward: where reading payload is C2
  bool tcpConnectNone = false;  // ALE_AUTH_CONNECT: no packet for TCP (the connect comes first)
};

std::array<LayerDataRule, 128> layer_data_rules() {
  std::array<LayerDataRule, 128> rules{};
  for (const LayerInfo& l : all_layers()) {
    if (l.id >= rules.size()) continue;
    const std::string_view n = l.name;
    LayerDataRule& r = rules[l.id];
    auto starts = [&](std::string_view prefix) { return n.substr(0, prefix.size()) == prefix; };
    if (starts("INBOUND_IPPACKET")) {
      r = {DataAt::TRANSPORT_HEADER, DataAt::TRANSPORT_HEADER, true, false};
    } else if (starts("OUTBOUND_IPPACKET") || starts("IPFORWARD")) {
      r = {DataAt::IP_HEADER, DataAt::IP_HEADER, true, false};
    } else if (starts("INBOUND_TRANSPORT")) {
      r = {DataAt::DATA, DataAt::DATA, true, false};
    } else if (starts("OUTBOUND_TRANSPORT")) {
      r = {DataAt::TRANSPORT_HEADER, DataAt::TRANSPORT_HEADER, true, false};
    } else if (starts("DATAGRAM_DATA")) {
      r = {DataAt::DATA, DataAt::TRANSPORT_HEADER, false, false};
    } else if (starts("INBOUND_ICMP_ERROR")) {
      r = {DataAt::INNER_IP_HEADER, DataAt::INNER_IP_HEADER, false, false};
    } else if (starts("OUTBOUND_ICMP_ERROR")) {
      r = {DataAt::TRANSPORT_HEADER, DataAt::TRANSPORT_HEADER, false, false};
    } else if (starts("ALE_AUTH_RECV_ACCEPT")) {
      r = {DataAt::DATA, DataAt::DATA, false, false};
    } else if (starts("ALE_AUTH_CONNECT")) {
      r = {DataAt::TRANSPORT_HEADER, DataAt::TRANSPORT_HEADER, false, true};
    }
  }
  return rules;
}

bool is_transport_layer(LayerId id) noexcept {
  return id == FWPS_LAYER_INBOUND_TRANSPORT_V4 || id == FWPS_LAYER_INBOUND_TRANSPORT_V6 ||
         id == FWPS_LAYER_OUTBOUND_TRANSPORT_V4 || id == FWPS_LAYER_OUTBOUND_TRANSPORT_V6;
}

// Which callout was running when a packet layer's payload was read (C2).
struct PayloadWatch {
  netbuf::ReadWatch watch;
  uint32_t calloutId = 0;
  bool attributed = false;
  static void after(void* self, const FilterView& filter, const ClassifyOut&) {
    auto* w = static_cast<PayloadWatch*>(self);
    if (w->watch.fired && !w->attributed) {
      w->attributed = true;
      w->calloutId = filter.action.calloutId;
    }
  }
};

// A run-time call from another thread than the stack's, carried out before
// the stack's next packet.
struct ForeignCall {
  enum class Kind : uint8_t { ASSOCIATE, REMOVE, ABORT, CONTINUE, COMPLETE, COMPLETE_CLASSIFY } kind;
  uint64_t flowId;
  uint16_t layerId;
  uint32_t calloutId;
  uint64_t value;
};

struct Stack::Impl final : runtime::Host {
  Engine& engine;
  Engine::Reader reader;
  Config config;
  Observer* observer;
  Observer noObserver;
  LayerValueBuilder builder;
  Counters counters;
  defrag::Reassembler defrag;
  stream::Budget budget;
  uint8_t hostIndex;
  flow::FlowTable flows;
  EndpointSet endpoints;
  ValueBuffer buffer;
  uint64_t now = 0;
  // Callouts
  FlowContextTable contexts;
  StreamHoldPool holds;
  FindingTable findings;
  dispatch::Worker worker;
  dispatch::CalloutTimingTable timing;
  dispatch::CalloutTimer timer;
  netbuf::NetBufferListPool streamPool;
  netbuf::NetBufferListPool packetPool;  // layer data at packet layers (a copy of the packet)
  std::array<LayerDataRule, 128> dataRules = layer_data_rules();
  PendTable pends;
  std::vector<std::unique_ptr<rewrite::TcpRewriter>> rewriters;  // preallocated, one per edited connection
  std::vector<uint32_t> freeRewriters;
  // The thread processing packets; read by run-time functions called from
  // any thread (relaxed: it only tells "this thread or another").
  std::atomic<std::thread::id> owner;
  std::mutex foreignMutex;
  std::vector<ForeignCall> foreign;       // bounded by kMaxForeignCalls
  std::atomic<bool> foreignPending{false};
  uint64_t foreignRefused = 0;
  static constexpr size_t kMaxForeignCalls = 4096;

  static flow::Config tagged(flow::Config f, uint8_t tag) noexcept {
    f.idTag = tag;
    return f;
  }
  static dispatch::CalloutTimingConfig timing_config(const Config& c) noexcept {
    dispatch::CalloutTimingConfig t = c.timing;
    if (t.maxWorkers <= c.workerIndex) t.maxWorkers = c.workerIndex + 1;
    return t;
  }

  Impl(Engine& e, const Config& c, Observer* o)
      : engine(e),
        reader(e),
        config(c),
        observer(o != nullptr ? o : &noObserver),
        defrag(c.defrag),
        budget(stream_config(c)),
        hostIndex(runtime::attach(this)),
        flows(tagged(c.flows, hostIndex), &Impl::flow_ended, this),
        endpoints(c.maxEndpoints),
        contexts(c.maxFlowContexts),
        holds(c.streamHoldBuffers, c.streamHoldBytes),
        worker(c.workerIndex, c.worker),
        timing(timing_config(c)),
        timer(timing.timer(c.workerIndex)),
        streamPool(c.streamBuffers, 0, 0),
        packetPool(c.packetBuffers, 65535, 64),
        pends(c.maxPends, c.pendHeldBytes),
        owner(std::this_thread::get_id()) {
    foreign.reserve(kMaxForeignCalls);
    rewrite::Config rc;
    rc.maxQueuedBytesPerDirection = c.rewriteQueueBytes;
    rc.inlinePath = c.inlinePath;
    for (uint32_t i = 0; i < c.maxRewrittenConnections; ++i) {
      rewriters.push_back(std::make_unique<rewrite::TcpRewriter>(rc));
      freeRewriters.push_back(c.maxRewrittenConnections - 1 - i);
    }
    injectCompletions_.reserve(kMaxInjections);
    if (o != nullptr) {
      findings.listen(
          [](void* context, std::string_view consideration, std::string_view what, uint32_t calloutId,
             uint16_t layerId, uint64_t flowId) noexcept {
            static_cast<Observer*>(context)->on_finding(consideration, what, calloutId, layerId, flowId);
          },
          o);
    }
  }
  ~Impl() override { runtime::detach(hostIndex); }

  // ---- classification ----

  ClassifyResult classify(LayerId id, const LayerContext& ctx, const flow::Flow* f, uint32_t bytes,
                          const IncomingMetadata* extra = nullptr, const CalloutExtras* callout = nullptr) noexcept {
    ClassifyResult r;
    const LayerInfo* layer = find_layer(id);
    if (layer == nullptr) return r;
    builder.fill(*layer, ctx, &buffer);
    IncomingMetadata meta = extra != nullptr ? *extra : IncomingMetadata{};
    meta.packetDirection = ctx.direction;
    meta.compartmentId = ctx.compartmentId;
    meta.currentMetadataValues |= FWPS_METADATA_FIELD_PACKET_DIRECTION | FWPS_METADATA_FIELD_COMPARTMENT_ID;
    if (f != nullptr) {
      meta.flowHandle = f->flowId;
      meta.currentMetadataValues |= FWPS_METADATA_FIELD_FLOW_HANDLE;
      if (f->owner != EndpointOwners::kUnknown && config.owners != nullptr && layer->name.starts_with("ALE_")) {
        // The ALE layers tell who owns the endpoint.
        const EndpointOwner& o = config.owners->owner(f->owner);
        if (o.processId != 0) {
          meta.processId = o.processId;
          meta.currentMetadataValues |= FWPS_METADATA_FIELD_PROCESS_ID;
        }
        if (o.appId != nullptr) {
          meta.processPath = o.appId;
          meta.currentMetadataValues |= FWPS_METADATA_FIELD_PROCESS_PATH;
        }
        if (o.user != nullptr) {
          meta.token = o.user;
          meta.currentMetadataValues |= FWPS_METADATA_FIELD_TOKEN;
        }
      }
    }
    // The classification's name for FwpsAcquireClassifyHandle0, and at the
    // pendable ALE layers the completion handle for FwpsPendOperation0.
    runtime::ClassifyContext cctx{(uint64_t{hostIndex} << 56) | (++classifySeq_ & 0x00FFFFFFFFFFFFFFull)};
    const bool pendable = f != nullptr && is_pendable(id);
    if (pendable) {
      meta.completionHandle = cctx.handle;
      meta.currentMetadataValues |= FWPS_METADATA_FIELD_COMPLETION_HANDLE;
    }
    const PendScope saved = current_;
    current_ = PendScope{cctx.handle, pendable, (ctx.flags & FWP_CONDITION_FLAG_IS_REAUTHORIZE) != 0,
                         f != nullptr ? f->flowId : 0, id, kNoPend};
    if (f != nullptr) {
      meta.transportEndpointHandle = f->flowId;  // what FwpsInjectTransportSendAsync0 takes as endpointHandle
      meta.currentMetadataValues |= FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE;
    }
    ClassifyInput input;
    input.metadata = &meta;
    input.timer = &timer;
    input.classifyContext = &cctx;
    FlowContextView flowView(contexts, f != nullptr ? f->contextHead : kNoContext);
    if (f != nullptr) input.flowContexts = &flowView;
    if (callout != nullptr) {
      input.layerData = callout->layerData;
      input.afterCallout = callout->afterCallout;
      input.afterCalloutContext = callout->afterCalloutContext;
    }
    // Packet layers: the packet as a NET_BUFFER_LIST at WFP's data offset,
    // built only when a callout can see it.
    uint32_t advanced = 0;
    netbuf::NetBufferList* nbl = nullptr;
    PayloadWatch payload;
    bool watching = false;
    if (input.layerData == nullptr && pkt_.ip != nullptr && id < dataRules.size() && reader.layer_has_callouts(id)) {
      const LayerDataRule& rule = dataRules[id];
      const DataAt at = ctx.direction == FWP_DIRECTION_OUTBOUND ? rule.outbound : rule.inbound;
      const bool none = at == DataAt::NONE || (rule.tcpConnectNone && pkt_.protocol == decode::kProtoTcp);
      if (!none && (nbl = packet_nbl()) != nullptr) {
        advanced = data_offset(at);
        if (advanced > pkt_.length) advanced = pkt_.length;
        if (advanced > 0) (void)netbuf::advance_net_buffer_list_data_start(nbl, advanced, false);
        input.layerData = nbl;
        if (rule.packetLayer && pkt_.transportHeader != 0) {
          const netbuf::NetBuffer* nb = nbl->firstNetBuffer;
          payload.watch.netBuffer = nb;
          payload.watch.limit = uint64_t{nb->dataOffset} - advanced + pkt_.ipHeader + pkt_.transportHeader;
          watching = true;
          netbuf::set_read_watch(&payload.watch);
          input.afterCallout = &PayloadWatch::after;
          input.afterCalloutContext = &payload;
        }
      }
    }
    const LayerId outer_layer = currentLayer_;
    currentLayer_ = id;
    reader.classify(buffer.view, input, &r);
    currentLayer_ = outer_layer;
    if (watching) {
      netbuf::set_read_watch(nullptr);
      if (payload.watch.fired) {
        findings.record("C2",
                        "a callout at a packet layer read payload beyond the transport header (inspect payload at "
                        "the STREAM or DATAGRAM_DATA layer)",
                        payload.calloutId, id, f != nullptr ? f->flowId : 0, counters.packets);
      }
    }
    if (nbl != nullptr && advanced > 0) (void)netbuf::retreat_net_buffer_list_data_start(nbl, advanced, 0);
    if (r.actionType == FWP_ACTION_BLOCK && (r.flags & FWPS_CLASSIFY_OUT_FLAG_ABSORB) != 0) absorbed_ = true;
    lastPend_ = current_.pendSlot;
    current_ = saved;
    LayerCounters& lc = counters.layers[id < counters.layers.size() ? id : 0];
    ++lc.classified;
    lc.bytes += bytes;
    if (r.actionType == FWP_ACTION_BLOCK) {
      ++lc.blocks;
    } else {
      ++lc.permits;
    }
    observer->on_classify(*layer, buffer.view, r, f);
    return r;
  }

  // The DISCARD layer of `id` sees what `id` (or the stack) dropped.
  void discard(LayerId id, const LayerContext& ctx, const flow::Flow* f, uint32_t bytes, uint32_t module,
               uint32_t reason, uint64_t filter_id) noexcept {
    const LayerInfo* d = discard_layer_of(id);
    if (d == nullptr) return;
    IncomingMetadata meta;
    meta.discardMetadata = DiscardMetadata{module, reason, filter_id};
    meta.currentMetadataValues |= FWPS_METADATA_FIELD_DISCARD_REASON;
    classify(d->id, ctx, f, bytes, &meta);
  }

  bool blocked_at(LayerId id, const LayerContext& ctx, const flow::Flow* f, uint32_t bytes,
                  const IncomingMetadata* meta = nullptr, uint64_t* filter = nullptr) noexcept {
    const ClassifyResult r = classify(id, ctx, f, bytes, meta);
    if (r.actionType != FWP_ACTION_BLOCK) return false;
    if (filter != nullptr) *filter = r.filterId;
    if ((r.flags & FWPS_CLASSIFY_OUT_FLAG_ABSORB) != 0) return true;  // absorbed: silently, no DISCARD indication
    discard(id, ctx, f, bytes, kDiscardModuleGeneral, kDiscardFirewallPolicy, r.filterId);
    return true;
  }

  // ---- contexts ----

  LayerContext context(const decode::DecodedPacket& p, bool outbound, bool loopback) const noexcept {
    LayerContext c;
    c.ipVersion = p.ipVersion;
    c.direction = outbound ? FWP_DIRECTION_OUTBOUND : FWP_DIRECTION_INBOUND;
    c.interfaceIndex = config.interfaceIndex;
    c.interfaceType = loopback ? kIfTypeLoopback : kIfTypeEthernet;
    if (loopback) c.flags |= FWP_CONDITION_FLAG_IS_LOOPBACK;
    if (p.ipVersion == 4) {
      c.local4 = outbound ? p.v4Source : p.v4Destination;
      c.remote4 = outbound ? p.v4Destination : p.v4Source;
      c.source4 = p.v4Source;
      c.destination4 = p.v4Destination;
      c.localAddressType = address_type_v4(c.local4);
      c.destinationAddressType = address_type_v4(p.v4Destination);
    } else {
      c.local6 = outbound ? &p.v6Source : &p.v6Destination;
      c.remote6 = outbound ? &p.v6Destination : &p.v6Source;
      c.source6 = &p.v6Source;
      c.destination6 = &p.v6Destination;
      c.localAddressType = address_type_v6(*c.local6);
      c.destinationAddressType = address_type_v6(p.v6Destination);
    }
    if (p.stage != decode::Stage::LINK && p.stage != decode::Stage::NETWORK) {
      c.hasProtocol = true;
      c.protocol = p.protocol;
    } else if (p.ipVersion != 0 && p.ipHeaderLength != 0) {
      c.hasProtocol = true;
      c.protocol = p.protocol;
    }
    if (p.hasTransport) {
      c.hasPorts = true;
      c.localPort = outbound ? p.sourcePort : p.destinationPort;
      c.remotePort = outbound ? p.destinationPort : p.sourcePort;
      if (is_icmp(p.protocol)) {
        // WFP: ICMP type and code travel in the local and remote port fields.
        c.localPort = p.icmpType;
        c.remotePort = p.icmpCode;
        c.hasIcmp = true;
        c.icmpType = p.icmpType;
        c.icmpCode = p.icmpCode;
      }
    }
    return c;
  }

  static IncomingMetadata packet_metadata(const decode::DecodedPacket& p) noexcept {
    IncomingMetadata m;
    m.ipHeaderSize = p.ipHeaderLength;
    m.currentMetadataValues |= FWPS_METADATA_FIELD_IP_HEADER_SIZE;
    if (p.hasTransport) {
      m.transportHeaderSize = p.l4HeaderLength;
      m.currentMetadataValues |= FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE;
    }
    if (p.isFragment) {
      m.fragmentMetadata = FragmentMetadata{p.fragmentId, static_cast<uint16_t>(p.fragmentOffset),
                                            p.ipTotalLength > p.ipHeaderLength ? p.ipTotalLength - p.ipHeaderLength : 0};
      m.currentMetadataValues |= FWPS_METADATA_FIELD_FRAGMENT_DATA;
    }
    return m;
  }

  // ---- drops ----

  Result drop_decoded(const decode::DecodedPacket& p, decode::DropReason reason, uint32_t bytes) noexcept {
    ++counters.decodeDrops[static_cast<size_t>(reason)];
    observer->on_drop("decode", decode::drop_reason_name(reason));
    if (p.ipVersion == 4 || p.ipVersion == 6) {
      const bool outbound = p.ipVersion == 4 ? config.local.is_local_v4(p.v4Source) && p.ipHeaderLength != 0
                                             : config.local.is_local_v6(p.v6Source) && p.ipHeaderLength != 0;
      const LayerContext ctx = context(p, outbound, false);
      const bool transport = p.stage == decode::Stage::TRANSPORT;
      LayerId layer = 0;
      if (transport) {
        layer = pick(outbound ? FWPS_LAYER_OUTBOUND_TRANSPORT_V4 : FWPS_LAYER_INBOUND_TRANSPORT_V4, p.ipVersion);
      } else {
        layer = pick(outbound ? FWPS_LAYER_OUTBOUND_IPPACKET_V4 : FWPS_LAYER_INBOUND_IPPACKET_V4, p.ipVersion);
      }
      discard(layer, ctx, nullptr, bytes, transport ? kDiscardModuleTransport : kDiscardModuleNetwork,
              static_cast<uint32_t>(reason), 0);
    }
    Result r;
    r.verdict = Verdict::DROP;
    return r;
  }

  // ---- flows ----

  static flow::TimeoutClass class_for(const flow::Flow& f) noexcept {
    if (f.key.protocol == decode::kProtoTcp) {
      if (f.rstSeen || (f.finSeen[0] && f.finSeen[1])) return flow::TimeoutClass::TCP_CLOSING;
      return f.established ? flow::TimeoutClass::TCP_ESTABLISHED : flow::TimeoutClass::TCP_OPENING;
    }
    return f.key.protocol == decode::kProtoUdp ? flow::TimeoutClass::UDP : flow::TimeoutClass::OTHER;
  }

  static flow::FlowKey key_of(const decode::DecodedPacket& p, bool outbound) noexcept {
    flow::FlowKey k;
    k.ipVersion = p.ipVersion;
    k.protocol = p.protocol;
    if (p.ipVersion == 4) {
      flow::put_v4(&k.local, outbound ? p.v4Source : p.v4Destination);
      flow::put_v4(&k.remote, outbound ? p.v4Destination : p.v4Source);
    } else {
      k.local = outbound ? p.v6Source : p.v6Destination;
      k.remote = outbound ? p.v6Destination : p.v6Source;
    }
    if (is_icmp(p.protocol)) {
      k.localPort = k.remotePort = p.icmpId;  // ICMP ALE flows: the echo identifier
    } else if (p.hasTransport) {
      k.localPort = outbound ? p.sourcePort : p.destinationPort;
      k.remotePort = outbound ? p.destinationPort : p.sourcePort;
    }
    return k;
  }

  // The context of a flow's ALE and stream layers (no packet at hand).
  LayerContext flow_context(const flow::Flow& f, uint32_t direction) const noexcept {
    LayerContext c;
    c.ipVersion = f.key.ipVersion;
    c.direction = direction;
    c.interfaceIndex = config.interfaceIndex;
    c.hasProtocol = true;
    c.protocol = f.key.protocol;
    c.hasPorts = true;
    c.localPort = f.key.localPort;
    c.remotePort = f.key.remotePort;
    if (f.key.ipVersion == 4) {
      c.local4 = flow::get_v4(f.key.local);
      c.remote4 = flow::get_v4(f.key.remote);
      c.localAddressType = address_type_v4(c.local4);
      c.destinationAddressType = address_type_v4(direction == FWP_DIRECTION_OUTBOUND ? c.remote4 : c.local4);
      if (is_loopback_v4(c.remote4)) c.flags |= FWP_CONDITION_FLAG_IS_LOOPBACK;
    } else {
      c.local6 = &f.key.local;
      c.remote6 = &f.key.remote;
      c.localAddressType = address_type_v6(f.key.local);
      c.destinationAddressType = address_type_v6(direction == FWP_DIRECTION_OUTBOUND ? f.key.remote : f.key.local);
      if (is_loopback_v6(f.key.remote)) c.flags |= FWP_CONDITION_FLAG_IS_LOOPBACK;
    }
    if (config.local.is_local_v4(c.remote4) && f.key.ipVersion == 4) c.flags |= FWP_CONDITION_FLAG_IS_LOOPBACK;
    if (f.key.ipVersion == 6 && config.local.is_local_v6(f.key.remote)) c.flags |= FWP_CONDITION_FLAG_IS_LOOPBACK;
    c.interfaceType = (c.flags & FWP_CONDITION_FLAG_IS_LOOPBACK) != 0 ? kIfTypeLoopback : kIfTypeEthernet;
    if (f.owner != EndpointOwners::kUnknown && config.owners != nullptr) {
      const EndpointOwner& o = config.owners->owner(f.owner);
      c.appId = o.appId;
      c.user = o.user;
    }
    return c;
  }

  // A stream sink bound to one flow and one packet.
  struct FlowSink final : stream::Sink {
    Impl* impl;
    flow::Flow* flow;
    bool blocked = false;
    FlowSink(Impl* i, flow::Flow* f) : impl(i), flow(f) {}
    void on_chunk(const stream::Chunk& chunk) noexcept override {
      const bool from_client = chunk.direction == stream::Direction::CLIENT_TO_SERVER;
      const uint32_t dir = from_client == flow->localIsClient ? FWP_DIRECTION_OUTBOUND : FWP_DIRECTION_INBOUND;
      impl->observer->on_stream(*flow, chunk, dir);
      if (impl->stream_chunk(*flow, chunk, dir)) blocked = true;
    }
  };

  // ---- the STREAM layer ----

  // One chunk of in-order bytes of a direction: indicated to the STREAM layer
  // (with what the direction holds), the callouts' stream actions applied.
  // Returns true when bytes of it were blocked or the connection dropped.
  bool stream_chunk(flow::Flow& f, const stream::Chunk& c, uint32_t dir) noexcept {
    if (f.aborted) return true;
    const int sd = stream_dir(f, dir);
    rewrite::TcpRewriter* rw = rewriter_of(f);
    if (c.missedBytes > 0 && f.streamHold[dir == FWP_DIRECTION_OUTBOUND ? 0 : 1] == kNoHold) {
      f.streamDecided[sd] += c.missedBytes;
    }
    if (f.streamAllowed) {  // ALLOW_CONNECTION: no more indications
      if (rw != nullptr) {
        (void)rw->pass(static_cast<rewrite::Dir>(sd), c.data, c.length);
        if (c.fin) rw->end(static_cast<rewrite::Dir>(sd));
      }
      f.streamDecided[sd] += c.length;
      return false;
    }
    const int d = dir == FWP_DIRECTION_OUTBOUND ? 0 : 1;
    const bool out = dir == FWP_DIRECTION_OUTBOUND;
    uint32_t flags = out ? FWPS_STREAM_FLAG_SEND : FWPS_STREAM_FLAG_RECEIVE;
    if (c.fin) flags |= out ? FWPS_STREAM_FLAG_SEND_DISCONNECT : FWPS_STREAM_FLAG_RECEIVE_DISCONNECT;
    if (c.rst) flags |= out ? FWPS_STREAM_FLAG_SEND_ABORT : FWPS_STREAM_FLAG_RECEIVE_ABORT;
    if (c.push && !out) flags |= FWPS_STREAM_FLAG_RECEIVE_PUSH;
    if (c.urgent) flags |= out ? FWPS_STREAM_FLAG_SEND_EXPEDITED : FWPS_STREAM_FLAG_RECEIVE_EXPEDITED;
    const bool ending = c.fin || c.rst;

    const uint8_t* data = c.data;
    uint32_t length = c.length;
    bool limit = false;
    uint32_t& hold = f.streamHold[d];
    if (hold != kNoHold) {
      const uint32_t appended = holds.append(hold, c.data, c.length);
      if (appended < c.length || holds.full(hold)) limit = true;
      data = holds.data_of(hold);
      length = holds.size(hold);
    }
    const bool waiting = f.streamDeferred[d] || (f.streamRequired[d] > 0 && length < f.streamRequired[d]);
    if (waiting && !ending && !limit) {
      if (hold == kNoHold) keep_held(f, d, c.data, c.length);
      return false;
    }
    if (limit) holds.note_limit_reached();
    f.streamDeferred[d] = false;
    f.streamRequired[d] = 0;
    const bool blocked = indicate(f, d, dir, flags, data, length, c.missedBytes, limit);
    if (c.fin && f.streamHold[d] == kNoHold) {
      if (rewrite::TcpRewriter* edit = rewriter_of(f)) edit->end(static_cast<rewrite::Dir>(sd));
    }
    return blocked;
  }

  // ---- stream edits (FwpsStreamInjectAsync0) ----

  // The stream direction (0: client to server) of a FWP_DIRECTION.
  static int stream_dir(const flow::Flow& f, uint32_t dir) noexcept {
    return (dir == FWP_DIRECTION_OUTBOUND) == f.localIsClient ? 0 : 1;
  }
  void decided(flow::Flow& f, uint32_t dir, uint64_t n) noexcept { f.streamDecided[stream_dir(f, dir)] += n; }
  rewrite::TcpRewriter* rewriter_of(const flow::Flow& f) noexcept {
    return f.rewriter == UINT32_MAX ? nullptr : rewriters[f.rewriter].get();
  }

  struct InjectCompletion {
    void (*fn)(void*, netbuf::NetBufferList*, bool);
    void* context;
    netbuf::NetBufferList* nbl;
  };
  std::vector<InjectCompletion> injectCompletions_;

  Status stream_inject(const runtime::Injection& i, uint64_t flowId, uint32_t calloutId, uint16_t layerId,
                       uint32_t streamFlags, size_t dataLength) noexcept override {
    (void)calloutId;
    (void)layerId;
    if (!on_own_thread()) return Status::NOT_SUPPORTED;
    flow::Flow* f = flows.find_by_id(flowId);
    if (f == nullptr || f->aborted || f->key.protocol != decode::kProtoTcp || !f->stream.has_value()) {
      return Status::NOT_FOUND;
    }
    uint64_t available = 0;
    for (const netbuf::NetBufferList* l = i.nbl; l != nullptr; l = l->next) {
      for (const netbuf::NetBuffer* nb = l->firstNetBuffer; nb != nullptr; nb = nb->next) available += nb->dataLength;
    }
    if (dataLength > available || dataLength > injectScratch_.size()) return Status::INVALID_PARAMETER;
    const uint32_t dir = (streamFlags & FWPS_STREAM_FLAG_SEND) != 0 ? FWP_DIRECTION_OUTBOUND : FWP_DIRECTION_INBOUND;
    if (f->rewriter == UINT32_MAX) {
      if (freeRewriters.empty()) {
        ++counters.rewritesRefused;
        return Status::INSUFFICIENT_RESOURCES;
      }
      f->rewriter = freeRewriters.back();
      freeRewriters.pop_back();
      ++counters.connectionsRewritten;
      rewrite::TcpRewriter& rw = *rewriters[f->rewriter];
      for (int sd = 0; sd < 2; ++sd) {
        if (f->seqBaseKnown[sd]) rw.start(static_cast<rewrite::Dir>(sd), f->seqBase[sd], f->streamDecided[sd]);
      }
    }
    rewrite::TcpRewriter& rw = *rewriters[f->rewriter];
    const int sd = stream_dir(*f, dir);
    if (!rw.started(static_cast<rewrite::Dir>(sd))) return Status::NOT_FOUND;
    // Gather the bytes (the list may be a chain) and insert them.
    uint8_t* bytes = injectScratch_.data();
    size_t got = 0;
    for (const netbuf::NetBufferList* l = i.nbl; l != nullptr && got < dataLength; l = l->next) {
      for (const netbuf::NetBuffer* nb = l->firstNetBuffer; nb != nullptr && got < dataLength; nb = nb->next) {
        uint32_t n = 0;
        const size_t want = dataLength - got < nb->dataLength ? dataLength - got : nb->dataLength;
        (void)netbuf::copy_from_net_buffer(nb, 0, bytes + got, static_cast<uint32_t>(want), &n);
        got += n;
      }
    }
    const Status s = rw.insert(static_cast<rewrite::Dir>(sd), bytes, static_cast<uint32_t>(got));
    if (s != Status::SUCCESS) {
      ++counters.rewritesRefused;
      return s;
    }
    counters.streamBytesInjected += got;
    i.nbl->status = Status::SUCCESS;
    if (i.completionFn != nullptr && injectCompletions_.size() < kMaxInjections) {
      injectCompletions_.push_back({i.completionFn, i.completionContext, i.nbl});
    }
    return Status::SUCCESS;
  }

  void run_inject_completions() noexcept {
    for (size_t k = 0; k < injectCompletions_.size(); ++k) {
      const InjectCompletion c = injectCompletions_[k];
      c.fn(c.context, c.nbl, true);
    }
    injectCompletions_.clear();
  }

  // A segment of a rewritten connection goes out as the rewriter makes it.
  bool emitOutbound_ = false;
  static void emit_rewritten(void* self, const uint8_t* ip, uint32_t length) {
    auto* impl = static_cast<Impl*>(self);
    ++impl->counters.rewrittenPacketsSent;
    impl->observer->on_inject(ip, length, impl->emitOutbound_);
  }

  // Holds bytes of a direction (they are not decided yet). Without a buffer
  // the bytes go on undecided: counted in the pool's noBuffer.
  void keep_held(flow::Flow& f, int d, const uint8_t* data, uint32_t length) noexcept {
    uint32_t& hold = f.streamHold[d];
    if (hold == kNoHold) hold = holds.acquire();
    if (hold == kNoHold) {
      f.streamRequired[d] = 0;
      f.streamDeferred[d] = false;
      return;
    }
    if (data != holds.data_of(hold)) holds.append(hold, data, length);
  }

  bool indicate(flow::Flow& f, int d, uint32_t dir, uint32_t flags, const uint8_t* data, uint32_t length,
                uint64_t missed, bool limit) noexcept {
    const LayerContext ctx = flow_context(f, dir);
    const LayerId layer = pick(FWPS_LAYER_STREAM_V4, f.key.ipVersion);
    bool blocked = false;
    uint32_t offset = 0;
    for (int round = 0; round < 64; ++round) {
      const uint32_t n = length - offset;
      StreamData sd;
      sd.flags = flags;
      sd.dataLength = n;
      netbuf::NetBufferList* nbl = nullptr;
      if (n > 0) {
        netbuf::Mdl* mdl = nullptr;
        if (netbuf::allocate_mdl(&streamPool, const_cast<uint8_t*>(data + offset), n, &mdl) == Status::SUCCESS &&
            netbuf::allocate_net_buffer_and_net_buffer_list(&streamPool, 0, 0, mdl, 0, n, &nbl) != Status::SUCCESS) {
          netbuf::free_mdl(&streamPool, mdl);
          nbl = nullptr;
        }
        if (nbl != nullptr) {
          sd.netBufferListChain = nbl;
          sd.dataOffset.netBufferList = nbl;
          sd.dataOffset.netBuffer = nbl->firstNetBuffer;
          sd.dataOffset.mdl = nbl->firstNetBuffer->currentMdl;
          sd.dataOffset.mdlOffset = nbl->firstNetBuffer->currentMdlOffset;
        }
      }
      StreamCalloutIoPacket io;
      io.streamData = &sd;
      io.missedBytes = round == 0 ? missed : 0;
      StreamCallState state;
      state.io = &io;
      CalloutExtras extras{&io, &StreamCallState::after, &state};
      IncomingMetadata meta;
      ++counters.streamIndications;
      const bool was_in_stream = in_stream_;
      in_stream_ = true;
      const ClassifyResult r = classify(layer, ctx, &f, n, &meta, &extras);
      in_stream_ = was_in_stream;
      if (nbl != nullptr) netbuf::free_net_buffer_list(nbl);
      (void)limit;

      const StreamCalloutIoPacket& a = state.recorded ? state.answer : io;
      rewrite::TcpRewriter* rw = rewriter_of(f);  // may have been created by an injection just now
      const auto rdir = static_cast<rewrite::Dir>(stream_dir(f, dir));
      uint32_t enforced = a.countBytesEnforced == 0 || a.countBytesEnforced > n ? n
                                                                                : static_cast<uint32_t>(a.countBytesEnforced);
      switch (a.streamAction) {
        case StreamActionType::FWPS_STREAM_ACTION_NONE:
          if (r.actionType == FWP_ACTION_BLOCK) {
            counters.streamBytesBlocked += enforced;
            if (rw != nullptr) {
              (void)rw->drop(rdir, enforced);  // the rewritten stream leaves them out
            } else {
              blocked = true;
            }
            discard(layer, ctx, &f, enforced, kDiscardModuleGeneral, kDiscardFirewallPolicy, r.filterId);
          } else if (rw != nullptr) {
            (void)rw->pass(rdir, data + offset, enforced);
          }
          decided(f, dir, enforced);
          offset += enforced;
          if (offset < length) continue;  // the rest is indicated again
          break;
        case StreamActionType::FWPS_STREAM_ACTION_NEED_MORE_DATA:
          // The first countBytesEnforced bytes are permitted; the rest is held.
          if (a.countBytesEnforced == 0) enforced = 0;
          if (rw != nullptr) (void)rw->pass(rdir, data + offset, enforced);
          decided(f, dir, enforced);
          offset += enforced;
          f.streamRequired[d] = static_cast<uint32_t>(a.countBytesRequired);
          if ((flags & (FWPS_STREAM_FLAG_SEND_DISCONNECT | FWPS_STREAM_FLAG_RECEIVE_DISCONNECT |
                        FWPS_STREAM_FLAG_SEND_ABORT | FWPS_STREAM_FLAG_RECEIVE_ABORT)) != 0) {
            // Nothing more will come: what the callout left undecided is permitted.
            findings.record("STREAM", "NEED_MORE_DATA at the end of a stream direction", state.calloutId, layer,
                            f.flowId, counters.packets);
            if (rw != nullptr) (void)rw->pass(rdir, data + offset, length - offset);
            decided(f, dir, length - offset);
            offset = length;
            f.streamRequired[d] = 0;
          }
          break;
        case StreamActionType::FWPS_STREAM_ACTION_ALLOW_CONNECTION:
          f.streamAllowed = true;
          if (rw != nullptr) (void)rw->pass(rdir, data + offset, length - offset);
          decided(f, dir, length - offset);
          offset = length;
          break;
        case StreamActionType::FWPS_STREAM_ACTION_DROP_CONNECTION:
          if ((state.filterActionType & 0xFF) == (FWP_ACTION_CALLOUT_UNKNOWN & 0xFF)) {
            ++counters.streamConnectionsDropped;
            abort(f);
            return true;
          }
          // Only honoured under a CALLOUT_UNKNOWN filter: ignored, reported.
          findings.record("STREAM", "DROP_CONNECTION from a callout whose filter action is not CALLOUT_UNKNOWN",
                          state.calloutId, layer, f.flowId, counters.packets);
          if (rw != nullptr) (void)rw->pass(rdir, data + offset, length - offset);
          decided(f, dir, length - offset);
          offset = length;
          break;
        case StreamActionType::FWPS_STREAM_ACTION_DEFER:
          if (dir == FWP_DIRECTION_INBOUND) {
            f.streamDeferred[d] = true;
            f.streamCalloutId = state.calloutId;
          } else {
            findings.record("STREAM", "DEFER on an outbound stream (inbound only)", state.calloutId, layer, f.flowId,
                            counters.packets);
            if (rw != nullptr) (void)rw->pass(rdir, data + offset, length - offset);
            decided(f, dir, length - offset);
            offset = length;
          }
          break;
        default:
          findings.record("STREAM", "an unknown stream action", state.calloutId, layer, f.flowId, counters.packets);
          if (rw != nullptr) (void)rw->pass(rdir, data + offset, length - offset);
          decided(f, dir, length - offset);
          offset = length;
          break;
      }
      break;
    }
    // Keep what is still undecided, and only that.
    uint32_t& hold = f.streamHold[d];
    if (offset >= length) {
      holds.release(hold);
      hold = kNoHold;
    } else if (hold != kNoHold && data == holds.data_of(hold)) {
      holds.consume(hold, offset);
    } else {
      keep_held(f, d, data + offset, length - offset);
    }
    return blocked;
  }

  // Ends a flow at once: FwpsFlowAbort0, DROP_CONNECTION, a Block at
  // FLOW_ESTABLISHED. Its later packets are dropped.
  void abort(flow::Flow& f) noexcept {
    if (f.aborted) return;
    f.aborted = true;
    ++counters.flowsAborted;
    if (f.key.protocol == decode::kProtoTcp && f.nextSeqKnown[0] && f.rewriter == UINT32_MAX) send_reset(f);
  }

  // The RST a closed TCP connection sends its peer (local to remote), at the
  // next sequence number, acknowledging what the peer sent.
  void send_reset(const flow::Flow& f) noexcept {
    uint8_t pkt[60] = {};
    const bool v4 = f.key.ipVersion == 4;
    const uint32_t ip_len = v4 ? 20u : 40u;
    uint8_t* tcp = pkt + ip_len;
    tcp[0] = static_cast<uint8_t>(f.key.localPort >> 8);
    tcp[1] = static_cast<uint8_t>(f.key.localPort);
    tcp[2] = static_cast<uint8_t>(f.key.remotePort >> 8);
    tcp[3] = static_cast<uint8_t>(f.key.remotePort);
    const uint32_t seq = f.nextSeq[0];
    const uint32_t ack = f.nextSeqKnown[1] ? f.nextSeq[1] : 0;
    for (int i = 0; i < 4; ++i) {
      tcp[4 + i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
      tcp[8 + i] = static_cast<uint8_t>(ack >> (24 - 8 * i));
    }
    tcp[12] = 5 << 4;
    tcp[13] = static_cast<uint8_t>(decode::kTcpRst | (f.nextSeqKnown[1] ? decode::kTcpAck : 0));
    if (v4) {
      pkt[0] = 0x45;
      pkt[3] = 40;
      pkt[8] = 64;
      pkt[9] = decode::kProtoTcp;
      std::memcpy(pkt + 12, f.key.local.byteArray16, 4);
      std::memcpy(pkt + 16, f.key.remote.byteArray16, 4);
      ipv4_set_header_checksum(pkt, 20);
    } else {
      pkt[0] = 0x60;
      pkt[5] = 20;
      pkt[6] = decode::kProtoTcp;
      pkt[7] = 64;
      std::memcpy(pkt + 8, f.key.local.byteArray16, 16);
      std::memcpy(pkt + 24, f.key.remote.byteArray16, 16);
    }
    (void)transport_set_checksum(pkt, decode::kProtoTcp, ip_len, 20);
    ++counters.resetsSent;
    observer->on_inject(pkt, ip_len + 20, true);
  }

  // ---- runtime::Host (FwpsFlow*, FwpsStreamContinue0) ----

  bool on_own_thread() const noexcept { return std::this_thread::get_id() == owner.load(std::memory_order_relaxed); }

  Status queue_foreign(ForeignCall call) noexcept {
    std::lock_guard lock(foreignMutex);
    if (foreign.size() >= kMaxForeignCalls) {
      ++foreignRefused;
      return Status::INSUFFICIENT_RESOURCES;
    }
    foreign.push_back(call);
    foreignPending.store(true, std::memory_order_release);
    return Status::SUCCESS;
  }

  void run_foreign_calls() noexcept {
    if (!foreignPending.load(std::memory_order_acquire)) return;
    std::vector<ForeignCall> calls;
    {
      std::lock_guard lock(foreignMutex);
      calls.swap(foreign);
      foreign.reserve(kMaxForeignCalls);
      foreignPending.store(false, std::memory_order_release);
    }
    for (const ForeignCall& c : calls) {
      switch (c.kind) {
        case ForeignCall::Kind::ASSOCIATE: (void)associate_now(c.flowId, c.layerId, c.calloutId, c.value); break;
        case ForeignCall::Kind::REMOVE: (void)remove_now(c.flowId, c.calloutId); break;
        case ForeignCall::Kind::ABORT: (void)abort_now(c.flowId); break;
        case ForeignCall::Kind::CONTINUE: (void)continue_now(c.flowId, c.calloutId); break;
        case ForeignCall::Kind::COMPLETE: complete_now(c.flowId); break;
        case ForeignCall::Kind::COMPLETE_CLASSIFY: complete_classify_now(c.flowId, static_cast<uint32_t>(c.value)); break;
      }
    }
  }

  Status associate_context(uint64_t flowId, uint16_t layerId, uint32_t calloutId, uint64_t context) noexcept override {
    if (!on_own_thread()) return queue_foreign({ForeignCall::Kind::ASSOCIATE, flowId, layerId, calloutId, context});
    return associate_now(flowId, layerId, calloutId, context);
  }
  Status associate_now(uint64_t flowId, uint16_t layerId, uint32_t calloutId, uint64_t context) noexcept {
    if (find_layer(layerId) == nullptr) return Status::INVALID_PARAMETER;
    flow::Flow* f = flows.find_by_id(flowId);
    if (f == nullptr || f->aborted) return Status::NOT_FOUND;
    CalloutRegistration r;
    if (!engine.callout_registration(calloutId, &r)) return Status::FWP_CALLOUT_NOT_FOUND;
    if (r.flowDeleteFn == nullptr) return Status::INVALID_PARAMETER;
    uint64_t existing = 0;
    if (contexts.find(f->contextHead, calloutId, &existing)) return Status::OBJECT_NAME_EXISTS;
    if (!engine.acquire_flow_context(calloutId)) return Status::FWP_CALLOUT_NOT_FOUND;
    const Status s = contexts.add(&f->contextHead, layerId, calloutId, context);
    if (s != Status::SUCCESS) engine.release_flow_context(calloutId);
    return s;
  }

  Status remove_context(uint64_t flowId, uint16_t layerId, uint32_t calloutId) noexcept override {
    (void)layerId;
    if (!on_own_thread()) return queue_foreign({ForeignCall::Kind::REMOVE, flowId, layerId, calloutId, 0});
    return remove_now(flowId, calloutId);
  }
  Status remove_now(uint64_t flowId, uint32_t calloutId) noexcept {
    flow::Flow* f = flows.find_by_id(flowId);
    if (f == nullptr) return Status::NOT_FOUND;
    uint16_t layer = 0;
    uint64_t context = 0;
    if (!contexts.remove(&f->contextHead, calloutId, &layer, &context)) return Status::NOT_FOUND;
    reader.flow_delete(layer, calloutId, context);
    engine.release_flow_context(calloutId);
    ++counters.flowDeleteCalls;
    return Status::SUCCESS;
  }

  Status abort_flow(uint64_t flowId) noexcept override {
    if (!on_own_thread()) return queue_foreign({ForeignCall::Kind::ABORT, flowId, 0, 0, 0});
    return abort_now(flowId);
  }
  Status abort_now(uint64_t flowId) noexcept {
    flow::Flow* f = flows.find_by_id(flowId);
    if (f == nullptr) return Status::NOT_FOUND;
    abort(*f);
    return Status::SUCCESS;
  }

  Status stream_continue(uint64_t flowId, uint32_t calloutId, uint16_t layerId, uint32_t flags) noexcept override {
    (void)flags;
    if (!on_own_thread()) return queue_foreign({ForeignCall::Kind::CONTINUE, flowId, layerId, calloutId, 0});
    return continue_now(flowId, calloutId);
  }
  Status continue_now(uint64_t flowId, uint32_t calloutId) noexcept {
    flow::Flow* f = flows.find_by_id(flowId);
    if (f == nullptr || !f->streamDeferred[1] || f->streamCalloutId != calloutId) return Status::NOT_FOUND;
    if (in_stream_) {
      // From inside the STREAM layer (a classifyFn): resumed after it returns.
      return queue_foreign({ForeignCall::Kind::CONTINUE, flowId, 0, calloutId, 0});
    }
    f->streamDeferred[1] = false;
    uint32_t& hold = f->streamHold[1];
    if (hold == kNoHold) return Status::SUCCESS;
    const uint32_t dir = FWP_DIRECTION_INBOUND;
    (void)indicate(*f, 1, dir, FWPS_STREAM_FLAG_RECEIVE, holds.data_of(hold), holds.size(hold), 0, false);
    return Status::SUCCESS;
  }
  bool in_stream_ = false;

  static void flow_ended(void* self, flow::Flow& f, flow::EndReason reason) {
    static_cast<Impl*>(self)->end_flow(f, reason);
  }

  void end_flow(flow::Flow& f, flow::EndReason reason) noexcept {
    if (f.stream.has_value()) {
      FlowSink sink(this, &f);
      f.stream->close(sink);
    }
    if (!f.forwarded) {
      const LayerContext ctx = flow_context(f, f.direction);
      classify(pick(FWPS_LAYER_ALE_ENDPOINT_CLOSURE_V4, f.key.ipVersion, 1), ctx, &f, 0);
      if (f.direction == FWP_DIRECTION_OUTBOUND && f.key.protocol == decode::kProtoTcp) {
        // The connection's own (implicit) bind ends with it.
        classify(pick(FWPS_LAYER_ALE_RESOURCE_RELEASE_V4, f.key.ipVersion, 1), ctx, &f, 0);
      }
    }
    observer->on_flow_end(f, reason);
    // Every context the flow still carries goes to its callout's flowDeleteFn.
    uint16_t layer = 0;
    uint32_t callout = 0;
    uint64_t context = 0;
    while (contexts.pop(&f.contextHead, &layer, &callout, &context)) {
      reader.flow_delete(layer, callout, context);
      engine.release_flow_context(callout);
      ++counters.flowDeleteCalls;
    }
    for (uint32_t& h : f.streamHold) {
      holds.release(h);
      h = kNoHold;
    }
    if (f.rewriter != UINT32_MAX) {
      freeRewriters.push_back(f.rewriter);
      f.rewriter = UINT32_MAX;
    }
  }

  // A classification at a pendable ALE layer: PENDED when a callout pended
  // it (Block + ABSORB with a pend taken), else BLOCKED or PASS.
  Ale ale_classify(LayerId layer, const LayerContext& ctx, flow::Flow& f, uint32_t bytes,
                   const IncomingMetadata* meta = nullptr, ClassifyResult* out = nullptr) noexcept {
    const ClassifyResult r = classify(layer, ctx, &f, bytes, meta);
    if (out != nullptr) *out = r;
    const uint32_t slot = lastPend_;
    if (slot != kNoPend) {
      if (r.actionType == FWP_ACTION_BLOCK && (r.flags & FWPS_CLASSIFY_OUT_FLAG_ABSORB) != 0) {
        f.pendIndex = slot;
        return Ale::PENDED;
      }
      // Pended, but the answer was not Block + ABSORB: the pend is void.
      findings.record("PEND", "a classification was pended but not answered with Block and ABSORB", 0, layer,
                      f.flowId, counters.packets);
      pends.release(slot);
    }
    if (r.actionType == FWP_ACTION_BLOCK) {
      discard(layer, ctx, &f, bytes, kDiscardModuleGeneral, kDiscardFirewallPolicy, r.filterId);
      return Ale::BLOCKED;
    }
    return Ale::PASS;
  }

  // ALE_RESOURCE_ASSIGNMENT (and ALE_AUTH_LISTEN) once per local endpoint.
  Ale endpoint_authorize(flow::Flow& f, bool listen) noexcept {
    Endpoint key;
    key.address = f.key.local;
    key.port = f.key.localPort;
    key.ipVersion = f.key.ipVersion;
    key.protocol = f.key.protocol;
    bool created = false;
    Endpoint* e = endpoints.find_or_add(key, &created);
    if (e == nullptr) {
      ++counters.endpointTableFull;
      return Ale::PASS;
    }
    LayerContext ctx = flow_context(f, f.direction);
    if (created) {
      if (f.direction == FWP_DIRECTION_OUTBOUND) ctx.flags |= FWP_CONDITION_FLAG_IS_IMPLICIT_BIND;
      const Ale a = ale_classify(pick(FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4, f.key.ipVersion), ctx, f, 0);
      if (a != Ale::PASS) return a;
    }
    if (listen && !e->listening) {
      e->listening = true;
      const Ale a = ale_classify(pick(FWPS_LAYER_ALE_AUTH_LISTEN_V4, f.key.ipVersion), ctx, f, 0);
      if (a != Ale::PASS) return a;
    }
    return Ale::PASS;
  }

  // ALE_FLOW_ESTABLISHED. A Block there closes the flow (C3): it is
  // reported unless the deciding callout marked it as a security error.
  bool flow_established_blocked(flow::Flow& f) noexcept {
    f.established = true;
    const LayerContext ctx = flow_context(f, f.direction);
    const LayerId layer = pick(FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4, f.key.ipVersion);
    FlowEstablishedCall call;
    CalloutExtras extras{nullptr, &FlowEstablishedCall::after, &call};
    const ClassifyResult r = classify(layer, ctx, &f, 0, nullptr, &extras);
    if (r.actionType != FWP_ACTION_BLOCK) return false;
    discard(layer, ctx, &f, 0, kDiscardModuleGeneral, kDiscardFirewallPolicy, r.filterId);
    f.establishedBlocked = true;
    f.establishedFilterId = r.filterId;
    if ((r.flags & CLASSIFY_OUT_FLAG_SECURITY_ERROR) == 0) {
      findings.record("C3", "Block at ALE_FLOW_ESTABLISHED (closes the connection; block at ALE_AUTH_* instead)",
                      r.filterId == call.filterId ? call.calloutId : 0, layer, f.flowId, counters.packets);
    }
    abort(f);
    return true;
  }

  // ALE authorization of a new flow (`ip`: the packet's IP datagram, kept
  // when a callout pends the flow's authorization).
  Ale authorize(flow::Flow& f, const decode::DecodedPacket& p, const uint8_t* ip, uint32_t bytes,
                bool loopback) noexcept {
    const bool tcp = f.key.protocol == decode::kProtoTcp;
    const bool syn_only = tcp && (p.tcpFlags & decode::kTcpSyn) != 0 && (p.tcpFlags & decode::kTcpAck) == 0;
    const Ale endpoint = endpoint_authorize(f, f.direction == FWP_DIRECTION_INBOUND && syn_only);
    if (endpoint == Ale::BLOCKED) {
      f.aleBlocked = true;
      return endpoint;
    }
    if (endpoint == Ale::PENDED) {
      hold_pended(f, ip, bytes, loopback);
      return endpoint;
    }
    const LayerId ale = f.direction == FWP_DIRECTION_INBOUND ? pick(FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4, f.key.ipVersion)
                                                              : pick(FWPS_LAYER_ALE_AUTH_CONNECT_V4, f.key.ipVersion);
    LayerContext ctx = flow_context(f, f.direction);
    const IncomingMetadata meta = packet_metadata(p);
    ClassifyResult r;
    const Ale a = ale_classify(ale, ctx, f, bytes, &meta, &r);
    if (a == Ale::PENDED) {
      hold_pended(f, ip, bytes, loopback);
      return a;
    }
    return authorized(f, ale, r.filterId, a == Ale::BLOCKED, !tcp || !syn_only);
  }

  // The AUTH layer's decision for a flow (at once, or after a pend).
  Ale authorized(flow::Flow& f, LayerId ale, uint64_t filterId, bool blocked, bool establish_now) noexcept {
    f.aleClassified = true;
    f.aleLayer = ale;
    f.aleFilterId = filterId;
    if (blocked) {
      f.aleBlocked = true;
      return Ale::BLOCKED;
    }
    // Non-TCP flows (and TCP picked up mid-stream) are established at once.
    if (establish_now && flow_established_blocked(f)) return Ale::BLOCKED;
    return Ale::PASS;
  }

  // A pended connect keeps its packet, released when the pend completes with
  // a permit. Inbound packets are not kept: as in WFP, a callout that pends
  // AUTH_RECV_ACCEPT re-injects its own clone after completing.
  void hold_pended(flow::Flow& f, const uint8_t* ip, uint32_t length, bool loopback) noexcept {
    if (f.direction != FWP_DIRECTION_OUTBOUND || ip == nullptr) return;
    pends.hold(f.pendIndex, ip, length, true, loopback);
  }

  // ---- the packet being classified (layer data) ----

  struct CurrentPacket {
    const uint8_t* ip = nullptr;
    uint32_t length = 0;
    uint32_t ipHeader = 0;
    uint32_t transportHeader = 0;
    uint8_t protocol = 0;
    netbuf::NetBufferList* nbl = nullptr;  // built on first need, at the IP header
  } pkt_;
  bool absorbed_ = false;
  AbsorbedBy absorbedBy_ = AbsorbedBy::NONE;  // why this packet was ABSORBED
  const uint8_t* forwardIp_ = nullptr;
  LayerId currentLayer_ = 0;
  uint64_t layerDataUnavailable_ = 0;  // the packet pool was empty: a callout got no layer data

  void set_packet(const decode::DecodedPacket& p, const uint8_t* ip, uint32_t length) noexcept {
    if (pkt_.ip == ip && pkt_.length == length) return;
    release_packet();
    pkt_.ip = ip;
    pkt_.length = length;
    pkt_.ipHeader = p.ipHeaderLength;
    pkt_.transportHeader = p.hasTransport ? p.l4HeaderLength : 0;
    pkt_.protocol = p.protocol;
  }
  void release_packet() noexcept {
    // A callout that referenced or cloned the list keeps it alive.
    if (pkt_.nbl != nullptr) (void)netbuf::free_net_buffer_list(pkt_.nbl);
    pkt_ = CurrentPacket{};
  }
  netbuf::NetBufferList* packet_nbl() noexcept {
    if (pkt_.nbl != nullptr) return pkt_.nbl;
    netbuf::NetBufferList* nbl = nullptr;
    if (netbuf::allocate_net_buffer_list(&packetPool, pkt_.length, &nbl) != Status::SUCCESS) {
      ++layerDataUnavailable_;
      return nullptr;
    }
    uint32_t copied = 0;
    (void)netbuf::copy_to_net_buffer(nbl->firstNetBuffer, 0, pkt_.ip, pkt_.length, &copied);
    nbl->injectionHandle = injectTag_;
    nbl->injectionContext = injectContext_;
    pkt_.nbl = nbl;
    return nbl;
  }
  uint32_t data_offset(DataAt at) const noexcept {
    switch (at) {
      case DataAt::TRANSPORT_HEADER: return pkt_.ipHeader;
      case DataAt::DATA:
        // ICMP: the data starts at the ICMP header (WFP).
        return pkt_.protocol == decode::kProtoIcmp || pkt_.protocol == decode::kProtoIcmpv6
                   ? pkt_.ipHeader
                   : pkt_.ipHeader + pkt_.transportHeader;
      case DataAt::INNER_IP_HEADER: return pkt_.ipHeader + 8;
      default: return 0;
    }
  }

  // ---- injection ----

  const void* injectTag_ = nullptr;  // the injector of the packet being processed
  void* injectContext_ = nullptr;
  std::vector<runtime::Injection> injections_;  // under foreignMutex
  std::atomic<bool> injectionsPending_{false};
  std::vector<runtime::Injection> injecting_;    // being processed (the stack's thread)
  std::vector<uint8_t> injectScratch_ = std::vector<uint8_t>(65535 + 64);
  std::atomic<uint64_t> foreignFindings_[3] = {};  // C5, C6, C7 seen on other threads
  static constexpr size_t kMaxInjections = 1024;

  void note(std::string_view consideration, std::string_view what, LayerId layer) noexcept {
    if (on_own_thread()) {
      findings.record(consideration, what, 0, layer, 0, counters.packets);
    } else {
      const size_t i = consideration == "C5" ? 0 : consideration == "C6" ? 1 : 2;
      foreignFindings_[i].fetch_add(1);
    }
  }

  Status inject(const runtime::Injection& i) noexcept override {
    const netbuf::NetBuffer* nb = i.nbl->firstNetBuffer;
    if (nb->dataLength == 0 || nb->dataLength > 65535) return Status::INVALID_PARAMETER;
    uint8_t head[64] = {};
    uint32_t got = 0;
    (void)netbuf::copy_from_net_buffer(nb, 0, head, nb->dataLength < sizeof head ? nb->dataLength : sizeof head, &got);
    const char* api = runtime::injection_api(i.kind);
    const bool at_ip = i.kind != runtime::InjectionKind::TRANSPORT_SEND;
    uint8_t protocol = 0;
    if (at_ip) {
      const uint8_t version = static_cast<uint8_t>(head[0] >> 4);
      if (version != 4 && version != 6) return Status::INVALID_PARAMETER;
      if (i.handle->addressFamily == WFP_AF_INET && version != 4) return Status::INVALID_PARAMETER;
      if (i.handle->addressFamily == WFP_AF_INET6 && version != 6) return Status::INVALID_PARAMETER;
      protocol = version == 4 ? head[9] : head[6];
    } else if (on_own_thread()) {
      const flow::Flow* f = flows.find_by_id(i.endpointHandle);
      if (f == nullptr) return Status::NOT_FOUND;
      protocol = f->key.protocol;
    }
    // C6: a new or cloned TCP packet injected inline from a transport-layer classifyFn.
    if (protocol == decode::kProtoTcp && dispatch::in_classify() && on_own_thread() && is_transport_layer(currentLayer_)) {
      (void)dispatch::require_outside_classify(api);
      note("C6", "a TCP packet injected inline from a transport-layer classifyFn (queue a DPC)", currentLayer_);
      return dispatch::kWrongIrqlStatus;
    }
    // C7: the send path needs a pointer-aligned header.
    if (i.kind == runtime::InjectionKind::NETWORK_SEND || i.kind == runtime::InjectionKind::TRANSPORT_SEND) {
      const uint8_t* start = nb->currentMdl != nullptr ? nb->currentMdl->mappedSystemVa + nb->currentMdlOffset : nullptr;
      if (start != nullptr && (reinterpret_cast<uintptr_t>(start) % alignof(void*)) != 0) {
        note("C7", "send-path injection with a header that is not pointer-aligned (copy_with_aligned_header)",
             currentLayer_);
        return Status::DATATYPE_MISALIGNMENT;
      }
    }
    std::lock_guard lock(foreignMutex);
    if (injections_.size() >= kMaxInjections) {
      ++counters.injectionsRefused;
      return Status::INSUFFICIENT_RESOURCES;
    }
    injections_.push_back(i);
    injectionsPending_.store(true, std::memory_order_release);
    return Status::SUCCESS;
  }

  // Runs the queued injections (after the current packet and its DPCs).
  // Injections they cause run in the same call, up to a bound.
  void run_injections() noexcept {
    for (int round = 0; round < 16 && injectionsPending_.load(std::memory_order_acquire); ++round) {
      {
        std::lock_guard lock(foreignMutex);
        injecting_.swap(injections_);
        injectionsPending_.store(false, std::memory_order_release);
      }
      for (const runtime::Injection& i : injecting_) run_injection(i);
      injecting_.clear();
      counters.dpcsRun += worker.drain_dpcs();
    }
  }

  void run_injection(const runtime::Injection& i) noexcept {
    const netbuf::NetBuffer* nb = i.nbl->firstNetBuffer;
    uint8_t* buf = injectScratch_.data();
    uint32_t offset = 0;
    if (i.kind == runtime::InjectionKind::TRANSPORT_SEND) {
      offset = 40;  // room for the IP header built below
    }
    uint32_t got = 0;
    (void)netbuf::copy_from_net_buffer(nb, 0, buf + offset, nb->dataLength, &got);
    uint32_t length = got;
    uint8_t* ip = buf + offset;
    Status status = Status::SUCCESS;
    if (i.kind == runtime::InjectionKind::TRANSPORT_SEND) {
      const flow::Flow* f = flows.find_by_id(i.endpointHandle);
      if (f == nullptr) {
        status = Status::NOT_FOUND;
      } else {
        ip = build_ip_header(*f, buf, offset, &length);
      }
    }
    decode::DecodedPacket p;
    if (status == Status::SUCCESS && decode::decode_ip(ip, length, &p, true) != decode::DropReason::NONE) {
      status = Status::INVALID_PARAMETER;
    }
    const bool receive = i.kind == runtime::InjectionKind::NETWORK_RECEIVE ||
                         i.kind == runtime::InjectionKind::TRANSPORT_RECEIVE;
    // C5: the receive path checks the IPv4 header checksum as a real stack does.
    if (status == Status::SUCCESS && receive && p.ipVersion == 4 && !ipv4_header_checksum_ok(ip, p.ipHeaderLength)) {
      findings.record("C5", "receive-path injection with a wrong IPv4 header checksum (recalculate it first)", 0,
                      currentLayer_, 0, counters.packets);
      status = Status::UNSUCCESSFUL;
    }
    if (status == Status::SUCCESS) {
      injectTag_ = i.handle;
      injectContext_ = i.injectionContext;
      const bool outbound = !receive && i.kind != runtime::InjectionKind::FORWARD;
      Verdict v = Verdict::PERMIT;
      absorbed_ = false;
      switch (i.kind) {
        case runtime::InjectionKind::NETWORK_SEND: {
          set_packet(p, ip, length);
          const LayerContext ctx = context(p, true, false);
          const IncomingMetadata meta = packet_metadata(p);
          if (blocked_at(pick(FWPS_LAYER_OUTBOUND_IPPACKET_V4, p.ipVersion), ctx, nullptr, length, &meta)) {
            v = Verdict::BLOCK;
          }
          break;
        }
        case runtime::InjectionKind::NETWORK_RECEIVE: v = inbound(p, ip, length, false).verdict; break;
        case runtime::InjectionKind::FORWARD:
          forwardIp_ = ip;
          v = forward(p, length).verdict;
          break;
        case runtime::InjectionKind::TRANSPORT_SEND: {
          set_packet(p, ip, length);
          flow::Flow* f = flows.find_by_id(i.endpointHandle);
          const LayerContext ctx = context(p, true, false);
          const IncomingMetadata meta = packet_metadata(p);
          if (blocked_at(pick(FWPS_LAYER_OUTBOUND_TRANSPORT_V4, p.ipVersion), ctx, f, length, &meta) ||
              blocked_at(pick(FWPS_LAYER_OUTBOUND_IPPACKET_V4, p.ipVersion), ctx, nullptr, length, &meta)) {
            v = Verdict::BLOCK;
          }
          break;
        }
        case runtime::InjectionKind::TRANSPORT_RECEIVE:
          set_packet(p, ip, length);
          v = deliver(p, ip, length, false, false);
          break;
      }
      if (v == Verdict::PERMIT) {
        ++counters.injectedSent;
        observer->on_inject(ip, length, outbound);
      } else {
        ++counters.injectedBlocked;
      }
      release_packet();
      injectTag_ = nullptr;
      injectContext_ = nullptr;
      absorbed_ = false;
    } else {
      ++counters.injectionsFailed;
    }
    i.nbl->status = status;
    if (i.completionFn != nullptr) i.completionFn(i.completionContext, i.nbl, true);
  }

  // Transport send: the IP header in front of the transport header at
  // buf + offset (offset >= 40), from the flow's addresses.
  uint8_t* build_ip_header(const flow::Flow& f, uint8_t* buf, uint32_t offset, uint32_t* length) noexcept {
    const uint32_t l4 = *length;
    if (f.key.ipVersion == 4) {
      uint8_t* ip = buf + offset - 20;
      std::memset(ip, 0, 20);
      ip[0] = 0x45;
      const auto total = static_cast<uint16_t>(20 + l4);
      ip[2] = static_cast<uint8_t>(total >> 8);
      ip[3] = static_cast<uint8_t>(total);
      ip[8] = 64;
      ip[9] = f.key.protocol;
      std::memcpy(ip + 12, f.key.local.byteArray16, 4);
      std::memcpy(ip + 16, f.key.remote.byteArray16, 4);
      ipv4_set_header_checksum(ip, 20);
      *length = 20 + l4;
      (void)transport_set_checksum(ip, f.key.protocol, 20, l4);
      return ip;
    }
    uint8_t* ip = buf + offset - 40;
    std::memset(ip, 0, 40);
    ip[0] = 0x60;
    ip[4] = static_cast<uint8_t>(l4 >> 8);
    ip[5] = static_cast<uint8_t>(l4);
    ip[6] = f.key.protocol;
    ip[7] = 64;
    std::memcpy(ip + 8, f.key.local.byteArray16, 16);
    std::memcpy(ip + 24, f.key.remote.byteArray16, 16);
    *length = 40 + l4;
    (void)transport_set_checksum(ip, f.key.protocol, 40, l4);
    return ip;
  }

  // ---- pend and complete ----

  Status pend_operation(uint64_t completionHandle, uint64_t* completionContext) noexcept override {
    if (!on_own_thread() || current_.handle == 0 || completionHandle != current_.handle) {
      return Status::INVALID_PARAMETER;
    }
    if (!current_.pendable || current_.reauthorize || current_.pendSlot != kNoPend) return Status::FWP_CANNOT_PEND;
    const uint32_t slot = pends.acquire();
    if (slot == kNoPend) return Status::INSUFFICIENT_RESOURCES;
    PendEntry& e = *pends.at(slot);
    e.kind = PendKind::OPERATION;
    e.flowId = current_.flowId;
    e.layerId = current_.layer;
    e.deadlineUs = now + config.pendTimeoutUs;
    e.token = current_.handle;
    current_.pendSlot = slot;
    *completionContext = (uint64_t{hostIndex} << 56) | (uint64_t{e.sequence & 0xFFFFFFu} << 32) | slot;
    return Status::SUCCESS;
  }

  void complete_operation(uint64_t completionContext) noexcept override {
    if (!on_own_thread() || dispatch::in_classify() || in_stream_) {
      (void)queue_foreign({ForeignCall::Kind::COMPLETE, completionContext, 0, 0, 0});
      return;
    }
    complete_now(completionContext);
  }

  void complete_now(uint64_t completionContext) noexcept {
    const auto slot = static_cast<uint32_t>(completionContext & 0xFFFFFFFFu);
    const auto seq = static_cast<uint32_t>((completionContext >> 32) & 0xFFFFFFu);
    PendEntry* e = slot < pends.size() ? pends.at(slot) : nullptr;
    if (e == nullptr || (e->sequence & 0xFFFFFFu) != seq || e->kind != PendKind::OPERATION) {
      ++pends.stats().staleCompletions;
      return;
    }
    finish_pend(slot, /*reauthorize=*/true, 0);
  }

  Status pend_classify(uint64_t classifyHandle, uint64_t filterId, ClassifyOut* out) noexcept override {
    (void)filterId;
    if (!on_own_thread() || current_.handle == 0 || classifyHandle != current_.handle) {
      return Status::INVALID_PARAMETER;
    }
    if (!current_.pendable || current_.reauthorize || current_.pendSlot != kNoPend) return Status::FWP_CANNOT_PEND;
    const uint32_t slot = pends.acquire();
    if (slot == kNoPend) return Status::INSUFFICIENT_RESOURCES;
    PendEntry& e = *pends.at(slot);
    e.kind = PendKind::CLASSIFY;
    e.flowId = current_.flowId;
    e.layerId = current_.layer;
    e.deadlineUs = now + config.pendTimeoutUs;
    e.token = classifyHandle;
    current_.pendSlot = slot;
    out->actionType = FWP_ACTION_BLOCK;
    out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
    return Status::SUCCESS;
  }

  void complete_classify(uint64_t classifyHandle, const ClassifyOut* out) noexcept override {
    const uint64_t action = out->actionType;
    if (!on_own_thread() || dispatch::in_classify() || in_stream_) {
      (void)queue_foreign({ForeignCall::Kind::COMPLETE_CLASSIFY, classifyHandle, 0, 0, action});
      return;
    }
    complete_classify_now(classifyHandle, static_cast<uint32_t>(action));
  }

  void complete_classify_now(uint64_t classifyHandle, uint32_t action) noexcept {
    const uint32_t slot = pends.find_token(classifyHandle);
    PendEntry* e = slot == kNoPend ? nullptr : pends.at(slot);
    if (e == nullptr || e->kind != PendKind::CLASSIFY) {
      ++pends.stats().staleCompletions;
      return;
    }
    finish_pend(slot, /*reauthorize=*/false, action);
  }

  // Decides a pended flow: reauthorizes its layer (the callout answers with
  // IS_REAUTHORIZE set) or takes the completed classification's answer, then
  // goes on with the flow's authorization and releases its held packet.
  void finish_pend(uint32_t slot, bool reauthorize, uint32_t action) noexcept {
    PendEntry e = *pends.at(slot);
    flow::Flow* f = flows.find_by_id(e.flowId);
    ++pends.stats().completed;
    if (f == nullptr || f->pendIndex != slot) {
      // The flow ended first (or was aborted): nothing is left to decide.
      ++pends.stats().completedAfterFlowEnd;
      pends.release(slot);
      return;
    }
    f->pendIndex = kNoPend;
    // Keep the held packet until the end of this function: the slot is free
    // for a new pend from the reauthorization.
    uint8_t held[2048];
    const uint32_t held_length = e.heldLength <= sizeof held ? e.heldLength : 0;
    if (held_length > 0) std::memcpy(held, pends.held(slot), held_length);
    pends.release(slot);

    const LayerId layer = e.layerId;
    LayerContext ctx = flow_context(*f, f->direction);
    ctx.flags |= FWP_CONDITION_FLAG_IS_REAUTHORIZE;
    bool blocked = action == FWP_ACTION_BLOCK;
    uint64_t filter_id = 0;
    if (reauthorize) {
      ++counters.reauthorizations;
      const ClassifyResult r = classify(layer, ctx, f, 0);
      blocked = r.actionType == FWP_ACTION_BLOCK;
      filter_id = r.filterId;
    }
    const bool auth_layer = layer == pick(FWPS_LAYER_ALE_AUTH_CONNECT_V4, f->key.ipVersion) ||
                            layer == pick(FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4, f->key.ipVersion);
    decode::DecodedPacket p;
    const bool have_packet =
        held_length > 0 && decode::decode_ip(held, held_length, &p, true) == decode::DropReason::NONE;
    if (blocked) {
      f->aleBlocked = true;
      if (auth_layer) f->aleClassified = true;
      discard(layer, flow_context(*f, f->direction), f, held_length, kDiscardModuleGeneral, kDiscardFirewallPolicy,
              filter_id);
      if (held_length > 0) observer->on_held_dropped(held, held_length);
      return;
    }
    const bool tcp = f->key.protocol == decode::kProtoTcp;
    if (auth_layer) {
      const bool syn_only = !have_packet ? tcp : (tcp && (p.tcpFlags & decode::kTcpSyn) != 0 &&
                                                  (p.tcpFlags & decode::kTcpAck) == 0);
      if (authorized(*f, layer, filter_id, false, !tcp || !syn_only) != Ale::PASS) return;
    } else if (have_packet) {
      // An endpoint layer was pended: the flow's authorization goes on.
      if (authorize(*f, p, held, held_length, e.heldLoopback) != Ale::PASS) return;
    } else {
      return;  // nothing kept to go on with: the next packet of the flow authorizes it
    }
    if (have_packet) {
      // The connect proceeds: its packet takes the rest of the send path.
      const Verdict v = deliver(p, held, held_length, true, e.heldLoopback);
      if (v == Verdict::PERMIT) {
        ++counters.packetsReleased;
        observer->on_inject(held, held_length, true);
      } else {
        observer->on_held_dropped(held, held_length);
      }
    }
  }

  // Pends never completed end with a Block and an event.
  void expire_pends(bool all) noexcept {
    if (pends.stats().inUse == 0) return;
    for (uint32_t slot = 0; slot < pends.size(); ++slot) {
      PendEntry* e = pends.at(slot);
      if (e == nullptr || (!all && now < e->deadlineUs)) continue;
      ++pends.stats().timedOut;
      flow::Flow* f = flows.find_by_id(e->flowId);
      findings.record("PEND", "a pended classification was never completed (ended with a Block)", 0, e->layerId,
                      e->flowId, counters.packets);
      const uint16_t layer = e->layerId;
      if (e->heldLength > 0) observer->on_held_dropped(pends.held(slot), e->heldLength);
      pends.release(slot);
      if (f != nullptr && f->pendIndex == slot) {
        f->pendIndex = kNoPend;
        f->aleBlocked = true;
        discard(layer, flow_context(*f, f->direction), f, 0, kDiscardModuleGeneral, kDiscardFirewallPolicy, 0);
      }
      observer->on_pend_timeout(f, layer);
    }
  }

  PendScope current_;
  uint32_t lastPend_ = kNoPend;
  uint64_t classifySeq_ = 0;

  // TCP handshake tracking; FLOW_ESTABLISHED when it completes. Returns true
  // when FLOW_ESTABLISHED blocked.
  bool track_tcp(flow::Flow& f, const decode::DecodedPacket& p, bool outbound) noexcept {
    const int side = outbound ? 0 : 1;
    const uint8_t flags = p.tcpFlags;
    if ((flags & decode::kTcpSyn) != 0) f.synSeen[side] = true;
    if ((flags & decode::kTcpRst) != 0) f.rstSeen = true;
    if ((flags & decode::kTcpFin) != 0) f.finSeen[side] = true;
    const uint32_t next = p.tcpSeq + p.payloadLength + ((flags & decode::kTcpSyn) != 0 ? 1u : 0u) +
                          ((flags & decode::kTcpFin) != 0 ? 1u : 0u);
    if (!f.nextSeqKnown[side] || static_cast<int32_t>(next - f.nextSeq[side]) > 0) f.nextSeq[side] = next;
    f.nextSeqKnown[side] = true;
    if (f.established || outbound) return false;
    // Client (local opened): the SYN-ACK arrives. Server: the ACK of our SYN-ACK arrives.
    const bool synack = (flags & (decode::kTcpSyn | decode::kTcpAck)) == (decode::kTcpSyn | decode::kTcpAck);
    const bool ack = (flags & decode::kTcpAck) != 0 && (flags & decode::kTcpSyn) == 0;
    const bool client_done = f.direction == FWP_DIRECTION_OUTBOUND && f.synSeen[0] && synack;
    const bool server_done = f.direction == FWP_DIRECTION_INBOUND && f.synSeen[1] && f.synSeen[0] && ack;
    if (client_done || server_done) return flow_established_blocked(f);
    return false;
  }

  // Whether the flow's segments go to stream reassembly (Config::streams).
  bool stream_wanted(const flow::Flow& f, uint8_t ip_version) const noexcept {
    return config.streams == StreamReassembly::ALWAYS || f.stream.has_value() ||
           reader.layer_has_filters(pick(FWPS_LAYER_STREAM_V4, ip_version));
  }

  // Feeds a TCP segment to the flow's stream; true when the STREAM layer blocked.
  bool stream_blocked(flow::Flow& f, const decode::DecodedPacket& p, const uint8_t* ip, bool outbound) noexcept {
    if (!f.stream.has_value()) {
      f.stream.emplace(budget);
      f.localIsClient = f.direction == FWP_DIRECTION_OUTBOUND;
    }
    stream::Segment s;
    s.seq = p.tcpSeq;
    s.ack = p.tcpAck;
    s.flags = p.tcpFlags;
    s.window = p.tcpWindow;
    s.windowScale = p.tcpWindowScale;
    s.payload = ip + (p.payloadOffset - p.l3Offset);
    s.length = p.payloadLength;
    const bool from_client = outbound == f.localIsClient;
    const int sd = from_client ? 0 : 1;
    if (!f.seqBaseKnown[sd]) {
      // As the reassembler counts: from the SYN, or from the first segment seen.
      f.seqBaseKnown[sd] = true;
      f.seqBase[sd] = (p.tcpFlags & decode::kTcpSyn) != 0 ? p.tcpSeq + 1 : p.tcpSeq;
      if (rewrite::TcpRewriter* rw = rewriter_of(f)) rw->start(static_cast<rewrite::Dir>(sd), f.seqBase[sd], 0);
    }
    if (config.inlinePath && (p.tcpFlags & decode::kTcpAck) != 0) {
      // Live: this side acknowledges the other direction's edited stream;
      // the reassembler follows the original one.
      if (const rewrite::TcpRewriter* rw = rewriter_of(f)) {
        s.ack = rw->original_ack(static_cast<rewrite::Dir>(1 - sd), p.tcpAck);
      }
    }
    FlowSink sink(this, &f);
    f.stream->on_segment(from_client ? stream::Direction::CLIENT_TO_SERVER : stream::Direction::SERVER_TO_CLIENT, s,
                         sink);
    return sink.blocked;
  }

  // The transport and above of one whole datagram (not a fragment).
  // `ip` points at the datagram's IP header; offsets in `p` are relative to
  // `p.l3Offset` of the buffer it was decoded from.
  Verdict deliver(const decode::DecodedPacket& p, const uint8_t* ip, uint32_t ip_len, bool outbound,
                  bool loopback) noexcept {
    set_packet(p, ip, ip_len);
    LayerContext ctx = context(p, outbound, loopback);
    IncomingMetadata meta = packet_metadata(p);
    const bool icmp_error = is_icmp_error(p);
    // The flow the packet belongs to, looked up once (nothing the transport
    // layer's callouts can do removes a flow before the packet is through).
    flow::FlowKey key;
    flow::Flow* f = nullptr;
    bool stray = false;
    if (!icmp_error) {
      key = key_of(p, outbound);
      f = flows.find(key);
      // A TCP segment that matches no flow opens one only when it starts a
      // connection (SYN) or carries data (a connection picked up mid-stream).
      // A lone RST, ACK or FIN (late after the flow ended, or for a
      // connection never seen) has no endpoint to authorise.
      stray = f == nullptr && p.protocol == decode::kProtoTcp &&
              ((p.tcpFlags & decode::kTcpRst) != 0 || ((p.tcpFlags & decode::kTcpSyn) == 0 && p.payloadLength == 0));
    }
    if (!outbound) {
      // A packet that opens a flow goes on to ALE_AUTH_RECV_ACCEPT: WFP marks
      // it at the transport layer (FLAGS and metadata), so that a callout
      // there can leave it to its ALE callout (e.g. re-injection after a
      // pended accept) instead of handling it twice.
      const bool opens = !icmp_error && f == nullptr && !stray;
      if (opens) {
        ctx.flags |= FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY;
        meta.currentMetadataValues |= FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED;
      }
      const bool transportBlocked =
          blocked_at(pick(FWPS_LAYER_INBOUND_TRANSPORT_V4, p.ipVersion), ctx, nullptr, ip_len, &meta);
      ctx.flags &= ~FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY;
      meta.currentMetadataValues &= ~FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED;
      if (transportBlocked) return Verdict::BLOCK;
      if (icmp_error) {
        return blocked_at(pick(FWPS_LAYER_INBOUND_ICMP_ERROR_V4, p.ipVersion), ctx, nullptr, ip_len, &meta)
                   ? Verdict::BLOCK
                   : Verdict::PERMIT;
      }
    }

    if (!icmp_error) {
      if (stray) {
        if (!outbound) return Verdict::PERMIT;
      } else if (f == nullptr) {
        f = flows.insert(key, now, flow::TimeoutClass::TCP_OPENING);
        if (f == nullptr) {
          observer->on_drop("flow", "flow table full");
          return Verdict::DROP;
        }
        f->direction = outbound ? FWP_DIRECTION_OUTBOUND : FWP_DIRECTION_INBOUND;
        if (config.owners != nullptr) f->owner = config.owners->find(key, outbound);
        if (p.protocol == decode::kProtoTcp) track_tcp(*f, p, outbound);
        const Ale a = authorize(*f, p, ip, ip_len, loopback);
        if (a == Ale::BLOCKED) {
          ++f->blockedPackets;
          flows.touch(*f, now, class_for(*f));
          return Verdict::BLOCK;
        }
        if (a == Ale::PENDED) {
          flows.touch(*f, now, class_for(*f));
          absorbedBy_ = AbsorbedBy::PEND;
          return Verdict::ABSORBED;
        }
      } else {
        if (f->pendIndex != kNoPend) {
          // Held by a pended classification: dropped (the application retransmits).
          ++pends.stats().packetsDroppedWhilePended;
          observer->on_drop("ale", "held by a pended classification");
          flows.touch(*f, now, class_for(*f));
          return Verdict::DROP;
        }
        if (f->aleBlocked || f->establishedBlocked || f->aborted) {
          ++counters.aleBlockedPackets;
          ++f->blockedPackets;
          flows.touch(*f, now, class_for(*f));
          return Verdict::BLOCK;
        }
        if (p.protocol == decode::kProtoTcp && track_tcp(*f, p, outbound)) {
          ++f->blockedPackets;
          flows.end(*f, flow::EndReason::BLOCKED);
          return Verdict::BLOCK;
        }
      }
      if (f != nullptr) {
        const int dir = outbound ? 0 : 1;
        ++f->packets[dir];
        f->bytes[dir] += ip_len;
      }
    }

    Verdict v = Verdict::PERMIT;
    if (f != nullptr && p.protocol == decode::kProtoTcp && p.hasTransport) {
      if (stream_wanted(*f, p.ipVersion) && stream_blocked(*f, p, ip, outbound)) v = Verdict::BLOCK;
    } else if (f != nullptr) {
      if (blocked_at(pick(FWPS_LAYER_DATAGRAM_DATA_V4, p.ipVersion), ctx, f, p.payloadLength, &meta)) {
        v = Verdict::BLOCK;
      }
    }
    if (outbound && v == Verdict::PERMIT) {
      if (icmp_error && blocked_at(pick(FWPS_LAYER_OUTBOUND_ICMP_ERROR_V4, p.ipVersion), ctx, nullptr, ip_len, &meta)) {
        v = Verdict::BLOCK;
      } else if (blocked_at(pick(FWPS_LAYER_OUTBOUND_TRANSPORT_V4, p.ipVersion), ctx, f, ip_len, &meta)) {
        v = Verdict::BLOCK;
      } else if (blocked_at(pick(FWPS_LAYER_OUTBOUND_IPPACKET_V4, p.ipVersion), ctx, nullptr, ip_len, &meta)) {
        v = Verdict::BLOCK;
      }
    }
    if (f != nullptr && v == Verdict::PERMIT && f->rewriter != UINT32_MAX && p.protocol == decode::kProtoTcp) {
      // An edited connection: the rewriter sends what this segment becomes.
      emitOutbound_ = outbound;
      rewriters[f->rewriter]->on_segment(static_cast<rewrite::Dir>(stream_dir(*f, outbound ? FWP_DIRECTION_OUTBOUND
                                                                                            : FWP_DIRECTION_INBOUND)),
                                         ip, ip_len, &Impl::emit_rewritten, this);
      v = Verdict::ABSORBED;
      absorbedBy_ = AbsorbedBy::REWRITER;
    }
    if (f != nullptr) finish_packet(*f, p);
    return v;
  }

  // After a packet: refile the flow, end it when TCP says it is over.
  void finish_packet(flow::Flow& f, const decode::DecodedPacket& p) noexcept {
    if (f.key.protocol == decode::kProtoTcp) {
      if (f.rstSeen) {
        end_after_packet(f, flow::EndReason::RST);
        return;
      }
      if (f.finSeen[0] && f.finSeen[1] && (p.tcpFlags & decode::kTcpFin) == 0 && (p.tcpFlags & decode::kTcpAck) != 0) {
        end_after_packet(f, flow::EndReason::FIN);  // the last ACK after both FINs
        return;
      }
    }
    flows.touch(f, now, class_for(f));
  }

  // A TCP connection's teardown ends its flow once the packet is done: its
  // DPCs and the injections they make (a callout re-injecting that last
  // packet through the flow's endpoint) still find the flow, as in WFP,
  // where the endpoint stays valid while a send is in flight.
  std::array<std::pair<uint64_t, flow::EndReason>, 16> ending_{};
  uint32_t endingCount_ = 0;
  void end_after_packet(flow::Flow& f, flow::EndReason reason) noexcept {
    flows.touch(f, now, class_for(f));
    for (uint32_t i = 0; i < endingCount_; ++i) {
      if (ending_[i].first == f.flowId) return;
    }
    if (endingCount_ == ending_.size()) {
      flows.end(f, reason);  // never more than a few per packet; at the bound, at once
      return;
    }
    ending_[endingCount_++] = {f.flowId, reason};
  }
  void end_flows_after_packet() noexcept {
    for (uint32_t i = 0; i < endingCount_; ++i) {
      if (flow::Flow* f = flows.find_by_id(ending_[i].first)) flows.end(*f, ending_[i].second);
    }
    endingCount_ = 0;
  }

  uint64_t fragment_group(const decode::DecodedPacket& p) const noexcept {
    uint64_t h = mix(p.ipVersion, p.fragmentId);
    if (p.ipVersion == 4) {
      h = mix(h, (uint64_t{p.v4Source} << 32) | p.v4Destination);
      h = mix(h, p.protocol);
    } else {
      uint64_t w[4];
      std::memcpy(w, p.v6Source.byteArray16, 16);
      std::memcpy(w + 2, p.v6Destination.byteArray16, 16);
      for (uint64_t x : w) h = mix(h, x);
    }
    return h | 1;  // never 0
  }

  // Reassembly. Returns true with `out`/`whole` set when a datagram completed.
  bool reassemble(const decode::DecodedPacket& p, const uint8_t* ip, uint32_t ip_len, Result* result,
                  decode::DecodedPacket* whole, defrag::Datagram* datagram) noexcept {
    defrag::Fragment frag;
    frag.ipVersion = p.ipVersion;
    frag.v4Source = p.v4Source;
    frag.v4Destination = p.v4Destination;
    frag.v6Source = p.v6Source;
    frag.v6Destination = p.v6Destination;
    frag.id = p.fragmentId;
    frag.protocol = p.protocol;
    frag.offset = p.fragmentOffset;
    frag.moreFragments = p.moreFragments;
    frag.ip = ip;
    frag.ipLength = ip_len;
    frag.headerLength = p.ipVersion == 4 ? p.ipHeaderLength : p.v6UnfragmentableLength;
    frag.fragmentHeaderOffset = p.v6FragmentHeaderOffset;
    result->fragmentGroup = fragment_group(p);
    defrag::DropReason why = defrag::DropReason::NONE;
    const defrag::Outcome o = defrag.add(frag, now, datagram, &why);
    if (o == defrag::Outcome::HELD) {
      result->verdict = Verdict::HELD;
      return false;
    }
    if (o == defrag::Outcome::DROPPED) {
      observer->on_drop("defrag", defrag::drop_reason_name(why));
      result->verdict = Verdict::DROP;
      result->groupDone = true;
      return false;
    }
    ++counters.reassembled;
    observer->on_reassembled(datagram->ip, datagram->length);
    const decode::DropReason d = decode::decode_ip(datagram->ip, datagram->length, whole, true);
    result->groupDone = true;
    if (d != decode::DropReason::NONE) {
      *result = drop_decoded(*whole, d, datagram->length);
      result->fragmentGroup = fragment_group(p);
      result->groupDone = true;
      return false;
    }
    return true;
  }

  Result inbound(const decode::DecodedPacket& p, const uint8_t* ip, uint32_t ip_len, bool loopback) noexcept {
    set_packet(p, ip, ip_len);
    Result r;
    LayerContext ctx = context(p, false, loopback);
    if (p.isFragment) ctx.flags |= FWP_CONDITION_FLAG_IS_FRAGMENT;
    const IncomingMetadata meta = packet_metadata(p);
    if (blocked_at(pick(FWPS_LAYER_INBOUND_IPPACKET_V4, p.ipVersion), ctx, nullptr, ip_len, &meta)) {
      r.verdict = Verdict::BLOCK;
      if (p.isFragment) r.fragmentGroup = fragment_group(p);
      return r;
    }
    if (!p.isFragment) {
      r.verdict = deliver(p, ip, ip_len, false, loopback);
      return r;
    }
    decode::DecodedPacket whole;
    defrag::Datagram datagram;
    if (!reassemble(p, ip, ip_len, &r, &whole, &datagram)) return r;
    r.verdict = receive_reassembled(whole, datagram, loopback);
    return r;
  }

  // A reassembled datagram on the receive path: indicated at the IP packet
  // layer again (IS_REASSEMBLED), then delivered.
  Verdict receive_reassembled(const decode::DecodedPacket& whole, const defrag::Datagram& datagram,
                              bool loopback) noexcept {
    set_packet(whole, datagram.ip, datagram.length);
    LayerContext rctx = context(whole, false, loopback);
    rctx.flags |= FWP_CONDITION_FLAG_IS_REASSEMBLED;
    const IncomingMetadata rmeta = packet_metadata(whole);
    if (blocked_at(pick(FWPS_LAYER_INBOUND_IPPACKET_V4, whole.ipVersion), rctx, nullptr, datagram.length, &rmeta)) {
      return Verdict::BLOCK;
    }
    return deliver(whole, datagram.ip, datagram.length, false, loopback);
  }

  Result outbound(const decode::DecodedPacket& p, const uint8_t* ip, uint32_t ip_len, bool loopback) noexcept {
    Result r;
    if (!p.isFragment) {
      r.verdict = deliver(p, ip, ip_len, true, loopback);
      return r;
    }
    // A captured outbound datagram was fragmented after OUTBOUND_IPPACKET:
    // it is classified whole, once, and the verdict covers its fragments.
    decode::DecodedPacket whole;
    defrag::Datagram datagram;
    if (!reassemble(p, ip, ip_len, &r, &whole, &datagram)) return r;
    r.verdict = deliver(whole, datagram.ip, datagram.length, true, loopback);
    return r;
  }

  Result forward(const decode::DecodedPacket& p, uint32_t ip_len) noexcept {
    Result r;
    set_packet(p, forwardIp_, ip_len);
    ++counters.forwarded;
    LayerContext ctx = context(p, false, false);
    if (p.isFragment) ctx.flags |= FWP_CONDITION_FLAG_IS_FRAGMENT;
    const IncomingMetadata meta = packet_metadata(p);
    r.verdict = blocked_at(pick(FWPS_LAYER_IPFORWARD_V4, p.ipVersion), ctx, nullptr, ip_len, &meta) ? Verdict::BLOCK
                                                                                                    : Verdict::PERMIT;
    return r;
  }

  // A frame already decoded (by process_batch): its packet and drop reason.
  struct Predecoded {
    const decode::DecodedPacket* packet;
    decode::DropReason drop;
  };

  void process_batch(uint32_t link_type, const Stack::Frame* frames, size_t count, Result* results) noexcept {
    constexpr size_t kAhead = 4;  // entries prefetched this many packets ahead
    const bool supported = decode::link_type_supported(link_type);
    for (size_t at = 0; at < count; at += Stack::kBatch) {
      const size_t n = std::min(Stack::kBatch, count - at);
      // Stage 1: decode the batch (a pure function of the bytes) and fetch
      // each packet's flow-table bucket.
      for (size_t i = 0; i < n && supported; ++i) {
        const Stack::Frame& f = frames[at + i];
        decode::DecodedPacket& p = batchPackets_[i];
        p = decode::DecodedPacket{};
        batchDrops_[i] = decode::decode_frame(link_type, f.data, f.caplen, f.wireLength == 0 ? f.caplen : f.wireLength, &p);
        batchHashes_[i] = 0;
        if (batchDrops_[i] != decode::DropReason::NONE || p.isFragment) continue;
        const bool src_local = p.ipVersion == 4 ? config.local.is_local_v4(p.v4Source) : config.local.is_local_v6(p.v6Source);
        batchHashes_[i] = flow::hash_key(key_of(p, src_local));
        flows.prefetch_bucket(batchHashes_[i]);
      }
      // Stage 2: each packet in turn, the entry of the one kAhead later on its way.
      for (size_t i = 0; i < n; ++i) {
        if (supported && i + kAhead < n && batchHashes_[i + kAhead] != 0) flows.prefetch_entry(batchHashes_[i + kAhead]);
        const Stack::Frame& f = frames[at + i];
        const Predecoded pre{&batchPackets_[i], batchDrops_[i]};
        const Result r = process(f.timestampUs, link_type, f.data, f.caplen, f.wireLength, supported ? &pre : nullptr);
        if (results != nullptr) results[at + i] = r;
      }
    }
  }

  std::array<decode::DecodedPacket, Stack::kBatch> batchPackets_{};
  std::array<decode::DropReason, Stack::kBatch> batchDrops_{};
  std::array<uint64_t, Stack::kBatch> batchHashes_{};

  Result process(uint64_t ts, uint32_t link_type, const uint8_t* frame, uint32_t caplen, uint32_t wirelen,
                 const Predecoded* pre) noexcept {
    owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
    dispatch::WorkerThreadScope bound(worker);
    runtime::CurrentHostScope current(this);
    run_foreign_calls();
    absorbed_ = false;
    absorbedBy_ = AbsorbedBy::NONE;
    Result r = process_packet(ts, link_type, frame, caplen, wirelen, pre);
    if (r.verdict == Verdict::BLOCK && absorbed_) {
      --counters.verdicts[static_cast<size_t>(Verdict::BLOCK)];
      r.verdict = Verdict::ABSORBED;
      ++counters.verdicts[static_cast<size_t>(Verdict::ABSORBED)];
    }
    if (r.verdict == Verdict::ABSORBED) r.absorbedBy = absorbedBy_ == AbsorbedBy::NONE ? AbsorbedBy::CALLOUT : absorbedBy_;
    release_packet();
    run_deferred(bound.bound());
    return r;
  }

  // Time moves on to `ts`: pends, idle flows and fragments time out.
  void advance_to(uint64_t ts) noexcept {
    if (ts > now) now = ts;
    expire_pends(false);
    flows.expire(now);
    defrag.expire(now);
  }

  // After a packet (or a tick): DPCs queued meanwhile run, then what they
  // (or classifyFn) injected, then the flows due to end.
  void run_deferred(bool bound) noexcept {
    if (bound) counters.dpcsRun += worker.drain_dpcs();
    run_injections();
    run_inject_completions();
    end_flows_after_packet();
  }

  Result process_packet(uint64_t ts, uint32_t link_type, const uint8_t* frame, uint32_t caplen, uint32_t wirelen,
                        const Predecoded* pre) noexcept {
    advance_to(ts);
    ++counters.packets;
    counters.bytes += caplen;
    Result r;
    decode::DecodedPacket decoded;
    if (!decode::link_type_supported(link_type)) {
      ++counters.unsupportedLinkType;
      r.verdict = Verdict::DROP;
      observer->on_drop("decode", "unsupported link type");
    } else {
      const decode::DropReason d =
          pre != nullptr ? pre->drop
                         : decode::decode_frame(link_type, frame, caplen, wirelen == 0 ? caplen : wirelen, &decoded);
      const decode::DecodedPacket& p = pre != nullptr ? *pre->packet : decoded;
      if (d != decode::DropReason::NONE) {
        r = drop_decoded(p, d, caplen);
      } else {
        r = route(p, frame, caplen);
      }
    }
    ++counters.verdicts[static_cast<size_t>(r.verdict)];
    return r;
  }

  Result route(const decode::DecodedPacket& p, const uint8_t* frame, uint32_t caplen) noexcept {
    const uint8_t* ip = frame + p.l3Offset;
    uint32_t ip_len = caplen - p.l3Offset;
    if (p.ipTotalLength != 0 && p.ipTotalLength < ip_len) ip_len = p.ipTotalLength;
    const bool src_local = p.ipVersion == 4 ? config.local.is_local_v4(p.v4Source) : config.local.is_local_v6(p.v6Source);
    const bool dst_local =
        p.ipVersion == 4 ? config.local.is_local_v4(p.v4Destination) : config.local.is_local_v6(p.v6Destination);
    if (!src_local && !dst_local) {
      forwardIp_ = ip;
      return forward(p, ip_len);
    }
    if (src_local && dst_local) {
      // Loopback: the sender's path, then the receiver's.
      ++counters.loopback;
      if (!p.isFragment) {
        Result out = outbound(p, ip, ip_len, true);
        if (out.verdict != Verdict::PERMIT) return out;
        return inbound(p, ip, ip_len, true);
      }
      // Fragments are reassembled once; the whole datagram takes both paths.
      Result r;
      decode::DecodedPacket whole;
      defrag::Datagram datagram;
      if (!reassemble(p, ip, ip_len, &r, &whole, &datagram)) return r;
      r.verdict = deliver(whole, datagram.ip, datagram.length, true, true);
      if (r.verdict == Verdict::PERMIT) r.verdict = receive_reassembled(whole, datagram, true);
      return r;
    }
    return src_local ? outbound(p, ip, ip_len, false) : inbound(p, ip, ip_len, false);
  }
};

Stack::Stack(Engine& engine, const Config& config, Observer* observer)
    : impl_(std::make_unique<Impl>(engine, config, observer)) {}

Stack::~Stack() = default;

Result Stack::process(uint64_t timestamp_us, uint32_t link_type, const uint8_t* frame, uint32_t caplen,
                      uint32_t wire_length) noexcept {
  return impl_->process(timestamp_us, link_type, frame, caplen, wire_length, nullptr);
}

void Stack::process_batch(uint32_t link_type, const Frame* frames, size_t count, Result* results) noexcept {
  impl_->process_batch(link_type, frames, count, results);
}

void Stack::set_local(const Locality& local) { impl_->config.local = local; }

void Stack::tick(uint64_t timestamp_us) noexcept {
  Impl& i = *impl_;
  i.owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
  dispatch::WorkerThreadScope bound(i.worker);
  runtime::CurrentHostScope current(impl_.get());
  i.run_foreign_calls();
  i.advance_to(timestamp_us);
  i.run_deferred(bound.bound());
}

void Stack::finish() noexcept {
  impl_->owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
  dispatch::WorkerThreadScope bound(impl_->worker);
  runtime::CurrentHostScope current(impl_.get());
  impl_->run_foreign_calls();
  impl_->run_injections();
  impl_->end_flows_after_packet();
  impl_->expire_pends(true);  // end of input: pends never completed end with a Block
  impl_->flows.end_all();
  if (bound.bound()) impl_->counters.dpcsRun += impl_->worker.drain_dpcs();
  impl_->run_injections();
  impl_->run_inject_completions();
  // What other threads saw of C5-C7.
  static constexpr std::string_view kWhat[3] = {"receive-path injection with a wrong IPv4 header checksum",
                                                "a TCP packet injected inline from a transport-layer classifyFn",
                                                "send-path injection with a header that is not pointer-aligned"};
  static constexpr std::string_view kId[3] = {"C5", "C6", "C7"};
  for (size_t i = 0; i < 3; ++i) {
    const uint64_t n = impl_->foreignFindings_[i].exchange(0);
    for (uint64_t k = 0; k < n; ++k) impl_->findings.record(kId[i], kWhat[i], 0, 0, 0, impl_->counters.packets);
  }
}

const FlowContextStats& Stack::flow_contexts() const noexcept { return impl_->contexts.stats(); }
const StreamHoldStats& Stack::stream_holds() const noexcept { return impl_->holds.stats(); }
const FindingTable& Stack::findings() const noexcept { return impl_->findings; }
const PendStats& Stack::pends() const noexcept { return impl_->pends.stats(); }
const dispatch::CalloutTimingTable& Stack::callout_timing() const noexcept { return impl_->timing; }
dispatch::Worker& Stack::worker() noexcept { return impl_->worker; }
uint8_t Stack::host_index() const noexcept { return impl_->hostIndex; }

const Counters& Stack::counters() const noexcept { return impl_->counters; }
const flow::FlowTable& Stack::flows() const noexcept { return impl_->flows; }
const defrag::Reassembler& Stack::reassembler() const noexcept { return impl_->defrag; }
const stream::Budget& Stack::streams() const noexcept { return impl_->budget; }
const Config& Stack::config() const noexcept { return impl_->config; }

}  // namespace openwfp::stack
