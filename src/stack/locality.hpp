// Which addresses belong to this host: prefixes given with --local (or
// chosen by the caller), and the NL_ADDRESS_TYPE of an address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "openwfp/value.hpp"

namespace openwfp::stack {

struct Prefix {
  uint8_t ipVersion = 4;
  ByteArray16 address;  // IPv4 in the first four bytes
  uint8_t length = 0;
};

// "10.0.0.0/8", "192.168.1.5" (a host), "2001:db8::/32". False on bad text.
bool parse_prefix(std::string_view text, Prefix* out);
std::string format_prefix(const Prefix& p);

class Locality;
// Adds each of `texts` (a prefix or an address) to `into`, and its
// canonical text to `names` (when given). False with `error` naming the
// first that is neither; those before it are added.
bool add_prefixes(const std::vector<std::string>& texts, Locality* into, std::vector<std::string>* names,
                  std::string* error);

class Locality {
 public:
  void add(const Prefix& p) { prefixes_.push_back(p); }
  bool empty() const noexcept { return prefixes_.empty(); }
  const std::vector<Prefix>& prefixes() const noexcept { return prefixes_; }
  bool is_local_v4(uint32_t host_order) const noexcept;
  bool is_local_v6(const ByteArray16& a) const noexcept;

 private:
  std::vector<Prefix> prefixes_;
};

// NL_ADDRESS_TYPE: UNICAST 1, MULTICAST 3, BROADCAST 4 (the stack's view).
inline constexpr uint8_t kNlAddressUnicast = 1, kNlAddressMulticast = 3, kNlAddressBroadcast = 4;
uint8_t address_type_v4(uint32_t host_order) noexcept;
uint8_t address_type_v6(const ByteArray16& a) noexcept;
bool is_loopback_v4(uint32_t host_order) noexcept;
bool is_loopback_v6(const ByteArray16& a) noexcept;

}  // namespace openwfp::stack
