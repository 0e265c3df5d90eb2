#include "craft/craft.hpp"

#include <cstdlib>
#include <cstring>

#include "openwfp/checksum.hpp"

namespace openwfp::craft {
namespace {

// to += from. Not vector::insert: g++ 12 at -O3 reports its inlined copy as
// out of bounds (a false -Warray-bounds).
void append(Bytes& to, const Bytes& from) {
  if (from.empty()) return;
  const size_t at = to.size();
  to.resize(at + from.size());
  std::memcpy(to.data() + at, from.data(), from.size());
}

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put32(Bytes& b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

const uint8_t kHostMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
const uint8_t kPeerMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

}  // namespace

uint32_t v4(int a, int b, int c, int d) {
  return (static_cast<uint32_t>(a) << 24) | (static_cast<uint32_t>(b) << 16) | (static_cast<uint32_t>(c) << 8) |
         static_cast<uint32_t>(d);
}

ByteArray16 v6(const std::string& t) {
  ByteArray16 a;
  if (!parse_ipv6(t, &a)) std::abort();
  return a;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const Bytes& data,
          TcpOptions o) {
  Bytes opts;
  if (o.mss != 0) opts.insert(opts.end(), {2, 4, static_cast<uint8_t>(o.mss >> 8), static_cast<uint8_t>(o.mss)});
  if (o.windowScale >= 0) opts.insert(opts.end(), {1, 3, 3, static_cast<uint8_t>(o.windowScale)});
  while (opts.size() % 4 != 0) opts.push_back(0);
  const size_t hl = 20 + opts.size();
  Bytes t(20);
  put16(t, 0, sport);
  put16(t, 2, dport);
  put32(t, 4, seq);
  put32(t, 8, ack);
  t[12] = static_cast<uint8_t>((hl / 4) << 4);
  t[13] = flags;
  put16(t, 14, o.window);
  append(t, opts);
  append(t, data);
  return t;
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& data) {
  Bytes u(8);
  put16(u, 0, sport);
  put16(u, 2, dport);
  put16(u, 4, static_cast<uint16_t>(8 + data.size()));
  append(u, data);
  return u;
}

Bytes icmp(uint8_t type, uint8_t code, uint16_t id, uint16_t seq, const Bytes& data) {
  Bytes i(8);
  i[0] = type;
  i[1] = code;
  put16(i, 4, id);
  put16(i, 6, seq);
  append(i, data);
  return i;
}

Bytes ipv4(uint32_t src, uint32_t dst, uint8_t protocol, const Bytes& l4, uint16_t id, uint8_t ttl) {
  Bytes ip(20);
  ip[0] = 0x45;
  put16(ip, 2, static_cast<uint16_t>(20 + l4.size()));
  put16(ip, 4, id);
  ip[8] = ttl;
  ip[9] = protocol;
  put32(ip, 12, src);
  put32(ip, 16, dst);
  append(ip, l4);
  transport_set_checksum(ip.data(), protocol, 20, l4.size());
  ipv4_set_header_checksum(ip.data(), 20);
  return ip;
}

std::vector<Bytes> ipv4_fragments(const Bytes& datagram, const std::vector<uint32_t>& sizes) {
  const size_t hl = static_cast<size_t>(datagram[0] & 0x0F) * 4;
  std::vector<Bytes> out;
  size_t offset = 0;
  const size_t total = datagram.size() - hl;
  for (size_t i = 0; i <= sizes.size(); ++i) {
    const size_t len = i < sizes.size() ? sizes[i] : total - offset;
    Bytes f(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(hl));
    f.insert(f.end(), datagram.begin() + static_cast<std::ptrdiff_t>(hl + offset),
             datagram.begin() + static_cast<std::ptrdiff_t>(hl + offset + len));
    put16(f, 2, static_cast<uint16_t>(hl + len));
    const bool more = i < sizes.size();
    put16(f, 6, static_cast<uint16_t>((more ? 0x2000 : 0) | (offset / 8)));
    put16(f, 10, 0);
    ipv4_set_header_checksum(f.data(), hl);
    out.push_back(std::move(f));
    offset += len;
  }
  return out;
}

Bytes ipv6(const ByteArray16& src, const ByteArray16& dst, uint8_t next_header, const Bytes& l4, uint8_t hop_limit) {
  Bytes ip(40);
  ip[0] = 0x60;
  put16(ip, 4, static_cast<uint16_t>(l4.size()));
  ip[6] = next_header;
  ip[7] = hop_limit;
  std::memcpy(ip.data() + 8, src.byteArray16, 16);
  std::memcpy(ip.data() + 24, dst.byteArray16, 16);
  append(ip, l4);
  transport_set_checksum(ip.data(), next_header, 40, l4.size());
  return ip;
}

std::vector<Bytes> ipv6_fragments(const Bytes& datagram, uint32_t id, const std::vector<uint32_t>& sizes) {
  const uint8_t next = datagram[6];
  const size_t total = datagram.size() - 40;
  std::vector<Bytes> out;
  size_t offset = 0;
  for (size_t i = 0; i <= sizes.size(); ++i) {
    const size_t len = i < sizes.size() ? sizes[i] : total - offset;
    Bytes f(datagram.begin(), datagram.begin() + 40);
    f[6] = 44;  // fragment header
    Bytes fh(8);
    fh[0] = next;
    const bool more = i < sizes.size();
    put16(fh, 2, static_cast<uint16_t>(offset | (more ? 1 : 0)));
    put32(fh, 4, id);
    append(f, fh);
    f.insert(f.end(), datagram.begin() + static_cast<std::ptrdiff_t>(40 + offset),
             datagram.begin() + static_cast<std::ptrdiff_t>(40 + offset + len));
    put16(f, 4, static_cast<uint16_t>(8 + len));
    out.push_back(std::move(f));
    offset += len;
  }
  return out;
}

Bytes ethernet(const Bytes& ip, bool from_host) {
  Bytes f(14);
  for (size_t i = 0; i < 6; ++i) {
    f[i] = from_host ? kPeerMac[i] : kHostMac[i];
    f[6 + i] = from_host ? kHostMac[i] : kPeerMac[i];
  }
  put16(f, 12, (ip[0] >> 4) == 6 ? 0x86DD : 0x0800);
  append(f, ip);
  return f;
}

}  // namespace openwfp::craft
