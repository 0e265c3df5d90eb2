// Rewriting one end of a UDP datagram in place: an address and a port, with
// the IPv4 header checksum and the UDP checksum updated incrementally
// (RFC 1624), so the rest of the datagram is never read.
#pragma once

#include <cstdint>

namespace openwfp::callouts::dd_proxy {

enum class End : uint8_t { SOURCE, DESTINATION };

// `ip` points at the IP header (`ipHeaderSize` bytes, version 4 or 6), the
// UDP header follows it. `address` is 4 or 16 bytes in network order as the
// IP version needs, `port` in host order. The old address is copied to
// `oldAddress` (4 or 16 bytes) and the old port returned through `oldPort`.
void rewrite_end(uint8_t* ip, uint32_t ipHeaderSize, End end, const uint8_t* address, uint16_t port,
                 uint8_t* oldAddress, uint16_t* oldPort) noexcept;

}  // namespace openwfp::callouts::dd_proxy
