// The C forms of the run-time functions, DPCs and packet-buffer calls that
// the host table (openwfp/plugin.h) gives plugins: each converts the C
// mirror types to the C++ ones (their layouts are proven equal in
// abi_check.cpp) and calls the function of openwfp/fwps.hpp,
// openwfp/dispatch.hpp or openwfp/netbuf.hpp it names.
#pragma once

#include "openwfp/plugin.h"

namespace openwfp::plugin::host_fn {

openwfp_status layer_id(const char* layerName, uint16_t* layerId);
openwfp_status field_index(uint16_t layerId, const char* fieldName, uint16_t* index);

openwfp_status flow_associate_context(uint64_t flowId, uint16_t layerId, uint32_t calloutId, uint64_t flowContext);
openwfp_status flow_remove_context(uint64_t flowId, uint16_t layerId, uint32_t calloutId);
openwfp_status flow_abort(uint64_t flowId);

openwfp_status pend_operation(uint64_t completionHandle, uint64_t* completionContext);
void complete_operation(uint64_t completionContext, openwfp_net_buffer_list* netBufferList);
openwfp_status acquire_classify_handle(const void* classifyContext, uint32_t flags, uint64_t* classifyHandle);
openwfp_status pend_classify(uint64_t classifyHandle, uint64_t filterId, uint32_t flags, openwfp_classify_out* out);
void complete_classify(uint64_t classifyHandle, uint32_t flags, const openwfp_classify_out* out);
void release_classify_handle(uint64_t classifyHandle);

void copy_stream_data_to_buffer(const openwfp_stream_data* streamData, void* buffer, size_t bytesToCopy,
                                size_t* bytesCopied);
openwfp_status stream_continue(uint64_t flowId, uint32_t calloutId, uint16_t layerId, uint32_t streamFlags);

openwfp_status injection_handle_create(uint16_t addressFamily, uint32_t flags, void** injectionHandle);
openwfp_status injection_handle_destroy(void* injectionHandle);
uint32_t query_packet_injection_state(void* injectionHandle, const openwfp_net_buffer_list* netBufferList,
                                      void** injectionContext);
openwfp_status inject_network_send(void* injectionHandle, void* injectionContext, uint32_t flags,
                                   uint32_t compartmentId, openwfp_net_buffer_list* netBufferList,
                                   openwfp_inject_complete_fn completionFn, void* completionContext);
openwfp_status inject_network_receive(void* injectionHandle, void* injectionContext, uint32_t flags,
                                      uint32_t compartmentId, uint32_t interfaceIndex, uint32_t subInterfaceIndex,
                                      openwfp_net_buffer_list* netBufferList, openwfp_inject_complete_fn completionFn,
                                      void* completionContext);
openwfp_status inject_forward(void* injectionHandle, void* injectionContext, uint32_t flags, uint16_t addressFamily,
                              uint32_t compartmentId, uint32_t interfaceIndex, openwfp_net_buffer_list* netBufferList,
                              openwfp_inject_complete_fn completionFn, void* completionContext);
openwfp_status inject_transport_send(void* injectionHandle, void* injectionContext, uint64_t endpointHandle,
                                     uint32_t flags, const openwfp_transport_send_params* sendArgs,
                                     uint16_t addressFamily, uint32_t compartmentId,
                                     openwfp_net_buffer_list* netBufferList, openwfp_inject_complete_fn completionFn,
                                     void* completionContext);
openwfp_status inject_transport_receive(void* injectionHandle, void* injectionContext, void* reserved, uint32_t flags,
                                        uint16_t addressFamily, uint32_t compartmentId, uint32_t interfaceIndex,
                                        uint32_t subInterfaceIndex, openwfp_net_buffer_list* netBufferList,
                                        openwfp_inject_complete_fn completionFn, void* completionContext);
openwfp_status stream_inject(void* injectionHandle, void* injectionContext, uint32_t flags, uint64_t flowId,
                             uint32_t calloutId, uint16_t layerId, uint32_t streamFlags,
                             openwfp_net_buffer_list* netBufferList, size_t dataLength,
                             openwfp_inject_complete_fn completionFn, void* completionContext);

bool queue_dpc(openwfp_deferred_routine routine, void* context, void* argument1, void* argument2);

openwfp_net_buffer_list_pool* net_buffer_list_pool_create(uint32_t count, uint32_t bytesPerBuffer, uint32_t headroom);
void net_buffer_list_pool_destroy(openwfp_net_buffer_list_pool* pool);
openwfp_status allocate_net_buffer_list(openwfp_net_buffer_list_pool* pool, uint32_t dataLength,
                                        openwfp_net_buffer_list** netBufferList);
openwfp_status free_net_buffer_list(openwfp_net_buffer_list* netBufferList);
openwfp_status allocate_clone_net_buffer_list(openwfp_net_buffer_list* original, openwfp_net_buffer_list_pool* pool,
                                              uint32_t flags, openwfp_net_buffer_list** clone);
openwfp_status free_clone_net_buffer_list(openwfp_net_buffer_list* clone, uint32_t flags);
openwfp_status allocate_deep_clone_net_buffer_list(const openwfp_net_buffer_list* original,
                                                   openwfp_net_buffer_list_pool* pool, openwfp_net_buffer_list** copy);
openwfp_status reference_net_buffer_list(openwfp_net_buffer_list* netBufferList, bool intendToModify);
openwfp_status dereference_net_buffer_list(openwfp_net_buffer_list* netBufferList, bool dispatchLevel);
openwfp_status retreat_net_buffer_list_data_start(openwfp_net_buffer_list* netBufferList, uint32_t dataOffsetDelta,
                                                  uint32_t dataBackFill);
openwfp_status advance_net_buffer_list_data_start(openwfp_net_buffer_list* netBufferList, uint32_t dataOffsetDelta,
                                                  bool freeMdl);
openwfp_status copy_from_net_buffer(const openwfp_net_buffer* netBuffer, uint32_t offset, void* buffer,
                                    uint32_t length, uint32_t* bytesCopied);
openwfp_status copy_to_net_buffer(openwfp_net_buffer* netBuffer, uint32_t offset, const void* buffer, uint32_t length,
                                  uint32_t* bytesCopied);

}  // namespace openwfp::plugin::host_fn
