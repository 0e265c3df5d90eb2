// wfpd as a real process for the integration tests, and a raw socket client
// of its protocol (one JSON object per line each way).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace openwfp::daemon::test {

using nlohmann::json;

class Client {
 public:
  explicit Client(const std::string& path, int timeoutSeconds = 20) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    timeval tv{timeoutSeconds, 0};
    if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client() { close(); }
  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send_line(const std::string& line) {
    const std::string bytes = line + "\n";
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // The next line (empty at EOF, on an error or after the receive timeout).
  std::string read_line() {
    while (true) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {};
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  // One request; the answer (null when none came).
  json call(const std::string& method, const json& params = json::object()) {
    send_line(json{{"v", 1}, {"id", ++id_}, {"method", method}, {"params", params}}.dump());
    const std::string line = read_line();
    return line.empty() ? json() : json::parse(line, nullptr, false);
  }
  // The result of a request that must succeed (a test failure otherwise).
  json result(const std::string& method, const json& params = json::object()) {
    const json r = call(method, params);
    EXPECT_TRUE(r.contains("result")) << method << ": " << r.dump();
    return r.contains("result") ? r["result"] : json();
  }

 private:
  int fd_ = -1;
  std::string buffer_;
  int id_ = 0;
};

class Daemon {
 public:
  // Socket and state under `dir`; `extra` options are added to the command line.
  explicit Daemon(const std::string& dir, std::vector<std::string> extra = {})
      : socket_(dir + "/wfpd.sock"), state_(dir + "/state"), extra_(std::move(extra)) {}
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  ~Daemon() { kill(SIGKILL); }
  const std::string& socket() const { return socket_; }
  const std::string& state_dir() const { return state_; }
  pid_t pid() const { return pid_; }

  // Runs it in a network namespace (by its name under /run/netns).
  void in_netns(const std::string& name) { netns_ = name; }

  // Starts wfpd and waits (up to 10 s) until its socket answers, asking
  // every 2 ms: tests that restart it often spend little time waiting.
  bool start() {
    std::vector<std::string> args = {"wfpd", "--socket", socket_, "--state-dir", state_};
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_ = spawn(args, netns_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (probe()) return true;
      if (!running()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }
  // False once the process has ended (by itself: kill() forgets it).
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
    pid_ = -1;
    return false;
  }
  // Sends `sig` and waits for the process; returns its exit status (or -1).
  int kill(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Runs wfpd with `args` (args[0] is the name) in a child, in the network
  // namespace `netns` when given; its output goes to the test's.
  static pid_t spawn(const std::vector<std::string>& args, const std::string& netns = {}) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (!netns.empty()) {
        const int fd = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) ::_exit(126);
      }
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(OPENWFP_WFPD, argv.data());
      ::_exit(127);
    }
    return pid;
  }

 private:
  bool probe() const {
    Client c(socket_, 2);
    return c.ok() && c.call("session.info").contains("result");
  }
  std::string socket_, state_, netns_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

// A filter object of the API: blocks outbound connects to `port`.
inline json block_filter(const std::string& key, uint16_t port, const char* lifetime) {
  json f = {{"key", key},
            {"name", "port " + std::to_string(port)},
            {"layer", "ALE_AUTH_CONNECT_V4"},
            {"conditions", json::array({{{"field", "IP_REMOTE_PORT"}, {"value", port}}})},
            {"action", {{"type", "BLOCK"}}}};
  if (lifetime != nullptr) f["lifetime"] = lifetime;
  return f;
}

}  // namespace openwfp::daemon::test
