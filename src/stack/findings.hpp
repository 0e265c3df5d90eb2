// What the verifier found: uses of the callout API that break one of the
// seven programming considerations (SPEC table 7), per (consideration,
// callout, layer), with a count and the first occurrence. Bounded: at most
// kMaxFindingKinds distinct kinds are kept; later kinds are only counted.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace openwfp::stack {

struct Finding {
  std::string_view consideration;  // "C2" .. "C7"
  std::string_view what;           // one sentence, a literal
  uint32_t calloutId = 0;          // 0: not a callout's doing (e.g. a plain filter)
  uint16_t layerId = 0;
  uint64_t count = 0;
  uint64_t firstFlowId = 0;
  uint64_t firstPacket = 0;        // index of the input packet (1-based) when it first happened
};

// Told of every finding as it is recorded (each occurrence, kept or not).
using FindingListener = void (*)(void* context, std::string_view consideration, std::string_view what,
                                 uint32_t calloutId, uint16_t layerId, uint64_t flowId) noexcept;

class FindingTable {
 public:
  static constexpr uint32_t kMaxFindingKinds = 256;
  FindingTable() { kinds_.reserve(kMaxFindingKinds); }

  void listen(FindingListener listener, void* context) noexcept {
    listener_ = listener;
    listenerContext_ = context;
  }

  void record(std::string_view consideration, std::string_view what, uint32_t calloutId, uint16_t layerId,
              uint64_t flowId, uint64_t packet) noexcept {
    if (listener_ != nullptr) listener_(listenerContext_, consideration, what, calloutId, layerId, flowId);
    for (Finding& f : kinds_) {
      if (f.consideration == consideration && f.what == what && f.calloutId == calloutId && f.layerId == layerId) {
        ++f.count;
        return;
      }
    }
    if (kinds_.size() >= kMaxFindingKinds) {
      ++notKept_;
      return;
    }
    kinds_.push_back(Finding{consideration, what, calloutId, layerId, 1, flowId, packet});
  }
  const std::vector<Finding>& all() const noexcept { return kinds_; }
  uint64_t not_kept() const noexcept { return notKept_; }
  uint64_t total() const noexcept {
    uint64_t n = notKept_;
    for (const Finding& f : kinds_) n += f.count;
    return n;
  }

 private:
  std::vector<Finding> kinds_;
  uint64_t notKept_ = 0;
  FindingListener listener_ = nullptr;
  void* listenerContext_ = nullptr;
};

}  // namespace openwfp::stack
