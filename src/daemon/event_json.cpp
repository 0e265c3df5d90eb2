#include "daemon/event_json.hpp"

#include <time.h>

#include <cstdio>
#include <string>

#include "openwfp/constants.hpp"
#include "openwfp/layers.hpp"
#include "openwfp/value.hpp"

namespace openwfp::daemon {
namespace {

std::string iso_time(uint64_t us) {
  const time_t seconds = static_cast<time_t>(us / 1'000'000u);
  tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<unsigned>(us % 1'000'000u));
  return text;
}

std::string address_text(uint8_t version, const uint8_t* bytes) {
  if (version == 4) {
    return format_ipv4(static_cast<uint32_t>(bytes[0]) << 24 | static_cast<uint32_t>(bytes[1]) << 16 |
                       static_cast<uint32_t>(bytes[2]) << 8 | bytes[3]);
  }
  ByteArray16 a;
  std::copy(bytes, bytes + 16, a.byteArray16);
  return format_ipv6(a);
}

}  // namespace

nlohmann::json event_json(const NumberedEvent& n) {
  const events::NetEvent& e = n.event;
  const LayerInfo* layer = find_layer(e.layerId);
  nlohmann::json j = {{"sequence", n.sequence},
                      {"time", iso_time(e.timeUs)},
                      {"type", events::net_event_type_name(e.type)},
                      {"layer", layer != nullptr ? std::string(layer->name) : std::to_string(e.layerId)},
                      {"filterId", e.filterId}};
  if (e.calloutId != 0) j["calloutId"] = e.calloutId;
  if (e.flowId != 0) j["flowId"] = e.flowId;
  if ((e.flags & events::NET_EVENT_FLAG_DIRECTION_SET) != 0) {
    j["direction"] = e.direction == FWP_DIRECTION_INBOUND ? "INBOUND" : "OUTBOUND";
  }
  if ((e.flags & events::NET_EVENT_FLAG_IP_VERSION_SET) != 0) j["ipVersion"] = e.ipVersion;
  if ((e.flags & events::NET_EVENT_FLAG_IP_PROTOCOL_SET) != 0) j["protocol"] = e.ipProtocol;
  const bool knownVersion = e.ipVersion == 4 || e.ipVersion == 6;
  if (knownVersion && (e.flags & events::NET_EVENT_FLAG_LOCAL_ADDR_SET) != 0)
    j["localAddress"] = address_text(e.ipVersion, e.localAddr);
  if (knownVersion && (e.flags & events::NET_EVENT_FLAG_REMOTE_ADDR_SET) != 0)
    j["remoteAddress"] = address_text(e.ipVersion, e.remoteAddr);
  if ((e.flags & events::NET_EVENT_FLAG_LOCAL_PORT_SET) != 0) j["localPort"] = e.localPort;
  if ((e.flags & events::NET_EVENT_FLAG_REMOTE_PORT_SET) != 0) j["remotePort"] = e.remotePort;
  if ((e.flags & events::NET_EVENT_FLAG_LOOPBACK_SET) != 0) j["loopback"] = e.isLoopback;
  if ((e.flags & events::NET_EVENT_FLAG_APP_ID_SET) != 0) {
    // Invalid UTF-8 in a path must not make the event unprintable.
    const std::string quoted = nlohmann::json(std::string(e.application))
                                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    j["application"] = nlohmann::json::parse(quoted);
  }
  if ((e.flags & events::NET_EVENT_FLAG_USER_ID_SET) != 0) j["userId"] = e.userId;
  if (!e.consideration.empty()) j["consideration"] = std::string(e.consideration);
  if (!e.what.empty()) j["what"] = std::string(e.what);
  return j;
}

}  // namespace openwfp::daemon
