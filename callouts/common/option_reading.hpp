// Reading a sample callout's options (the JSON object a policy gives it):
// errors as "<JSON path>: <problem>", shared by the callouts' parsers.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace openwfp::callouts::option_reading {

using json = nlohmann::json;

inline std::string found(const json& value) { return "found " + std::string(value.type_name()); }

inline bool fail(std::string* error, const std::string& path, const std::string& problem) {
  *error = path + ": " + problem;
  return false;
}

// Parses the options text into `root`, which must be a JSON object.
inline bool read_object(const std::string& text, json* root, std::string* error) {
  *root = json::parse(text, nullptr, false);
  if (root->is_discarded()) return fail(error, "/", "the options are not valid JSON");
  if (!root->is_object()) return fail(error, "/", "expected an object, " + found(*root));
  return true;
}

// An unsigned integer in [low, high]; a negative number is an integer but not an unsigned one.
inline bool read_range(const json& value, uint64_t low, uint64_t high, const std::string& path, uint64_t* out,
                       std::string* error) {
  const std::string range = std::to_string(low) + ".." + std::to_string(high);
  if (!value.is_number_integer()) return fail(error, path, "expected an integer in " + range + ", " + found(value));
  if (!value.is_number_unsigned() || value.get<uint64_t>() < low || value.get<uint64_t>() > high) {
    return fail(error, path, "must be in " + range + ", not " + value.dump());
  }
  *out = value.get<uint64_t>();
  return true;
}

}  // namespace openwfp::callouts::option_reading
