// The classifier behind one layer: built once from the layer's filters in
// evaluation order (sublayer weight, then filter weight, highest first) on
// the control plane, then read without locks on the data path.
//
// A classifier answers one question: the position of the first rule at or
// after `from` (and before `end`) that matches. The engine iterates matches
// in weight order by asking again from the next position, and skips to the
// next sublayer by asking from that sublayer's first position. A faster
// classifier replaces another by implementing this interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "classify/rule.hpp"

namespace openwfp::classify {

inline constexpr uint32_t kNoMatch = UINT32_MAX;

class Classifier {
 public:
  virtual ~Classifier() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual uint32_t first_match(const IncomingValues& values, uint32_t from, uint32_t end) const noexcept = 0;
  // The first match over all rules for each of `count` value sets.
  virtual void first_match_batch(const IncomingValues* const* values, size_t count, uint32_t* out) const noexcept;
  virtual size_t rule_count() const noexcept = 0;
  virtual size_t memory_bytes() const noexcept = 0;
};

// Input to a build: each rule's conditions (pointers stay valid for the
// classifier's life, owned by the caller's generation).
struct RuleInput {
  std::span<const RuleCondition> conditions;
};

// Scans compiled rules in order: interval tests per field group.
std::unique_ptr<Classifier> build_linear_classifier(std::span<const RuleInput> rules);
// Tuple tables: hash tables keyed on the leading bits rules share per field,
// probed in order of their first rule (tuple_classifier.cpp).
std::unique_ptr<Classifier> build_tuple_classifier(std::span<const RuleInput> rules);
// The plain reference evaluation: every condition through match_condition,
// grouped by field as the model says. Used to check the others.
std::unique_ptr<Classifier> build_reference_classifier(std::span<const RuleInput> rules);

}  // namespace openwfp::classify
