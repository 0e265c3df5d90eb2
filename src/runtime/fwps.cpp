// The free run-time functions, routed to the host named by the handle.
#include "openwfp/fwps.hpp"

#include <cstring>
#include <new>

#include "runtime/host.hpp"

namespace openwfp {

Status FwpsFlowAssociateContext0(uint64_t flowId, uint16_t layerId, uint32_t calloutId, uint64_t flowContext) noexcept {
  runtime::Host* h = runtime::host_of(flowId);
  return h == nullptr ? Status::NOT_FOUND : h->associate_context(flowId, layerId, calloutId, flowContext);
}

Status FwpsFlowRemoveContext0(uint64_t flowId, uint16_t layerId, uint32_t calloutId) noexcept {
  runtime::Host* h = runtime::host_of(flowId);
  return h == nullptr ? Status::NOT_FOUND : h->remove_context(flowId, layerId, calloutId);
}

Status FwpsFlowAbort0(uint64_t flowId) noexcept {
  runtime::Host* h = runtime::host_of(flowId);
  return h == nullptr ? Status::NOT_FOUND : h->abort_flow(flowId);
}

Status FwpsStreamContinue0(uint64_t flowId, uint32_t calloutId, uint16_t layerId, uint32_t streamFlags) noexcept {
  if ((streamFlags & FWPS_STREAM_FLAG_RECEIVE) == 0) return Status::INVALID_PARAMETER;
  runtime::Host* h = runtime::host_of(flowId);
  return h == nullptr ? Status::NOT_FOUND : h->stream_continue(flowId, calloutId, layerId, streamFlags);
}

Status FwpsPendOperation0(uint64_t completionHandle, uint64_t* completionContext) noexcept {
  if (completionContext == nullptr) return Status::INVALID_PARAMETER;
  runtime::Host* h = runtime::host_of(completionHandle);
  return h == nullptr ? Status::INVALID_PARAMETER : h->pend_operation(completionHandle, completionContext);
}

void FwpsCompleteOperation0(uint64_t completionContext, NetBufferList* netBufferList) noexcept {
  (void)netBufferList;
  if (runtime::Host* h = runtime::host_of(completionContext)) h->complete_operation(completionContext);
}

Status FwpsAcquireClassifyHandle0(const void* classifyContext, uint32_t flags, uint64_t* classifyHandle) noexcept {
  if (classifyContext == nullptr || classifyHandle == nullptr || flags != 0) return Status::INVALID_PARAMETER;
  const auto* c = static_cast<const runtime::ClassifyContext*>(classifyContext);
  if (runtime::host_of(c->handle) == nullptr) return Status::INVALID_PARAMETER;
  *classifyHandle = c->handle;
  return Status::SUCCESS;
}

Status FwpsPendClassify0(uint64_t classifyHandle, uint64_t filterId, uint32_t flags, ClassifyOut* classifyOut) noexcept {
  if (classifyOut == nullptr || flags != 0) return Status::INVALID_PARAMETER;
  runtime::Host* h = runtime::host_of(classifyHandle);
  return h == nullptr ? Status::INVALID_PARAMETER : h->pend_classify(classifyHandle, filterId, classifyOut);
}

void FwpsCompleteClassify0(uint64_t classifyHandle, uint32_t flags, const ClassifyOut* classifyOut) noexcept {
  (void)flags;
  if (classifyOut == nullptr) return;
  if (runtime::Host* h = runtime::host_of(classifyHandle)) h->complete_classify(classifyHandle, classifyOut);
}

void FwpsReleaseClassifyHandle0(uint64_t classifyHandle) noexcept { (void)classifyHandle; }

void FwpsCopyStreamDataToBuffer0(const StreamData* streamData, void* buffer, size_t bytesToCopy,
                                 size_t* bytesCopied) noexcept {
  size_t copied = 0;
  if (streamData != nullptr && buffer != nullptr) {
    auto* out = static_cast<uint8_t*>(buffer);
    size_t want = bytesToCopy < streamData->dataLength ? bytesToCopy : streamData->dataLength;
    for (NetBufferList* nbl = streamData->netBufferListChain; nbl != nullptr && want > 0; nbl = nbl->next) {
      for (NetBuffer* nb = nbl->firstNetBuffer; nb != nullptr && want > 0; nb = nb->next) {
        for (uint8_t byte : netbuf::net_buffer_bytes(*nb)) {
          if (want == 0) break;
          out[copied++] = byte;
          --want;
        }
      }
    }
  }
  if (bytesCopied != nullptr) *bytesCopied = copied;
}

// ---- injection ----

namespace {

const runtime::InjectionHandleObject* handle_of(HANDLE h) noexcept {
  const auto* o = static_cast<const runtime::InjectionHandleObject*>(h);
  return o != nullptr && o->magic == runtime::InjectionHandleObject{}.magic ? o : nullptr;
}

bool allows(const runtime::InjectionHandleObject& h, uint32_t type) noexcept {
  return h.flags == 0 || (h.flags & type) != 0;
}

Status submit(runtime::Injection& injection, uint32_t type) noexcept {
  if (injection.handle == nullptr || injection.nbl == nullptr || injection.nbl->firstNetBuffer == nullptr) {
    return Status::INVALID_PARAMETER;
  }
  if (!allows(*injection.handle, type)) return Status::INVALID_PARAMETER;
  runtime::Host* host = runtime::current_host();
  if (host == nullptr) return Status::NOT_FOUND;
  return host->inject(injection);
}

runtime::Injection make(runtime::InjectionKind kind, HANDLE handle, HANDLE context, NetBufferList* nbl,
                        InjectCompleteFn fn, void* fnContext) noexcept {
  runtime::Injection i;
  i.kind = kind;
  i.handle = handle_of(handle);
  i.injectionContext = context;
  i.nbl = nbl;
  i.completionFn = fn;
  i.completionContext = fnContext;
  if (i.handle != nullptr) i.addressFamily = i.handle->addressFamily;
  return i;
}

}  // namespace

Status FwpsInjectionHandleCreate0(uint16_t addressFamily, uint32_t flags, HANDLE* injectionHandle) noexcept {
  if (injectionHandle == nullptr) return Status::INVALID_PARAMETER;
  if (addressFamily != WFP_AF_UNSPEC && addressFamily != WFP_AF_INET && addressFamily != WFP_AF_INET6) {
    return Status::INVALID_PARAMETER;
  }
  constexpr uint32_t kAll = FWPS_INJECTION_TYPE_STREAM | FWPS_INJECTION_TYPE_TRANSPORT | FWPS_INJECTION_TYPE_NETWORK |
                            FWPS_INJECTION_TYPE_FORWARD;
  if ((flags & ~kAll) != 0) return Status::INVALID_PARAMETER;
  auto* h = new (std::nothrow) runtime::InjectionHandleObject;
  if (h == nullptr) return Status::INSUFFICIENT_RESOURCES;
  h->addressFamily = addressFamily;
  h->flags = flags;
  *injectionHandle = h;
  return Status::SUCCESS;
}

Status FwpsInjectionHandleDestroy0(HANDLE injectionHandle) noexcept {
  auto* h = const_cast<runtime::InjectionHandleObject*>(handle_of(injectionHandle));
  if (h == nullptr) return Status::INVALID_PARAMETER;
  h->magic = 0;
  delete h;
  return Status::SUCCESS;
}

PacketInjectionState FwpsQueryPacketInjectionState0(HANDLE injectionHandle, const NetBufferList* netBufferList,
                                                    HANDLE* injectionContext) noexcept {
  if (injectionContext != nullptr) *injectionContext = nullptr;
  if (netBufferList == nullptr) return PacketInjectionState::FWPS_PACKET_NOT_INJECTED;
  if (netBufferList->injectionHandle != nullptr) {
    if (netBufferList->injectionHandle != injectionHandle) return PacketInjectionState::FWPS_PACKET_INJECTED_BY_OTHER;
    if (injectionContext != nullptr) *injectionContext = netBufferList->injectionContext;
    return PacketInjectionState::FWPS_PACKET_INJECTED_BY_SELF;
  }
  for (const NetBufferList* p = netBufferList->parentNetBufferList; p != nullptr; p = p->parentNetBufferList) {
    if (p->injectionHandle == injectionHandle) return PacketInjectionState::FWPS_PACKET_PREVIOUSLY_INJECTED_BY_SELF;
  }
  return PacketInjectionState::FWPS_PACKET_NOT_INJECTED;
}

Status FwpsInjectNetworkSendAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint32_t flags,
                                   uint32_t compartmentId, NetBufferList* netBufferList, InjectCompleteFn completionFn,
                                   void* completionContext) noexcept {
  (void)flags;
  (void)compartmentId;
  runtime::Injection i = make(runtime::InjectionKind::NETWORK_SEND, injectionHandle, injectionContext, netBufferList,
                              completionFn, completionContext);
  return submit(i, FWPS_INJECTION_TYPE_NETWORK);
}

Status FwpsInjectNetworkReceiveAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint32_t flags,
                                      uint32_t compartmentId, uint32_t interfaceIndex, uint32_t subInterfaceIndex,
                                      NetBufferList* netBufferList, InjectCompleteFn completionFn,
                                      void* completionContext) noexcept {
  (void)flags;
  (void)compartmentId;
  (void)interfaceIndex;
  (void)subInterfaceIndex;
  runtime::Injection i = make(runtime::InjectionKind::NETWORK_RECEIVE, injectionHandle, injectionContext,
                              netBufferList, completionFn, completionContext);
  return submit(i, FWPS_INJECTION_TYPE_NETWORK);
}

Status FwpsInjectForwardAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint32_t flags, uint16_t addressFamily,
                               uint32_t compartmentId, uint32_t interfaceIndex, NetBufferList* netBufferList,
                               InjectCompleteFn completionFn, void* completionContext) noexcept {
  (void)flags;
  (void)compartmentId;
  (void)interfaceIndex;
  runtime::Injection i = make(runtime::InjectionKind::FORWARD, injectionHandle, injectionContext, netBufferList,
                              completionFn, completionContext);
  i.addressFamily = addressFamily;
  return submit(i, FWPS_INJECTION_TYPE_FORWARD);
}

Status FwpsInjectTransportSendAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint64_t endpointHandle,
                                     uint32_t flags, const TransportSendParams* sendArgs, uint16_t addressFamily,
                                     uint32_t compartmentId, NetBufferList* netBufferList,
                                     InjectCompleteFn completionFn, void* completionContext) noexcept {
  (void)flags;
  (void)sendArgs;
  (void)compartmentId;
  runtime::Injection i = make(runtime::InjectionKind::TRANSPORT_SEND, injectionHandle, injectionContext,
                              netBufferList, completionFn, completionContext);
  i.endpointHandle = endpointHandle;
  i.addressFamily = addressFamily;
  return submit(i, FWPS_INJECTION_TYPE_TRANSPORT);
}

Status FwpsInjectTransportReceiveAsync0(HANDLE injectionHandle, HANDLE injectionContext, void* reserved,
                                        uint32_t flags, uint16_t addressFamily, uint32_t compartmentId,
                                        uint32_t interfaceIndex, uint32_t subInterfaceIndex,
                                        NetBufferList* netBufferList, InjectCompleteFn completionFn,
                                        void* completionContext) noexcept {
  (void)reserved;
  (void)flags;
  (void)compartmentId;
  (void)interfaceIndex;
  (void)subInterfaceIndex;
  runtime::Injection i = make(runtime::InjectionKind::TRANSPORT_RECEIVE, injectionHandle, injectionContext,
                              netBufferList, completionFn, completionContext);
  i.addressFamily = addressFamily;
  return submit(i, FWPS_INJECTION_TYPE_TRANSPORT);
}

Status FwpsStreamInjectAsync0(HANDLE injectionHandle, HANDLE injectionContext, uint32_t flags, uint64_t flowId,
                              uint32_t calloutId, uint16_t layerId, uint32_t streamFlags, NetBufferList* netBufferList,
                              size_t dataLength, InjectCompleteFn completionFn, void* completionContext) noexcept {
  (void)flags;
  runtime::Injection i = make(runtime::InjectionKind::NETWORK_SEND, injectionHandle, injectionContext, netBufferList,
                              completionFn, completionContext);
  if (i.handle == nullptr || netBufferList == nullptr || !allows(*i.handle, FWPS_INJECTION_TYPE_STREAM)) {
    return Status::INVALID_PARAMETER;
  }
  const bool send = (streamFlags & FWPS_STREAM_FLAG_SEND) != 0;
  const bool receive = (streamFlags & FWPS_STREAM_FLAG_RECEIVE) != 0;
  if (send == receive) return Status::INVALID_PARAMETER;
  if ((streamFlags & FWPS_STREAM_FLAG_SEND_DISCONNECT) != 0 && !send) return Status::INVALID_PARAMETER;
  runtime::Host* h = runtime::host_of(flowId);
  if (h == nullptr) return Status::NOT_FOUND;
  return h->stream_inject(i, flowId, calloutId, layerId, streamFlags, dataLength);
}

Status copy_with_aligned_header(const NetBufferList* netBufferList, netbuf::NetBufferListPool* pool,
                                NetBufferList** aligned) noexcept {
  return netbuf::allocate_deep_clone_net_buffer_list(netBufferList, pool, aligned);
}

}  // namespace openwfp
