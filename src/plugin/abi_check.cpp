// Compile-time proof that the C view of the plugin ABI (openwfp/plugin.h)
// matches the C++ types the engine calls callouts with: a plugin built from C
// reads and writes exactly the bytes the engine means. Nothing here runs.
#include <cstddef>
#include <type_traits>

#include "openwfp/callout.hpp"
#include "openwfp/constants.hpp"
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
#undef OPENWFP_FOLLOWS
static_assert(sizeof(openwfp_plugin_host) ==
                  offsetof(openwfp_plugin_host, callout_id_for_layer) + sizeof(openwfp_plugin_host::callout_id_for_layer),
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

}  // namespace
}  // namespace openwfp::plugin
