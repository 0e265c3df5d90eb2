// One pattern of the dpi-block callout: a Hyperscan regular expression, or a
// literal byte string matched exactly (its bytes are never read as syntax).
#pragma once

#include <string>

namespace openwfp::callouts::dpi {

struct Pattern {
  std::string name;
  std::string expression;  // the regex, or the literal's bytes when `literal`
  bool literal = false;
  bool caseless = false;   // ASCII letters match either case
};

}  // namespace openwfp::callouts::dpi
