// Sends packets openwfp makes or releases (injections, a pended connect's
// packet, the segments of an edited stream) onto the wire: outbound ones
// through raw IPv4/IPv6 sockets with IP_HDRINCL, carrying the ruleset's
// mark so that they are not queued again. Checksums are the stack's (it
// writes them when it makes or edits a packet).
#pragma once

#include <cstdint>
#include <string>

namespace openwfp::live {

struct InjectorStats {
  uint64_t sent = 0;
  uint64_t failed = 0;  // the kernel refused the send (no route, ...)
};

class Injector {
 public:
  Injector() = default;
  ~Injector();
  Injector(const Injector&) = delete;
  Injector& operator=(const Injector&) = delete;

  // Opens the raw sockets; false with `error` (not root).
  bool open(uint32_t mark, std::string* error);
  // An IP packet (version from its first nibble), out as it is.
  bool send_outbound(const uint8_t* ip, uint32_t length) noexcept;
  const InjectorStats& stats() const noexcept { return stats_; }

 private:
  int v4_ = -1, v6_ = -1;
  InjectorStats stats_;
};

}  // namespace openwfp::live
