#include "inspect/options.hpp"

#include <nlohmann/json.hpp>

#include "common/option_reading.hpp"

namespace openwfp::callouts::inspect {
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
