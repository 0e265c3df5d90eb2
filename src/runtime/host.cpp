#include "runtime/host.hpp"

#include <array>
#include <atomic>

namespace openwfp::runtime {
namespace {
std::array<std::atomic<Host*>, kMaxHosts + 1> g_hosts{};
}  // namespace

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
