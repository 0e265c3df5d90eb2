// wfpctl's connection to wfpd (docs/API.md): one request at a time, each
// answer read back; every failure is a message for the user.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace wfpctl {

class DaemonClient {
 public:
  DaemonClient() = default;
  ~DaemonClient();
  DaemonClient(const DaemonClient&) = delete;
  DaemonClient& operator=(const DaemonClient&) = delete;

  bool connect(const std::string& socket_path, std::string* error);
  // True with the result; false with `error` ("STATUS_...: message (at /field)").
  bool call(const std::string& method, const nlohmann::json& params, nlohmann::json* result, std::string* error);
  // The next line wfpd pushes after a subscription; false when the
  // connection ends (`error` says how).
  bool next(nlohmann::json* message, std::string* error);

 private:
  int fd_ = -1;
  uint64_t nextId_ = 1;
  std::string buffer_;
  bool read_line(std::string* line, std::string* error);
};

}  // namespace wfpctl
