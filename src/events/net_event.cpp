#include "events/net_event.hpp"

#include <time.h>

namespace openwfp::events {

namespace {
constexpr const char* kNames[] = {"CLASSIFY_DROP", "CLASSIFY_ALLOW", "CLASSIFY_VETO", "VERIFIER_FINDING", "PEND_TIMEOUT"};
static_assert(std::size(kNames) == static_cast<size_t>(NetEventType::COUNT_));
}  // namespace

const char* net_event_type_name(NetEventType type) noexcept {
  const auto i = static_cast<size_t>(type);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

std::optional<NetEventType> parse_net_event_type(std::string_view name) noexcept {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (name == kNames[i]) return static_cast<NetEventType>(i);
  }
  return std::nullopt;
}

uint64_t wall_clock_us() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace openwfp::events
