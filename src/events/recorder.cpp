#include "events/recorder.hpp"

#include <algorithm>
#include <cstring>

#include "flow/flow_table.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/layers.hpp"

namespace openwfp::events {

Recorder::Recorder(const RecorderConfig& config)
    : config_(config), ring_(config.ringCapacity), counters_(config.maxFilters) {
  auto at = [](const LayerInfo& layer, const char* name) -> uint16_t {
    const auto field = find_field(name);
    if (!field) return kNone;
    const auto index = layer.index_of(*field);
    return index ? *index : kNone;
  };
  for (const LayerInfo& layer : all_layers()) {
    if (layer.id >= fields_.size()) continue;
    LayerFields& f = fields_[layer.id];
    f.localAddress = at(layer, "IP_LOCAL_ADDRESS");
    f.remoteAddress = at(layer, "IP_REMOTE_ADDRESS");
    f.localPort = at(layer, "IP_LOCAL_PORT");
    f.remotePort = at(layer, "IP_REMOTE_PORT");
    f.protocol = at(layer, "IP_PROTOCOL");
    f.direction = at(layer, "DIRECTION");
    f.flags = at(layer, "FLAGS");
    f.appId = at(layer, "ALE_APP_ID");
    f.userId = at(layer, "ALE_USER_ID");
  }
}

void Recorder::fill_from_flow(const flow::Flow& flow, NetEvent* e) const noexcept {
  const flow::FlowKey& k = flow.key;
  e->ipVersion = k.ipVersion;
  e->ipProtocol = k.protocol;
  std::memcpy(e->localAddr, k.local.byteArray16, 16);
  std::memcpy(e->remoteAddr, k.remote.byteArray16, 16);
  e->localPort = k.localPort;
  e->remotePort = k.remotePort;
  e->flowId = flow.flowId;
  e->flags |= NET_EVENT_FLAG_IP_VERSION_SET | NET_EVENT_FLAG_IP_PROTOCOL_SET | NET_EVENT_FLAG_LOCAL_ADDR_SET |
              NET_EVENT_FLAG_REMOTE_ADDR_SET;
  if (k.protocol == 6 || k.protocol == 17) e->flags |= NET_EVENT_FLAG_LOCAL_PORT_SET | NET_EVENT_FLAG_REMOTE_PORT_SET;
  if ((e->flags & NET_EVENT_FLAG_DIRECTION_SET) == 0) {
    e->direction = flow.direction;
    e->flags |= NET_EVENT_FLAG_DIRECTION_SET;
  }
}

void Recorder::fill_from_values(const LayerInfo& layer, const IncomingValues& values, NetEvent* e) const noexcept {
  if (layer.id >= fields_.size()) return;
  const LayerFields& f = fields_[layer.id];
  auto value = [&](uint16_t index) -> const Value* {
    if (index == kNone || index >= values.valueCount) return nullptr;
    const Value& v = values.incomingValue[index].value;
    return v.type == DataType::FWP_EMPTY ? nullptr : &v;
  };
  const bool v6 = layer.isV6;
  auto address = [&](uint16_t index, uint8_t* out, uint32_t flag) {
    const Value* v = value(index);
    if (v == nullptr) return;
    if (!v6 && v->type == DataType::FWP_UINT32) {
      const uint32_t a = v->uint32;
      const uint8_t bytes[4] = {static_cast<uint8_t>(a >> 24), static_cast<uint8_t>(a >> 16),
                                static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a)};
      std::memcpy(out, bytes, 4);
    } else if (v6 && v->type == DataType::FWP_BYTE_ARRAY16_TYPE && v->byteArray16 != nullptr) {
      std::memcpy(out, v->byteArray16->byteArray16, 16);
    } else {
      return;
    }
    e->flags |= flag;
  };
  address(f.localAddress, e->localAddr, NET_EVENT_FLAG_LOCAL_ADDR_SET);
  address(f.remoteAddress, e->remoteAddr, NET_EVENT_FLAG_REMOTE_ADDR_SET);
  if ((e->flags & (NET_EVENT_FLAG_LOCAL_ADDR_SET | NET_EVENT_FLAG_REMOTE_ADDR_SET)) != 0) {
    e->ipVersion = v6 ? 6 : 4;
    e->flags |= NET_EVENT_FLAG_IP_VERSION_SET;
  }
  if (const Value* v = value(f.localPort); v != nullptr && v->type == DataType::FWP_UINT16) {
    e->localPort = v->uint16;
    e->flags |= NET_EVENT_FLAG_LOCAL_PORT_SET;
  }
  if (const Value* v = value(f.remotePort); v != nullptr && v->type == DataType::FWP_UINT16) {
    e->remotePort = v->uint16;
    e->flags |= NET_EVENT_FLAG_REMOTE_PORT_SET;
  }
  if (const Value* v = value(f.protocol); v != nullptr && v->type == DataType::FWP_UINT8) {
    e->ipProtocol = v->uint8;
    e->flags |= NET_EVENT_FLAG_IP_PROTOCOL_SET;
  }
  if (const Value* v = value(f.direction); v != nullptr && v->type == DataType::FWP_UINT32) {
    e->direction = v->uint32;
    e->flags |= NET_EVENT_FLAG_DIRECTION_SET;
  }
  if (const Value* v = value(f.flags); v != nullptr && v->type == DataType::FWP_UINT32) {
    e->isLoopback = (v->uint32 & FWP_CONDITION_FLAG_IS_LOOPBACK) != 0;
    e->flags |= NET_EVENT_FLAG_LOOPBACK_SET;
  }
  if (const Value* v = value(f.appId); v != nullptr && v->type == DataType::FWP_BYTE_BLOB_TYPE && v->byteBlob != nullptr) {
    const ByteBlob& b = *v->byteBlob;
    size_t n = std::min<size_t>(b.size, sizeof e->application - 1);
    // A path kept as text: trailing NULs (WFP's app ids end with one) are not part of it.
    while (n > 0 && b.data[n - 1] == 0) --n;
    std::memcpy(e->application, b.data, n);
    e->application[n] = '\0';
    e->flags |= NET_EVENT_FLAG_APP_ID_SET;
  }
  if (const Value* v = value(f.userId);
      v != nullptr && v->type == DataType::FWP_TOKEN_ACCESS_INFORMATION_TYPE && v->tokenAccessInformation != nullptr) {
    e->userId = v->tokenAccessInformation->uid;
    e->flags |= NET_EVENT_FLAG_USER_ID_SET;
  }
}

void Recorder::on_classify(const LayerInfo& layer, const IncomingValues& values, const ClassifyResult& result,
                           const flow::Flow* flow) {
  const bool permit = result.actionType == FWP_ACTION_PERMIT;
  if (!result.noMatch) counters_.count(result.filterId, permit);
  NetEvent e;
  if (result.veto) {
    e.type = NetEventType::CLASSIFY_VETO;
    e.filterId = result.vetoFilterId;
  } else if (!permit) {
    e.type = NetEventType::CLASSIFY_DROP;
    e.filterId = result.filterId;
  } else if (config_.recordAllows && !result.noMatch) {
    e.type = NetEventType::CLASSIFY_ALLOW;
    e.filterId = result.filterId;
  } else {
    return;
  }
  e.timeUs = wall_clock_us();
  e.layerId = layer.id;
  fill_from_values(layer, values, &e);
  if (flow != nullptr) {
    e.flowId = flow->flowId;
    if ((e.flags & NET_EVENT_FLAG_REMOTE_ADDR_SET) == 0) fill_from_flow(*flow, &e);
    if ((e.flags & NET_EVENT_FLAG_DIRECTION_SET) == 0) {  // ALE authorization layers carry no DIRECTION field
      e.direction = flow->direction;
      e.flags |= NET_EVENT_FLAG_DIRECTION_SET;
    }
  }
  ring_.push(e);
}

void Recorder::on_pend_timeout(const flow::Flow* flow, uint16_t layerId) {
  NetEvent e;
  e.type = NetEventType::PEND_TIMEOUT;
  e.timeUs = wall_clock_us();
  e.layerId = layerId;
  if (flow != nullptr) fill_from_flow(*flow, &e);
  ring_.push(e);
}

void Recorder::on_finding(std::string_view consideration, std::string_view what, uint32_t calloutId,
                          uint16_t layerId, uint64_t flowId) {
  NetEvent e;
  e.type = NetEventType::VERIFIER_FINDING;
  e.timeUs = wall_clock_us();
  e.layerId = layerId;
  e.calloutId = calloutId;
  e.flowId = flowId;
  e.consideration = consideration;
  e.what = what;
  ring_.push(e);
}

}  // namespace openwfp::events
