// dpi-block's flow context: the matcher stream of each direction of a
// connection, packed into the 64-bit context value itself, so there is no
// per-flow memory to allocate, find or free.
//
//   bit 63        always set: a context of this callout is never 0
//   bits 32..62   the SEND (outbound) direction's stream id, 0 for none
//   bits 0..31    the RECEIVE (inbound) direction's stream id, 0 for none
//
// Stream ids are at most kMaxStreamsLimit (2^20), so they fit. A context
// with both ids 0 marks a connection that passes unscanned (the pool had no
// stream state when it started); it is associated anyway, so that a later
// indication does not start scanning in the middle of the stream.
#pragma once

#include <cstdint>

#include "dpi-block/matcher.hpp"

namespace openwfp::callouts::dpi {

struct FlowStreams {
  uint32_t send = 0;
  uint32_t receive = 0;
};

inline constexpr uint64_t kFlowStreamsTag = uint64_t{1} << 63;
static_assert(kMaxStreamsLimit < (uint32_t{1} << 31), "stream ids must fit in 31 bits");

constexpr uint64_t pack_flow_streams(FlowStreams s) noexcept {
  return kFlowStreamsTag | (uint64_t{s.send} << 32) | s.receive;
}

// False for a value this callout never associates (0 included).
constexpr bool unpack_flow_streams(uint64_t context, FlowStreams* out) noexcept {
  if ((context & kFlowStreamsTag) == 0) return false;
  out->send = static_cast<uint32_t>((context >> 32) & 0x7FFFFFFFu);
  out->receive = static_cast<uint32_t>(context & 0xFFFFFFFFu);
  return true;
}

}  // namespace openwfp::callouts::dpi
