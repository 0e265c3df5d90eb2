#include "plugin/host_functions.hpp"

#include <new>
#include <stdexcept>
#include <string_view>

#include "openwfp/dispatch.hpp"
#include "openwfp/fwps.hpp"
#include "openwfp/layers.hpp"
#include "openwfp/netbuf.hpp"

namespace openwfp::plugin::host_fn {
namespace {

// The C mirror types and the C++ types they mirror (same layouts:
// abi_check.cpp).
netbuf::NetBufferList* cpp(openwfp_net_buffer_list* p) { return reinterpret_cast<netbuf::NetBufferList*>(p); }
const netbuf::NetBufferList* cpp(const openwfp_net_buffer_list* p) {
  return reinterpret_cast<const netbuf::NetBufferList*>(p);
}
netbuf::NetBufferList** cpp(openwfp_net_buffer_list** p) { return reinterpret_cast<netbuf::NetBufferList**>(p); }
netbuf::NetBufferListPool* cpp(openwfp_net_buffer_list_pool* p) {
  return reinterpret_cast<netbuf::NetBufferListPool*>(p);
}
openwfp_status c(Status s) { return static_cast<openwfp_status>(s); }

}  // namespace

openwfp_status layer_id(const char* layerName, uint16_t* layerId) {
  if (layerName == nullptr || layerId == nullptr) return c(Status::INVALID_PARAMETER);
  const LayerInfo* layer = find_layer(std::string_view(layerName));
  if (layer == nullptr) return c(Status::FWP_LAYER_NOT_FOUND);
  *layerId = layer->id;
  return c(Status::SUCCESS);
}

openwfp_status field_index(uint16_t layerId, const char* fieldName, uint16_t* index) {
  if (fieldName == nullptr || index == nullptr) return c(Status::INVALID_PARAMETER);
  const LayerInfo* layer = find_layer(LayerId{layerId});
  if (layer == nullptr) return c(Status::FWP_LAYER_NOT_FOUND);
  const auto field = find_field(std::string_view(fieldName));
  const auto at = field ? layer->index_of(*field) : std::nullopt;
  if (!at) return c(Status::FWP_CONDITION_NOT_FOUND);
  *index = *at;
  return c(Status::SUCCESS);
}

openwfp_status flow_associate_context(uint64_t flowId, uint16_t layerId, uint32_t calloutId, uint64_t flowContext) {
  return c(FwpsFlowAssociateContext0(flowId, layerId, calloutId, flowContext));
}
openwfp_status flow_remove_context(uint64_t flowId, uint16_t layerId, uint32_t calloutId) {
  return c(FwpsFlowRemoveContext0(flowId, layerId, calloutId));
}
openwfp_status flow_abort(uint64_t flowId) { return c(FwpsFlowAbort0(flowId)); }

openwfp_status pend_operation(uint64_t completionHandle, uint64_t* completionContext) {
  return c(FwpsPendOperation0(completionHandle, completionContext));
}
void complete_operation(uint64_t completionContext, openwfp_net_buffer_list* netBufferList) {
  FwpsCompleteOperation0(completionContext, cpp(netBufferList));
}
openwfp_status acquire_classify_handle(const void* classifyContext, uint32_t flags, uint64_t* classifyHandle) {
  return c(FwpsAcquireClassifyHandle0(classifyContext, flags, classifyHandle));
}
openwfp_status pend_classify(uint64_t classifyHandle, uint64_t filterId, uint32_t flags, openwfp_classify_out* out) {
  return c(FwpsPendClassify0(classifyHandle, filterId, flags, reinterpret_cast<ClassifyOut*>(out)));
}
void complete_classify(uint64_t classifyHandle, uint32_t flags, const openwfp_classify_out* out) {
  FwpsCompleteClassify0(classifyHandle, flags, reinterpret_cast<const ClassifyOut*>(out));
}
void release_classify_handle(uint64_t classifyHandle) { FwpsReleaseClassifyHandle0(classifyHandle); }

void copy_stream_data_to_buffer(const openwfp_stream_data* streamData, void* buffer, size_t bytesToCopy,
                                size_t* bytesCopied) {
  FwpsCopyStreamDataToBuffer0(reinterpret_cast<const StreamData*>(streamData), buffer, bytesToCopy, bytesCopied);
}
openwfp_status stream_continue(uint64_t flowId, uint32_t calloutId, uint16_t layerId, uint32_t streamFlags) {
  return c(FwpsStreamContinue0(flowId, calloutId, layerId, streamFlags));
}

openwfp_status injection_handle_create(uint16_t addressFamily, uint32_t flags, void** injectionHandle) {
  return c(FwpsInjectionHandleCreate0(addressFamily, flags, injectionHandle));
}
openwfp_status injection_handle_destroy(void* injectionHandle) {
  return c(FwpsInjectionHandleDestroy0(injectionHandle));
}
uint32_t query_packet_injection_state(void* injectionHandle, const openwfp_net_buffer_list* netBufferList,
                                      void** injectionContext) {
  return static_cast<uint32_t>(FwpsQueryPacketInjectionState0(injectionHandle, cpp(netBufferList), injectionContext));
}
openwfp_status inject_network_send(void* injectionHandle, void* injectionContext, uint32_t flags,
                                   uint32_t compartmentId, openwfp_net_buffer_list* netBufferList,
                                   openwfp_inject_complete_fn completionFn, void* completionContext) {
  return c(FwpsInjectNetworkSendAsync0(injectionHandle, injectionContext, flags, compartmentId, cpp(netBufferList),
                                       completionFn, completionContext));
}
openwfp_status inject_network_receive(void* injectionHandle, void* injectionContext, uint32_t flags,
                                      uint32_t compartmentId, uint32_t interfaceIndex, uint32_t subInterfaceIndex,
                                      openwfp_net_buffer_list* netBufferList, openwfp_inject_complete_fn completionFn,
                                      void* completionContext) {
  return c(FwpsInjectNetworkReceiveAsync0(injectionHandle, injectionContext, flags, compartmentId, interfaceIndex,
                                          subInterfaceIndex, cpp(netBufferList), completionFn, completionContext));
}
openwfp_status inject_forward(void* injectionHandle, void* injectionContext, uint32_t flags, uint16_t addressFamily,
                              uint32_t compartmentId, uint32_t interfaceIndex, openwfp_net_buffer_list* netBufferList,
                              openwfp_inject_complete_fn completionFn, void* completionContext) {
  return c(FwpsInjectForwardAsync0(injectionHandle, injectionContext, flags, addressFamily, compartmentId,
                                   interfaceIndex, cpp(netBufferList), completionFn, completionContext));
}
openwfp_status inject_transport_send(void* injectionHandle, void* injectionContext, uint64_t endpointHandle,
                                     uint32_t flags, const openwfp_transport_send_params* sendArgs,
                                     uint16_t addressFamily, uint32_t compartmentId,
                                     openwfp_net_buffer_list* netBufferList, openwfp_inject_complete_fn completionFn,
                                     void* completionContext) {
  return c(FwpsInjectTransportSendAsync0(injectionHandle, injectionContext, endpointHandle, flags,
                                         reinterpret_cast<const TransportSendParams*>(sendArgs), addressFamily,
                                         compartmentId, cpp(netBufferList), completionFn, completionContext));
}
openwfp_status inject_transport_receive(void* injectionHandle, void* injectionContext, void* reserved, uint32_t flags,
                                        uint16_t addressFamily, uint32_t compartmentId, uint32_t interfaceIndex,
                                        uint32_t subInterfaceIndex, openwfp_net_buffer_list* netBufferList,
                                        openwfp_inject_complete_fn completionFn, void* completionContext) {
  return c(FwpsInjectTransportReceiveAsync0(injectionHandle, injectionContext, reserved, flags, addressFamily,
                                            compartmentId, interfaceIndex, subInterfaceIndex, cpp(netBufferList),
                                            completionFn, completionContext));
}
openwfp_status stream_inject(void* injectionHandle, void* injectionContext, uint32_t flags, uint64_t flowId,
                             uint32_t calloutId, uint16_t layerId, uint32_t streamFlags,
                             openwfp_net_buffer_list* netBufferList, size_t dataLength,
                             openwfp_inject_complete_fn completionFn, void* completionContext) {
  return c(FwpsStreamInjectAsync0(injectionHandle, injectionContext, flags, flowId, calloutId, layerId, streamFlags,
                                  cpp(netBufferList), dataLength, completionFn, completionContext));
}

bool queue_dpc(openwfp_deferred_routine routine, void* context, void* argument1, void* argument2) {
  dispatch::KDPC dpc;
  dispatch::KeInitializeDpc(&dpc, routine, context);
  return dispatch::KeInsertQueueDpc(&dpc, argument1, argument2);  // the ring keeps a copy
}

openwfp_net_buffer_list_pool* net_buffer_list_pool_create(uint32_t count, uint32_t bytesPerBuffer, uint32_t headroom) {
  if (count == 0 || bytesPerBuffer == 0) return nullptr;
  try {
    return reinterpret_cast<openwfp_net_buffer_list_pool*>(new netbuf::NetBufferListPool(count, bytesPerBuffer, headroom));
  } catch (const std::bad_alloc&) {
    return nullptr;
  } catch (const std::invalid_argument&) {
    return nullptr;
  }
}
void net_buffer_list_pool_destroy(openwfp_net_buffer_list_pool* pool) { delete cpp(pool); }
openwfp_status allocate_net_buffer_list(openwfp_net_buffer_list_pool* pool, uint32_t dataLength,
                                        openwfp_net_buffer_list** netBufferList) {
  return c(netbuf::allocate_net_buffer_list(cpp(pool), dataLength, cpp(netBufferList)));
}
openwfp_status free_net_buffer_list(openwfp_net_buffer_list* netBufferList) {
  return c(netbuf::free_net_buffer_list(cpp(netBufferList)));
}
openwfp_status allocate_clone_net_buffer_list(openwfp_net_buffer_list* original, openwfp_net_buffer_list_pool* pool,
                                              uint32_t flags, openwfp_net_buffer_list** clone) {
  return c(netbuf::allocate_clone_net_buffer_list(cpp(original), cpp(pool), flags, cpp(clone)));
}
openwfp_status free_clone_net_buffer_list(openwfp_net_buffer_list* clone, uint32_t flags) {
  return c(netbuf::free_clone_net_buffer_list(cpp(clone), flags));
}
openwfp_status allocate_deep_clone_net_buffer_list(const openwfp_net_buffer_list* original,
                                                   openwfp_net_buffer_list_pool* pool, openwfp_net_buffer_list** copy) {
  return c(netbuf::allocate_deep_clone_net_buffer_list(cpp(original), cpp(pool), cpp(copy)));
}
openwfp_status reference_net_buffer_list(openwfp_net_buffer_list* netBufferList, bool intendToModify) {
  return c(netbuf::reference_net_buffer_list(cpp(netBufferList), intendToModify));
}
openwfp_status dereference_net_buffer_list(openwfp_net_buffer_list* netBufferList, bool dispatchLevel) {
  return c(netbuf::dereference_net_buffer_list(cpp(netBufferList), dispatchLevel));
}
openwfp_status retreat_net_buffer_list_data_start(openwfp_net_buffer_list* netBufferList, uint32_t dataOffsetDelta,
                                                  uint32_t dataBackFill) {
  return c(netbuf::retreat_net_buffer_list_data_start(cpp(netBufferList), dataOffsetDelta, dataBackFill));
}
openwfp_status advance_net_buffer_list_data_start(openwfp_net_buffer_list* netBufferList, uint32_t dataOffsetDelta,
                                                  bool freeMdl) {
  return c(netbuf::advance_net_buffer_list_data_start(cpp(netBufferList), dataOffsetDelta, freeMdl));
}
openwfp_status copy_from_net_buffer(const openwfp_net_buffer* netBuffer, uint32_t offset, void* buffer,
                                    uint32_t length, uint32_t* bytesCopied) {
  return c(netbuf::copy_from_net_buffer(reinterpret_cast<const netbuf::NetBuffer*>(netBuffer), offset, buffer, length,
                                        bytesCopied));
}
openwfp_status copy_to_net_buffer(openwfp_net_buffer* netBuffer, uint32_t offset, const void* buffer, uint32_t length,
                                  uint32_t* bytesCopied) {
  return c(netbuf::copy_to_net_buffer(reinterpret_cast<netbuf::NetBuffer*>(netBuffer), offset, buffer, length,
                                      bytesCopied));
}

}  // namespace openwfp::plugin::host_fn
