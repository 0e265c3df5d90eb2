#include "daemon/unix_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/event_json.hpp"
#include "daemon/protocol.hpp"

namespace openwfp::daemon {

struct UnixServer::Client {
  int fd = -1;
  std::thread thread;
  std::atomic<bool> done{false};
};

namespace {

// Supplementary groups of a process, from /proc/PID/status.
std::vector<uint32_t> groups_of(pid_t pid) {
  std::vector<uint32_t> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Groups:", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    uint32_t g = 0;
    while (words >> g) out.push_back(g);
  }
  return out;
}

bool send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // error, or the send timeout passed
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void UnixServer::stream_events(int fd, EventQuery query) {
  const EventHub* hub = service_.event_hub();
  if (hub == nullptr) return;
  query.limit = 1024;
  char discard[4096];
  while (!stopping_) {
    // The client leaving ends the subscription; what it sends is ignored.
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0) {
      if ((p.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0) return;
      if ((p.revents & POLLIN) != 0 && ::recv(fd, discard, sizeof discard, MSG_DONTWAIT) == 0) return;
    }
    if (!hub->wait(query.after, std::chrono::milliseconds(500))) continue;
    uint64_t last = 0;
    bool gap = false;
    const std::vector<NumberedEvent> events = hub->query(query, &last, &gap);
    std::string out;
    if (gap) out += nlohmann::json{{"v", 1}, {"gap", {{"after", query.after}}}}.dump() + "\n";
    for (const NumberedEvent& e : events) out += nlohmann::json{{"v", 1}, {"event", event_json(e)}}.dump() + "\n";
    query.after = events.size() == query.limit ? events.back().sequence : last;
    if (!out.empty() && !send_all(fd, out)) {
      ++stats_.dropped;
      return;
    }
  }
}

UnixServer::UnixServer(Service& service, ServerConfig config) : service_(service), config_(std::move(config)) {}

UnixServer::~UnixServer() { stop(); }

bool UnixServer::start(std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (config_.socketPath.empty() || config_.socketPath.size() >= sizeof addr.sun_path) {
    *error = "socket path '" + config_.socketPath + "' is empty or too long";
    return false;
  }
  std::memcpy(addr.sun_path, config_.socketPath.c_str(), config_.socketPath.size() + 1);
  // A live server on the path is an error; a stale socket file is removed.
  if (std::filesystem::exists(config_.socketPath)) {
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (probe >= 0) ::close(probe);
    if (live) {
      *error = "another wfpd is listening on " + config_.socketPath;
      return false;
    }
    ::unlink(config_.socketPath.c_str());
  }
  listenFd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  // No window with wider permissions: the socket is created under a umask
  // that leaves only the owner, then given its mode.
  const mode_t old = ::umask(0177);
  const int bound = ::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (bound != 0 || ::chmod(config_.socketPath.c_str(), config_.socketMode) != 0 ||
      (config_.socketGroup >= 0 &&
       ::chown(config_.socketPath.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(config_.socketGroup)) != 0) ||
      ::listen(listenFd_, 64) != 0) {
    *error = config_.socketPath + ": " + std::strerror(errno);
    ::close(listenFd_);
    listenFd_ = -1;
    return false;
  }
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC);
  acceptor_ = std::thread([this] { accept_loop(); });
  return true;
}

void UnixServer::stop() {
  if (listenFd_ < 0) return;
  stopping_ = true;
  const uint64_t one = 1;
  if (::write(wakeFd_, &one, sizeof one) < 0) { /* the acceptor polls with a timeout too */ }
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (Client& c : clients_) ::shutdown(c.fd, SHUT_RDWR);
  }
  for (Client& c : clients_) {
    if (c.thread.joinable()) c.thread.join();
    ::close(c.fd);
  }
  clients_.clear();
  ::close(listenFd_);
  ::close(wakeFd_);
  listenFd_ = wakeFd_ = -1;
  ::unlink(config_.socketPath.c_str());
}

size_t UnixServer::clients() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const Client& c : clients_) n += c.done ? 0u : 1u;
  return n;
}

void UnixServer::reap() {
  std::lock_guard lock(mutex_);
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->done) {
      it->thread.join();
      ::close(it->fd);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

void UnixServer::accept_loop() {
  while (!stopping_) {
    pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    if (::poll(fds, 2, 1000) < 0 && errno != EINTR) break;
    reap();
    if (stopping_ || (fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++stats_.accepted;
    std::lock_guard lock(mutex_);
    size_t live = 0;
    for (const Client& c : clients_) live += c.done ? 0u : 1u;
    if (live >= config_.maxClients) {
      ++stats_.refusedTooMany;
      CallError e{Status::INSUFFICIENT_RESOURCES, "too many clients (" + std::to_string(config_.maxClients) + ")", {}};
      send_all(fd, make_error(nullptr, e));
      ::close(fd);
      continue;
    }
    timeval tv{config_.sendTimeoutMs / 1000, (config_.sendTimeoutMs % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    Client& c = clients_.emplace_back();
    c.fd = fd;
    c.thread = std::thread([this, &c] { serve(&c); });
  }
}

void UnixServer::serve(Client* client) {
  const int fd = client->fd;
  ucred cred{};
  socklen_t len = sizeof cred;
  Caller caller;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    caller.uid = cred.uid;
    caller.gid = cred.gid;
    caller.groups = groups_of(cred.pid);
  } else {
    caller.uid = caller.gid = UINT32_MAX;  // unknown: no rights
  }
  const SessionId session = service_.open_session(caller);
  std::string buffer;
  char chunk[16384];
  bool open = true;
  while (open && !stopping_) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; open && (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string_view line(buffer.data() + start, nl - start);
      if (line.empty() || line == "\r") continue;
      if (line.size() > config_.maxRequestBytes) {
        ++stats_.oversize;
        send_all(fd, make_error(nullptr, {Status::INVALID_PARAMETER, "the request is over " +
                                                                         std::to_string(config_.maxRequestBytes) + " bytes", {}}));
        open = false;
        break;
      }
      ++stats_.requests;
      Request request;
      CallError error;
      nlohmann::json id;
      std::string answer;
      nlohmann::json result;
      bool subscribed = false;
      if (parse_request(line, &request, &error, &id) &&
          service_.call(session, request.method, request.params, &result, &error)) {
        answer = make_result(request.id, result);
        subscribed = request.method == "events.subscribe";
      } else {
        ++stats_.errors;
        answer = make_error(id, error);
      }
      if (!send_all(fd, answer)) {
        ++stats_.dropped;
        open = false;
      }
      if (open && subscribed) {
        // From here the connection carries events until the client leaves.
        EventQuery query;
        Service::event_query(request.params, &query, nullptr);
        query.after = result.value("last", uint64_t{0});
        stream_events(fd, query);
        open = false;
      }
    }
    buffer.erase(0, std::min(start, buffer.size()));
    if (open && buffer.size() > config_.maxRequestBytes) {  // a line that never ends
      ++stats_.oversize;
      send_all(fd, make_error(nullptr, {Status::INVALID_PARAMETER, "the request is over " +
                                                                       std::to_string(config_.maxRequestBytes) + " bytes", {}}));
      open = false;
    }
  }
  service_.close_session(session);
  // The descriptor is closed by whoever joins this thread (reap, stop), so
  // that its number is not reused while stop() may still shut it down.
  ::shutdown(fd, SHUT_RDWR);
  client->done = true;
}

}  // namespace openwfp::daemon
