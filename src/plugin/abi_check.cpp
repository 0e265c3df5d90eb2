// Compile-time proof that the C view of the plugin ABI (openwfp/plugin.h)
// matches the C++ types the engine calls callouts with: a plugin built from C
// reads and writes exactly the bytes the engine means. Nothing here runs.
#include <cstddef>
#include <type_traits>

#include "openwfp/callout.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/dispatch.hpp"
#include "openwfp/fwps.hpp"
#include "openwfp/netbuf.hpp"
#include "openwfp/layers.hpp"
#include "openwfp/metadata.hpp"
#include "openwfp/plugin.h"

namespace openwfp::plugin {
namespace {

template <typename Cpp, typename C>
constexpr bool same_shape() {
  return sizeof(Cpp) == sizeof(C) && alignof(Cpp) == alignof(C) && std::is_standard_layout_v<Cpp> &&
         std::is_standard_layout_v<C>;
}

// The member is at the same offset with the same size in both views.
#define OPENWFP_SAME_MEMBER(CppType, CType, cppMember, cMember)                                          \
  static_assert(offsetof(CppType, cppMember) == offsetof(CType, cMember) &&                             \
                    sizeof(CppType::cppMember) == sizeof(CType::cMember),                              \
                "plugin.h: " #CType "." #cMember " does not match " #CppType "::" #cppMember)
#define OPENWFP_SAME(CppType, CType, member) OPENWFP_SAME_MEMBER(CppType, CType, member, member)

static_assert(same_shape<Guid, openwfp_guid>());
OPENWFP_SAME(Guid, openwfp_guid, bytes);

static_assert(same_shape<ByteBlob, openwfp_byte_blob>());
OPENWFP_SAME(ByteBlob, openwfp_byte_blob, size);
OPENWFP_SAME(ByteBlob, openwfp_byte_blob, data);

static_assert(same_shape<ByteArray16, openwfp_byte_array16>());
OPENWFP_SAME(ByteArray16, openwfp_byte_array16, byteArray16);
static_assert(same_shape<ByteArray6, openwfp_byte_array6>());
OPENWFP_SAME(ByteArray6, openwfp_byte_array6, byteArray6);

static_assert(same_shape<TokenAccessInformation, openwfp_token_access_information>());
OPENWFP_SAME(TokenAccessInformation, openwfp_token_access_information, uid);
OPENWFP_SAME(TokenAccessInformation, openwfp_token_access_information, gid);
OPENWFP_SAME(TokenAccessInformation, openwfp_token_access_information, groupCount);
OPENWFP_SAME(TokenAccessInformation, openwfp_token_access_information, groups);

// Value's members sit in an anonymous union; C99 names it `u`.
static_assert(same_shape<Value, openwfp_value>());
static_assert(std::is_same_v<std::underlying_type_t<DataType>, uint32_t>);
OPENWFP_SAME(Value, openwfp_value, type);
OPENWFP_SAME_MEMBER(Value, openwfp_value, uint64, u);
static_assert(offsetof(Value, uint8) == offsetof(Value, uint64) && offsetof(Value, double64) == offsetof(Value, uint64) &&
              offsetof(Value, byteBlob) == offsetof(Value, uint64) &&
              offsetof(Value, tokenAccessInformation) == offsetof(Value, uint64));

static_assert(same_shape<IncomingValue, openwfp_incoming_value>());
OPENWFP_SAME(IncomingValue, openwfp_incoming_value, value);

static_assert(same_shape<IncomingValues, openwfp_incoming_values>());
OPENWFP_SAME(IncomingValues, openwfp_incoming_values, layerId);
OPENWFP_SAME(IncomingValues, openwfp_incoming_values, valueCount);
OPENWFP_SAME(IncomingValues, openwfp_incoming_values, incomingValue);

static_assert(same_shape<DiscardMetadata, openwfp_discard_metadata>());
OPENWFP_SAME(DiscardMetadata, openwfp_discard_metadata, discardModule);
OPENWFP_SAME(DiscardMetadata, openwfp_discard_metadata, discardReason);
OPENWFP_SAME(DiscardMetadata, openwfp_discard_metadata, filterId);

static_assert(same_shape<FragmentMetadata, openwfp_fragment_metadata>());
OPENWFP_SAME(FragmentMetadata, openwfp_fragment_metadata, fragmentIdentification);
OPENWFP_SAME(FragmentMetadata, openwfp_fragment_metadata, fragmentOffset);
OPENWFP_SAME(FragmentMetadata, openwfp_fragment_metadata, fragmentLength);

static_assert(same_shape<IncomingMetadata, openwfp_incoming_metadata>());
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, currentMetadataValues);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, flags);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, discardMetadata);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, flowHandle);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, ipHeaderSize);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, transportHeaderSize);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, processPath);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, token);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, processId);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, sourceInterfaceIndex);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, destinationInterfaceIndex);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, compartmentId);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, fragmentMetadata);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, pathMtu);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, completionHandle);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, transportEndpointHandle);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, remoteScopeId);
OPENWFP_SAME(IncomingMetadata, openwfp_incoming_metadata, packetDirection);

static_assert(same_shape<ClassifyOut, openwfp_classify_out>());
OPENWFP_SAME(ClassifyOut, openwfp_classify_out, actionType);
OPENWFP_SAME(ClassifyOut, openwfp_classify_out, outContext);
OPENWFP_SAME(ClassifyOut, openwfp_classify_out, filterId);
OPENWFP_SAME(ClassifyOut, openwfp_classify_out, rights);
OPENWFP_SAME(ClassifyOut, openwfp_classify_out, flags);
OPENWFP_SAME(ClassifyOut, openwfp_classify_out, reserved);

static_assert(same_shape<FilterConditionView, openwfp_filter_condition>());
static_assert(std::is_same_v<std::underlying_type_t<MatchType>, uint32_t>);
OPENWFP_SAME(FilterConditionView, openwfp_filter_condition, fieldId);
OPENWFP_SAME(FilterConditionView, openwfp_filter_condition, reserved);
OPENWFP_SAME(FilterConditionView, openwfp_filter_condition, matchType);
OPENWFP_SAME(FilterConditionView, openwfp_filter_condition, conditionValue);

static_assert(same_shape<ActionView, openwfp_action>());
OPENWFP_SAME(ActionView, openwfp_action, type);
OPENWFP_SAME(ActionView, openwfp_action, calloutId);

static_assert(same_shape<FilterView, openwfp_filter>());
OPENWFP_SAME(FilterView, openwfp_filter, filterId);
OPENWFP_SAME(FilterView, openwfp_filter, weight);
OPENWFP_SAME(FilterView, openwfp_filter, subLayerWeight);
OPENWFP_SAME(FilterView, openwfp_filter, flags);
OPENWFP_SAME(FilterView, openwfp_filter, numFilterConditions);
OPENWFP_SAME(FilterView, openwfp_filter, filterCondition);
OPENWFP_SAME(FilterView, openwfp_filter, action);
OPENWFP_SAME(FilterView, openwfp_filter, context);

static_assert(same_shape<netbuf::Mdl, openwfp_mdl>());
OPENWFP_SAME(netbuf::Mdl, openwfp_mdl, next);
OPENWFP_SAME(netbuf::Mdl, openwfp_mdl, mappedSystemVa);
OPENWFP_SAME(netbuf::Mdl, openwfp_mdl, byteCount);
OPENWFP_SAME(netbuf::Mdl, openwfp_mdl, mdlFlags);
OPENWFP_SAME(netbuf::Mdl, openwfp_mdl, reserved);

static_assert(same_shape<netbuf::NetBuffer, openwfp_net_buffer>());
OPENWFP_SAME(netbuf::NetBuffer, openwfp_net_buffer, next);
OPENWFP_SAME(netbuf::NetBuffer, openwfp_net_buffer, currentMdl);
OPENWFP_SAME(netbuf::NetBuffer, openwfp_net_buffer, currentMdlOffset);
OPENWFP_SAME(netbuf::NetBuffer, openwfp_net_buffer, dataLength);
OPENWFP_SAME(netbuf::NetBuffer, openwfp_net_buffer, mdlChain);
OPENWFP_SAME(netbuf::NetBuffer, openwfp_net_buffer, dataOffset);
OPENWFP_SAME(netbuf::NetBuffer, openwfp_net_buffer, ndisPoolHandle);
OPENWFP_SAME(netbuf::NetBuffer, openwfp_net_buffer, reserved);

static_assert(same_shape<netbuf::NetBufferList, openwfp_net_buffer_list>());
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, next);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, firstNetBuffer);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, context);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, parentNetBufferList);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, ndisPoolHandle);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, sourceHandle);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, nblFlags);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, childRefCount);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, flags);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, status);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, referenceCount);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, reserved);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, injectionHandle);
OPENWFP_SAME(netbuf::NetBufferList, openwfp_net_buffer_list, injectionContext);

static_assert(same_shape<StreamDataOffset, openwfp_stream_data_offset>());
OPENWFP_SAME(StreamDataOffset, openwfp_stream_data_offset, netBufferList);
OPENWFP_SAME(StreamDataOffset, openwfp_stream_data_offset, netBuffer);
OPENWFP_SAME(StreamDataOffset, openwfp_stream_data_offset, mdl);
OPENWFP_SAME(StreamDataOffset, openwfp_stream_data_offset, mdlOffset);
OPENWFP_SAME(StreamDataOffset, openwfp_stream_data_offset, netBufferOffset);
OPENWFP_SAME(StreamDataOffset, openwfp_stream_data_offset, streamDataOffset);

static_assert(same_shape<StreamData, openwfp_stream_data>());
OPENWFP_SAME(StreamData, openwfp_stream_data, flags);
OPENWFP_SAME(StreamData, openwfp_stream_data, dataOffset);
OPENWFP_SAME(StreamData, openwfp_stream_data, dataLength);
OPENWFP_SAME(StreamData, openwfp_stream_data, netBufferListChain);

static_assert(same_shape<StreamCalloutIoPacket, openwfp_stream_callout_io_packet>());
static_assert(std::is_same_v<std::underlying_type_t<StreamActionType>, uint32_t>);
OPENWFP_SAME(StreamCalloutIoPacket, openwfp_stream_callout_io_packet, streamData);
OPENWFP_SAME(StreamCalloutIoPacket, openwfp_stream_callout_io_packet, missedBytes);
OPENWFP_SAME(StreamCalloutIoPacket, openwfp_stream_callout_io_packet, countBytesRequired);
OPENWFP_SAME(StreamCalloutIoPacket, openwfp_stream_callout_io_packet, countBytesEnforced);
OPENWFP_SAME(StreamCalloutIoPacket, openwfp_stream_callout_io_packet, streamAction);

static_assert(same_shape<TransportSendParams, openwfp_transport_send_params>());
OPENWFP_SAME(TransportSendParams, openwfp_transport_send_params, remoteAddress);
OPENWFP_SAME(TransportSendParams, openwfp_transport_send_params, remoteScopeId);
OPENWFP_SAME(TransportSendParams, openwfp_transport_send_params, controlData);
OPENWFP_SAME(TransportSendParams, openwfp_transport_send_params, controlDataLength);

#undef OPENWFP_SAME
#undef OPENWFP_SAME_MEMBER

// The scalar arguments and results: C passes uint32_t where C++ has an enum
// of that underlying type (the same in every calling convention openwfp
// builds for).
static_assert(std::is_same_v<std::underlying_type_t<NotifyType>, uint32_t>);
static_assert(std::is_same_v<std::underlying_type_t<Status>, openwfp_status>);

// In C++ the descriptor holds the engine's own function types.
static_assert(std::is_same_v<decltype(openwfp_plugin::classify_fn), ClassifyFn>);
static_assert(std::is_same_v<decltype(openwfp_plugin::notify_fn), NotifyFn>);
static_assert(std::is_same_v<decltype(openwfp_plugin::flow_delete_fn), FlowDeleteFn>);
static_assert(std::is_same_v<decltype(CalloutRegistration::classifyFn), ClassifyFn>);

// The host table grows by appending: the members of its first version keep
// their places, and each appended one follows the last. A plugin tells what
// a host has from struct_size (OPENWFP_PLUGIN_HOST_HAS).
#define OPENWFP_FOLLOWS(member, previous)                                                          \
  static_assert(offsetof(openwfp_plugin_host, member) ==                                          \
                    offsetof(openwfp_plugin_host, previous) + sizeof(openwfp_plugin_host::previous), \
                "plugin.h: openwfp_plugin_host." #member " must directly follow " #previous)
static_assert(offsetof(openwfp_plugin_host, abi_version) == 0);
OPENWFP_FOLLOWS(struct_size, abi_version);
OPENWFP_FOLLOWS(instance_for_callout, struct_size);
OPENWFP_FOLLOWS(log_message, instance_for_callout);
OPENWFP_FOLLOWS(get_option, log_message);
OPENWFP_FOLLOWS(callout_id_for_layer, get_option);
OPENWFP_FOLLOWS(layer_id, callout_id_for_layer);
OPENWFP_FOLLOWS(field_index, layer_id);
OPENWFP_FOLLOWS(flow_associate_context, field_index);
OPENWFP_FOLLOWS(flow_remove_context, flow_associate_context);
OPENWFP_FOLLOWS(flow_abort, flow_remove_context);
OPENWFP_FOLLOWS(pend_operation, flow_abort);
OPENWFP_FOLLOWS(complete_operation, pend_operation);
OPENWFP_FOLLOWS(acquire_classify_handle, complete_operation);
OPENWFP_FOLLOWS(pend_classify, acquire_classify_handle);
OPENWFP_FOLLOWS(complete_classify, pend_classify);
OPENWFP_FOLLOWS(release_classify_handle, complete_classify);
OPENWFP_FOLLOWS(copy_stream_data_to_buffer, release_classify_handle);
OPENWFP_FOLLOWS(stream_continue, copy_stream_data_to_buffer);
OPENWFP_FOLLOWS(injection_handle_create, stream_continue);
OPENWFP_FOLLOWS(injection_handle_destroy, injection_handle_create);
OPENWFP_FOLLOWS(query_packet_injection_state, injection_handle_destroy);
OPENWFP_FOLLOWS(inject_network_send, query_packet_injection_state);
OPENWFP_FOLLOWS(inject_network_receive, inject_network_send);
OPENWFP_FOLLOWS(inject_forward, inject_network_receive);
OPENWFP_FOLLOWS(inject_transport_send, inject_forward);
OPENWFP_FOLLOWS(inject_transport_receive, inject_transport_send);
OPENWFP_FOLLOWS(stream_inject, inject_transport_receive);
OPENWFP_FOLLOWS(queue_dpc, stream_inject);
OPENWFP_FOLLOWS(net_buffer_list_pool_create, queue_dpc);
OPENWFP_FOLLOWS(net_buffer_list_pool_destroy, net_buffer_list_pool_create);
OPENWFP_FOLLOWS(allocate_net_buffer_list, net_buffer_list_pool_destroy);
OPENWFP_FOLLOWS(free_net_buffer_list, allocate_net_buffer_list);
OPENWFP_FOLLOWS(allocate_clone_net_buffer_list, free_net_buffer_list);
OPENWFP_FOLLOWS(free_clone_net_buffer_list, allocate_clone_net_buffer_list);
OPENWFP_FOLLOWS(allocate_deep_clone_net_buffer_list, free_clone_net_buffer_list);
OPENWFP_FOLLOWS(reference_net_buffer_list, allocate_deep_clone_net_buffer_list);
OPENWFP_FOLLOWS(dereference_net_buffer_list, reference_net_buffer_list);
OPENWFP_FOLLOWS(retreat_net_buffer_list_data_start, dereference_net_buffer_list);
OPENWFP_FOLLOWS(advance_net_buffer_list_data_start, retreat_net_buffer_list_data_start);
OPENWFP_FOLLOWS(copy_from_net_buffer, advance_net_buffer_list_data_start);
OPENWFP_FOLLOWS(copy_to_net_buffer, copy_from_net_buffer);
#undef OPENWFP_FOLLOWS
static_assert(sizeof(openwfp_plugin_host) ==
                  offsetof(openwfp_plugin_host, copy_to_net_buffer) + sizeof(openwfp_plugin_host::copy_to_net_buffer),
              "plugin.h: a member appended to openwfp_plugin_host needs its own check here");
static_assert(std::is_same_v<decltype(openwfp_plugin_host::callout_id_for_layer), uint32_t (*)(void*, uint16_t)>);
static_assert(std::is_same_v<LayerId, uint16_t>);

// The constants plugin.h repeats for C.
constexpr uint32_t status_value(Status s) { return static_cast<uint32_t>(s); }
static_assert(OPENWFP_STATUS_SUCCESS == status_value(Status::SUCCESS));
static_assert(OPENWFP_STATUS_UNSUCCESSFUL == status_value(Status::UNSUCCESSFUL));
static_assert(OPENWFP_STATUS_INVALID_PARAMETER == status_value(Status::INVALID_PARAMETER));
static_assert(OPENWFP_STATUS_NO_MEMORY == status_value(Status::NO_MEMORY));
static_assert(OPENWFP_STATUS_BUFFER_TOO_SMALL == status_value(Status::BUFFER_TOO_SMALL));
static_assert(OPENWFP_STATUS_NOT_SUPPORTED == status_value(Status::NOT_SUPPORTED));
static_assert(OPENWFP_STATUS_NOT_FOUND == status_value(Status::NOT_FOUND));
static_assert(OPENWFP_STATUS_FWP_TYPE_MISMATCH == status_value(Status::FWP_TYPE_MISMATCH));
static_assert(OPENWFP_STATUS_OBJECT_NAME_EXISTS == status_value(Status::OBJECT_NAME_EXISTS));
static_assert(OPENWFP_STATUS_DATATYPE_MISALIGNMENT == status_value(Status::DATATYPE_MISALIGNMENT));
static_assert(OPENWFP_STATUS_INSUFFICIENT_RESOURCES == status_value(Status::INSUFFICIENT_RESOURCES));
static_assert(OPENWFP_STATUS_FWP_CALLOUT_NOT_FOUND == status_value(Status::FWP_CALLOUT_NOT_FOUND));
static_assert(OPENWFP_STATUS_FWP_LAYER_NOT_FOUND == status_value(Status::FWP_LAYER_NOT_FOUND));
static_assert(OPENWFP_STATUS_FWP_CONDITION_NOT_FOUND == status_value(Status::FWP_CONDITION_NOT_FOUND));

static_assert(OPENWFP_FWPS_CLASSIFY_OUT_FLAG_NO_MORE_DATA == FWPS_CLASSIFY_OUT_FLAG_NO_MORE_DATA);
static_assert(OPENWFP_FWPS_STREAM_FLAG_RECEIVE == FWPS_STREAM_FLAG_RECEIVE);
static_assert(OPENWFP_FWPS_STREAM_FLAG_SEND == FWPS_STREAM_FLAG_SEND);
constexpr uint32_t stream_action(StreamActionType a) { return static_cast<uint32_t>(a); }
static_assert(OPENWFP_FWPS_STREAM_ACTION_NONE == stream_action(StreamActionType::FWPS_STREAM_ACTION_NONE));
static_assert(OPENWFP_FWPS_STREAM_ACTION_NEED_MORE_DATA ==
              stream_action(StreamActionType::FWPS_STREAM_ACTION_NEED_MORE_DATA));
static_assert(OPENWFP_FWPS_STREAM_ACTION_DROP_CONNECTION ==
              stream_action(StreamActionType::FWPS_STREAM_ACTION_DROP_CONNECTION));
static_assert(OPENWFP_FWPS_STREAM_ACTION_DEFER == stream_action(StreamActionType::FWPS_STREAM_ACTION_DEFER));
static_assert(OPENWFP_FWPS_STREAM_ACTION_ALLOW_CONNECTION ==
              stream_action(StreamActionType::FWPS_STREAM_ACTION_ALLOW_CONNECTION));
static_assert(OPENWFP_AF_INET == WFP_AF_INET && OPENWFP_AF_INET6 == WFP_AF_INET6);
static_assert(OPENWFP_FWPS_INJECTION_TYPE_STREAM == FWPS_INJECTION_TYPE_STREAM);
static_assert(OPENWFP_FWPS_INJECTION_TYPE_TRANSPORT == FWPS_INJECTION_TYPE_TRANSPORT);
static_assert(OPENWFP_FWPS_INJECTION_TYPE_NETWORK == FWPS_INJECTION_TYPE_NETWORK);
static_assert(OPENWFP_FWPS_INJECTION_TYPE_FORWARD == FWPS_INJECTION_TYPE_FORWARD);
constexpr uint32_t injection_state(PacketInjectionState st) { return static_cast<uint32_t>(st); }
static_assert(OPENWFP_FWPS_PACKET_NOT_INJECTED == injection_state(PacketInjectionState::FWPS_PACKET_NOT_INJECTED));
static_assert(OPENWFP_FWPS_PACKET_INJECTED_BY_SELF ==
              injection_state(PacketInjectionState::FWPS_PACKET_INJECTED_BY_SELF));
static_assert(OPENWFP_FWPS_PACKET_INJECTED_BY_OTHER ==
              injection_state(PacketInjectionState::FWPS_PACKET_INJECTED_BY_OTHER));
static_assert(OPENWFP_FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF ==
              injection_state(PacketInjectionState::FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF));
// Callbacks the host calls are the C++ types themselves (see plugin.h).
static_assert(std::is_same_v<openwfp_inject_complete_fn, InjectCompleteFn>);
static_assert(std::is_same_v<openwfp_deferred_routine, dispatch::PKDEFERRED_ROUTINE>);

static_assert(OPENWFP_FWP_ACTION_BLOCK == FWP_ACTION_BLOCK);
static_assert(OPENWFP_FWP_ACTION_PERMIT == FWP_ACTION_PERMIT);
static_assert(OPENWFP_FWP_ACTION_CONTINUE == FWP_ACTION_CONTINUE);
static_assert(OPENWFP_FWP_ACTION_CALLOUT_TERMINATING == FWP_ACTION_CALLOUT_TERMINATING);
static_assert(OPENWFP_FWP_ACTION_CALLOUT_INSPECTION == FWP_ACTION_CALLOUT_INSPECTION);
static_assert(OPENWFP_FWP_ACTION_CALLOUT_UNKNOWN == FWP_ACTION_CALLOUT_UNKNOWN);
static_assert(OPENWFP_FWPS_RIGHT_ACTION_WRITE == FWPS_RIGHT_ACTION_WRITE);
static_assert(OPENWFP_FWPS_CLASSIFY_OUT_FLAG_ABSORB == FWPS_CLASSIFY_OUT_FLAG_ABSORB);
static_assert(OPENWFP_FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW == FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW);
static_assert(OPENWFP_FWP_CALLOUT_FLAG_ALLOW_OFFLOAD == FWP_CALLOUT_FLAG_ALLOW_OFFLOAD);
static_assert(OPENWFP_FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY == FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY);
static_assert(OPENWFP_FWP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION == FWP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION);
static_assert(OPENWFP_FWP_CALLOUT_FLAG_ALLOW_RECLASSIFY == FWP_CALLOUT_FLAG_ALLOW_RECLASSIFY);
static_assert(OPENWFP_FWPS_CALLOUT_NOTIFY_ADD_FILTER == static_cast<uint32_t>(NotifyType::FWPS_CALLOUT_NOTIFY_ADD_FILTER));
static_assert(OPENWFP_FWPS_CALLOUT_NOTIFY_DELETE_FILTER ==
              static_cast<uint32_t>(NotifyType::FWPS_CALLOUT_NOTIFY_DELETE_FILTER));
static_assert(OPENWFP_FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT ==
              static_cast<uint32_t>(NotifyType::FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT));
static_assert(OPENWFP_FWP_DIRECTION_OUTBOUND == FWP_DIRECTION_OUTBOUND);
static_assert(OPENWFP_FWP_DIRECTION_INBOUND == FWP_DIRECTION_INBOUND);

constexpr uint32_t type_value(DataType t) { return static_cast<uint32_t>(t); }
static_assert(OPENWFP_FWP_EMPTY == type_value(DataType::FWP_EMPTY));
static_assert(OPENWFP_FWP_UINT8 == type_value(DataType::FWP_UINT8));
static_assert(OPENWFP_FWP_UINT16 == type_value(DataType::FWP_UINT16));
static_assert(OPENWFP_FWP_UINT32 == type_value(DataType::FWP_UINT32));
static_assert(OPENWFP_FWP_UINT64 == type_value(DataType::FWP_UINT64));
static_assert(OPENWFP_FWP_INT8 == type_value(DataType::FWP_INT8));
static_assert(OPENWFP_FWP_INT16 == type_value(DataType::FWP_INT16));
static_assert(OPENWFP_FWP_INT32 == type_value(DataType::FWP_INT32));
static_assert(OPENWFP_FWP_INT64 == type_value(DataType::FWP_INT64));
static_assert(OPENWFP_FWP_FLOAT == type_value(DataType::FWP_FLOAT));
static_assert(OPENWFP_FWP_DOUBLE == type_value(DataType::FWP_DOUBLE));
static_assert(OPENWFP_FWP_BYTE_ARRAY16_TYPE == type_value(DataType::FWP_BYTE_ARRAY16_TYPE));
static_assert(OPENWFP_FWP_BYTE_BLOB_TYPE == type_value(DataType::FWP_BYTE_BLOB_TYPE));
static_assert(OPENWFP_FWP_SID == type_value(DataType::FWP_SID));
static_assert(OPENWFP_FWP_SECURITY_DESCRIPTOR_TYPE == type_value(DataType::FWP_SECURITY_DESCRIPTOR_TYPE));
static_assert(OPENWFP_FWP_TOKEN_INFORMATION_TYPE == type_value(DataType::FWP_TOKEN_INFORMATION_TYPE));
static_assert(OPENWFP_FWP_TOKEN_ACCESS_INFORMATION_TYPE == type_value(DataType::FWP_TOKEN_ACCESS_INFORMATION_TYPE));
static_assert(OPENWFP_FWP_UNICODE_STRING_TYPE == type_value(DataType::FWP_UNICODE_STRING_TYPE));
static_assert(OPENWFP_FWP_BYTE_ARRAY6_TYPE == type_value(DataType::FWP_BYTE_ARRAY6_TYPE));

static_assert(OPENWFP_FWPS_METADATA_FIELD_DISCARD_REASON == FWPS_METADATA_FIELD_DISCARD_REASON);
static_assert(OPENWFP_FWPS_METADATA_FIELD_FLOW_HANDLE == FWPS_METADATA_FIELD_FLOW_HANDLE);
static_assert(OPENWFP_FWPS_METADATA_FIELD_IP_HEADER_SIZE == FWPS_METADATA_FIELD_IP_HEADER_SIZE);
static_assert(OPENWFP_FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE == FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE);
static_assert(OPENWFP_FWPS_METADATA_FIELD_PROCESS_PATH == FWPS_METADATA_FIELD_PROCESS_PATH);
static_assert(OPENWFP_FWPS_METADATA_FIELD_TOKEN == FWPS_METADATA_FIELD_TOKEN);
static_assert(OPENWFP_FWPS_METADATA_FIELD_PROCESS_ID == FWPS_METADATA_FIELD_PROCESS_ID);
static_assert(OPENWFP_FWPS_METADATA_FIELD_SYSTEM_FLAGS == FWPS_METADATA_FIELD_SYSTEM_FLAGS);
static_assert(OPENWFP_FWPS_METADATA_FIELD_SOURCE_INTERFACE_INDEX == FWPS_METADATA_FIELD_SOURCE_INTERFACE_INDEX);
static_assert(OPENWFP_FWPS_METADATA_FIELD_DESTINATION_INTERFACE_INDEX ==
              FWPS_METADATA_FIELD_DESTINATION_INTERFACE_INDEX);
static_assert(OPENWFP_FWPS_METADATA_FIELD_COMPARTMENT_ID == FWPS_METADATA_FIELD_COMPARTMENT_ID);
static_assert(OPENWFP_FWPS_METADATA_FIELD_FRAGMENT_DATA == FWPS_METADATA_FIELD_FRAGMENT_DATA);
static_assert(OPENWFP_FWPS_METADATA_FIELD_PATH_MTU == FWPS_METADATA_FIELD_PATH_MTU);
static_assert(OPENWFP_FWPS_METADATA_FIELD_COMPLETION_HANDLE == FWPS_METADATA_FIELD_COMPLETION_HANDLE);
static_assert(OPENWFP_FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE == FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE);
static_assert(OPENWFP_FWPS_METADATA_FIELD_TRANSPORT_CONTROL_DATA == FWPS_METADATA_FIELD_TRANSPORT_CONTROL_DATA);
static_assert(OPENWFP_FWPS_METADATA_FIELD_REMOTE_SCOPE_ID == FWPS_METADATA_FIELD_REMOTE_SCOPE_ID);
static_assert(OPENWFP_FWPS_METADATA_FIELD_PACKET_DIRECTION == FWPS_METADATA_FIELD_PACKET_DIRECTION);
static_assert(OPENWFP_FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED == FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED);
static_assert(OPENWFP_FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY == FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY);

}  // namespace
}  // namespace openwfp::plugin
