// A capture held in memory for replay by the workers: one arena of frame
// bytes and a reference per frame, so a replay measures processing, not
// I/O, and can run as many times as wanted.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "shard/workers.hpp"
#include "stack/locality.hpp"

namespace openwfp::shard {

struct LoadedCapture {
  uint32_t linkType = 0;
  std::vector<uint8_t> bytes;
  std::vector<FrameRef> frames;  // into `bytes`
  // Capture time from the first frame to the last, in microseconds.
  uint64_t span_us() const noexcept {
    return frames.empty() ? 0 : frames.back().timestampUs - frames.front().timestampUs;
  }
};

// Reads a pcap or pcapng file whole; false with `error` (naming the file)
// when it cannot be read. A file cut short keeps the frames before the cut.
bool load_capture(const std::string& path, LoadedCapture* out, std::string* error);

// The address seen in the most packets, per IP version (ties: the one seen
// first): "this host" of a capture taken on one machine. Frames are
// counted one by one (a capture need not be in memory); choose() adds each
// chosen address to `out` as a host prefix and its text to `chosen`.
class BusiestAddresses {
 public:
  void count(uint32_t linkType, const uint8_t* frame, uint32_t caplen, uint32_t wireLength);
  void choose(stack::Locality* out, std::vector<std::string>* chosen) const;

 private:
  // (version, address) -> (packets, order first seen)
  std::map<std::pair<uint8_t, std::array<uint8_t, 16>>, std::pair<uint64_t, uint64_t>> counts_;
  uint64_t order_ = 0;
};

// The busiest addresses of a capture in memory.
void busiest_addresses(const LoadedCapture& capture, stack::Locality* out, std::vector<std::string>* chosen);

}  // namespace openwfp::shard
