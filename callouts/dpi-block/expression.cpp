#include "dpi-block/expression.hpp"

#include <hs.h>

#include <cstdlib>

namespace openwfp::callouts::dpi {

std::string hyperscan_expression(const Pattern& pattern) {
  if (!pattern.literal) return pattern.expression;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(pattern.expression.size() * 4);
  for (const char c : pattern.expression) {
    const auto byte = static_cast<unsigned char>(c);
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xfu];
  }
  return out;
}

unsigned hyperscan_flags(const Pattern& pattern) { return pattern.caseless ? HS_FLAG_CASELESS : 0u; }

std::string pattern_path(size_t index, const Pattern& pattern) {
  return "/patterns/" + std::to_string(index) + (pattern.literal ? "/literal" : "/regex");
}

bool check_pattern(const Pattern& pattern, std::string* problem) {
  if (pattern.expression.empty()) {
    *problem = "must not be empty";
    return false;
  }
  // Hyperscan reads a C string: a NUL would silently cut the regex short.
  // (A literal's NUL is escaped, so only a regex can carry one.)
  if (!pattern.literal && pattern.expression.find('\0') != std::string::npos) {
    *problem = "contains a NUL byte (write it as \\x00)";
    return false;
  }
  const std::string text = hyperscan_expression(pattern);
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_expression_info(text.c_str(), hyperscan_flags(pattern), &info, &error) != HS_SUCCESS) {
    *problem = error != nullptr && error->message != nullptr ? error->message : "rejected by Hyperscan";
    hs_free_compile_error(error);
    return false;
  }
  // Hyperscan allocates the info with its misc allocator, malloc by default;
  // openwfp never replaces that allocator.
  const unsigned minWidth = info->min_width;
  const bool onlyAtEnd = info->matches_only_at_eod != 0;
  std::free(info);
  if (minWidth == 0) {
    *problem = "matches the empty string, so it would match every stream";
    return false;
  }
  if (onlyAtEnd) {
    *problem = "can only match at the end of the stream, and end-of-stream matches are not reported";
    return false;
  }
  return true;
}

}  // namespace openwfp::callouts::dpi
