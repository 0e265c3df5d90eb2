// wfpd's wire format (docs/API.md): newline-delimited JSON over a Unix
// stream socket, one object per line each way.
//   request:  { "v": 1, "id": N | "text", "method": "filter.add", "params"?: { ... } }
//   answer:   { "v": 1, "id": <the request's>, "result": ... }
//        or   { "v": 1, "id": <the request's, or null>, "error": { "status": "FWP_E_...",
//              "code": <NTSTATUS>, "message": "...", "field"?: "/params/..." } }
// A line over the size limit is answered with an error and the connection
// is closed; other malformed requests get an error and change nothing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daemon/service.hpp"

namespace openwfp::daemon {

inline constexpr int kProtocolVersion = 1;

struct Request {
  nlohmann::json id;
  std::string method;
  nlohmann::json params = nlohmann::json::object();
};

// False with `error` (and `id` set when the request had a usable one).
bool parse_request(std::string_view line, Request* out, CallError* error, nlohmann::json* id);

std::string make_result(const nlohmann::json& id, const nlohmann::json& result);  // one line, '\n' ended
std::string make_error(const nlohmann::json& id, const CallError& error);
// The JSON of an error (status name, code, message, field).
nlohmann::json error_json(const CallError& error);

}  // namespace openwfp::daemon
