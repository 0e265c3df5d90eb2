// Routing the free run-time functions (openwfp/fwps.hpp) to the stack that
// owns the flow or the classification they name. Each stack attaches itself
// as a host and gets a small index; its flow handles carry that index in
// their top byte, and so do its completion and classify handles.
#pragma once

#include <cstdint>

#include "openwfp/classify.hpp"
#include "openwfp/netbuf.hpp"
#include "openwfp/status.hpp"

namespace openwfp::runtime {

class Host {
 public:
  virtual ~Host() = default;
  virtual Status associate_context(uint64_t flowId, uint16_t layerId, uint32_t calloutId, uint64_t context) noexcept = 0;
  virtual Status remove_context(uint64_t flowId, uint16_t layerId, uint32_t calloutId) noexcept = 0;
  virtual Status abort_flow(uint64_t flowId) noexcept = 0;
  virtual Status stream_continue(uint64_t flowId, uint32_t calloutId, uint16_t layerId, uint32_t flags) noexcept = 0;
  virtual Status pend_operation(uint64_t completionHandle, uint64_t* completionContext) noexcept = 0;
  virtual void complete_operation(uint64_t completionContext) noexcept = 0;
  virtual Status pend_classify(uint64_t classifyHandle, uint64_t filterId, ClassifyOut* out) noexcept = 0;
  virtual void complete_classify(uint64_t classifyHandle, const ClassifyOut* out) noexcept = 0;
  // One injection (openwfp/fwps.hpp), checked and queued by the host.
  virtual Status inject(const struct Injection& injection) noexcept = 0;
  virtual Status stream_inject(const struct Injection& injection, uint64_t flowId, uint32_t calloutId,
                               uint16_t layerId, uint32_t streamFlags, size_t dataLength) noexcept = 0;
};

enum class InjectionKind : uint8_t { NETWORK_SEND, NETWORK_RECEIVE, FORWARD, TRANSPORT_SEND, TRANSPORT_RECEIVE };
const char* injection_api(InjectionKind kind) noexcept;

struct InjectionHandleObject {
  uint32_t magic = 0x494E4A48;  // "INJH"
  uint16_t addressFamily = 0;
  uint32_t flags = 0;
};

struct Injection {
  InjectionKind kind = InjectionKind::NETWORK_SEND;
  const InjectionHandleObject* handle = nullptr;
  void* injectionContext = nullptr;
  netbuf::NetBufferList* nbl = nullptr;
  void (*completionFn)(void*, netbuf::NetBufferList*, bool) = nullptr;
  void* completionContext = nullptr;
  uint64_t endpointHandle = 0;  // transport send: the flow
  uint16_t addressFamily = 0;
};

// The host of the calling thread while a stack runs on it, or the only
// host attached; nullptr when there is none or several and none is current.
Host* current_host() noexcept;
// Marks the calling thread as running `host` for the scope's life.
class CurrentHostScope {
 public:
  explicit CurrentHostScope(Host* host) noexcept;
  ~CurrentHostScope();
  CurrentHostScope(const CurrentHostScope&) = delete;
  CurrentHostScope& operator=(const CurrentHostScope&) = delete;

 private:
  Host* previous_;
};

// What classifyFn receives as classifyContext: enough to name the
// classification (FwpsAcquireClassifyHandle0).
struct ClassifyContext {
  uint64_t handle = 0;  // host index << 56 | the classification's token
};

inline constexpr uint32_t kMaxHosts = 255;  // indices 1..255; 0 means none

// Attaches a host; returns its index, or 0 when every index is taken.
uint8_t attach(Host* host) noexcept;
// Detaches it; calls naming it find nothing afterwards.
void detach(uint8_t index) noexcept;
// The host whose index is in the top byte of `handle`, or nullptr.
Host* host_of(uint64_t handle) noexcept;

}  // namespace openwfp::runtime
