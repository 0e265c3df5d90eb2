// The bytes of one STREAM layer indication, visited where they lie (the
// MDLs of the indication's NET_BUFFER_LIST chain) instead of copied out with
// FwpsCopyStreamDataToBuffer0: no buffer to size or allocate, and a pattern
// split over two pieces is still seen whole by a streaming matcher.
#pragma once

#include <cstddef>
#include <cstdint>

#include "openwfp/fwps.hpp"
#include "openwfp/netbuf.hpp"

namespace openwfp::callouts::dpi {

// Calls f(const uint8_t* bytes, size_t count) for each contiguous piece of
// the indication, in stream order, streamData.dataLength bytes at most
// (from the start of the chain, as FwpsCopyStreamDataToBuffer0 copies).
// f returns false to stop. Returns the bytes visited: fewer than dataLength
// when the chain holds fewer (the stack could not describe them).
template <typename F>
size_t for_each_stream_piece(const StreamData& streamData, F&& f) {
  size_t left = streamData.dataLength;
  size_t visited = 0;
  bool go = true;
  for (const NetBufferList* nbl = streamData.netBufferListChain; nbl != nullptr && left > 0 && go; nbl = nbl->next) {
    for (const NetBuffer* nb = nbl->firstNetBuffer; nb != nullptr && left > 0 && go; nb = nb->next) {
      const uint32_t want = left < nb->dataLength ? static_cast<uint32_t>(left) : nb->dataLength;
      const uint32_t seen = netbuf::for_each_net_buffer_segment(*nb, 0, want, [&](const uint8_t* p, uint32_t n) {
        go = f(p, size_t{n});
        return go;
      });
      visited += seen;
      left -= seen;
    }
  }
  return visited;
}

}  // namespace openwfp::callouts::dpi
