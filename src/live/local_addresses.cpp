#include "live/local_addresses.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstring>

namespace openwfp::live {

bool add_interface_addresses(stack::Locality* into, std::vector<std::string>* names) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    stack::Prefix p;
    if (a->ifa_addr->sa_family == AF_INET) {
      p.ipVersion = 4;
      p.length = 32;
      std::memcpy(p.address.byteArray16, &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      p.ipVersion = 6;
      p.length = 128;
      std::memcpy(p.address.byteArray16, &reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    into->add(p);
    if (names != nullptr) names->push_back(stack::format_prefix(p));
  }
  ::freeifaddrs(list);
  return true;
}

}  // namespace openwfp::live

namespace openwfp::live {

AddressWatch::~AddressWatch() {
  if (fd_ >= 0) ::close(fd_);
}

bool AddressWatch::open(std::string* error) {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  sockaddr_nl at{};
  at.nl_family = AF_NETLINK;
  at.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
    *error = std::string("address notifications (rtnetlink): ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool AddressWatch::changed(int timeoutMs) noexcept {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeoutMs) != 1) return false;
  bool any = false;
  alignas(nlmsghdr) char buffer[16384];
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == ENOBUFS) any = true;  // some were lost: read everything again
      if (errno == EINTR || errno == ENOBUFS) continue;
      break;  // EAGAIN: all read
    }
    size_t offset = 0;
    while (offset + sizeof(nlmsghdr) <= static_cast<size_t>(n)) {
      nlmsghdr header;
      std::memcpy(&header, buffer + offset, sizeof header);
      if (header.nlmsg_len < sizeof(nlmsghdr) || offset + header.nlmsg_len > static_cast<size_t>(n)) break;
      if (header.nlmsg_type == RTM_NEWADDR || header.nlmsg_type == RTM_DELADDR) any = true;
      offset += (header.nlmsg_len + 3u) & ~size_t{3};
    }
  }
  return any;
}

}  // namespace openwfp::live
