// Values in policies and on the command line, read according to the field
// they are for: numbers, named constants (protocols, directions, flags),
// IPv4/IPv6 addresses with prefixes, ranges, paths, users and groups.
#pragma once

#include <deque>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "openwfp/classify.hpp"
#include "openwfp/layers.hpp"
#include "openwfp/status.hpp"

namespace openwfp::policy {

struct ValueError {
  Status status = Status::SUCCESS;
  std::string message;
};

// A condition value for the field at `index` of `layer`. `match` may be
// adjusted: RANGE when the value is a [low, high] pair and no match was given
// (`match_given` false).
bool parse_condition_value(const nlohmann::json& value, const LayerInfo& layer, uint16_t index, bool match_given,
                           MatchType* match, ConditionValue* out, ValueError* error);

// One value written as text ("10.0.0.1", "443", "tcp", "IS_LOOPBACK|IS_FRAGMENT",
// "/usr/bin/curl", "1000:1000:27,100") for the field at `index` of `layer`.
bool parse_value_text(std::string_view text, const LayerInfo& layer, uint16_t index, ConditionValue* out,
                      ValueError* error);

// The policy form of a condition value for the field at `index` of `layer`:
// what parse_condition_value reads back to an equal value (addresses and
// prefixes as text, numbers as numbers, ranges as [low, high], paths and
// strings as text, MACs as "aa:bb:cc:dd:ee:ff", users and groups as a list
// of "uid:N" / "!gid:N" in order). False (with `error`) for a value no
// policy can write: a non-contiguous IPv4 mask, bytes that are not UTF-8,
// a type the field does not take.
bool format_condition_value(const ConditionValue& value, const LayerInfo& layer, uint16_t index,
                            nlohmann::json* out, ValueError* error);

// Incoming values with the storage they point to.
class IncomingStore {
 public:
  explicit IncomingStore(const LayerInfo& layer);
  IncomingStore(const IncomingStore&) = delete;
  IncomingStore& operator=(const IncomingStore&) = delete;
  // Sets the field at `index` from a parsed value (an EQUAL-style single
  // value of the field's type).
  void set(uint16_t index, const ConditionValue& v);
  const IncomingValues& values() const noexcept { return values_; }

 private:
  const LayerInfo& layer_;
  std::vector<IncomingValue> storage_;
  std::deque<ByteArray16> arrays_;
  std::deque<std::vector<uint8_t>> bytes_;
  std::deque<ByteBlob> blobs_;
  std::deque<std::vector<uint32_t>> groups_;
  std::deque<TokenAccessInformation> tokens_;
  IncomingValues values_;
};

}  // namespace openwfp::policy
