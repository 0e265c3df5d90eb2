#include "plugin/host_table.hpp"

#include <cstdio>

namespace openwfp::plugin {
namespace {

std::atomic<const InstanceTable*> g_bound{nullptr};
std::atomic<const LogSink*> g_sink{nullptr};

void* instance_for_callout(uint32_t calloutId) {
  const InstanceTable* table = g_bound.load(std::memory_order_acquire);
  return table == nullptr ? nullptr : table->get(calloutId);
}

void host_log(uint32_t level, const char* message) { log_message(level, message); }

openwfp_status host_get_option(const char* optionsJson, const char* key, char* value, size_t valueSize) {
  return get_option(optionsJson, key, value, valueSize);
}

const openwfp_plugin_host kHost = {
    OPENWFP_PLUGIN_ABI_VERSION,
    static_cast<uint32_t>(sizeof(openwfp_plugin_host)),
    &instance_for_callout,
    &host_log,
    &host_get_option,
};

const char* level_name(uint32_t level) noexcept {
  switch (level) {
    case OPENWFP_LOG_ERROR: return "error";
    case OPENWFP_LOG_WARNING: return "warning";
    case OPENWFP_LOG_INFO: return "info";
    default: return "debug";
  }
}

}  // namespace

const openwfp_plugin_host* host_table() noexcept { return &kHost; }

InstanceTable::InstanceTable(uint32_t size) : size_(size), slots_(new std::atomic<void*>[size]) {
  for (uint32_t i = 0; i < size_; ++i) slots_[i].store(nullptr, std::memory_order_relaxed);
}

void InstanceTable::set(uint32_t calloutId, void* instance) noexcept {
  if (calloutId < size_) slots_[calloutId].store(instance, std::memory_order_release);
}

bool bind_instance_table(const InstanceTable* table) noexcept {
  const InstanceTable* expected = nullptr;
  return g_bound.compare_exchange_strong(expected, table, std::memory_order_acq_rel);
}

void unbind_instance_table(const InstanceTable* table) noexcept {
  const InstanceTable* expected = table;
  g_bound.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel);
}

const LogSink* set_log_sink(const LogSink* sink) noexcept { return g_sink.exchange(sink, std::memory_order_acq_rel); }

void log_message(uint32_t level, const char* message) noexcept {
  if (message == nullptr) message = "";
  const LogSink* sink = g_sink.load(std::memory_order_acquire);
  if (sink != nullptr && sink->write != nullptr) {
    sink->write(sink->context, level, message);
    return;
  }
  std::fprintf(stderr, "openwfp plugin %s: %s\n", level_name(level), message);
}

}  // namespace openwfp::plugin
