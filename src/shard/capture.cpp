#include "shard/capture.hpp"

#include <array>
#include <cstring>
#include <filesystem>
#include <map>
#include <utility>

#include "decode/packet.hpp"
#include "flow/flow_key.hpp"
#include "io/pcap_file.hpp"

namespace openwfp::shard {

bool load_capture(const std::string& path, LoadedCapture* out, std::string* error) {
  io::CaptureReader reader;
  if (!reader.open(path, error)) return false;
  *out = LoadedCapture{};
  out->linkType = reader.link_type();
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec) out->bytes.reserve(static_cast<size_t>(size));
  std::vector<size_t> offsets;
  io::Frame f;
  int rc = 0;
  while ((rc = reader.next(&f)) == 1) {
    offsets.push_back(out->bytes.size());
    out->bytes.insert(out->bytes.end(), f.data, f.data + f.caplen);
    out->frames.push_back(FrameRef{f.timestampNs / 1000, nullptr, f.caplen, f.wireLength});
  }
  // Pointers once the arena has its final place.
  for (size_t i = 0; i < offsets.size(); ++i) out->frames[i].data = out->bytes.data() + offsets[i];
  if (rc < 0 && out->frames.empty()) {
    *error = reader.error();
    return false;
  }
  return true;
}

void BusiestAddresses::count(uint32_t linkType, const uint8_t* frame, uint32_t caplen, uint32_t wireLength) {
  decode::DecodedPacket p;
  if (decode::decode_frame(linkType, frame, caplen, wireLength, &p) != decode::DropReason::NONE &&
      p.ipHeaderLength == 0) {
    return;
  }
  if (p.ipVersion != 4 && p.ipVersion != 6) return;
  for (int side = 0; side < 2; ++side) {
    ByteArray16 a;
    if (p.ipVersion == 4) {
      flow::put_v4(&a, side == 0 ? p.v4Source : p.v4Destination);
    } else {
      a = side == 0 ? p.v6Source : p.v6Destination;
    }
    std::array<uint8_t, 16> key{};
    std::memcpy(key.data(), a.byteArray16, 16);
    auto& c = counts_[{p.ipVersion, key}];
    if (c.first == 0) c.second = order_++;
    ++c.first;
  }
}

void BusiestAddresses::choose(stack::Locality* out, std::vector<std::string>* chosen) const {
  for (uint8_t version : {uint8_t{4}, uint8_t{6}}) {
    const decltype(counts_)::value_type* best = nullptr;
    for (const auto& e : counts_) {
      if (e.first.first != version) continue;
      if (best == nullptr || e.second.first > best->second.first ||
          (e.second.first == best->second.first && e.second.second < best->second.second)) {
        best = &e;
      }
    }
    if (best == nullptr) continue;
    stack::Prefix p;
    p.ipVersion = version;
    std::memcpy(p.address.byteArray16, best->first.second.data(), 16);
    p.length = version == 4 ? 32 : 128;
    out->add(p);
    if (chosen != nullptr) chosen->push_back(stack::format_prefix(p));
  }
}

void busiest_addresses(const LoadedCapture& capture, stack::Locality* out, std::vector<std::string>* chosen) {
  BusiestAddresses b;
  for (const FrameRef& f : capture.frames) b.count(capture.linkType, f.data, f.caplen, f.wireLength);
  b.choose(out, chosen);
}

}  // namespace openwfp::shard
