// The free run-time functions, routed to the host named by the handle.
#include "openwfp/fwps.hpp"

#include <cstring>

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

}  // namespace openwfp
