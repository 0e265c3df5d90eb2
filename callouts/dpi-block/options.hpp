// The dpi-block callout's options, a JSON text:
//   { "patterns": [ { "name": "...", "regex": "..." }
//                 | { "name": "...", "literal": "...", "caseless"?: bool } ],
//     "max_streams"?: N }
// "caseless" is accepted on a regex too; "comment" and "description" are
// accepted in every object, as in policies.
#pragma once

#include <string>
#include <vector>

#include "dpi-block/matcher.hpp"

namespace openwfp::callouts::dpi {

// Parses and checks the options: the structure, unique non-empty names, and
// each pattern alone with Hyperscan's parser (see check_pattern). On error
// returns false and sets `error` to "<json path>: <problem>", e.g.
// "/patterns/1/regex: Missing close parenthesis ...". A problem with the text
// itself (not JSON, or not an object) has the path "/". On success *config
// holds the options' values and the defaults for what they leave out; on
// error neither output is changed.
bool parse_options(const std::string& json, std::vector<Pattern>* patterns, MatcherConfig* config,
                   std::string* error);

}  // namespace openwfp::callouts::dpi
