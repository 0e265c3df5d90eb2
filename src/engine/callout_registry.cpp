#include "engine/callout_registry.hpp"

namespace openwfp::engine {

CalloutRegistry::CalloutRegistry(uint32_t max_callouts, EpochDomain& epochs)
    : max_(max_callouts),
      epochs_(epochs),
      slots_(new std::atomic<const CalloutRegistration*>[max_callouts]),
      contexts_(new std::atomic<int64_t>[max_callouts]),
      busy_(new std::atomic<bool>[max_callouts]) {
  for (uint32_t i = 0; i < max_; ++i) {
    slots_[i].store(nullptr, std::memory_order_relaxed);
    contexts_[i].store(0, std::memory_order_relaxed);
    busy_[i].store(false, std::memory_order_relaxed);
  }
}

namespace {
// Marks an id busy for one register/unregister; a second one racing it sees
// the mark and fails with FWP_IN_USE instead of waiting.
class BusyMark {
 public:
  explicit BusyMark(std::atomic<bool>& flag) noexcept : flag_(flag), owned_(!flag.exchange(true)) {}
  ~BusyMark() {
    if (owned_) flag_.store(false);
  }
  BusyMark(const BusyMark&) = delete;
  BusyMark& operator=(const BusyMark&) = delete;
  bool owned() const noexcept { return owned_; }

 private:
  std::atomic<bool>& flag_;
  bool owned_;
};
}  // namespace

CalloutRegistry::~CalloutRegistry() {
  for (uint32_t i = 0; i < max_; ++i) delete slots_[i].load(std::memory_order_relaxed);
}

uint32_t CalloutRegistry::id_for_key(const Guid& key) {
  std::lock_guard lock(mutex_);
  auto it = ids_.find(key);
  if (it != ids_.end()) return it->second;
  if (next_id_ >= max_) return 0;
  const uint32_t id = next_id_++;
  ids_.emplace(key, id);
  return id;
}

bool CalloutRegistry::claim_id(const Guid& key, uint32_t id) {
  std::lock_guard lock(mutex_);
  if (id == 0 || id >= max_) return false;
  if (auto it = ids_.find(key); it != ids_.end()) return it->second == id;
  for (const auto& entry : ids_) {
    if (entry.second == id) return false;
  }
  ids_.emplace(key, id);
  if (id >= next_id_) next_id_ = id + 1;
  return true;
}

uint32_t CalloutRegistry::find_id(const Guid& key) const {
  std::lock_guard lock(mutex_);
  auto it = ids_.find(key);
  return it == ids_.end() ? 0 : it->second;
}

Status CalloutRegistry::register_callout(const CalloutRegistration& callout, uint32_t* id) {
  if (callout.classifyFn == nullptr || callout.notifyFn == nullptr) return Status::INVALID_PARAMETER;
  const uint32_t assigned = id_for_key(callout.calloutKey);
  if (assigned == 0) return Status::FWP_TOO_MANY_CALLOUTS;
  BusyMark mark(busy_[assigned]);
  if (!mark.owned()) return Status::FWP_IN_USE;
  std::lock_guard lock(mutex_);
  if (slots_[assigned].load(std::memory_order_relaxed) != nullptr) return Status::FWP_ALREADY_EXISTS;
  slots_[assigned].store(new CalloutRegistration(callout), std::memory_order_release);
  if (id != nullptr) *id = assigned;
  return Status::SUCCESS;
}

Status CalloutRegistry::unregister_by_id(uint32_t id) {
  if (id == 0 || id >= max_) return Status::FWP_CALLOUT_NOT_FOUND;
  BusyMark mark(busy_[id]);
  if (!mark.owned()) return Status::FWP_IN_USE;
  const CalloutRegistration* old = nullptr;
  {
    std::lock_guard lock(mutex_);
    old = slots_[id].exchange(nullptr, std::memory_order_seq_cst);
    if (old == nullptr) return Status::FWP_CALLOUT_NOT_FOUND;
    // A context associated concurrently either saw the slot empty (and gave
    // up) or is counted here: then the callout stays registered.
    if (contexts_[id].load(std::memory_order_seq_cst) > 0) {
      slots_[id].store(old, std::memory_order_seq_cst);
      return Status::DEVICE_BUSY;
    }
  }
  epochs_.retire([old] { delete old; });
  return Status::SUCCESS;
}

bool CalloutRegistry::copy_registration(uint32_t id, CalloutRegistration* out) const {
  if (id == 0 || id >= max_) return false;
  std::lock_guard lock(mutex_);
  const CalloutRegistration* r = slots_[id].load(std::memory_order_acquire);
  if (r == nullptr) return false;
  *out = *r;
  return true;
}

Status CalloutRegistry::unregister_by_key(const Guid& key) {
  const uint32_t id = find_id(key);
  if (id == 0) return Status::FWP_CALLOUT_NOT_FOUND;
  return unregister_by_id(id);
}

}  // namespace openwfp::engine
