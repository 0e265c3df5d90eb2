#include "runtime/host.hpp"

#include <array>
#include <atomic>

namespace openwfp::runtime {
namespace {
std::array<std::atomic<Host*>, kMaxHosts + 1> g_hosts{};
thread_local Host* t_current = nullptr;
}  // namespace

const char* injection_api(InjectionKind kind) noexcept {
  switch (kind) {
    case InjectionKind::NETWORK_SEND: return "FwpsInjectNetworkSendAsync0";
    case InjectionKind::NETWORK_RECEIVE: return "FwpsInjectNetworkReceiveAsync0";
    case InjectionKind::FORWARD: return "FwpsInjectForwardAsync0";
    case InjectionKind::TRANSPORT_SEND: return "FwpsInjectTransportSendAsync0";
    case InjectionKind::TRANSPORT_RECEIVE: return "FwpsInjectTransportReceiveAsync0";
  }
  return "FwpsInject";
}

Host* current_host() noexcept {
  if (t_current != nullptr) return t_current;
  Host* only = nullptr;
  for (uint32_t i = 1; i <= kMaxHosts; ++i) {
    Host* h = g_hosts[i].load(std::memory_order_acquire);
    if (h == nullptr) continue;
    if (only != nullptr) return nullptr;  // several: the caller must be on one's thread
    only = h;
  }
  return only;
}

CurrentHostScope::CurrentHostScope(Host* host) noexcept : previous_(t_current) { t_current = host; }
CurrentHostScope::~CurrentHostScope() { t_current = previous_; }

uint8_t attach(Host* host) noexcept {
  for (uint32_t i = 1; i <= kMaxHosts; ++i) {
    Host* expected = nullptr;
    if (g_hosts[i].compare_exchange_strong(expected, host)) return static_cast<uint8_t>(i);
  }
  return 0;
}

void detach(uint8_t index) noexcept {
  if (index != 0) g_hosts[index].store(nullptr);
}

Host* host_of(uint64_t handle) noexcept {
  const uint64_t index = handle >> 56;
  return index == 0 ? nullptr : g_hosts[index].load(std::memory_order_acquire);
}

}  // namespace openwfp::runtime
