// Benchmarks that run wfpd --live: starting it in a namespace, asking it
// over its socket, stopping it (openwfp-live-bench, openwfp-connect-bench).
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/netns.hpp"

namespace openwfp::bench {

// Runs `wfpd args...` in the network namespace `ns`, its socket and state
// under `work`; the child's pid.
inline pid_t start_wfpd(const std::string& wfpd, const std::string& ns, const std::string& work,
                        const std::vector<std::string>& args) {
  std::vector<std::string> all = {"wfpd", "--socket", work + "/wfpd.sock", "--state-dir", work + "/state"};
  all.insert(all.end(), args.begin(), args.end());
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!live::test::enter(ns)) ::_exit(125);
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(wfpd.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// One request to wfpd over its socket; the result (null on any failure).
inline nlohmann::json ask(const std::string& socketPath, const std::string& method) {
  using nlohmann::json;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socketPath.c_str());
  json out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string line = json{{"v", 1}, {"id", 1}, {"method", method}, {"params", json::object()}}.dump() + "\n";
    (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    std::string got;
    char b[65536];
    for (ssize_t n; got.find('\n') == std::string::npos && (n = ::recv(fd, b, sizeof b, 0)) > 0;) {
      got.append(b, static_cast<size_t>(n));
    }
    const json answer = json::parse(got, nullptr, false);
    if (answer.is_object() && answer.contains("result")) out = answer["result"];
  }
  ::close(fd);
  return out;
}

// The packets wfpd's queues took, from daemon.status (0 when not live).
inline uint64_t queued(const nlohmann::json& status) {
  uint64_t n = 0;
  if (status.contains("live")) {
    for (const nlohmann::json& q : status["live"]["queues"]) n += q["received"].get<uint64_t>();
  }
  return n;
}

inline void stop_wfpd(pid_t pid) {
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace openwfp::bench
