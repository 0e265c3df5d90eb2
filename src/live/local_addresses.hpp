// This host's addresses (every interface's, from getifaddrs), as the
// stack's locality: a packet to one of them is inbound, from one outbound,
// neither forwarded.
#pragma once

#include <string>
#include <vector>

#include "stack/locality.hpp"

namespace openwfp::live {

// Adds each interface address as a host prefix (/32, /128) to `into`, and
// its text to `names`. False when the interfaces cannot be read.
bool add_interface_addresses(stack::Locality* into, std::vector<std::string>* names);

}  // namespace openwfp::live
