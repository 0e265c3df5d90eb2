// The run-time functions a callout calls (fwpsk.h): flow contexts, flow
// abort, pend and complete, classify handles, the stream layer's data and
// stream-continue. Names, arguments and status codes are WFP's.
//
// Routing: these are free functions, as in WFP. A flow handle carries the
// index of the stack that owns the flow; a completion or classify handle
// carries the stack that issued it. Every stack registers itself as a
// callout host while it lives (runtime/host.hpp).
//
// Threads: flow contexts and stream-continue may be called from the stack's
// own thread (a classifyFn, a DPC) or any other thread; calls from other
// threads are queued and carried out by the stack before its next packet.
// FwpsCompleteOperation0 and FwpsCompleteClassify0 may be called from any
// thread (that is what pending is for).
#pragma once

#include <cstddef>
#include <cstdint>

#include "openwfp/classify.hpp"
#include "openwfp/netbuf.hpp"
#include "openwfp/status.hpp"

namespace openwfp {

using netbuf::Mdl;
using netbuf::NetBuffer;
using netbuf::NetBufferList;

// ------------------------------------------------------------ flows ----

// FwpsFlowAssociateContext0: one context per (flow, callout).
//   SUCCESS
//   OBJECT_NAME_EXISTS   the flow already carries a context of this callout
//   INVALID_PARAMETER    the callout has no flowDeleteFn, or layerId is not a layer
//   FWP_CALLOUT_NOT_FOUND  the callout is not registered
//   NOT_FOUND            no such flow (ended, or a stale handle)
//   INSUFFICIENT_RESOURCES the stack's context table is full (counted)
Status FwpsFlowAssociateContext0(uint64_t flowId, uint16_t layerId, uint32_t calloutId, uint64_t flowContext) noexcept;
// FwpsFlowRemoveContext0: removes the context; the callout's flowDeleteFn
// runs for it (as WFP does). NOT_FOUND when the flow carries none of it.
Status FwpsFlowRemoveContext0(uint64_t flowId, uint16_t layerId, uint32_t calloutId) noexcept;
// FwpsFlowAbort0: ends the flow now; its later packets are dropped (a TCP
// flow's peer gets a RST in an output capture). NOT_FOUND for no such flow.
Status FwpsFlowAbort0(uint64_t flowId) noexcept;

// ----------------------------------------------------- pend/complete ----

// FwpsPendOperation0: pends the ALE classification whose metadata carried
// `completionHandle` (FWPS_METADATA_FIELD_COMPLETION_HANDLE: RESOURCE_ASSIGNMENT,
// AUTH_LISTEN, AUTH_CONNECT, AUTH_RECV_ACCEPT). The classifyFn then answers
// Block with FWPS_CLASSIFY_OUT_FLAG_ABSORB. Later, FwpsCompleteOperation0
// makes the stack classify the same layer again with IS_REAUTHORIZE, where
// the callout gives its answer.
//   FWP_CANNOT_PEND      the classification is a reauthorization, or not pendable
//   INVALID_PARAMETER    not a completion handle of a classification in progress
//   INSUFFICIENT_RESOURCES the pend table is full (counted)
Status FwpsPendOperation0(uint64_t completionHandle, uint64_t* completionContext) noexcept;
// FwpsCompleteOperation0: from any thread. `netBufferList` is accepted as
// WFP's (openwfp re-injects nothing on its behalf: a callout that absorbed a
// packet re-injects its own clone).
void FwpsCompleteOperation0(uint64_t completionContext, NetBufferList* netBufferList) noexcept;

// FwpsAcquireClassifyHandle0 / FwpsPendClassify0 / FwpsCompleteClassify0 /
// FwpsReleaseClassifyHandle0: the generic pend of a classification at any
// layer (the decision arrives later; the classification that pended it is
// answered Block + ABSORB at once, and the later decision applies to the
// flow). classifyContext is the value classifyFn received.
Status FwpsAcquireClassifyHandle0(const void* classifyContext, uint32_t flags, uint64_t* classifyHandle) noexcept;
Status FwpsPendClassify0(uint64_t classifyHandle, uint64_t filterId, uint32_t flags, ClassifyOut* classifyOut) noexcept;
void FwpsCompleteClassify0(uint64_t classifyHandle, uint32_t flags, const ClassifyOut* classifyOut) noexcept;
void FwpsReleaseClassifyHandle0(uint64_t classifyHandle) noexcept;

// ----------------------------------------------------------- stream ----

// FWPS_STREAM_FLAG_* (FWPS_STREAM_DATA0::flags).
inline constexpr uint32_t FWPS_STREAM_FLAG_RECEIVE = 0x00000001;
inline constexpr uint32_t FWPS_STREAM_FLAG_RECEIVE_EXPEDITED = 0x00000002;
inline constexpr uint32_t FWPS_STREAM_FLAG_RECEIVE_DISCONNECT = 0x00000004;
inline constexpr uint32_t FWPS_STREAM_FLAG_RECEIVE_ABORT = 0x00000008;
inline constexpr uint32_t FWPS_STREAM_FLAG_RECEIVE_PUSH = 0x00000010;
inline constexpr uint32_t FWPS_STREAM_FLAG_SEND = 0x00010000;
inline constexpr uint32_t FWPS_STREAM_FLAG_SEND_EXPEDITED = 0x00020000;
inline constexpr uint32_t FWPS_STREAM_FLAG_SEND_NODELAY = 0x00040000;
inline constexpr uint32_t FWPS_STREAM_FLAG_SEND_NOPUSH = 0x00080000;
inline constexpr uint32_t FWPS_STREAM_FLAG_SEND_DISCONNECT = 0x00200000;
inline constexpr uint32_t FWPS_STREAM_FLAG_SEND_ABORT = 0x00400000;

// FWPS_STREAM_DATA_OFFSET0
struct StreamDataOffset {
  NetBufferList* netBufferList = nullptr;
  NetBuffer* netBuffer = nullptr;
  Mdl* mdl = nullptr;
  uint32_t mdlOffset = 0;
  uint32_t netBufferOffset = 0;
  size_t streamDataOffset = 0;
};

// FWPS_STREAM_DATA0: the in-order bytes indicated at the STREAM layer.
struct StreamData {
  uint32_t flags = 0;  // FWPS_STREAM_FLAG_*
  StreamDataOffset dataOffset;
  size_t dataLength = 0;
  NetBufferList* netBufferListChain = nullptr;
};

// FWPS_STREAM_ACTION_TYPE
enum class StreamActionType : uint32_t {
  FWPS_STREAM_ACTION_NONE = 0,
  FWPS_STREAM_ACTION_NEED_MORE_DATA = 1,
  FWPS_STREAM_ACTION_DROP_CONNECTION = 2,
  FWPS_STREAM_ACTION_DEFER = 3,
  FWPS_STREAM_ACTION_ALLOW_CONNECTION = 4,
  FWPS_STREAM_ACTION_TYPE_MAX = 5,
};

// FWPS_STREAM_CALLOUT_IO_PACKET0: layerData at STREAM_V4/V6.
struct StreamCalloutIoPacket {
  StreamData* streamData = nullptr;
  size_t missedBytes = 0;          // bytes the capture lost just before these
  size_t countBytesRequired = 0;   // NEED_MORE_DATA: deliver again when this many are there
  size_t countBytesEnforced = 0;   // the action applies to this many leading bytes (0: all)
  StreamActionType streamAction = StreamActionType::FWPS_STREAM_ACTION_NONE;
};

// FwpsCopyStreamDataToBuffer0: copies `bytesToCopy` bytes of the indication
// from its start into `buffer`; *bytesCopied gets how many.
void FwpsCopyStreamDataToBuffer0(const StreamData* streamData, void* buffer, size_t bytesToCopy,
                                 size_t* bytesCopied) noexcept;

// FwpsStreamContinue0: resumes an inbound stream direction that a callout
// deferred (FWPS_STREAM_ACTION_DEFER); the stream is indicated again with the
// data held meanwhile. streamFlags must include FWPS_STREAM_FLAG_RECEIVE.
//   NOT_FOUND            no such flow, or the direction is not deferred
//   INVALID_PARAMETER    streamFlags without FWPS_STREAM_FLAG_RECEIVE
Status FwpsStreamContinue0(uint64_t flowId, uint32_t calloutId, uint16_t layerId, uint32_t streamFlags) noexcept;

// -------------------------------------------------------- injection ----

using HANDLE = void*;

// ADDRESS_FAMILY values as Windows defines them (AF_INET6 is 23 there).
inline constexpr uint16_t WFP_AF_UNSPEC = 0;
inline constexpr uint16_t WFP_AF_INET = 2;
inline constexpr uint16_t WFP_AF_INET6 = 23;

// FWPS_INJECTION_TYPE_* (FwpsInjectionHandleCreate0 flags; 0 means all).
inline constexpr uint32_t FWPS_INJECTION_TYPE_STREAM = 0x00000001;
inline constexpr uint32_t FWPS_INJECTION_TYPE_TRANSPORT = 0x00000002;
inline constexpr uint32_t FWPS_INJECTION_TYPE_NETWORK = 0x00000004;
inline constexpr uint32_t FWPS_INJECTION_TYPE_FORWARD = 0x00000008;

// FWPS_PACKET_INJECTION_STATE
enum class PacketInjectionState : uint32_t {
  FWPS_PACKET_NOT_INJECTED = 0,
  FWPS_PACKET_INJECTED_BY_SELF = 1,
  FWPS_PACKET_INJECTED_BY_OTHER = 2,
  FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF = 3,
  FWPS_PACKET_INJECTION_STATE_MAX = 4,
};

// FWPS_INJECT_COMPLETE0: called once the stack is done with an injected
// list (netBufferList->status tells how it went). Not called when the
// inject call itself fails: the caller still owns the list then.
using InjectCompleteFn = void (*)(void* context, NetBufferList* netBufferList, bool dispatchLevel);

// FWPS_TRANSPORT_SEND_PARAMS0
struct TransportSendParams {
  const uint8_t* remoteAddress = nullptr;  // 4 or 16 bytes, network order
  uint32_t remoteScopeId = 0;
  void* controlData = nullptr;
  uint32_t controlDataLength = 0;
};

Status FwpsInjectionHandleCreate0(uint16_t addressFamily, uint32_t flags, HANDLE* injectionHandle) noexcept;
Status FwpsInjectionHandleDestroy0(HANDLE injectionHandle) noexcept;

// Which injector, if any, injected the list (or the list it was cloned from).
PacketInjectionState FwpsQueryPacketInjectionState0(HANDLE injectionHandle, const NetBufferList* netBufferList,
                                                    HANDLE* injectionContext) noexcept;

// The injection functions. The list is processed after the current packet
// (and its DPCs), on the stack's thread, from the layer where it enters:
//   network send       (data at the IP header)      OUTBOUND_IPPACKET
//   network receive    (data at the IP header)      INBOUND_IPPACKET and up
//   forward            (data at the IP header)      IPFORWARD
//   transport send     (data at the transport header; the IP header is built
//                       from the flow named by endpointHandle, which the
//                       stack gives as transportEndpointHandle metadata)
//                                                   OUTBOUND_TRANSPORT, OUTBOUND_IPPACKET
//   transport receive  (data at the IP header)      INBOUND_TRANSPORT and up
// Packets that come through are sent on (wfpctl replay writes them to --out).
// Errors (the list stays the caller's; the completion is not called):
//   INVALID_PARAMETER       null or unknown handle, null list, a handle of
//                           another address family or injection type
//   FWP_INJECT_HANDLE_CLOSING  the handle is being destroyed
//   NOT_SUPPORTED           (C6) a TCP packet injected inline from a
//                           transport-layer classifyFn: queue a DPC instead
//   DATATYPE_MISALIGNMENT   (C7) send-path injection whose IP (or transport)
//                           header is not pointer-aligned: see
//                           copy_with_aligned_header
//   INSUFFICIENT_RESOURCES  the stack's injection queue is full (counted)
//   NOT_FOUND               no stack to inject into, or (transport send) no such flow
Status FwpsInjectNetworkSendAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint32_t flags,
                                   uint32_t compartmentId, NetBufferList* netBufferList, InjectCompleteFn completionFn,
                                   void* completionContext) noexcept;
Status FwpsInjectNetworkReceiveAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint32_t flags,
                                      uint32_t compartmentId, uint32_t interfaceIndex, uint32_t subInterfaceIndex,
                                      NetBufferList* netBufferList, InjectCompleteFn completionFn,
                                      void* completionContext) noexcept;
Status FwpsInjectForwardAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint32_t flags, uint16_t addressFamily,
                               uint32_t compartmentId, uint32_t interfaceIndex, NetBufferList* netBufferList,
                               InjectCompleteFn completionFn, void* completionContext) noexcept;
Status FwpsInjectTransportSendAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint64_t endpointHandle,
                                     uint32_t flags, const TransportSendParams* sendArgs, uint16_t addressFamily,
                                     uint32_t compartmentId, NetBufferList* netBufferList,
                                     InjectCompleteFn completionFn, void* completionContext) noexcept;
Status FwpsInjectTransportReceiveAsync0(HANDLE injectionHandle, HANDLE injectionContext, void* reserved,
                                        uint32_t flags, uint16_t addressFamily, uint32_t compartmentId,
                                        uint32_t interfaceIndex, uint32_t subInterfaceIndex,
                                        NetBufferList* netBufferList, InjectCompleteFn completionFn,
                                        void* completionContext) noexcept;

// FwpsStreamInjectAsync0: inserts `dataLength` bytes of the list into the
// flow's stream, in the direction streamFlags names (FWPS_STREAM_FLAG_SEND or
// _RECEIVE), at the current point: before the bytes being indicated when
// called from the STREAM classifyFn (the usual edit: inject the new bytes,
// then Block the indicated ones). From then on the flow's packets in both
// directions are rewritten with consistent sequence and acknowledgement
// numbers and checksums (wfpctl replay --out shows them). Injected bytes are
// not indicated to the STREAM layer again. The completion is called after
// the current packet.
//   NOT_FOUND               no such flow, or not a TCP flow with a stream
//   INVALID_PARAMETER       bad handle or flags, dataLength beyond the list
//   INSUFFICIENT_RESOURCES  no rewriter left for another flow, or the bytes do
//                           not fit the flow's output queue (counted)
//   NOT_SUPPORTED           called from another thread than the stack's
Status FwpsStreamInjectAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint32_t flags, uint64_t flowId,
                              uint32_t calloutId, uint16_t layerId, uint32_t streamFlags, NetBufferList* netBufferList,
                              size_t dataLength, InjectCompleteFn completionFn, void* completionContext) noexcept;

// C7's helper: a deep copy of the list in a pool's fresh (pointer-aligned)
// data blocks, for send-path injection of a list whose header is not aligned.
Status copy_with_aligned_header(const NetBufferList* netBufferList, netbuf::NetBufferListPool* pool,
                                NetBufferList** aligned) noexcept;

}  // namespace openwfp
