// wfpd as a real process in a temporary directory, driven over its socket by
// a raw client and by wfpctl: the protocol's errors, dynamic sessions ending when their
// client closes or is killed, persistent objects across a clean stop and a
// SIGKILL, static objects gone after a restart, an oversize request, the
// socket's mode, and a second daemon on the same socket refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "store/store_test_support.hpp"
#include "support/command.hpp"
#include "wfpd_process.hpp"

namespace openwfp::daemon {
namespace {

using nlohmann::json;

using test::Client;
using test::Daemon;

json filter(const std::string& key, uint16_t port, const char* lifetime) { return test::block_filter(key, port, lifetime); }

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

TEST(Wfpd, ASecondDaemonOnTheSameStateDirectoryIsRefused) {
  store::test::TempDir dir;
  Daemon first(dir.file(""));
  ASSERT_TRUE(first.start());
  const std::string sock = dir.file("other.sock");
  const openwfp::test::CommandResult r = openwfp::test::run_command(std::string(OPENWFP_WFPD) + " --socket " + sock +
                                                                    " --state-dir " + first.state_dir());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("another wfpd uses the state directory"), std::string::npos) << r.out;
  EXPECT_NE(::access(sock.c_str(), F_OK), 0);  // it never listened
  first.kill(SIGKILL);                         // a crash lets the lock go
  Daemon again(dir.file(""));
  EXPECT_TRUE(again.start());
}

// wfpctl against the daemon: a policy applied in one transaction, listed,
// and a second apply that fails part way changes nothing.
TEST(Wfpd, WfpctlAppliesAPolicyAllOrNothing) {
  store::test::TempDir dir;
  Daemon d(dir.file(""));
  ASSERT_TRUE(d.start());
  const std::string socket = " --socket " + d.socket();
  const std::string policy = std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json";
  openwfp::test::CommandResult r = openwfp::test::run_wfpctl(socket + " apply " + policy + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json::parse(r.out)["applied"]["filters"], 9);
  r = openwfp::test::run_wfpctl(socket + " filter list --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json listed = json::parse(r.out);
  ASSERT_EQ(listed.size(), 9u);
  EXPECT_EQ(listed[0]["name"], "no telnet");
  EXPECT_EQ(listed[0]["lifetime"], "static");  // applied without PERSISTENT
  // The same policy again: its provider exists, so the transaction is aborted.
  r = openwfp::test::run_wfpctl(socket + " apply " + policy);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("FWP_ALREADY_EXISTS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing was applied"), std::string::npos) << r.out;
  r = openwfp::test::run_wfpctl(socket + " show state --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const json state = json::parse(r.out);
  EXPECT_EQ(state["filters"].size(), 9u);
  EXPECT_EQ(state["providers"].size(), 1u);
  EXPECT_EQ(state["sublayers"].size(), 3u);  // corp, apps and the built-in one
  r = openwfp::test::run_wfpctl(socket + " filter delete --id 1");
  ASSERT_EQ(r.status, 0) << r.out;
  r = openwfp::test::run_wfpctl(socket + " filter delete --id 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("FWP_FILTER_NOT_FOUND"), std::string::npos) << r.out;
  r = openwfp::test::run_wfpctl(" --socket " + dir.file("none.sock") + " filter list");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("is wfpd running"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace openwfp::daemon
