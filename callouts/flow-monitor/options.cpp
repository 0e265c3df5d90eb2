#include "flow-monitor/options.hpp"

#include <nlohmann/json.hpp>

#include "common/option_reading.hpp"

namespace openwfp::callouts::flow_monitor {
namespace {

using json = nlohmann::json;
using option_reading::fail;
using option_reading::found;

// A JSON pointer token: '~' and '/' in a key are escaped (RFC 6901).
std::string pointer(const std::string& key) {
  std::string out = "/";
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool parse_options(const std::string& text, Options* options, std::string* error) {
  json root;
  if (!option_reading::read_object(text, &root, error)) return false;
  Options parsed;
  bool hasReport = false;
  for (const auto& item : root.items()) {
    const std::string& key = item.key();
    const json& value = item.value();
    if (key == "comment" || key == "description") continue;
    if (key == "report") {
      if (!value.is_string()) return fail(error, "/report", "expected a file path, " + found(value));
      parsed.report = value.get<std::string>();
      if (parsed.report.empty()) return fail(error, "/report", "must not be empty");
      hasReport = true;
    } else if (key == "max_flows") {
      const std::string range = "1.." + std::to_string(kMaxFlowsLimit);
      if (!value.is_number_integer())
        return fail(error, "/max_flows", "expected an integer in " + range + ", " + found(value));
      // A negative number is an integer but not an unsigned one.
      if (!value.is_number_unsigned() || value.get<uint64_t>() == 0 || value.get<uint64_t>() > kMaxFlowsLimit) {
        return fail(error, "/max_flows", "must be in " + range + ", not " + value.dump());
      }
      parsed.maxFlows = value.get<uint32_t>();
    } else {
      return fail(error, pointer(key), "unknown key '" + key + "' (expected one of: report, max_flows)");
    }
  }
  if (!hasReport) return fail(error, "/", "missing \"report\" (the file the flows are written to)");
  *options = std::move(parsed);
  return true;
}

}  // namespace openwfp::callouts::flow_monitor
