#include "daemon/apply_policy.hpp"

#include "policy/object_json.hpp"

namespace openwfp::daemon {

using nlohmann::json;

bool apply_policy(Service& service, const policy::Policy& pol, const std::string& path, std::string* error) {
  const SessionId session = service.open_session(Caller{}, false);
  json result;
  CallError ce;
  auto call = [&](const std::string& method, const json& params, const std::string& where) {
    if (service.call(session, method, params, &result, &ce)) return true;
    *error = path + (where.empty() ? "" : ": " + where) + ": " + ce.message;
    return false;
  };
  bool ok = call("transaction.begin", json::object(), "");
  for (size_t i = 0; ok && i < pol.providers.size(); ++i)
    ok = call("provider.add", {{"provider", policy::to_json(pol.providers[i])}}, "/providers/" + std::to_string(i));
  for (size_t i = 0; ok && i < pol.sublayers.size(); ++i)
    ok = call("sublayer.add", {{"sublayer", policy::to_json(pol.sublayers[i])}}, "/sublayers/" + std::to_string(i));
  for (size_t i = 0; ok && i < pol.callouts.size(); ++i)
    ok = call("callout.add", {{"callout", policy::to_json(pol.callouts[i])}}, "callout '" + pol.callouts[i].name + "'");
  for (size_t i = 0; ok && i < pol.filters.size(); ++i) {
    json j;
    policy::ObjectError oe;
    if (!policy::to_json(pol.filters[i], &j, &oe)) {
      *error = path + ": " + pol.filterPaths[i] + oe.field + ": " + oe.message;
      ok = false;
      break;
    }
    ok = call("filter.add", {{"filter", j}}, pol.filterPaths[i]);
  }
  if (ok) ok = call("transaction.commit", json::object(), "");
  if (!ok) *error += " (nothing was applied)";
  service.close_session(session);  // aborts the transaction when it failed
  return ok;
}

}  // namespace openwfp::daemon
