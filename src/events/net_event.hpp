// A net event (FWPM_NET_EVENT*): what the data path reports about one
// classification or callout, for wfpd's event log and subscribers. Fixed
// size and trivially copyable, so a worker can copy one into its ring
// without allocating; the header fields follow FWPM_NET_EVENT_HEADER and
// the drop fields FWPM_NET_EVENT_CLASSIFY_DROP.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace openwfp::events {

enum class NetEventType : uint8_t {
  CLASSIFY_DROP,     // FWPM_NET_EVENT_TYPE_CLASSIFY_DROP: a layer's classification ended in Block
  CLASSIFY_ALLOW,    // FWPM_NET_EVENT_TYPE_CLASSIFY_ALLOW: a filter permitted (when allows are recorded)
  CLASSIFY_VETO,     // a callout's Block overrode a hard permit
  VERIFIER_FINDING,  // a callout broke one of the programming considerations
  PEND_TIMEOUT,      // a pended classification was never completed (ended with a Block)
  COUNT_,
};

const char* net_event_type_name(NetEventType type) noexcept;
std::optional<NetEventType> parse_net_event_type(std::string_view name) noexcept;

// Which header fields are known (FWPM_NET_EVENT_FLAG_*).
inline constexpr uint32_t NET_EVENT_FLAG_IP_PROTOCOL_SET = 0x0001;
inline constexpr uint32_t NET_EVENT_FLAG_LOCAL_ADDR_SET = 0x0002;
inline constexpr uint32_t NET_EVENT_FLAG_REMOTE_ADDR_SET = 0x0004;
inline constexpr uint32_t NET_EVENT_FLAG_LOCAL_PORT_SET = 0x0008;
inline constexpr uint32_t NET_EVENT_FLAG_REMOTE_PORT_SET = 0x0010;
inline constexpr uint32_t NET_EVENT_FLAG_APP_ID_SET = 0x0020;
inline constexpr uint32_t NET_EVENT_FLAG_USER_ID_SET = 0x0040;
inline constexpr uint32_t NET_EVENT_FLAG_IP_VERSION_SET = 0x0100;
inline constexpr uint32_t NET_EVENT_FLAG_DIRECTION_SET = 0x0400;  // openwfp: msFwpDirection is known
inline constexpr uint32_t NET_EVENT_FLAG_LOOPBACK_SET = 0x0800;   // openwfp: isLoopback is known

struct NetEvent {
  NetEventType type = NetEventType::CLASSIFY_DROP;
  uint8_t ipVersion = 0;   // 4 or 6 (NET_EVENT_FLAG_IP_VERSION_SET)
  uint8_t ipProtocol = 0;
  bool isLoopback = false;
  uint32_t flags = 0;      // NET_EVENT_FLAG_*
  uint64_t timeUs = 0;     // wall clock (CLOCK_REALTIME), microseconds since the epoch
  uint16_t layerId = 0;    // FWPS_LAYER_*
  uint16_t localPort = 0, remotePort = 0;  // host order
  uint32_t direction = 0;  // FWP_DIRECTION_* (NET_EVENT_FLAG_DIRECTION_SET)
  uint32_t calloutId = 0;  // the callout concerned (findings, vetoes), 0: none
  uint32_t userId = 0;     // the ALE user's uid (NET_EVENT_FLAG_USER_ID_SET)
  uint64_t filterId = 0;   // the standing filter; a veto's vetoing filter
  uint64_t flowId = 0;     // the flow handle, 0 when outside a flow
  uint8_t localAddr[16] = {};   // IPv4 in the first four bytes, network order
  uint8_t remoteAddr[16] = {};
  char application[96] = {};    // ALE_APP_ID as text, cut to fit, NUL-terminated
  // VERIFIER_FINDING: the consideration ("C2".."C7", "STREAM", "PEND") and
  // the sentence; both point at string literals the stack passes (static
  // storage), so the event stays valid wherever it is copied.
  std::string_view consideration;
  std::string_view what;
};

static_assert(std::is_trivially_copyable_v<NetEvent>);

// Microseconds since the epoch on the wall clock (a cheap clock: no system call).
uint64_t wall_clock_us() noexcept;

}  // namespace openwfp::events
