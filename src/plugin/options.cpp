// host_table()->get_option: lets a plugin written in C read its options
// without a JSON parser of its own.
#include <algorithm>
#include <cstring>
#include <new>
#include <nlohmann/json.hpp>
#include <string>

#include "plugin/host_table.hpp"

namespace openwfp::plugin {

openwfp_status get_option(const char* optionsJson, const char* key, char* value, size_t valueSize) noexcept {
  if (value != nullptr && valueSize > 0) value[0] = '\0';
  if (optionsJson == nullptr || key == nullptr) return OPENWFP_STATUS_INVALID_PARAMETER;
  try {
    const nlohmann::json options = nlohmann::json::parse(optionsJson);
    if (!options.is_object()) return OPENWFP_STATUS_INVALID_PARAMETER;
    const auto member = options.find(key);
    if (member == options.end()) return OPENWFP_STATUS_NOT_FOUND;
    const std::string text = member->is_string() ? member->get<std::string>() : member->dump();
    if (value == nullptr || valueSize == 0) return OPENWFP_STATUS_BUFFER_TOO_SMALL;
    const size_t copied = std::min(text.size(), valueSize - 1);
    std::memcpy(value, text.data(), copied);
    value[copied] = '\0';
    return copied == text.size() ? OPENWFP_STATUS_SUCCESS : OPENWFP_STATUS_BUFFER_TOO_SMALL;
  } catch (const std::bad_alloc&) {
    return OPENWFP_STATUS_NO_MEMORY;
  } catch (...) {
    return OPENWFP_STATUS_INVALID_PARAMETER;  // not JSON
  }
}

}  // namespace openwfp::plugin
