// Sends packets openwfp makes or releases (injections, a pended connect's
// packet, the segments of an edited stream) that stand for no queued
// packet: outbound ones through raw IPv4/IPv6 sockets with IP_HDRINCL,
// carrying the ruleset's mark so that they are not queued again; inbound
// ones into the local stack through a TUN device of openwfp's (the ruleset
// lets packets arriving on it through unqueued; its reverse-path filter is
// off). Checksums are the stack's (it writes them when it makes or edits a
// packet).
#pragma once

#include <cstdint>
#include <string>

namespace openwfp::live {

struct InjectorStats {
  uint64_t sent = 0;
  uint64_t failed = 0;      // the kernel refused the send (no route, ...)
  uint64_t received = 0;    // inbound packets delivered through the TUN device
  uint64_t receiveFailed = 0;
};

// The TUN device inbound injections arrive on: made by open_inbound(),
// gone when its last descriptor closes.
inline constexpr const char* kInjectInterface = "openwfp-inject";

class Injector {
 public:
  Injector() = default;
  ~Injector();
  Injector(const Injector&) = delete;
  Injector& operator=(const Injector&) = delete;

  // Opens the raw sockets; false with `error` (not root).
  bool open(uint32_t mark, std::string* error);
  // Uses `tunFd` (open_inbound's, shared by the workers: each write is one
  // packet) for inbound packets; -1: none (they are counted as failed).
  void set_inbound(int tunFd) noexcept { tun_ = tunFd; }
  // An IP packet (version from its first nibble), out as it is.
  bool send_outbound(const uint8_t* ip, uint32_t length) noexcept;
  // An IP packet delivered to this host as if it had arrived.
  bool send_inbound(const uint8_t* ip, uint32_t length) noexcept;

  // Makes the TUN device `name` (up, reverse-path filter off); its
  // descriptor, or -1 with `error`.
  static int open_inbound(const std::string& name, std::string* error);
  const InjectorStats& stats() const noexcept { return stats_; }

 private:
  int v4_ = -1, v6_ = -1;
  int tun_ = -1;  // not owned
  InjectorStats stats_;
};

}  // namespace openwfp::live
