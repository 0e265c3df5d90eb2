#include "daemon_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wfpctl {

DaemonClient::~DaemonClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool DaemonClient::connect(const std::string& socket_path, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    *error = "socket path too long: " + socket_path;
    return false;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "cannot reach wfpd at " + socket_path + ": " + std::strerror(errno) +
             (errno == ENOENT || errno == ECONNREFUSED ? " (is wfpd running? --socket PATH)" : "");
    return false;
  }
  return true;
}

bool DaemonClient::call(const std::string& method, const nlohmann::json& params, nlohmann::json* result,
                        std::string* error) {
  const uint64_t id = nextId_++;
  const std::string line = nlohmann::json{{"v", 1}, {"id", id}, {"method", method}, {"params", params}}.dump() + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = std::string("wfpd closed the connection: ") + std::strerror(errno);
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  std::string text;
  if (!read_line(&text, error)) return false;
  const nlohmann::json answer = nlohmann::json::parse(text, nullptr, false);
  if (!answer.is_object()) {
    *error = "wfpd sent something that is not JSON";
    return false;
  }
  if (answer.contains("error")) {
    const nlohmann::json& e = answer["error"];
    *error = e.value("status", std::string("error")) + ": " + e.value("message", std::string());
    if (e.contains("field")) *error += " (at " + e["field"].get<std::string>() + ")";
    return false;
  }
  *result = answer.value("result", nlohmann::json::object());
  return true;
}

bool DaemonClient::read_line(std::string* line, std::string* error) {
  size_t nl = 0;
  while ((nl = buffer_.find('\n')) == std::string::npos) {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "wfpd closed the connection";
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  *line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  return true;
}

bool DaemonClient::next(nlohmann::json* message, std::string* error) {
  std::string text;
  if (!read_line(&text, error)) return false;
  *message = nlohmann::json::parse(text, nullptr, false);
  if (!message->is_object()) {
    *error = "wfpd sent something that is not JSON";
    return false;
  }
  return true;
}

}  // namespace wfpctl
