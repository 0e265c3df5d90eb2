#include "daemon/apply_policy.hpp"

#include "policy/object_json.hpp"

namespace openwfp::daemon {

using nlohmann::json;

bool apply_policy(Service& service, const policy::Policy& pol, const std::string& path, std::string* error) {
  std::vector<policy::AddRequest> adds;
  if (!policy::add_requests(pol, &adds, error)) {
    *error = path + ": " + *error + " (nothing was applied)";
    return false;
  }
  const SessionId session = service.open_session(Caller{}, false);
  json result;
  CallError ce;
  auto call = [&](const std::string& method, const json& params, const std::string& where) {
    if (service.call(session, method, params, &result, &ce)) return true;
    *error = path + (where.empty() ? "" : ": " + where) + ": " + ce.message;
    return false;
  };
  bool ok = call("transaction.begin", json::object(), "");
  for (size_t i = 0; ok && i < adds.size(); ++i) {
    ok = call(std::string(adds[i].kind) + ".add", {{adds[i].kind, adds[i].object}}, adds[i].where);
  }
  if (ok) ok = call("transaction.commit", json::object(), "");
  if (!ok) *error += " (nothing was applied)";
  service.close_session(session);  // aborts the transaction when it failed
  return ok;
}

}  // namespace openwfp::daemon
