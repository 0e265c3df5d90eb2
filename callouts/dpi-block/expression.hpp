// Turns a Pattern into what Hyperscan compiles, and checks one pattern on its
// own so a bad one is reported by its index before the database is built.
#pragma once

#include <cstddef>
#include <string>

#include "dpi-block/pattern.hpp"

namespace openwfp::callouts::dpi {

// The expression text Hyperscan compiles. A literal becomes one \xHH escape
// per byte: no byte of it is then a metacharacter, and NUL bytes survive the
// C string Hyperscan takes. A regex is passed through.
std::string hyperscan_expression(const Pattern& pattern);
// HS_FLAG_* for the pattern.
unsigned hyperscan_flags(const Pattern& pattern);
// The JSON path of the pattern's expression in the options:
// "/patterns/<index>/regex" or "/patterns/<index>/literal".
std::string pattern_path(size_t index, const Pattern& pattern);
// Checks the pattern alone (Hyperscan's parser, hs_expression_info): empty,
// a NUL byte in a regex, a syntax error, a pattern that matches the empty
// string, or one that could only match at the end of the stream (the matcher
// never reports end-of-stream matches). False with `problem` set on error.
bool check_pattern(const Pattern& pattern, std::string* problem);

}  // namespace openwfp::callouts::dpi
