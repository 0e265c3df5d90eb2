#include "live/local_addresses.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

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
