// Pended ALE classifications (FwpsPendOperation0, FwpsPendClassify0): a
// preallocated table with a cap. Each entry remembers the flow, the layer,
// when it times out, and (for a pended connect) a copy of the packet that
// triggered it, released if the reauthorization permits it.
// Full table: the pend is refused (INSUFFICIENT_RESOURCES, counted) and the
// classification is decided as it stands. A packet larger than an entry's
// buffer is not kept (counted): the connect still proceeds on completion,
// its first packet is lost as if dropped (the application retransmits).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "openwfp/classify.hpp"

namespace openwfp::stack {

inline constexpr uint32_t kNoPend = UINT32_MAX;

enum class PendKind : uint8_t { OPERATION, CLASSIFY };

struct PendEntry {
  bool inUse = false;
  bool completed = false;       // FwpsCompleteOperation0 / FwpsCompleteClassify0 arrived
  PendKind kind = PendKind::OPERATION;
  uint32_t sequence = 0;        // in the completion context: a stale one finds nothing
  uint64_t flowId = 0;
  uint16_t layerId = 0;
  uint64_t deadlineUs = 0;
  uint64_t token = 0;           // the classification that pended (classify handles)
  ClassifyOut decision;         // FwpsCompleteClassify0's answer
  uint32_t heldLength = 0;      // bytes of the held packet (an IP datagram), 0: none
  bool heldOutbound = false;
  bool heldLoopback = false;
};

struct PendStats {
  uint32_t capacity = 0;
  uint32_t inUse = 0;
  uint64_t pended = 0;
  uint64_t completed = 0;
  uint64_t timedOut = 0;
  uint64_t refusedFull = 0;
  uint64_t completedAfterFlowEnd = 0;  // the flow ended first: the completion found nothing to decide
  uint64_t staleCompletions = 0;       // unknown or already used completion contexts
  uint64_t packetsNotKept = 0;         // triggering packets too large to hold
  uint64_t packetsDroppedWhilePended = 0;
};

class PendTable {
 public:
  PendTable(uint32_t capacity, uint32_t heldBytes)
      : entries_(capacity), held_(static_cast<size_t>(capacity) * heldBytes), heldBytes_(heldBytes) {
    stats_.capacity = capacity;
  }

  // A free entry's index, or kNoPend (counted).
  uint32_t acquire() noexcept {
    for (uint32_t i = 0; i < entries_.size(); ++i) {
      const uint32_t slot = (next_ + i) % static_cast<uint32_t>(entries_.size());
      if (entries_[slot].inUse) continue;
      next_ = slot + 1;
      PendEntry& e = entries_[slot];
      const uint32_t seq = e.sequence + 1;
      e = PendEntry{};
      e.inUse = true;
      e.sequence = seq;
      ++stats_.inUse;
      ++stats_.pended;
      return slot;
    }
    ++stats_.refusedFull;
    return kNoPend;
  }
  void release(uint32_t slot) noexcept {
    if (slot >= entries_.size() || !entries_[slot].inUse) return;
    entries_[slot].inUse = false;
    --stats_.inUse;
  }
  PendEntry* at(uint32_t slot) noexcept { return slot < entries_.size() && entries_[slot].inUse ? &entries_[slot] : nullptr; }
  // The entry a completion context names (slot and sequence), or nullptr.
  uint32_t find(uint32_t slot, uint32_t sequence) const noexcept {
    return slot < entries_.size() && entries_[slot].inUse && entries_[slot].sequence == sequence ? slot : kNoPend;
  }
  uint32_t find_token(uint64_t token) const noexcept {
    for (uint32_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].inUse && entries_[i].token == token) return i;
    }
    return kNoPend;
  }
  bool hold(uint32_t slot, const uint8_t* ip, uint32_t length, bool outbound, bool loopback) noexcept {
    if (length > heldBytes_) {
      ++stats_.packetsNotKept;
      return false;
    }
    std::memcpy(held_.data() + static_cast<size_t>(slot) * heldBytes_, ip, length);
    entries_[slot].heldLength = length;
    entries_[slot].heldOutbound = outbound;
    entries_[slot].heldLoopback = loopback;
    return true;
  }
  const uint8_t* held(uint32_t slot) const noexcept { return held_.data() + static_cast<size_t>(slot) * heldBytes_; }
  uint32_t size() const noexcept { return static_cast<uint32_t>(entries_.size()); }
  PendStats& stats() noexcept { return stats_; }
  const PendStats& stats() const noexcept { return stats_; }

 private:
  std::vector<PendEntry> entries_;
  std::vector<uint8_t> held_;
  uint32_t heldBytes_;
  uint32_t next_ = 0;
  PendStats stats_;
};

}  // namespace openwfp::stack
