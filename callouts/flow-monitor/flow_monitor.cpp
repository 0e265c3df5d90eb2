// The flow-monitor callout: registered at ALE_FLOW_ESTABLISHED_V4/V6 and
// STREAM_V4/V6 (one instance, one run-time id per layer).
//
// ALE_FLOW_ESTABLISHED: takes a record from the instance's pool, fills in
// the 5-tuple, and associates it with the flow for the instance's STREAM
// callout of the same IP version: flow contexts are per (flow, callout id),
// and the STREAM layer's classifyFn and the flowDeleteFn are called with
// that id. STREAM: adds the indicated bytes to the record. flowDeleteFn:
// writes the record's line and returns it to the pool.
#include <arpa/inet.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "common/plugin_support.hpp"
#include "flow-monitor/options.hpp"
#include "flow-monitor/plugin.hpp"
#include "flow-monitor/record_pool.hpp"
#include "flow-monitor/report_file.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/fwps.hpp"
#include "openwfp/fwps_fields.hpp"

namespace openwfp::callouts::flow_monitor {
namespace {

using plugin_support::Counter;

plugin_support::HostHolder g_host;

constexpr uint8_t kTcp = 6;

struct Monitor {
  Monitor(std::string n, uint32_t maxFlows) : name(std::move(n)), pool(maxFlows) {}
  std::string name;
  RecordPool pool;
  ReportFile report;
  Counter monitored;         // flows given a record
  Counter poolFull;          // flows not monitored: every record in use
  Counter noStreamCallout;   // flows not monitored: the policy has no STREAM filter for this IP version
  Counter notTcp;            // flows not monitored: not TCP, so never at the STREAM layer
  Counter noFlowHandle;      // classifications without a flow handle
  Counter associateRefused;  // FwpsFlowAssociateContext0 failed (e.g. the stack's context table is full)
  Counter unknownContext;    // a context that is no record of this instance
};

// Where ALE_FLOW_ESTABLISHED_V4/V6 keep the 5-tuple, and the STREAM layer
// of the same IP version.
struct EstablishedLayer {
  uint16_t streamLayer;
  uint8_t ipVersion;
  uint16_t localAddress, localPort, remoteAddress, remotePort, protocol, direction, count;
};
constexpr EstablishedLayer kEstablishedV4{FWPS_LAYER_STREAM_V4,
                                          4,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_LOCAL_ADDRESS,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_LOCAL_PORT,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_REMOTE_ADDRESS,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_REMOTE_PORT,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_IP_PROTOCOL,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_DIRECTION,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V4_MAX};
constexpr EstablishedLayer kEstablishedV6{FWPS_LAYER_STREAM_V6,
                                          6,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_LOCAL_ADDRESS,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_LOCAL_PORT,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_REMOTE_ADDRESS,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_REMOTE_PORT,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_IP_PROTOCOL,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_DIRECTION,
                                          FWPS_FIELD_ALE_FLOW_ESTABLISHED_V6_MAX};

bool read_address(const Value& v, uint8_t ipVersion, std::array<uint8_t, 16>* out) noexcept {
  if (ipVersion == 4) {
    if (v.type != DataType::FWP_UINT32) return false;
    const uint32_t network = htonl(v.uint32);  // incoming IPv4 addresses are in host order
    std::memcpy(out->data(), &network, sizeof network);
    return true;
  }
  if (v.type != DataType::FWP_BYTE_ARRAY16_TYPE || v.byteArray16 == nullptr) return false;
  std::memcpy(out->data(), v.byteArray16->byteArray16, 16);
  return true;
}

// The 5-tuple from ALE_FLOW_ESTABLISHED's incoming values; false (the
// record keeps hasTuple false) when a value is missing or of another type.
bool read_tuple(const IncomingValues& values, const EstablishedLayer& layer, FlowRecord* r) noexcept {
  if (values.incomingValue == nullptr || values.valueCount < layer.count) return false;
  const auto at = [&](uint16_t field) -> const Value& { return values.incomingValue[field].value; };
  const Value& localPort = at(layer.localPort);
  const Value& remotePort = at(layer.remotePort);
  const Value& protocol = at(layer.protocol);
  const Value& direction = at(layer.direction);
  if (localPort.type != DataType::FWP_UINT16 || remotePort.type != DataType::FWP_UINT16 ||
      protocol.type != DataType::FWP_UINT8 || direction.type != DataType::FWP_UINT32) {
    return false;
  }
  if (!read_address(at(layer.localAddress), layer.ipVersion, &r->local) ||
      !read_address(at(layer.remoteAddress), layer.ipVersion, &r->remote)) {
    return false;
  }
  r->ipVersion = layer.ipVersion;
  r->localPort = localPort.uint16;
  r->remotePort = remotePort.uint16;
  r->protocol = protocol.uint8;
  r->direction = direction.uint32;
  return true;
}

void flow_established(Monitor& self, const IncomingValues& values, const IncomingMetadata& meta,
                      const EstablishedLayer& layer) noexcept {
  if (!meta.has(FWPS_METADATA_FIELD_FLOW_HANDLE)) {
    self.noFlowHandle.add();
    return;
  }
  const uint32_t streamCallout = g_host.get()->callout_id_for_layer(&self, layer.streamLayer);
  if (streamCallout == 0) {
    self.noStreamCallout.add();
    return;
  }
  FlowRecord tuple;
  const bool hasTuple = read_tuple(values, layer, &tuple);
  // Only TCP reaches the STREAM layer: another flow's record would stay empty.
  if (hasTuple && tuple.protocol != kTcp) {
    self.notTcp.add();
    return;
  }
  const uint32_t id = self.pool.acquire();
  if (id == 0) {
    self.poolFull.add();
    return;
  }
  FlowRecord& r = *self.pool.find(id);
  r = tuple;
  r.flowHandle = meta.flowHandle;
  r.hasTuple = hasTuple;
  if (FwpsFlowAssociateContext0(meta.flowHandle, layer.streamLayer, streamCallout, id) != Status::SUCCESS) {
    // OBJECT_NAME_EXISTS too: a second filter sent the same flow here, and
    // the first record is already counting it.
    self.pool.release(id);
    self.associateRefused.add();
    return;
  }
  self.monitored.add();
}

void stream_data(Monitor& self, const void* layerData, uint64_t flowContext) noexcept {
  if (flowContext == 0 || layerData == nullptr) return;  // a flow this instance does not monitor
  FlowRecord* r = flowContext <= UINT32_MAX ? self.pool.find(static_cast<uint32_t>(flowContext)) : nullptr;
  if (r == nullptr) {
    self.unknownContext.add();
    return;
  }
  const auto* io = static_cast<const StreamCalloutIoPacket*>(layerData);
  r->missedBytes += io->missedBytes;
  const StreamData* data = io->streamData;
  if (data == nullptr) return;
  if ((data->flags & FWPS_STREAM_FLAG_SEND) != 0) {
    r->bytesSent += data->dataLength;
  } else if ((data->flags & FWPS_STREAM_FLAG_RECEIVE) != 0) {
    r->bytesReceived += data->dataLength;
  }
}

openwfp_status create(const openwfp_plugin_host* host, const char* instanceName, const char* optionsJson,
                      void** instance, char* error, size_t errorSize) {
  if (!OPENWFP_PLUGIN_HOST_HAS(host, callout_id_for_layer)) {
    return plugin_support::refuse(error, errorSize,
                                  "this host's plugin table has no callout_id_for_layer (a newer openwfp is needed)");
  }
  return plugin_support::create_instance(
      g_host, host, instance, error, errorSize, "out of memory for the record pool",
      [&](std::string* why) -> std::unique_ptr<Monitor> {
        Options options;
        if (!parse_options(optionsJson, &options, why)) return nullptr;
        auto self = std::make_unique<Monitor>(instanceName, options.maxFlows);
        if (!self->report.open(options.report, why)) return plugin_support::fail(why, "/report: " + *why);
        return self;
      });
}

void destroy(void* instance) {
  std::unique_ptr<Monitor> self(static_cast<Monitor*>(instance));
  const bool written = self->report.close();
  char line[512];
  std::snprintf(line, sizeof line,
                "flow-monitor '%s': %llu flows monitored, %llu lines written; not monitored: %llu (pool of %u full), "
                "%llu (no STREAM callout), %llu (not TCP), %llu (no flow handle), %llu (context refused); "
                "%llu unknown contexts, %llu write errors%s",
                self->name.c_str(), self->monitored.get(), static_cast<unsigned long long>(self->report.lines()),
                self->poolFull.get(), self->pool.capacity(), self->noStreamCallout.get(), self->notTcp.get(),
                self->noFlowHandle.get(), self->associateRefused.get(), self->unknownContext.get(),
                static_cast<unsigned long long>(self->report.write_errors()),
                written ? "" : "; the report could not be completed");
  g_host.log(written ? OPENWFP_LOG_INFO : OPENWFP_LOG_ERROR, line);
}

void classify(const IncomingValues* values, const IncomingMetadata* meta, void* layerData, const void*,
              const FilterView* filter, uint64_t flowContext, ClassifyOut* classifyOut) {
  Monitor* self = g_host.instance_for<Monitor>(filter->action.calloutId);
  if (self == nullptr) return;  // being registered or unregistered
  // An inspection callout: it watches and never decides.
  if ((classifyOut->rights & FWPS_RIGHT_ACTION_WRITE) != 0) classifyOut->actionType = FWP_ACTION_CONTINUE;
  switch (values->layerId) {
    case FWPS_LAYER_ALE_FLOW_ESTABLISHED_V4: flow_established(*self, *values, *meta, kEstablishedV4); break;
    case FWPS_LAYER_ALE_FLOW_ESTABLISHED_V6: flow_established(*self, *values, *meta, kEstablishedV6); break;
    case FWPS_LAYER_STREAM_V4:
    case FWPS_LAYER_STREAM_V6: stream_data(*self, layerData, flowContext); break;
    default: break;  // a layer it has nothing to do at
  }
}

void flow_delete(uint16_t, uint32_t calloutId, uint64_t flowContext) {
  Monitor* self = g_host.instance_for<Monitor>(calloutId);
  if (self == nullptr) return;
  const auto id = flowContext <= UINT32_MAX ? static_cast<uint32_t>(flowContext) : 0u;
  const FlowRecord* r = self->pool.find(id);
  if (r == nullptr) {
    self->unknownContext.add();
    return;
  }
  self->report.write_flow(*r);
  self->pool.release(id);
}

const openwfp_plugin kFlowMonitor = plugin_support::plugin_descriptor(
    "flow-monitor", "bytes per direction of each TCP flow, one JSON line per flow (options: report, max_flows)",
    &create, &destroy, &classify, &flow_delete);

}  // namespace

const openwfp_plugin* flow_monitor_plugin() noexcept { return &kFlowMonitor; }

}  // namespace openwfp::callouts::flow_monitor
