// Management objects as JSON, the way the daemon's API and its persistent
// store carry them: every field of the object, references by key, condition
// values in the policy forms (docs/POLICY.md). Reading checks every field and
// names the one at fault as a JSON pointer under the given path; nothing is
// assumed about other objects (the engine checks references when the object
// is added).
//
//   provider: { "key", "name", "description"?, "flags"?, "lifetime"? }
//   sublayer: { "key", "name", "description"?, "flags"?, "provider"?, "weight", "lifetime"? }
//   callout:  { "key", "name", "description"?, "flags"?, "provider"?, "layer", "id"?, "plugin"?,
//               "options"?, "lifetime"? }
//   filter:   { "key", "name", "description"?, "flags"?, "provider"?, "layer", "sublayer"?,
//               "weight"?: N | { "range": 0..15 }, "conditions"?: [ { "field", "match", "value" } ],
//               "action": { "type", "callout"? }, "raw_context"?, "id"?, "lifetime"?,
//               "effective_weight" (written, ignored when read) }
//
// "lifetime" is "dynamic", "static" (the default) or "persistent"; "flags"
// the FWPM_*_FLAG_* bits as a number. Written JSON reads back to an equal
// object.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "openwfp/objects.hpp"
#include "openwfp/policy.hpp"
#include "openwfp/status.hpp"

namespace openwfp::policy {

struct ObjectError {
  Status status = Status::SUCCESS;
  std::string field;  // JSON pointer, e.g. "/params/filter/conditions/0/value"
  std::string message;
};

// A whole number >= 0: JSON text gives unsigned numbers, values built in C++
// may be signed. False for anything else.
bool whole_number(const nlohmann::json& j, uint64_t* out);

nlohmann::json to_json(const Provider& provider);
nlohmann::json to_json(const Sublayer& sublayer);
nlohmann::json to_json(const Callout& callout);
// False (with `error`) only for a condition value no policy can write.
bool to_json(const Filter& filter, nlohmann::json* out, ObjectError* error);

// A policy's objects as the management API adds them (`<kind>.add` with
// `{ "<kind>": object }`), in the order they must go in: providers,
// sublayers, callouts, filters; `where` names each in the file, for errors.
// wfpctl apply and wfpd --policy send these in one transaction.
struct AddRequest {
  const char* kind;  // "provider", "sublayer", "callout", "filter"
  nlohmann::json object;
  std::string where;
};
// False with `error` ("<where><field>: <message>") for a filter whose
// condition value no policy can write.
bool add_requests(const Policy& policy, std::vector<AddRequest>* out, std::string* error);

bool from_json(const nlohmann::json& j, std::string_view path, Provider* out, ObjectError* error);
bool from_json(const nlohmann::json& j, std::string_view path, Sublayer* out, ObjectError* error);
bool from_json(const nlohmann::json& j, std::string_view path, Callout* out, ObjectError* error);
bool from_json(const nlohmann::json& j, std::string_view path, Filter* out, ObjectError* error);

}  // namespace openwfp::policy
