#include "live/injector.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
extern "C" {
#include <linux/if_tun.h>
}

#include <cerrno>
#include <cstring>
#include <fstream>

namespace openwfp::live {

Injector::~Injector() {
  if (v4_ >= 0) ::close(v4_);
  if (v6_ >= 0) ::close(v6_);
}

bool Injector::open(uint32_t mark, std::string* error) {
  v4_ = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);  // IPPROTO_RAW implies IP_HDRINCL
  v6_ = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (v4_ < 0 || v6_ < 0) {
    *error = std::string("raw socket for injection: ") + std::strerror(errno) +
             (errno == EPERM ? " (live traffic needs CAP_NET_RAW: run as root)" : "");
    return false;
  }
  for (int fd : {v4_, v6_}) {
    if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
      *error = std::string("SO_MARK on the injection socket: ") + std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool Injector::send_outbound(const uint8_t* ip, uint32_t length) noexcept {
  if (length < 20) {
    ++stats_.failed;
    return false;
  }
  ssize_t n = -1;
  if ((ip[0] >> 4) == 4 && v4_ >= 0) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    std::memcpy(&to.sin_addr, ip + 16, 4);
    n = ::sendto(v4_, ip, length, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  } else if ((ip[0] >> 4) == 6 && v6_ >= 0 && length >= 40) {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    std::memcpy(&to.sin6_addr, ip + 24, 16);
    n = ::sendto(v6_, ip, length, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }
  if (n != static_cast<ssize_t>(length)) {
    ++stats_.failed;
    return false;
  }
  ++stats_.sent;
  return true;
}

bool Injector::send_inbound(const uint8_t* ip, uint32_t length) noexcept {
  if (tun_ < 0 || length < 20 || ::write(tun_, ip, length) != static_cast<ssize_t>(length)) {
    ++stats_.receiveFailed;
    return false;
  }
  ++stats_.received;
  return true;
}

int Injector::open_inbound(const std::string& name, std::string* error) {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = std::string("/dev/net/tun: ") + std::strerror(errno);
    return -1;
  }
  ifreq req{};
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  req.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (::ioctl(fd, TUNSETIFF, &req) != 0) {
    *error = "TUN device " + name + ": " + std::strerror(errno) +
             (errno == EPERM ? " (live traffic needs CAP_NET_ADMIN: run as root)" : "");
    ::close(fd);
    return -1;
  }
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq up{};
  std::strncpy(up.ifr_name, name.c_str(), IFNAMSIZ - 1);
  bool ok = s >= 0 && ::ioctl(s, SIOCGIFFLAGS, &up) == 0;
  up.ifr_flags = static_cast<short>(up.ifr_flags | IFF_UP);
  ok = ok && ::ioctl(s, SIOCSIFFLAGS, &up) == 0;
  if (s >= 0) ::close(s);
  if (!ok) {
    *error = "TUN device " + name + ": cannot bring it up: " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  // A packet from a remote address arrives here, not on the interface that
  // routes to it: the reverse-path filter must not drop it (the effective
  // setting is the larger of `all` and the device's).
  std::ofstream("/proc/sys/net/ipv4/conf/" + name + "/rp_filter") << "0";
  std::ofstream("/proc/sys/net/ipv4/conf/" + name + "/accept_local") << "1";
  return fd;
}

}  // namespace openwfp::live
