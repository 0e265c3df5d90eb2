#include "dd-proxy/rewrite.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "openwfp/checksum.hpp"

namespace openwfp::callouts::dd_proxy {
namespace {

uint16_t load16(const uint8_t* p) noexcept {
  uint16_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}
uint32_t load32(const uint8_t* p) noexcept {
  uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store16(uint8_t* p, uint16_t v) noexcept { std::memcpy(p, &v, sizeof v); }

}  // namespace

void rewrite_end(uint8_t* ip, uint32_t ipHeaderSize, End end, const uint8_t* address, uint16_t port,
                 uint8_t* oldAddress, uint16_t* oldPort) noexcept {
  const bool v4 = (ip[0] >> 4) == 4;
  const uint32_t addressSize = v4 ? 4 : 16;
  uint8_t* at = ip + (v4 ? (end == End::SOURCE ? 12 : 16) : (end == End::SOURCE ? 8 : 24));
  uint8_t* udp = ip + ipHeaderSize;
  uint8_t* portAt = udp + (end == End::SOURCE ? 0 : 2);
  uint16_t udpSum = load16(udp + 6);
  // IPv4 UDP may carry no checksum (0): it stays without one.
  const bool hasUdpSum = !v4 || udpSum != 0;
  std::memcpy(oldAddress, at, addressSize);
  for (uint32_t k = 0; k < addressSize; k += 4) {
    const uint32_t before = load32(at + k), after = load32(address + k);
    if (v4) store16(ip + 10, checksum_update32(load16(ip + 10), before, after));
    if (hasUdpSum) udpSum = checksum_update32(udpSum, before, after);  // the pseudo-header holds the address
  }
  std::memcpy(at, address, addressSize);
  const uint16_t before = load16(portAt), after = htons(port);
  *oldPort = ntohs(before);
  if (hasUdpSum) udpSum = checksum_update16(udpSum, before, after);
  store16(portAt, after);
  if (hasUdpSum) store16(udp + 6, udpSum == 0 ? 0xFFFF : udpSum);  // 0 means "none" in UDP
}

}  // namespace openwfp::callouts::dd_proxy
