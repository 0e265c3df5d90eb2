// wfpd's socket: a Unix stream socket, one thread per connected client (at
// most maxClients), each connection one dynamic session of the Service,
// closed however the connection ends. A client that stalls holds only its
// own thread: a request waiting for the transaction lock, or an answer the
// client does not read (dropped after sendTimeoutMs), delays no one else.
// The caller's uid, gid and supplementary groups come from the socket
// (SO_PEERCRED) and /proc.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/event_hub.hpp"
#include "daemon/service.hpp"

namespace openwfp::daemon {

struct ServerConfig {
  std::string socketPath = "/run/openwfp/wfpd.sock";
  uint32_t socketMode = 0660;
  int64_t socketGroup = -1;             // chgrp the socket to this gid (-1: leave it)
  size_t maxRequestBytes = 1u << 20;    // a longer line is refused and the connection closed
  size_t maxClients = 64;
  int sendTimeoutMs = 5000;             // a client that does not read its answers is dropped
};

struct ServerStats {
  std::atomic<uint64_t> accepted{0}, refusedTooMany{0}, requests{0}, errors{0}, oversize{0}, dropped{0};
};

class UnixServer {
 public:
  UnixServer(Service& service, ServerConfig config);
  ~UnixServer();  // stop()
  UnixServer(const UnixServer&) = delete;
  UnixServer& operator=(const UnixServer&) = delete;

  // Binds and listens (a stale socket file is replaced; a live server on the
  // path is an error), then accepts on a thread of its own.
  bool start(std::string* error);
  // Stops accepting, ends every connection (their sessions close), joins.
  void stop();
  const ServerStats& stats() const noexcept { return stats_; }
  size_t clients() const;

 private:
  struct Client;
  void accept_loop();
  void serve(Client* client);
  // After events.subscribe: sends the matching events as they come (lines
  // { "v": 1, "event": ... }) until the client leaves or the server stops.
  void stream_events(int fd, EventQuery query);
  void reap();

  Service& service_;
  ServerConfig config_;
  int listenFd_ = -1;
  int wakeFd_ = -1;  // eventfd: stop() wakes the acceptor
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::list<Client> clients_;
  ServerStats stats_;
};

}  // namespace openwfp::daemon
