// Flow contexts (FwpsFlowAssociateContext0): one per (flow, callout), kept in
// a preallocated table shared by every flow of a stack; a flow links its own
// entries (usually none or one or two, so lookups walk a tiny list).
// Full table: associating fails with INSUFFICIENT_RESOURCES, counted.
#pragma once

#include <cstdint>
#include <vector>

#include "openwfp/engine.hpp"
#include "openwfp/status.hpp"

namespace openwfp::stack {

inline constexpr uint32_t kNoContext = UINT32_MAX;

struct FlowContextStats {
  uint32_t capacity = 0;
  uint32_t inUse = 0;
  uint32_t peak = 0;
  uint64_t associated = 0;
  uint64_t removed = 0;
  uint64_t refusedFull = 0;
};

class FlowContextTable {
 public:
  explicit FlowContextTable(uint32_t capacity);

  // Adds to the list at *head. OBJECT_NAME_EXISTS when the list already has
  // calloutId; INSUFFICIENT_RESOURCES when the table is full.
  Status add(uint32_t* head, uint16_t layerId, uint32_t calloutId, uint64_t context) noexcept;
  // Removes calloutId's entry; false when there is none.
  bool remove(uint32_t* head, uint32_t calloutId, uint16_t* layerId, uint64_t* context) noexcept;
  // Removes the first entry of the list (flow end); false when empty.
  bool pop(uint32_t* head, uint16_t* layerId, uint32_t* calloutId, uint64_t* context) noexcept;
  bool find(uint32_t head, uint32_t calloutId, uint64_t* context) const noexcept;

  const FlowContextStats& stats() const noexcept { return stats_; }

 private:
  struct Entry {
    uint64_t context = 0;
    uint32_t calloutId = 0;
    uint32_t next = kNoContext;
    uint16_t layerId = 0;
  };
  std::vector<Entry> entries_;
  uint32_t free_ = kNoContext;
  FlowContextStats stats_;
};

// The engine's view of one flow's contexts during a classification.
class FlowContextView final : public FlowContexts {
 public:
  FlowContextView(const FlowContextTable& table, uint32_t head) noexcept : table_(table), head_(head) {}
  bool find(uint32_t calloutId, uint64_t* flowContext) const noexcept override {
    return table_.find(head_, calloutId, flowContext);
  }

 private:
  const FlowContextTable& table_;
  uint32_t head_;
};

}  // namespace openwfp::stack
