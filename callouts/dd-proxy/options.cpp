#include "dd-proxy/options.hpp"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "common/option_reading.hpp"

namespace openwfp::callouts::dd_proxy {
namespace {

using json = nlohmann::json;
using option_reading::fail;
using option_reading::found;
using option_reading::read_range;

}  // namespace

bool parse_options(const std::string& text, Options* options, std::string* error) {
  json root;
  if (!option_reading::read_object(text, &root, error)) return false;
  Options parsed;
  bool hasFrom = false, hasAddress = false, hasTo = false;
  for (const auto& item : root.items()) {
    const std::string& key = item.key();
    const json& value = item.value();
    uint64_t n = 0;
    if (key == "comment" || key == "description") continue;
    if (key == "from_port") {
      if (!read_range(value, 1, 65535, "/from_port", &n, error)) return false;
      parsed.fromPort = static_cast<uint16_t>(n);
      hasFrom = true;
    } else if (key == "to_port") {
      if (!read_range(value, 1, 65535, "/to_port", &n, error)) return false;
      parsed.toPort = static_cast<uint16_t>(n);
      hasTo = true;
    } else if (key == "max_pending") {
      if (!read_range(value, 1, kMaxPendingLimit, "/max_pending", &n, error)) return false;
      parsed.maxPending = static_cast<uint32_t>(n);
    } else if (key == "to_address") {
      if (!value.is_string()) return fail(error, "/to_address", "expected an IPv4 or IPv6 address, " + found(value));
      const std::string text_address = value.get<std::string>();
      if (inet_pton(AF_INET, text_address.c_str(), parsed.toAddress.data()) == 1) {
        parsed.ipVersion = 4;
      } else if (inet_pton(AF_INET6, text_address.c_str(), parsed.toAddress.data()) == 1) {
        parsed.ipVersion = 6;
      } else {
        return fail(error, "/to_address", "'" + text_address + "' is not an IPv4 or IPv6 address");
      }
      hasAddress = true;
    } else {
      return fail(error, "/" + key,
                  "unknown key '" + key + "' (expected one of: from_port, to_address, to_port, max_pending)");
    }
  }
  if (!hasFrom) return fail(error, "/", "missing \"from_port\" (the remote port whose datagrams are redirected)");
  if (!hasAddress) return fail(error, "/", "missing \"to_address\" (where they go instead)");
  if (!hasTo) return fail(error, "/", "missing \"to_port\"");
  *options = parsed;
  return true;
}

}  // namespace openwfp::callouts::dd_proxy
