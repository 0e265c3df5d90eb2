#include "flow/flow_table.hpp"

#include <new>

namespace openwfp::flow {

namespace {
constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kClasses = static_cast<size_t>(TimeoutClass::COUNT_);
// The flow entry's size budget (flow_table.hpp): 256 bytes.
static_assert(sizeof(Flow) <= 256, "a flow entry must stay within 256 bytes");
}  // namespace

const char* end_reason_name(EndReason r) noexcept {
  switch (r) {
    case EndReason::FIN: return "fin";
    case EndReason::RST: return "rst";
    case EndReason::IDLE: return "idle timeout";
    case EndReason::EVICTED: return "evicted (flow table full)";
    case EndReason::END_OF_INPUT: return "end of input";
    case EndReason::BLOCKED: return "blocked";
  }
  return "unknown";
}

FlowTable::FlowTable(const Config& config, EndHandler on_end, void* context)
    : config_(config), onEnd_(on_end), context_(context), slots_(config.maxFlows == 0 ? 1 : config.maxFlows) {
  size_t buckets = 1;
  while (buckets < slots_.size() * 2) buckets <<= 1;
  buckets_.assign(buckets, kNone);
  bucketMask_ = buckets - 1;
  free_.reserve(slots_.size());
  for (size_t i = slots_.size(); i-- > 0;) {
    free_.push_back(static_cast<uint32_t>(i));
  }
  for (size_t c = 0; c < kClasses; ++c) lruHead_[c] = lruTail_[c] = kNone;
}

uint64_t FlowTable::timeout_of(TimeoutClass c) const noexcept {
  switch (c) {
    case TimeoutClass::TCP_OPENING: return config_.tcpOpeningTimeoutUs;
    case TimeoutClass::TCP_ESTABLISHED: return config_.tcpEstablishedTimeoutUs;
    case TimeoutClass::TCP_CLOSING: return config_.tcpClosingTimeoutUs;
    case TimeoutClass::UDP: return config_.udpTimeoutUs;
    default: return config_.otherTimeoutUs;
  }
}

Flow* FlowTable::find(const FlowKey& key) noexcept {
  for (uint32_t i = buckets_[hash_key(key) & bucketMask_]; i != kNone; i = slots_[i].hashNext_) {
    if (slots_[i].key == key) return &slots_[i];
  }
  return nullptr;
}

Flow* FlowTable::find_by_id(uint64_t flow_id) noexcept {
  const auto slot = static_cast<uint32_t>(flow_id & 0xFFFFFFFFu);
  if (slot >= slots_.size()) return nullptr;
  Flow& f = slots_[slot];
  return f.inUse_ && f.flowId == flow_id ? &f : nullptr;
}

void FlowTable::lru_unlink(Flow& f) noexcept {
  const auto c = static_cast<size_t>(f.class_);
  if (f.lruPrev_ != kNone) {
    slots_[f.lruPrev_].lruNext_ = f.lruNext_;
  } else {
    lruHead_[c] = f.lruNext_;
  }
  if (f.lruNext_ != kNone) {
    slots_[f.lruNext_].lruPrev_ = f.lruPrev_;
  } else {
    lruTail_[c] = f.lruPrev_;
  }
  f.lruPrev_ = f.lruNext_ = kNone;
}

void FlowTable::lru_append(Flow& f) noexcept {
  const auto c = static_cast<size_t>(f.class_);
  f.lruNext_ = kNone;
  f.lruPrev_ = lruTail_[c];
  if (lruTail_[c] != kNone) {
    slots_[lruTail_[c]].lruNext_ = slot_of(f);
  } else {
    lruHead_[c] = slot_of(f);
  }
  lruTail_[c] = slot_of(f);
}

Flow* FlowTable::oldest() noexcept {
  Flow* best = nullptr;
  for (size_t c = 0; c < kClasses; ++c) {
    if (lruHead_[c] == kNone) continue;
    Flow& f = slots_[lruHead_[c]];
    if (best == nullptr || f.lastSeenUs < best->lastSeenUs) best = &f;
  }
  return best;
}

Flow* FlowTable::insert(const FlowKey& key, uint64_t now_us, TimeoutClass cls) noexcept {
  if (free_.empty()) {
    Flow* victim = oldest();
    if (victim == nullptr) return nullptr;
    ++stats_.evicted;
    end(*victim, EndReason::EVICTED);
    if (free_.empty()) return nullptr;
  }
  const uint32_t slot = free_.back();
  free_.pop_back();
  Flow& f = slots_[slot];
  f.~Flow();
  ::new (&f) Flow();
  f.key = key;
  // Top byte: the owner's tag (which stack a handle belongs to); then a
  // 24-bit sequence (a stale handle of the slot's earlier flow finds
  // nothing); low 32 bits: the slot.
  f.flowId = (uint64_t{config_.idTag} << 56) | ((nextFlowId_++ & 0xFFFFFFu) << 32) | slot;
  f.firstSeenUs = f.lastSeenUs = now_us;
  f.class_ = cls;
  f.inUse_ = true;
  const uint64_t b = hash_key(key) & bucketMask_;
  f.hashNext_ = buckets_[b];
  buckets_[b] = slot;
  lru_append(f);
  ++stats_.created;
  ++stats_.active;
  if (stats_.active > stats_.peak) stats_.peak = stats_.active;
  return &f;
}

void FlowTable::touch(Flow& flow, uint64_t now_us, TimeoutClass cls) noexcept {
  if (now_us > flow.lastSeenUs) flow.lastSeenUs = now_us;
  lru_unlink(flow);
  flow.class_ = cls;
  lru_append(flow);
}

void FlowTable::remove(Flow& f) noexcept {
  const uint64_t b = hash_key(f.key) & bucketMask_;
  uint32_t* link = &buckets_[b];
  while (*link != kNone && *link != slot_of(f)) link = &slots_[*link].hashNext_;
  if (*link == slot_of(f)) *link = f.hashNext_;
  lru_unlink(f);
  f.hashNext_ = kNone;
  f.inUse_ = false;
  f.stream.reset();
  free_.push_back(slot_of(f));
  --stats_.active;
}

void FlowTable::end(Flow& flow, EndReason reason) noexcept {
  if (!flow.inUse_) return;
  if (reason == EndReason::IDLE) ++stats_.expired;
  if (reason == EndReason::FIN || reason == EndReason::RST || reason == EndReason::END_OF_INPUT ||
      reason == EndReason::BLOCKED) {
    ++stats_.ended;
  }
  if (onEnd_ != nullptr) onEnd_(context_, flow, reason);
  remove(flow);
}

void FlowTable::expire(uint64_t now_us) noexcept {
  for (size_t c = 0; c < kClasses; ++c) {
    const uint64_t timeout = timeout_of(static_cast<TimeoutClass>(c));
    while (lruHead_[c] != kNone) {
      Flow& f = slots_[lruHead_[c]];
      if (f.lastSeenUs + timeout > now_us) break;
      end(f, EndReason::IDLE);
    }
  }
}

void FlowTable::end_all() noexcept {
  while (Flow* f = oldest()) end(*f, EndReason::END_OF_INPUT);
}

size_t FlowTable::memory_bytes() const noexcept {
  return slots_.capacity() * sizeof(Flow) + buckets_.capacity() * sizeof(uint32_t) + free_.capacity() * sizeof(uint32_t);
}

}  // namespace openwfp::flow
