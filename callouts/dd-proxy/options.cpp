#include "dd-proxy/options.hpp"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

namespace openwfp::callouts::dd_proxy {
namespace {

using json = nlohmann::json;

std::string found(const json& value) { return "found " + std::string(value.type_name()); }

bool fail(std::string* error, const std::string& path, const std::string& problem) {
  *error = path + ": " + problem;
  return false;
}

bool read_range(const json& value, uint64_t low, uint64_t high, const std::string& path, uint64_t* out,
                std::string* error) {
  const std::string range = std::to_string(low) + ".." + std::to_string(high);
  if (!value.is_number_integer()) return fail(error, path, "expected an integer in " + range + ", " + found(value));
  if (!value.is_number_unsigned() || value.get<uint64_t>() < low || value.get<uint64_t>() > high) {
    return fail(error, path, "must be in " + range + ", not " + value.dump());
  }
  *out = value.get<uint64_t>();
  return true;
}

}  // namespace

bool parse_options(const std::string& text, Options* options, std::string* error) {
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return fail(error, "/", "the options are not valid JSON");
  if (!root.is_object()) return fail(error, "/", "expected an object, " + found(root));
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
