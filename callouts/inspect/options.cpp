#include "inspect/options.hpp"

#include <nlohmann/json.hpp>

namespace openwfp::callouts::inspect {
namespace {

using json = nlohmann::json;

std::string found(const json& value) { return "found " + std::string(value.type_name()); }

bool fail(std::string* error, const std::string& path, const std::string& problem) {
  *error = path + ": " + problem;
  return false;
}

// An unsigned integer in [low, high]; a negative number is an integer but not an unsigned one.
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
  for (const auto& item : root.items()) {
    const std::string& key = item.key();
    uint64_t n = 0;
    if (key == "comment" || key == "description") continue;
    if (key == "block_remote_port") {
      if (!read_range(item.value(), 1, 65535, "/block_remote_port", &n, error)) return false;
      parsed.blockRemotePort = true;
      parsed.remotePort = static_cast<uint16_t>(n);
    } else if (key == "max_pending") {
      if (!read_range(item.value(), 1, kMaxPendingLimit, "/max_pending", &n, error)) return false;
      parsed.maxPending = static_cast<uint32_t>(n);
    } else {
      return fail(error, "/" + key, "unknown key '" + key + "' (expected one of: block_remote_port, max_pending)");
    }
  }
  *options = parsed;
  return true;
}

}  // namespace openwfp::callouts::inspect
