// Test hosts for the live tests and the live benchmark: network namespaces and veth pairs the test
// makes and removes itself (never any other address), processes run inside
// them, and small TCP/UDP echo servers and clients. Needs root; the tests
// skip themselves without it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace openwfp::live::test {

// Runs a shell command; true when it exits 0. Output goes to the test's.
inline bool sh(const std::string& command) { return std::system(command.c_str()) == 0; }

inline bool is_root() { return ::geteuid() == 0; }

// A name no other test process uses at once (veth names are at most 15 characters).
inline std::string unique_name(const std::string& role) {
  return "ow" + std::to_string(::getpid() % 100000) + role;
}

// One network namespace, removed (with its veth ends) on destruction.
class Netns {
 public:
  explicit Netns(std::string name) : name_(std::move(name)) {
    sh("ip netns del " + name_ + " 2>/dev/null");
    ok_ = sh("ip netns add " + name_) && sh("ip -n " + name_ + " link set lo up");
  }
  ~Netns() { sh("ip netns del " + name_ + " 2>/dev/null"); }
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  const std::string& name() const { return name_; }
  bool ok() const { return ok_; }
  // Runs a command inside.
  bool run(const std::string& command) const { return sh("ip netns exec " + name_ + " " + command); }

 private:
  std::string name_;
  bool ok_ = false;
};

// A veth pair between two namespaces, with an IPv4 /24 and an IPv6 /64
// address on each end (no duplicate address detection: usable at once).
inline bool link(const Netns& a, const std::string& aIf, const std::string& a4, const std::string& a6, const Netns& b,
                 const std::string& bIf, const std::string& b4, const std::string& b6) {
  return sh("ip link add " + aIf + " netns " + a.name() + " type veth peer name " + bIf + " netns " + b.name()) &&
         sh("ip -n " + a.name() + " addr add " + a4 + "/24 dev " + aIf) &&
         sh("ip -n " + a.name() + " addr add " + a6 + "/64 dev " + aIf + " nodad") &&
         sh("ip -n " + b.name() + " addr add " + b4 + "/24 dev " + bIf) &&
         sh("ip -n " + b.name() + " addr add " + b6 + "/64 dev " + bIf + " nodad") &&
         sh("ip -n " + a.name() + " link set " + aIf + " up") && sh("ip -n " + b.name() + " link set " + bIf + " up");
}

// Enters a namespace (this thread; in a forked child, the whole process).
inline bool enter(const std::string& ns) {
  const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::setns(fd, CLONE_NEWNET) == 0;
  ::close(fd);
  return ok;
}

// Runs `fn` in a child inside `ns`; its return value (the child's exit
// code), or -1 when it did not end within `timeout` (then it is killed).
inline int in_netns(const std::string& ns, const std::function<int()>& fn,
                    std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!enter(ns)) ::_exit(125);
    ::_exit(fn());
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A process in the background inside `ns`, killed on destruction.
class Background {
 public:
  Background(const std::string& ns, const std::function<int()>& fn) {
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!enter(ns)) ::_exit(125);
      ::_exit(fn());
    }
  }
  ~Background() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

 private:
  pid_t pid_ = -1;
};

// A socket address from text (IPv4 or IPv6) and a port.
inline bool address(const std::string& text, uint16_t port, sockaddr_storage* out, socklen_t* len) {
  std::memset(out, 0, sizeof *out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof *v4;
    return true;
  }
  if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof *v6;
    return true;
  }
  return false;
}

// Echo servers on every address (IPv4 and IPv6): TCP on `tcpPorts` (each
// connection: read a line's worth, answer "echo:" and it, close), UDP on
// `udpPorts` (each datagram answered the same way). Runs until killed.
inline int echo_server(const std::vector<uint16_t>& tcpPorts, const std::vector<uint16_t>& udpPorts) {
  std::vector<pollfd> fds;
  std::vector<bool> tcp;
  auto open_on = [&](int type, uint16_t port) {
    const int fd = ::socket(AF_INET6, type, 0);
    const int off = 0, on = 1;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    any.sin6_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) return false;
    if (type == SOCK_STREAM && ::listen(fd, 64) != 0) return false;
    fds.push_back({fd, POLLIN, 0});
    tcp.push_back(type == SOCK_STREAM);
    return true;
  };
  for (uint16_t p : tcpPorts) {
    if (!open_on(SOCK_STREAM, p)) return 3;
  }
  for (uint16_t p : udpPorts) {
    if (!open_on(SOCK_DGRAM, p)) return 3;
  }
  char buffer[65536];
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      if (tcp[i]) {
        const int c = ::accept(fds[i].fd, nullptr, nullptr);
        if (c < 0) continue;
        timeval tv{2, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        const ssize_t n = ::recv(c, buffer, sizeof buffer, 0);
        if (n > 0) {
          std::string answer = "echo:" + std::string(buffer, static_cast<size_t>(n));
          (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
        }
        ::close(c);
      } else {
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(fds[i].fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) continue;
        std::string answer = "echo:" + std::string(buffer, static_cast<size_t>(n));
        (void)::sendto(fds[i].fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
      }
    }
  }
}

// A UDP echo server bound to one address (its answers come from that
// address, whatever the routes prefer). Runs until killed.
inline int udp_echo_on(const std::string& host, uint16_t port) {
  sockaddr_storage at{};
  socklen_t len = 0;
  if (!address(host, port, &at, &len)) return 2;
  const int fd = ::socket(at.ss_family, SOCK_DGRAM, 0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&at), len) != 0) return 3;
  char buffer[65536];
  for (;;) {
    sockaddr_storage from{};
    socklen_t flen = sizeof from;
    const ssize_t n = ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &flen);
    if (n < 0) continue;
    const std::string answer = "echo:" + std::string(buffer, static_cast<size_t>(n));
    (void)::sendto(fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
  }
}

// A TCP exchange: connects (within `timeoutMs`), sends `message`, and
// returns what came back (empty when anything failed).
inline std::string tcp_exchange(const std::string& host, uint16_t port, const std::string& message,
                                int timeoutMs = 2500) {
  sockaddr_storage to{};
  socklen_t len = 0;
  if (!address(host, port, &to, &len)) return {};
  const int fd = ::socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), len) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return {};
  }
  pollfd p{fd, POLLOUT, 0};
  int error = 0;
  socklen_t elen = sizeof error;
  if (::poll(&p, 1, timeoutMs) != 1 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &elen) != 0 || error != 0) {
    ::close(fd);
    return {};
  }
  (void)::send(fd, message.data(), message.size(), MSG_NOSIGNAL);
  std::string got;
  char buffer[65536];
  for (;;) {
    p = {fd, POLLIN, 0};
    if (::poll(&p, 1, timeoutMs) != 1) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

// A UDP exchange: one datagram out, the answer back (empty on timeout).
inline std::string udp_exchange(const std::string& host, uint16_t port, const std::string& message,
                                int timeoutMs = 2000) {
  sockaddr_storage to{};
  socklen_t len = 0;
  if (!address(host, port, &to, &len)) return {};
  const int fd = ::socket(to.ss_family, SOCK_DGRAM, 0);
  (void)::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&to), len);
  pollfd p{fd, POLLIN, 0};
  std::string got;
  if (::poll(&p, 1, timeoutMs) == 1) {
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) got.assign(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

// 0 when the exchange came back as the echo of `message`, 1 otherwise (for in_netns).
inline int tcp_ok(const std::string& host, uint16_t port, const std::string& message = "hello",
                  int timeoutMs = 2500) {
  return tcp_exchange(host, port, message, timeoutMs) == "echo:" + message ? 0 : 1;
}
inline int udp_ok(const std::string& host, uint16_t port, const std::string& message = "hello",
                  int timeoutMs = 2000) {
  return udp_exchange(host, port, message, timeoutMs) == "echo:" + message ? 0 : 1;
}

// How long a check that expects no answer waits: a permitted exchange
// between two namespaces answers within milliseconds, even under the
// sanitizers, and each permitted case is checked with the long timeout.
inline constexpr int kBlockedWaitMs = 700;

}  // namespace openwfp::live::test
