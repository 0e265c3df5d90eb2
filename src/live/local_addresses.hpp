// This host's addresses (every interface's, from getifaddrs), as the
// stack's locality: a packet to one of them is inbound, from one outbound,
// neither forwarded. AddressWatch tells when they change (rtnetlink's
// address groups), so live traffic follows an address added or removed.
#pragma once

#include <string>
#include <vector>

#include "stack/locality.hpp"

namespace openwfp::live {

// Adds each interface address as a host prefix (/32, /128) to `into`, and
// its text to `names`. False when the interfaces cannot be read.
bool add_interface_addresses(stack::Locality* into, std::vector<std::string>* names);

// RTM_NEWADDR / RTM_DELADDR notifications for IPv4 and IPv6.
class AddressWatch {
 public:
  AddressWatch() = default;
  ~AddressWatch();
  AddressWatch(const AddressWatch&) = delete;
  AddressWatch& operator=(const AddressWatch&) = delete;
  bool open(std::string* error);
  // Waits up to `timeoutMs` for notifications and reads them all; true when
  // an address was added or removed (or notifications were lost: the caller
  // reads the addresses again either way).
  bool changed(int timeoutMs) noexcept;

 private:
  int fd_ = -1;
};

}  // namespace openwfp::live
