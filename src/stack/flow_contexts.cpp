#include "stack/flow_contexts.hpp"

namespace openwfp::stack {

FlowContextTable::FlowContextTable(uint32_t capacity) : entries_(capacity) {
  stats_.capacity = capacity;
  for (uint32_t i = capacity; i-- > 0;) {
    entries_[i].next = free_;
    free_ = i;
  }
}

Status FlowContextTable::add(uint32_t* head, uint16_t layerId, uint32_t calloutId, uint64_t context) noexcept {
  for (uint32_t i = *head; i != kNoContext; i = entries_[i].next) {
    if (entries_[i].calloutId == calloutId) return Status::OBJECT_NAME_EXISTS;
  }
  if (free_ == kNoContext) {
    ++stats_.refusedFull;
    return Status::INSUFFICIENT_RESOURCES;
  }
  const uint32_t i = free_;
  free_ = entries_[i].next;
  entries_[i] = Entry{context, calloutId, *head, layerId};
  *head = i;
  ++stats_.associated;
  if (++stats_.inUse > stats_.peak) stats_.peak = stats_.inUse;
  return Status::SUCCESS;
}

bool FlowContextTable::remove(uint32_t* head, uint32_t calloutId, uint16_t* layerId, uint64_t* context) noexcept {
  for (uint32_t* link = head; *link != kNoContext; link = &entries_[*link].next) {
    const uint32_t i = *link;
    if (entries_[i].calloutId != calloutId) continue;
    *layerId = entries_[i].layerId;
    *context = entries_[i].context;
    *link = entries_[i].next;
    entries_[i].next = free_;
    free_ = i;
    --stats_.inUse;
    ++stats_.removed;
    return true;
  }
  return false;
}

bool FlowContextTable::pop(uint32_t* head, uint16_t* layerId, uint32_t* calloutId, uint64_t* context) noexcept {
  if (*head == kNoContext) return false;
  *calloutId = entries_[*head].calloutId;
  return remove(head, *calloutId, layerId, context);
}

bool FlowContextTable::find(uint32_t head, uint32_t calloutId, uint64_t* context) const noexcept {
  for (uint32_t i = head; i != kNoContext; i = entries_[i].next) {
    if (entries_[i].calloutId == calloutId) {
      *context = entries_[i].context;
      return true;
    }
  }
  return false;
}

}  // namespace openwfp::stack
