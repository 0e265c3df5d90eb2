#include "stack/locality.hpp"

#include <charconv>
#include <cstring>

#include "flow/flow_key.hpp"

namespace openwfp::stack {
namespace {

bool prefix_match(const uint8_t* a, const uint8_t* b, unsigned bits) noexcept {
  const unsigned full = bits / 8;
  if (std::memcmp(a, b, full) != 0) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF00u >> rest);
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

bool parse_prefix(std::string_view text, Prefix* out) {
  const size_t slash = text.find('/');
  const std::string_view addr = text.substr(0, slash);
  Prefix p;
  if (addr.find(':') != std::string_view::npos) {
    p.ipVersion = 6;
    if (!parse_ipv6(addr, &p.address)) return false;
    p.length = 128;
  } else {
    uint32_t v4 = 0;
    if (!parse_ipv4(addr, &v4)) return false;
    flow::put_v4(&p.address, v4);
    p.length = 32;
  }
  if (slash != std::string_view::npos) {
    const std::string_view len = text.substr(slash + 1);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
    if (ec != std::errc{} || end != len.data() + len.size() || n > p.length) return false;
    p.length = static_cast<uint8_t>(n);
  }
  *out = p;
  return true;
}

std::string format_prefix(const Prefix& p) {
  const std::string a = p.ipVersion == 4 ? format_ipv4(flow::get_v4(p.address)) : format_ipv6(p.address);
  return a + "/" + std::to_string(p.length);
}

bool Locality::is_local_v4(uint32_t host_order) const noexcept {
  ByteArray16 a;
  flow::put_v4(&a, host_order);
  for (const Prefix& p : prefixes_) {
    if (p.ipVersion == 4 && prefix_match(a.byteArray16, p.address.byteArray16, p.length)) return true;
  }
  return false;
}

bool Locality::is_local_v6(const ByteArray16& a) const noexcept {
  for (const Prefix& p : prefixes_) {
    if (p.ipVersion == 6 && prefix_match(a.byteArray16, p.address.byteArray16, p.length)) return true;
  }
  return false;
}

uint8_t address_type_v4(uint32_t a) noexcept {
  if (a == 0xFFFFFFFFu) return kNlAddressBroadcast;
  if ((a >> 28) == 0xE) return kNlAddressMulticast;
  return kNlAddressUnicast;
}

uint8_t address_type_v6(const ByteArray16& a) noexcept {
  return a.byteArray16[0] == 0xFF ? kNlAddressMulticast : kNlAddressUnicast;
}

bool is_loopback_v4(uint32_t a) noexcept { return (a >> 24) == 127; }

bool is_loopback_v6(const ByteArray16& a) noexcept {
  for (int i = 0; i < 15; ++i) {
    if (a.byteArray16[i] != 0) return false;
  }
  return a.byteArray16[15] == 1;
}

bool add_prefixes(const std::vector<std::string>& texts, Locality* into, std::vector<std::string>* names,
                  std::string* error) {
  for (const std::string& text : texts) {
    Prefix p;
    if (!parse_prefix(text, &p)) {
      *error = "local address '" + text + "' is not an address or prefix";
      return false;
    }
    into->add(p);
    if (names != nullptr) names->push_back(format_prefix(p));
  }
  return true;
}

}  // namespace openwfp::stack
