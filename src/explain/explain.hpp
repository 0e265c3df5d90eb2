// Explaining a decision: one set of incoming values classified at a layer of
// an engine with the arbitration traced, as JSON (the standing filter, each
// sublayer's filters in order with what each yielded and what became of
// it) and as text. `wfpctl explain` runs it on a policy file, wfpd's
// `engine.explain` on the live engine.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "openwfp/engine.hpp"
#include "openwfp/status.hpp"

namespace openwfp::explain {

struct ExplainError {
  Status status = Status::INVALID_PARAMETER;
  std::string message;
  std::string field;  // JSON pointer into the fields object ("/IP_REMOTE_PORT"); empty: the layer
};

// `fields`: an object NAME → value (a string in the policy files' value
// syntax, or a number); fields not given are absent (FWP_EMPTY). False with
// `error` on an unknown layer or field, a field the layer lacks, or a value
// that is not one value of the field's type.
bool explain(const Engine& engine, const std::string& layer, const nlohmann::json& fields, nlohmann::json* result,
             ExplainError* error);

// The human form of a result of explain().
std::string explain_text(const nlohmann::json& result);

}  // namespace openwfp::explain
