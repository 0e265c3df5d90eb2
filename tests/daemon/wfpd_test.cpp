// wfpd as a real process in a temporary directory, driven over its socket by
// a raw client and by wfpctl: the protocol's errors, dynamic sessions ending when their
// client closes or is killed, persistent objects across a clean stop and a
// SIGKILL, static objects gone after a restart, an oversize request, the
// socket's mode, and a second daemon on the same socket refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "store/store_test_support.hpp"
#include "support/command.hpp"

namespace openwfp::daemon {
namespace {

using nlohmann::json;

class Daemon {
 public:
  explicit Daemon(const std::string& dir) : socket_(dir + "/wfpd.sock"), state_(dir + "/state") {}
  ~Daemon() { kill(SIGKILL); }
  const std::string& socket() const { return socket_; }

  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl(OPENWFP_WFPD, "wfpd", "--socket", socket_.c_str(), "--state-dir", state_.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 1000; ++i) {  // up to 10 s for the socket to answer
      if (probe()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
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

 private:
  bool probe() const;
  std::string socket_, state_;
  pid_t pid_ = -1;
};

class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    timeval tv{20, 0};
    if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
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
  // The next line (empty at EOF or error).
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
  json call(const std::string& method, const json& params = json::object()) {
    send_line(json{{"v", 1}, {"id", ++id_}, {"method", method}, {"params", params}}.dump());
    const std::string line = read_line();
    return line.empty() ? json() : json::parse(line, nullptr, false);
  }

 private:
  int fd_ = -1;
  std::string buffer_;
  int id_ = 0;
};

bool Daemon::probe() const {
  Client c(socket_);
  return c.ok() && c.call("session.info").contains("result");
}

json filter(const std::string& key, uint16_t port, const char* lifetime) {
  return {{"key", key},
          {"name", "port " + std::to_string(port)},
          {"layer", "ALE_AUTH_CONNECT_V4"},
          {"lifetime", lifetime},
          {"conditions", json::array({{{"field", "IP_REMOTE_PORT"}, {"value", port}}})},
          {"action", {{"type", "BLOCK"}}}};
}

std::string key(int n) { return store::test::key_of(static_cast<uint64_t>(n)); }

size_t filters(Client& c) {
  const json r = c.call("filter.enum");
  return r.contains("result") ? r["result"]["filters"].size() : 999;
}

// Polls until `n` filters are seen (a closed session is cleaned up after the
// daemon sees the connection end).
bool becomes(Client& c, size_t n) {
  for (int i = 0; i < 500; ++i) {
    if (filters(c) == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(Wfpd, TheProtocolAnswersErrorsAndRequests) {
  store::test::TempDir dir;
  Daemon d(dir.file(""));
  ASSERT_TRUE(d.start());
  struct stat st {};
  ASSERT_EQ(::stat(d.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0666u);  // no read group: access is checked per request

  Client c(d.socket());
  ASSERT_TRUE(c.ok());
  c.send_line("{not json");
  json r = json::parse(c.read_line());
  EXPECT_EQ(r["error"]["status"], "STATUS_INVALID_PARAMETER");
  EXPECT_TRUE(r["id"].is_null());
  c.send_line(R"({"v": 1, "id": 7, "method": "filter.enum", "colour": 1})");
  r = json::parse(c.read_line());
  EXPECT_EQ(r["id"], 7);
  EXPECT_EQ(r["error"]["field"], "/colour");
  r = c.call("filter.frobnicate");
  EXPECT_EQ(r["error"]["field"], "/method");
  r = c.call("filter.add", {{"filter", filter(key(1), 23, "static")}});
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["result"]["key"], key(1));
  EXPECT_EQ(filters(c), 1u);
  EXPECT_EQ(d.kill(SIGTERM), 0);  // a clean stop
  EXPECT_NE(::access(d.socket().c_str(), F_OK), 0);  // the socket file is removed
}

TEST(Wfpd, ADynamicSessionsObjectsGoWithItsConnection) {
  store::test::TempDir dir;
  Daemon d(dir.file(""));
  ASSERT_TRUE(d.start());
  Client watcher(d.socket());
  {
    Client a(d.socket());
    ASSERT_TRUE(a.call("filter.add", {{"filter", filter(key(1), 23, "dynamic")}}).contains("result"));
    EXPECT_EQ(filters(watcher), 1u);
  }  // closed
  EXPECT_TRUE(becomes(watcher, 0));
  // A client killed while connected: the kernel closes its socket.
  const pid_t child = ::fork();
  if (child == 0) {
    Client b(d.socket());
    const bool added = b.call("filter.add", {{"filter", filter(key(2), 24, "dynamic")}}).contains("result");
    ::kill(::getpid(), SIGKILL);
    ::_exit(added ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(becomes(watcher, 0));
}

TEST(Wfpd, PersistentObjectsSurviveStopsAndCrashesStaticOnesDoNot) {
  store::test::TempDir dir;
  {
    Daemon d(dir.file(""));
    ASSERT_TRUE(d.start());
    Client c(d.socket());
    ASSERT_TRUE(c.call("filter.add", {{"filter", filter(key(1), 23, "persistent")}}).contains("result"));
    ASSERT_TRUE(c.call("filter.add", {{"filter", filter(key(2), 24, "static")}}).contains("result"));
    EXPECT_EQ(d.kill(SIGTERM), 0);
  }
  {
    Daemon d(dir.file(""));
    ASSERT_TRUE(d.start());
    Client c(d.socket());
    EXPECT_EQ(filters(c), 1u);
    const json got = c.call("filter.get", {{"key", key(1)}});
    ASSERT_TRUE(got.contains("result")) << got.dump();
    EXPECT_EQ(got["result"]["id"], 1);
    ASSERT_TRUE(c.call("filter.add", {{"filter", filter(key(3), 25, "persistent")}}).contains("result"));
    d.kill(SIGKILL);  // a crash right after the answer: the commit is already on disk
  }
  Daemon d(dir.file(""));
  ASSERT_TRUE(d.start());
  Client c(d.socket());
  EXPECT_EQ(filters(c), 2u);
}

TEST(Wfpd, AnOversizeRequestIsRefusedAndItsConnectionClosed) {
  store::test::TempDir dir;
  Daemon d(dir.file(""));
  ASSERT_TRUE(d.start());
  Client c(d.socket());
  const std::string huge = R"({"v": 1, "id": 1, "method": "filter.enum", "params": {"x": ")" + std::string(2 << 20, 'a') + "\"}}";
  c.send_line(huge);
  const json r = json::parse(c.read_line(), nullptr, false);
  ASSERT_TRUE(r.is_object());
  EXPECT_NE(r["error"]["message"].get<std::string>().find("over"), std::string::npos);
  EXPECT_TRUE(c.read_line().empty());  // closed
  Client other(d.socket());
  EXPECT_EQ(filters(other), 0u);  // the daemon serves on
}

TEST(Wfpd, ASecondDaemonOnTheSameSocketIsRefused) {
  store::test::TempDir dir;
  Daemon first(dir.file(""));
  ASSERT_TRUE(first.start());
  const pid_t second = ::fork();
  if (second == 0) {
    const std::string sock = first.socket(), state = dir.file("state2");
    ::execl(OPENWFP_WFPD, "wfpd", "--socket", sock.c_str(), "--state-dir", state.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(second, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  Client c(first.socket());
  EXPECT_EQ(filters(c), 0u);  // the first one still answers
}

// wfpctl against the daemon: a policy applied in one transaction, listed,
// and a second apply that fails part way changes nothing.
TEST(Wfpd, WfpctlAppliesAPolicyAllOrNothing) {
  store::test::TempDir dir;
  Daemon d(dir.file(""));
  ASSERT_TRUE(d.start());
  const std::string socket = " --socket " + d.socket();
  const std::string policy = std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json";
  test::CommandResult r = test::run_wfpctl(socket + " apply " + policy + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json::parse(r.out)["applied"]["filters"], 9);
  r = test::run_wfpctl(socket + " filter list --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json listed = json::parse(r.out);
  ASSERT_EQ(listed.size(), 9u);
  EXPECT_EQ(listed[0]["name"], "no telnet");
  EXPECT_EQ(listed[0]["lifetime"], "static");  // applied without PERSISTENT
  // The same policy again: its provider exists, so the transaction is aborted.
  r = test::run_wfpctl(socket + " apply " + policy);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("FWP_ALREADY_EXISTS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing was applied"), std::string::npos) << r.out;
  r = test::run_wfpctl(socket + " show state --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json state = json::parse(r.out);
  EXPECT_EQ(state["filters"].size(), 9u);
  EXPECT_EQ(state["providers"].size(), 1u);
  EXPECT_EQ(state["sublayers"].size(), 3u);  // corp, apps and the built-in one
  r = test::run_wfpctl(socket + " filter delete --id 1");
  ASSERT_EQ(r.status, 0) << r.out;
  r = test::run_wfpctl(socket + " filter delete --id 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("FWP_FILTER_NOT_FOUND"), std::string::npos) << r.out;
  r = test::run_wfpctl(" --socket " + dir.file("none.sock") + " filter list");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("is wfpd running"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace openwfp::daemon
