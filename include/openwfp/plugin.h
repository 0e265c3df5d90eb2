/* The callout plugin ABI: how a shared object (or code built into the host)
 * supplies the run-time functions of the callouts a policy declares.
 *
 * This header is C (C99) and C++. In C++ the callout function pointer types
 * are exactly those of openwfp/callout.hpp; in C they are declared over the
 * C structs below, which have the same layout as the C++ types they mirror
 * (the host checks every size and offset when it is compiled). See
 * docs/PLUGINS.md for the rules.
 *
 * Compatibility rules:
 * - OPENWFP_PLUGIN_ABI_VERSION changes only when something already here
 *   changes meaning, type or position. The host accepts a plugin only when
 *   its abi_version equals the host's.
 * - Growth is by appending: new members go at the end of struct
 *   openwfp_plugin and struct openwfp_plugin_host, and each struct carries its
 *   size, so either side can tell which members the other one has.
 */
#ifndef OPENWFP_PLUGIN_H
#define OPENWFP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#define OPENWFP_PLUGIN_ABI_VERSION 1u

/* The symbol a plugin shared object exports. */
#define OPENWFP_PLUGIN_ENTRY_SYMBOL "openwfp_plugin_entry"

#if defined(__GNUC__) || defined(__clang__)
#define OPENWFP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define OPENWFP_PLUGIN_EXPORT
#endif

/* ---- status codes (NTSTATUS values, as openwfp::Status) ---- */
typedef uint32_t openwfp_status;
#define OPENWFP_STATUS_SUCCESS 0x00000000u
#define OPENWFP_STATUS_UNSUCCESSFUL 0xC0000001u
#define OPENWFP_STATUS_INVALID_PARAMETER 0xC000000Du
#define OPENWFP_STATUS_NO_MEMORY 0xC0000017u
#define OPENWFP_STATUS_BUFFER_TOO_SMALL 0xC0000023u
#define OPENWFP_STATUS_NOT_SUPPORTED 0xC00000BBu
#define OPENWFP_STATUS_NOT_FOUND 0xC0000225u
#define OPENWFP_STATUS_FWP_TYPE_MISMATCH 0xC0220027u
#define OPENWFP_STATUS_OBJECT_NAME_EXISTS 0x40000000u
#define OPENWFP_STATUS_DATATYPE_MISALIGNMENT 0x80000002u
#define OPENWFP_STATUS_INSUFFICIENT_RESOURCES 0xC000009Au
#define OPENWFP_STATUS_FWP_CALLOUT_NOT_FOUND 0xC0220001u
#define OPENWFP_STATUS_FWP_LAYER_NOT_FOUND 0xC0220004u
#define OPENWFP_STATUS_FWP_CONDITION_NOT_FOUND 0xC0220002u

/* ---- WFP constants a callout needs (same values as openwfp/constants.hpp) ---- */
/* FWP_ACTION_TYPE */
#define OPENWFP_FWP_ACTION_BLOCK 0x00001001u
#define OPENWFP_FWP_ACTION_PERMIT 0x00001002u
#define OPENWFP_FWP_ACTION_CONTINUE 0x00002006u
#define OPENWFP_FWP_ACTION_CALLOUT_TERMINATING 0x00005003u
#define OPENWFP_FWP_ACTION_CALLOUT_INSPECTION 0x00006004u
#define OPENWFP_FWP_ACTION_CALLOUT_UNKNOWN 0x00004005u
/* FWPS_CLASSIFY_OUT0.rights and .flags */
#define OPENWFP_FWPS_RIGHT_ACTION_WRITE 0x00000001u
#define OPENWFP_FWPS_CLASSIFY_OUT_FLAG_ABSORB 0x00000001u
/* FWPS_CALLOUT.flags */
#define OPENWFP_FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW 0x00000001u
#define OPENWFP_FWP_CALLOUT_FLAG_ALLOW_OFFLOAD 0x00000002u
#define OPENWFP_FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY 0x00000004u
#define OPENWFP_FWP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION 0x00000008u
#define OPENWFP_FWP_CALLOUT_FLAG_ALLOW_RECLASSIFY 0x00000010u
/* FWPS_CALLOUT_NOTIFY_TYPE */
#define OPENWFP_FWPS_CALLOUT_NOTIFY_ADD_FILTER 0u
#define OPENWFP_FWPS_CALLOUT_NOTIFY_DELETE_FILTER 1u
#define OPENWFP_FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT 2u
#define OPENWFP_FWPS_CLASSIFY_OUT_FLAG_NO_MORE_DATA 0x00000004u
/* FWPS_STREAM_FLAG_* (openwfp_stream_data.flags) */
#define OPENWFP_FWPS_STREAM_FLAG_RECEIVE 0x00000001u
#define OPENWFP_FWPS_STREAM_FLAG_SEND 0x00010000u
/* FWPS_STREAM_ACTION_TYPE (openwfp_stream_callout_io_packet.streamAction) */
#define OPENWFP_FWPS_STREAM_ACTION_NONE 0u
#define OPENWFP_FWPS_STREAM_ACTION_NEED_MORE_DATA 1u
#define OPENWFP_FWPS_STREAM_ACTION_DROP_CONNECTION 2u
#define OPENWFP_FWPS_STREAM_ACTION_DEFER 3u
#define OPENWFP_FWPS_STREAM_ACTION_ALLOW_CONNECTION 4u
/* ADDRESS_FAMILY as Windows numbers it (injection functions) */
#define OPENWFP_AF_INET 2u
#define OPENWFP_AF_INET6 23u
/* FWPS_INJECTION_TYPE_* (injection_handle_create flags; 0: all) */
#define OPENWFP_FWPS_INJECTION_TYPE_STREAM 0x00000001u
#define OPENWFP_FWPS_INJECTION_TYPE_TRANSPORT 0x00000002u
#define OPENWFP_FWPS_INJECTION_TYPE_NETWORK 0x00000004u
#define OPENWFP_FWPS_INJECTION_TYPE_FORWARD 0x00000008u
/* FWPS_PACKET_INJECTION_STATE */
#define OPENWFP_FWPS_PACKET_NOT_INJECTED 0u
#define OPENWFP_FWPS_PACKET_INJECTED_BY_SELF 1u
#define OPENWFP_FWPS_PACKET_INJECTED_BY_OTHER 2u
#define OPENWFP_FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF 3u
/* FWP_DIRECTION */
#define OPENWFP_FWP_DIRECTION_OUTBOUND 0u
#define OPENWFP_FWP_DIRECTION_INBOUND 1u
/* FWP_DATA_TYPE of incoming values */
#define OPENWFP_FWP_EMPTY 0u
#define OPENWFP_FWP_UINT8 1u
#define OPENWFP_FWP_UINT16 2u
#define OPENWFP_FWP_UINT32 3u
#define OPENWFP_FWP_UINT64 4u
#define OPENWFP_FWP_INT8 5u
#define OPENWFP_FWP_INT16 6u
#define OPENWFP_FWP_INT32 7u
#define OPENWFP_FWP_INT64 8u
#define OPENWFP_FWP_FLOAT 9u
#define OPENWFP_FWP_DOUBLE 10u
#define OPENWFP_FWP_BYTE_ARRAY16_TYPE 11u
#define OPENWFP_FWP_BYTE_BLOB_TYPE 12u
#define OPENWFP_FWP_SID 13u
#define OPENWFP_FWP_SECURITY_DESCRIPTOR_TYPE 14u
#define OPENWFP_FWP_TOKEN_INFORMATION_TYPE 15u
#define OPENWFP_FWP_TOKEN_ACCESS_INFORMATION_TYPE 16u
#define OPENWFP_FWP_UNICODE_STRING_TYPE 17u
#define OPENWFP_FWP_BYTE_ARRAY6_TYPE 18u
/* FWPS_METADATA_FIELD_*: bits of openwfp_incoming_metadata.currentMetadataValues */
#define OPENWFP_FWPS_METADATA_FIELD_DISCARD_REASON 0x00000001u
#define OPENWFP_FWPS_METADATA_FIELD_FLOW_HANDLE 0x00000002u
#define OPENWFP_FWPS_METADATA_FIELD_IP_HEADER_SIZE 0x00000004u
#define OPENWFP_FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE 0x00000008u
#define OPENWFP_FWPS_METADATA_FIELD_PROCESS_PATH 0x00000010u
#define OPENWFP_FWPS_METADATA_FIELD_TOKEN 0x00000020u
#define OPENWFP_FWPS_METADATA_FIELD_PROCESS_ID 0x00000040u
#define OPENWFP_FWPS_METADATA_FIELD_SYSTEM_FLAGS 0x00000080u
#define OPENWFP_FWPS_METADATA_FIELD_SOURCE_INTERFACE_INDEX 0x00000200u
#define OPENWFP_FWPS_METADATA_FIELD_DESTINATION_INTERFACE_INDEX 0x00000400u
#define OPENWFP_FWPS_METADATA_FIELD_COMPARTMENT_ID 0x00000800u
#define OPENWFP_FWPS_METADATA_FIELD_FRAGMENT_DATA 0x00001000u
#define OPENWFP_FWPS_METADATA_FIELD_PATH_MTU 0x00002000u
#define OPENWFP_FWPS_METADATA_FIELD_COMPLETION_HANDLE 0x00004000u
#define OPENWFP_FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE 0x00008000u
#define OPENWFP_FWPS_METADATA_FIELD_TRANSPORT_CONTROL_DATA 0x00010000u
#define OPENWFP_FWPS_METADATA_FIELD_REMOTE_SCOPE_ID 0x00020000u
#define OPENWFP_FWPS_METADATA_FIELD_PACKET_DIRECTION 0x00040000u
#define OPENWFP_FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED 0x00400000u
#define OPENWFP_FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY 0x00000100u

/* Log levels of openwfp_plugin_host.log_message. */
#define OPENWFP_LOG_ERROR 0u
#define OPENWFP_LOG_WARNING 1u
#define OPENWFP_LOG_INFO 2u
#define OPENWFP_LOG_DEBUG 3u

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the classification types, as C sees them ----
 * Each mirrors the C++ type named beside it, member for member. Members that
 * point at C++-only objects (a filter condition's value, a security
 * descriptor) are opaque here. */

struct openwfp_guid { /* openwfp::Guid (GUID) */
  uint8_t bytes[16];
};

struct openwfp_byte_blob { /* openwfp::ByteBlob (FWP_BYTE_BLOB) */
  uint32_t size;
  const uint8_t* data;
};

struct openwfp_byte_array16 { /* openwfp::ByteArray16 (FWP_BYTE_ARRAY16) */
  uint8_t byteArray16[16];
};

struct openwfp_byte_array6 { /* openwfp::ByteArray6 (FWP_BYTE_ARRAY6) */
  uint8_t byteArray6[6];
};

struct openwfp_token_access_information { /* openwfp::TokenAccessInformation */
  uint32_t uid;
  uint32_t gid;
  uint32_t groupCount;
  const uint32_t* groups;
};

struct openwfp_security_descriptor; /* openwfp::SecurityDescriptor: opaque */
struct openwfp_condition_value;     /* openwfp::ConditionValue: opaque */

struct openwfp_value { /* openwfp::Value (FWP_VALUE0); C99 has no anonymous unions: `u` */
  uint32_t type;       /* OPENWFP_FWP_* data type */
  union {
    uint8_t uint8;
    uint16_t uint16;
    uint32_t uint32;
    uint64_t uint64;
    int8_t int8;
    int16_t int16;
    int32_t int32;
    int64_t int64;
    float float32;
    double double64;
    const struct openwfp_byte_array16* byteArray16;
    const struct openwfp_byte_blob* byteBlob;
    const struct openwfp_byte_array6* byteArray6;
    const struct openwfp_security_descriptor* sd;
    const struct openwfp_token_access_information* tokenAccessInformation;
    const struct openwfp_byte_blob* unicodeString; /* UTF-8 bytes */
  } u;
};

struct openwfp_incoming_value { /* openwfp::IncomingValue (FWPS_INCOMING_VALUE0) */
  struct openwfp_value value;
};

struct openwfp_incoming_values { /* openwfp::IncomingValues (FWPS_INCOMING_VALUES0) */
  uint16_t layerId;
  uint32_t valueCount;
  struct openwfp_incoming_value* incomingValue; /* indexed by the layer's FWPS_FIELD_* */
};

struct openwfp_discard_metadata { /* openwfp::DiscardMetadata */
  uint32_t discardModule;
  uint32_t discardReason;
  uint64_t filterId;
};

struct openwfp_fragment_metadata { /* openwfp::FragmentMetadata */
  uint32_t fragmentIdentification;
  uint16_t fragmentOffset;
  uint32_t fragmentLength;
};

struct openwfp_incoming_metadata { /* openwfp::IncomingMetadata (FWPS_INCOMING_METADATA_VALUES0) */
  uint32_t currentMetadataValues; /* OPENWFP_FWPS_METADATA_FIELD_* present */
  uint32_t flags;
  struct openwfp_discard_metadata discardMetadata;
  uint64_t flowHandle;
  uint32_t ipHeaderSize;
  uint32_t transportHeaderSize;
  const struct openwfp_byte_blob* processPath;
  const struct openwfp_token_access_information* token;
  uint64_t processId;
  uint32_t sourceInterfaceIndex;
  uint32_t destinationInterfaceIndex;
  uint32_t compartmentId;
  struct openwfp_fragment_metadata fragmentMetadata;
  uint32_t pathMtu;
  uint64_t completionHandle;
  uint64_t transportEndpointHandle;
  uint32_t remoteScopeId;
  uint32_t packetDirection; /* OPENWFP_FWP_DIRECTION_* */
};

struct openwfp_classify_out { /* openwfp::ClassifyOut (FWPS_CLASSIFY_OUT0) */
  uint32_t actionType; /* OPENWFP_FWP_ACTION_* */
  uint64_t outContext;
  uint64_t filterId;
  uint32_t rights; /* OPENWFP_FWPS_RIGHT_ACTION_WRITE */
  uint32_t flags;  /* OPENWFP_FWPS_CLASSIFY_OUT_FLAG_* */
  uint32_t reserved;
};

struct openwfp_filter_condition { /* openwfp::FilterConditionView (FWPS_FILTER_CONDITION0) */
  uint16_t fieldId; /* the layer's field index */
  uint16_t reserved;
  uint32_t matchType; /* FWP_MATCH_TYPE */
  const struct openwfp_condition_value* conditionValue;
};

struct openwfp_action { /* openwfp::ActionView (FWPS_ACTION0) */
  uint32_t type;
  uint32_t calloutId; /* the run-time id of the callout being called */
};

struct openwfp_filter { /* openwfp::FilterView (FWPS_FILTER) */
  uint64_t filterId;
  struct openwfp_value weight;
  uint16_t subLayerWeight;
  uint16_t flags;
  uint32_t numFilterConditions;
  const struct openwfp_filter_condition* filterCondition;
  struct openwfp_action action;
  uint64_t context;
};

/* ---- packet buffers, as C sees them (openwfp/netbuf.hpp: the NDIS model) ----
 * The layer data of a packet layer is a struct openwfp_net_buffer_list*.
 * Read and change the members as NDIS code does (data starts at
 * currentMdl->mappedSystemVa + currentMdlOffset); allocate, clone, retreat,
 * advance and free only through the host's functions. */
struct openwfp_net_buffer_list_pool; /* openwfp::netbuf::NetBufferListPool: opaque */
struct openwfp_net_buffer_list_context; /* openwfp::netbuf::NetBufferListContext: opaque */

struct openwfp_mdl { /* openwfp::netbuf::Mdl (MDL) */
  struct openwfp_mdl* next;
  uint8_t* mappedSystemVa;
  uint32_t byteCount;
  uint16_t mdlFlags;
  uint16_t reserved;
};

struct openwfp_net_buffer { /* openwfp::netbuf::NetBuffer (NET_BUFFER) */
  struct openwfp_net_buffer* next;
  struct openwfp_mdl* currentMdl;
  uint32_t currentMdlOffset;
  uint32_t dataLength;
  struct openwfp_mdl* mdlChain;
  uint32_t dataOffset;
  struct openwfp_net_buffer_list_pool* ndisPoolHandle;
  uint32_t reserved;
};

struct openwfp_net_buffer_list { /* openwfp::netbuf::NetBufferList (NET_BUFFER_LIST) */
  struct openwfp_net_buffer_list* next;
  struct openwfp_net_buffer* firstNetBuffer;
  struct openwfp_net_buffer_list_context* context;
  struct openwfp_net_buffer_list* parentNetBufferList;
  struct openwfp_net_buffer_list_pool* ndisPoolHandle;
  const void* sourceHandle;
  uint32_t nblFlags;
  int32_t childRefCount;
  uint32_t flags;
  openwfp_status status; /* of the last operation, e.g. in an injection's completion */
  int32_t referenceCount;
  uint32_t reserved;
  const void* injectionHandle;
  void* injectionContext;
};

/* ---- the stream layer's layer data (FWPS_STREAM_DATA0 and friends) ---- */
struct openwfp_stream_data_offset { /* openwfp::StreamDataOffset */
  struct openwfp_net_buffer_list* netBufferList;
  struct openwfp_net_buffer* netBuffer;
  struct openwfp_mdl* mdl;
  uint32_t mdlOffset;
  uint32_t netBufferOffset;
  size_t streamDataOffset;
};

struct openwfp_stream_data { /* openwfp::StreamData (FWPS_STREAM_DATA0) */
  uint32_t flags; /* OPENWFP_FWPS_STREAM_FLAG_* */
  struct openwfp_stream_data_offset dataOffset;
  size_t dataLength;
  struct openwfp_net_buffer_list* netBufferListChain;
};

struct openwfp_stream_callout_io_packet { /* openwfp::StreamCalloutIoPacket (FWPS_STREAM_CALLOUT_IO_PACKET0) */
  struct openwfp_stream_data* streamData;
  size_t missedBytes;
  size_t countBytesRequired;
  size_t countBytesEnforced;
  uint32_t streamAction; /* OPENWFP_FWPS_STREAM_ACTION_* */
};

struct openwfp_transport_send_params { /* openwfp::TransportSendParams (FWPS_TRANSPORT_SEND_PARAMS0) */
  const uint8_t* remoteAddress;
  uint32_t remoteScopeId;
  void* controlData;
  uint32_t controlDataLength;
};

#ifdef __cplusplus
}  /* extern "C" */
#include "openwfp/callout.hpp"
#include "openwfp/dispatch.hpp"
#include "openwfp/fwps.hpp"
/* C++: the callout function types of openwfp/callout.hpp themselves. */
typedef openwfp::ClassifyFn openwfp_classify_fn;
typedef openwfp::NotifyFn openwfp_notify_fn;
typedef openwfp::FlowDeleteFn openwfp_flow_delete_fn;
/* The functions the host calls back, too: a completion's list is then an
 * openwfp::netbuf::NetBufferList (struct openwfp_net_buffer_list in C, the
 * same layout). */
typedef openwfp::InjectCompleteFn openwfp_inject_complete_fn;
typedef openwfp::dispatch::PKDEFERRED_ROUTINE openwfp_deferred_routine;
extern "C" {
#else
/* C: the same functions over the mirror structs (classifyFn, notifyFn, flowDeleteFn). */
typedef void (*openwfp_classify_fn)(const struct openwfp_incoming_values* inFixedValues,
                                    const struct openwfp_incoming_metadata* inMetaValues, void* layerData,
                                    const void* classifyContext, const struct openwfp_filter* filter,
                                    uint64_t flowContext, struct openwfp_classify_out* classifyOut);
typedef openwfp_status (*openwfp_notify_fn)(uint32_t notifyType, const struct openwfp_guid* filterKey,
                                            struct openwfp_filter* filter);
typedef void (*openwfp_flow_delete_fn)(uint16_t layerId, uint32_t calloutId, uint64_t flowContext);
/* FWPS_INJECT_COMPLETE0 */
typedef void (*openwfp_inject_complete_fn)(void* context, struct openwfp_net_buffer_list* netBufferList,
                                           bool dispatchLevel);
/* KDEFERRED_ROUTINE, as openwfp/dispatch.hpp has it (no KDPC argument). */
typedef void (*openwfp_deferred_routine)(void* deferredContext, void* systemArgument1, void* systemArgument2);
#endif

/* ---- what the host gives a plugin ----
 * One table for the whole process, valid for as long as the process runs, so
 * a plugin may keep the pointer in a static. Members appended later are
 * present when struct_size covers them. */
struct openwfp_plugin_host {
  uint32_t abi_version; /* OPENWFP_PLUGIN_ABI_VERSION of the host */
  uint32_t struct_size; /* sizeof(struct openwfp_plugin_host) as the host was built */

  /* The instance whose callout has this run-time id (filter->action.calloutId
   * in classifyFn and notifyFn, the calloutId argument of flowDeleteFn), or
   * NULL while the callout is being registered or unregistered. Lock-free;
   * safe on the data path. */
  void* (*instance_for_callout)(uint32_t calloutId);

  /* A line for the host's log (OPENWFP_LOG_*). Does not allocate; the
   * message is copied before it returns. */
  void (*log_message)(uint32_t level, const char* message);

  /* Reads the top-level member `key` of an options object (the optionsJson
   * create() receives): a string is copied without its quotes, any other
   * value as JSON text, always NUL-terminated. Returns SUCCESS, NOT_FOUND
   * (no such member), BUFFER_TOO_SMALL (the copy is cut short) or
   * INVALID_PARAMETER (optionsJson is not a JSON object). Control plane only:
   * it allocates. */
  openwfp_status (*get_option)(const char* optionsJson, const char* key, char* value, size_t valueSize);

  /* ---- appended after the members above; check OPENWFP_PLUGIN_HOST_HAS ---- */

  /* The run-time id of the callout that `instance` serves at layer `layerId`
   * (FWPS_LAYER_*), or 0 when it serves none there (the policy does not use
   * it at that layer, or the callout is being registered or unregistered).
   * The reverse of instance_for_callout: a callout used at two layers has an
   * id at each, and flow contexts are per (flow, callout id), so this is how
   * it associates a context for its callout at another layer (e.g. at
   * ALE_FLOW_ESTABLISHED for its STREAM layer callout). Lock-free; safe on
   * the data path (a short scan of the ids that plugins hold). */
  uint32_t (*callout_id_for_layer)(void* instance, uint16_t layerId);

  /* ---- appended: names, the run-time functions (openwfp/fwps.hpp), DPCs and
   * packet buffers (openwfp/netbuf.hpp). Each is the C form of the function
   * named beside it, with the same arguments in the same order, the same
   * status codes and the same threading rules (see that header). ---- */

  /* The FWPS_LAYER_* id of a layer by name ("STREAM_V4"), and the FWPS_FIELD_*
   * index of a field ("IP_REMOTE_PORT") in a layer's incoming values.
   * FWP_LAYER_NOT_FOUND / FWP_CONDITION_NOT_FOUND when there is none. Any thread. */
  openwfp_status (*layer_id)(const char* layerName, uint16_t* layerId);
  openwfp_status (*field_index)(uint16_t layerId, const char* fieldName, uint16_t* index);

  /* FwpsFlowAssociateContext0, FwpsFlowRemoveContext0, FwpsFlowAbort0 */
  openwfp_status (*flow_associate_context)(uint64_t flowId, uint16_t layerId, uint32_t calloutId,
                                           uint64_t flowContext);
  openwfp_status (*flow_remove_context)(uint64_t flowId, uint16_t layerId, uint32_t calloutId);
  openwfp_status (*flow_abort)(uint64_t flowId);

  /* FwpsPendOperation0, FwpsCompleteOperation0 */
  openwfp_status (*pend_operation)(uint64_t completionHandle, uint64_t* completionContext);
  void (*complete_operation)(uint64_t completionContext, struct openwfp_net_buffer_list* netBufferList);

  /* FwpsAcquireClassifyHandle0, FwpsPendClassify0, FwpsCompleteClassify0,
   * FwpsReleaseClassifyHandle0 */
  openwfp_status (*acquire_classify_handle)(const void* classifyContext, uint32_t flags, uint64_t* classifyHandle);
  openwfp_status (*pend_classify)(uint64_t classifyHandle, uint64_t filterId, uint32_t flags,
                                  struct openwfp_classify_out* classifyOut);
  void (*complete_classify)(uint64_t classifyHandle, uint32_t flags, const struct openwfp_classify_out* classifyOut);
  void (*release_classify_handle)(uint64_t classifyHandle);

  /* FwpsCopyStreamDataToBuffer0, FwpsStreamContinue0 */
  void (*copy_stream_data_to_buffer)(const struct openwfp_stream_data* streamData, void* buffer, size_t bytesToCopy,
                                     size_t* bytesCopied);
  openwfp_status (*stream_continue)(uint64_t flowId, uint32_t calloutId, uint16_t layerId, uint32_t streamFlags);

  /* FwpsInjectionHandleCreate0, FwpsInjectionHandleDestroy0,
   * FwpsQueryPacketInjectionState0 (returns OPENWFP_FWPS_PACKET_*) */
  openwfp_status (*injection_handle_create)(uint16_t addressFamily, uint32_t flags, void** injectionHandle);
  openwfp_status (*injection_handle_destroy)(void* injectionHandle);
  uint32_t (*query_packet_injection_state)(void* injectionHandle, const struct openwfp_net_buffer_list* netBufferList,
                                           void** injectionContext);

  /* FwpsInjectNetworkSendAsync0, FwpsInjectNetworkReceiveAsync0,
   * FwpsInjectForwardAsync0, FwpsInjectTransportSendAsync0,
   * FwpsInjectTransportReceiveAsync0, FwpsStreamInjectAsync0 */
  openwfp_status (*inject_network_send)(void* injectionHandle, void* injectionContext, uint32_t flags,
                                        uint32_t compartmentId, struct openwfp_net_buffer_list* netBufferList,
                                        openwfp_inject_complete_fn completionFn, void* completionContext);
  openwfp_status (*inject_network_receive)(void* injectionHandle, void* injectionContext, uint32_t flags,
                                           uint32_t compartmentId, uint32_t interfaceIndex, uint32_t subInterfaceIndex,
                                           struct openwfp_net_buffer_list* netBufferList,
                                           openwfp_inject_complete_fn completionFn, void* completionContext);
  openwfp_status (*inject_forward)(void* injectionHandle, void* injectionContext, uint32_t flags,
                                   uint16_t addressFamily, uint32_t compartmentId, uint32_t interfaceIndex,
                                   struct openwfp_net_buffer_list* netBufferList,
                                   openwfp_inject_complete_fn completionFn, void* completionContext);
  openwfp_status (*inject_transport_send)(void* injectionHandle, void* injectionContext, uint64_t endpointHandle,
                                          uint32_t flags, const struct openwfp_transport_send_params* sendArgs,
                                          uint16_t addressFamily, uint32_t compartmentId,
                                          struct openwfp_net_buffer_list* netBufferList,
                                          openwfp_inject_complete_fn completionFn, void* completionContext);
  openwfp_status (*inject_transport_receive)(void* injectionHandle, void* injectionContext, void* reserved,
                                             uint32_t flags, uint16_t addressFamily, uint32_t compartmentId,
                                             uint32_t interfaceIndex, uint32_t subInterfaceIndex,
                                             struct openwfp_net_buffer_list* netBufferList,
                                             openwfp_inject_complete_fn completionFn, void* completionContext);
  openwfp_status (*stream_inject)(void* injectionHandle, void* injectionContext, uint32_t flags, uint64_t flowId,
                                  uint32_t calloutId, uint16_t layerId, uint32_t streamFlags,
                                  struct openwfp_net_buffer_list* netBufferList, size_t dataLength,
                                  openwfp_inject_complete_fn completionFn, void* completionContext);

  /* KeInsertQueueDpc: runs routine(context, argument1, argument2) on the
   * calling worker after the current packet. false when the worker's DPC ring
   * is full or the thread is not a worker (a classifyFn or DPC always is). */
  bool (*queue_dpc)(openwfp_deferred_routine routine, void* context, void* argument1, void* argument2);

  /* A pool of `count` lists, each with one packet of up to bytesPerBuffer
   * bytes after `headroom` bytes of unused data space; NULL when the sizes are
   * 0 or too large. Control plane (it allocates); destroy it after every list
   * from it is freed. */
  struct openwfp_net_buffer_list_pool* (*net_buffer_list_pool_create)(uint32_t count, uint32_t bytesPerBuffer,
                                                                      uint32_t headroom);
  void (*net_buffer_list_pool_destroy)(struct openwfp_net_buffer_list_pool* pool);
  /* NdisAllocateNetBufferList (one fresh data block), NdisFreeNetBufferList */
  openwfp_status (*allocate_net_buffer_list)(struct openwfp_net_buffer_list_pool* pool, uint32_t dataLength,
                                             struct openwfp_net_buffer_list** netBufferList);
  openwfp_status (*free_net_buffer_list)(struct openwfp_net_buffer_list* netBufferList);
  /* FwpsAllocateCloneNetBufferList0, FwpsFreeCloneNetBufferList0,
   * FwpsAllocateDeepCloneNetBufferList0 (pool NULL: the original's pool) */
  openwfp_status (*allocate_clone_net_buffer_list)(struct openwfp_net_buffer_list* original,
                                                   struct openwfp_net_buffer_list_pool* pool, uint32_t flags,
                                                   struct openwfp_net_buffer_list** clone);
  openwfp_status (*free_clone_net_buffer_list)(struct openwfp_net_buffer_list* clone, uint32_t flags);
  openwfp_status (*allocate_deep_clone_net_buffer_list)(const struct openwfp_net_buffer_list* original,
                                                        struct openwfp_net_buffer_list_pool* pool,
                                                        struct openwfp_net_buffer_list** copy);
  /* FwpsReferenceNetBufferList0, FwpsDereferenceNetBufferList0 */
  openwfp_status (*reference_net_buffer_list)(struct openwfp_net_buffer_list* netBufferList, bool intendToModify);
  openwfp_status (*dereference_net_buffer_list)(struct openwfp_net_buffer_list* netBufferList, bool dispatchLevel);
  /* NdisRetreatNetBufferListDataStart, NdisAdvanceNetBufferListDataStart */
  openwfp_status (*retreat_net_buffer_list_data_start)(struct openwfp_net_buffer_list* netBufferList,
                                                       uint32_t dataOffsetDelta, uint32_t dataBackFill);
  openwfp_status (*advance_net_buffer_list_data_start)(struct openwfp_net_buffer_list* netBufferList,
                                                       uint32_t dataOffsetDelta, bool freeMdl);
  /* Copies `length` bytes of a NetBuffer's used data, from `offset` bytes into
   * it, out of it or into it; *bytesCopied says how many (bounded by
   * dataLength). At packet layers a classifyFn reads only the bytes of the
   * headers and payload its layer indicates (consideration C2). */
  openwfp_status (*copy_from_net_buffer)(const struct openwfp_net_buffer* netBuffer, uint32_t offset, void* buffer,
                                         uint32_t length, uint32_t* bytesCopied);
  openwfp_status (*copy_to_net_buffer)(struct openwfp_net_buffer* netBuffer, uint32_t offset, const void* buffer,
                                       uint32_t length, uint32_t* bytesCopied);
};

/* True when the host table `host` has `member`: a host built before the
 * member was appended passes a smaller struct_size. */
#define OPENWFP_PLUGIN_HOST_HAS(host, member) \
  ((host)->struct_size >= offsetof(struct openwfp_plugin_host, member) + sizeof((host)->member))

/* ---- what a plugin gives the host ---- */
struct openwfp_plugin {
  uint32_t abi_version; /* OPENWFP_PLUGIN_ABI_VERSION the plugin was built against */
  uint32_t struct_size; /* sizeof(struct openwfp_plugin) as the plugin was built */
  const char* name;        /* short, unique among built-in plugins; no '/' */
  const char* description; /* one line; may be NULL */

  /* Makes one instance for the policy callout `instanceName` from its
   * "options" (a JSON object as text; "{}" when the policy gives none).
   * On success stores a non-NULL instance and returns SUCCESS; otherwise
   * writes a one-line reason into `error` (errorSize bytes, NUL-terminated)
   * and returns a failure status. Control plane. */
  openwfp_status (*create)(const struct openwfp_plugin_host* host, const char* instanceName,
                           const char* optionsJson, void** instance, char* error, size_t errorSize);
  /* Frees an instance, after every callout that used it is unregistered. */
  void (*destroy)(void* instance);

  /* The run-time callout registered for each layer of each instance
   * (FWPS_CALLOUT3). classify_fn and notify_fn are required, flow_delete_fn
   * may be NULL. The flags are OPENWFP_FWP_CALLOUT_FLAG_*; the policy may add
   * more for its callout. */
  uint32_t callout_flags;
  openwfp_classify_fn classify_fn;
  openwfp_notify_fn notify_fn;
  openwfp_flow_delete_fn flow_delete_fn;
};

/* The entry point a plugin shared object exports (OPENWFP_PLUGIN_ENTRY_SYMBOL).
 * Returns the plugin's descriptor, which must stay valid while the object is
 * loaded, or NULL when the plugin cannot work with this host's ABI version.
 * May be called more than once; return the same descriptor each time. */
typedef const struct openwfp_plugin* (*openwfp_plugin_entry_fn)(uint32_t hostAbiVersion,
                                                                const struct openwfp_plugin_host* host);
/* Declared here so that the compiler checks a plugin's definition. */
OPENWFP_PLUGIN_EXPORT const struct openwfp_plugin* openwfp_plugin_entry(uint32_t hostAbiVersion,
                                                                        const struct openwfp_plugin_host* host);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* OPENWFP_PLUGIN_H */
