#include "daemon/protocol.hpp"

namespace openwfp::daemon {

using nlohmann::json;

namespace {
bool bad(CallError* e, std::string message, std::string field = {}) {
  *e = {Status::INVALID_PARAMETER, std::move(message), std::move(field)};
  return false;
}
}  // namespace

bool parse_request(std::string_view line, Request* out, CallError* error, json* id) {
  *id = nullptr;
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded()) return bad(error, "the request is not JSON");
  if (!j.is_object()) return bad(error, "a request is a JSON object");
  if (auto it = j.find("id"); it != j.end() && (it->is_number_integer() || it->is_string())) *id = *it;
  for (const auto& item : j.items()) {
    const std::string& k = item.key();
    if (k != "v" && k != "id" && k != "method" && k != "params") return bad(error, "unknown member '" + k + "'", "/" + k);
  }
  if (!j.contains("v") || !j["v"].is_number_integer() || j["v"].get<int64_t>() != kProtocolVersion) {
    return bad(error, "\"v\" must be " + std::to_string(kProtocolVersion), "/v");
  }
  if (!j.contains("id") || !(j["id"].is_number_integer() || j["id"].is_string())) {
    return bad(error, "\"id\" (a number or a string) is needed", "/id");
  }
  if (!j.contains("method") || !j["method"].is_string() || j["method"].get<std::string>().empty()) {
    return bad(error, "\"method\" (a string) is needed", "/method");
  }
  out->id = j["id"];
  out->method = j["method"].get<std::string>();
  out->params = json::object();
  if (j.contains("params")) {
    if (!j["params"].is_object()) return bad(error, "\"params\" is an object", "/params");
    out->params = j["params"];
  }
  return true;
}

json error_json(const CallError& e) {
  json j = {{"status", std::string(status_name(e.status))},
            {"code", static_cast<uint32_t>(e.status)},
            {"message", e.message}};
  if (!e.field.empty()) j["field"] = e.field;
  return j;
}

std::string make_result(const json& id, const json& result) {
  return json{{"v", kProtocolVersion}, {"id", id}, {"result", result}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string make_error(const json& id, const CallError& e) {
  return json{{"v", kProtocolVersion}, {"id", id}, {"error", error_json(e)}}.dump(-1, ' ', false,
                                                                                 json::error_handler_t::replace) +
         "\n";
}

}  // namespace openwfp::daemon
