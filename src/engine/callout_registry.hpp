// Run-time callouts: key -> 32-bit id (stable for the engine's life, never
// reused), and id -> registered functions, read by the data path without a
// lock (an atomic pointer per id; unregistered entries are freed through the
// epoch domain once no classification can still be using them).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "engine/epoch.hpp"
#include "openwfp/callout.hpp"

namespace openwfp::engine {

class CalloutRegistry {
 public:
  CalloutRegistry(uint32_t max_callouts, EpochDomain& epochs);
  ~CalloutRegistry();

  // The run-time id of a callout key, assigned on first use. 0 when the table
  // is full.
  uint32_t id_for_key(const Guid& key);
  // Gives `key` the id `id` (a persistent callout restored with the id it
  // had): true when the key already has that id or both were free; false
  // when the key has another id, the id belongs to another key, or it is out
  // of range. Later ids are assigned above it.
  bool claim_id(const Guid& key, uint32_t id);
  // 0 when the key has no id yet.
  uint32_t find_id(const Guid& key) const;

  // FwpsCalloutRegister: FWP_ALREADY_EXISTS when the key is registered,
  // FWP_IN_USE when another register or unregister of the same key is under
  // way on another thread.
  Status register_callout(const CalloutRegistration& callout, uint32_t* id);
  // FwpsCalloutUnregisterById/ByKey: DEVICE_BUSY while flows hold contexts of
  // the callout (remove them, then call again); FWP_IN_USE while another
  // register or unregister of it is under way.
  Status unregister_by_id(uint32_t id);
  Status unregister_by_key(const Guid& key);

  // A copy of the registration (control plane). False when not registered.
  bool copy_registration(uint32_t id, CalloutRegistration* out) const;

  // Flow contexts associated with a callout (kept by the stack that holds
  // the flows): unregistering waits for them to be removed.
  // Counts one more context of a registered callout: false (nothing counted)
  // when the callout is not registered.
  bool acquire_flow_context(uint32_t id) noexcept {
    if (id == 0 || id >= max_) return false;
    contexts_[id].fetch_add(1, std::memory_order_seq_cst);
    if (slots_[id].load(std::memory_order_seq_cst) != nullptr) return true;
    contexts_[id].fetch_sub(1, std::memory_order_seq_cst);
    return false;
  }
  void release_flow_context(uint32_t id) noexcept {
    if (id != 0 && id < max_) contexts_[id].fetch_sub(1, std::memory_order_seq_cst);
  }
  int64_t flow_contexts(uint32_t id) const noexcept {
    return id != 0 && id < max_ ? contexts_[id].load(std::memory_order_acquire) : 0;
  }

  // Data path: the registration of an id, or nullptr. Call inside an epoch.
  const CalloutRegistration* lookup(uint32_t id) const noexcept {
    if (id == 0 || id >= max_) return nullptr;
    return slots_[id].load(std::memory_order_acquire);
  }

 private:
  uint32_t max_;
  EpochDomain& epochs_;
  mutable std::mutex mutex_;
  std::map<Guid, uint32_t> ids_;
  uint32_t next_id_ = 1;
  std::unique_ptr<std::atomic<const CalloutRegistration*>[]> slots_;
  std::unique_ptr<std::atomic<int64_t>[]> contexts_;
  std::unique_ptr<std::atomic<bool>[]> busy_;  // a register/unregister of the id is under way
};

}  // namespace openwfp::engine
