// The host side of the plugin ABI that every plugin shares: the process's
// openwfp_plugin_host table, the calloutId -> instance table its
// instance_for_callout reads, and where plugin log lines go.
//
// Why one table for the process: WFP's classifyFn carries no context, so a
// plugin's code can only find its instance from the callout id, and the same
// code (one shared object, one built-in) serves whoever registered it. The
// ids are an engine's, so at most one instance table is bound at a time: one
// engine per process runs plugin callouts, as WFP has one filter engine per
// system.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "openwfp/plugin.h"

namespace openwfp::plugin {

// The table handed to every plugin (entry point and create()). Lives for the
// whole process.
const openwfp_plugin_host* host_table() noexcept;

// calloutId -> instance (and the layer it serves there), read without locks
// on the data path; and the reverse, (instance, layer) -> calloutId.
class InstanceTable {
 public:
  explicit InstanceTable(uint32_t size);
  InstanceTable(const InstanceTable&) = delete;
  InstanceTable& operator=(const InstanceTable&) = delete;

  uint32_t size() const noexcept { return size_; }
  // Binds an id to the instance serving it at `layerId`. set() and clear()
  // are the control plane's: one thread at a time. Ids outside the table are
  // ignored by set() and clear() and give nullptr (0) from the lookups.
  void set(uint32_t calloutId, void* instance, uint16_t layerId) noexcept;
  void clear(uint32_t calloutId) noexcept;
  void* get(uint32_t calloutId) const noexcept {
    return calloutId < size_ ? slots_[calloutId].load(std::memory_order_acquire) : nullptr;
  }
  // The id bound to `instance` at `layerId`, or 0. Scans the ids ever bound
  // in this table (a handful: one per layer of each plugin callout).
  uint32_t callout_id_for_layer(const void* instance, uint16_t layerId) const noexcept;

 private:
  uint32_t size_;
  std::unique_ptr<std::atomic<void*>[]> slots_;
  std::unique_ptr<std::atomic<uint16_t>[]> layers_;  // the layer of each bound id
  // Every id set() has bound, each once, in order; entries are never
  // removed (a cleared id has a null slot), so readers need no lock.
  std::unique_ptr<std::atomic<uint32_t>[]> bound_;
  std::atomic<uint32_t> boundCount_{0};
};

// Makes `table` the one host_table()->instance_for_callout reads. False when
// another table is bound.
bool bind_instance_table(const InstanceTable* table) noexcept;
// Unbinds `table` if it is the bound one.
void unbind_instance_table(const InstanceTable* table) noexcept;

// Where host_table()->log_message writes. The sink must stay valid while it
// is installed; writes may come from any thread, the data path included.
struct LogSink {
  void (*write)(void* context, uint32_t level, const char* message) = nullptr;
  void* context = nullptr;
};
// Installs `sink` (nullptr: standard error) and returns the previous one.
const LogSink* set_log_sink(const LogSink* sink) noexcept;
// Writes one line through the installed sink (the host's own messages too).
void log_message(uint32_t level, const char* message) noexcept;

// host_table()->get_option: see openwfp/plugin.h.
openwfp_status get_option(const char* optionsJson, const char* key, char* value, size_t valueSize) noexcept;

}  // namespace openwfp::plugin
