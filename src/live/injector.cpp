#include "live/injector.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace openwfp::live {

Injector::~Injector() {
  if (v4_ >= 0) ::close(v4_);
  if (v6_ >= 0) ::close(v6_);
}

bool Injector::open(uint32_t mark, std::string* error) {
  v4_ = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);  // IPPROTO_RAW implies IP_HDRINCL
  v6_ = ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (v4_ < 0 || v6_ < 0) {
    *error = std::string("raw socket for injection: ") + std::strerror(errno);
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

}  // namespace openwfp::live
