#include "plugin/host_table.hpp"

#include <cstdio>

#include "plugin/host_functions.hpp"

namespace openwfp::plugin {
namespace {

std::atomic<const InstanceTable*> g_bound{nullptr};
std::atomic<const LogSink*> g_sink{nullptr};

void* instance_for_callout(uint32_t calloutId) {
  const InstanceTable* table = g_bound.load(std::memory_order_acquire);
  return table == nullptr ? nullptr : table->get(calloutId);
}

uint32_t callout_id_for_layer(void* instance, uint16_t layerId) {
  const InstanceTable* table = g_bound.load(std::memory_order_acquire);
  return table == nullptr ? 0 : table->callout_id_for_layer(instance, layerId);
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
    &callout_id_for_layer,
    &host_fn::layer_id,
    &host_fn::field_index,
    &host_fn::flow_associate_context,
    &host_fn::flow_remove_context,
    &host_fn::flow_abort,
    &host_fn::pend_operation,
    &host_fn::complete_operation,
    &host_fn::acquire_classify_handle,
    &host_fn::pend_classify,
    &host_fn::complete_classify,
    &host_fn::release_classify_handle,
    &host_fn::copy_stream_data_to_buffer,
    &host_fn::stream_continue,
    &host_fn::injection_handle_create,
    &host_fn::injection_handle_destroy,
    &host_fn::query_packet_injection_state,
    &host_fn::inject_network_send,
    &host_fn::inject_network_receive,
    &host_fn::inject_forward,
    &host_fn::inject_transport_send,
    &host_fn::inject_transport_receive,
    &host_fn::stream_inject,
    &host_fn::queue_dpc,
    &host_fn::net_buffer_list_pool_create,
    &host_fn::net_buffer_list_pool_destroy,
    &host_fn::allocate_net_buffer_list,
    &host_fn::free_net_buffer_list,
    &host_fn::allocate_clone_net_buffer_list,
    &host_fn::free_clone_net_buffer_list,
    &host_fn::allocate_deep_clone_net_buffer_list,
    &host_fn::reference_net_buffer_list,
    &host_fn::dereference_net_buffer_list,
    &host_fn::retreat_net_buffer_list_data_start,
    &host_fn::advance_net_buffer_list_data_start,
    &host_fn::copy_from_net_buffer,
    &host_fn::copy_to_net_buffer,
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

InstanceTable::InstanceTable(uint32_t size)
    : size_(size),
      slots_(new std::atomic<void*>[size]),
      layers_(new std::atomic<uint16_t>[size]),
      bound_(new std::atomic<uint32_t>[size]) {
  for (uint32_t i = 0; i < size_; ++i) {
    slots_[i].store(nullptr, std::memory_order_relaxed);
    layers_[i].store(0, std::memory_order_relaxed);
    bound_[i].store(0, std::memory_order_relaxed);
  }
}

void InstanceTable::set(uint32_t calloutId, void* instance, uint16_t layerId) noexcept {
  if (calloutId >= size_) return;
  // Unbound while the layer changes, so that a reader never pairs this
  // instance with another binding's layer (the reader checks the slot again).
  slots_[calloutId].store(nullptr, std::memory_order_release);
  layers_[calloutId].store(layerId, std::memory_order_release);
  slots_[calloutId].store(instance, std::memory_order_release);
  const uint32_t count = boundCount_.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < count; ++i) {
    if (bound_[i].load(std::memory_order_relaxed) == calloutId) return;
  }
  // Distinct ids below size_: the list never outgrows the table.
  bound_[count].store(calloutId, std::memory_order_relaxed);
  boundCount_.store(count + 1, std::memory_order_release);
}

void InstanceTable::clear(uint32_t calloutId) noexcept {
  if (calloutId < size_) slots_[calloutId].store(nullptr, std::memory_order_release);
}

uint32_t InstanceTable::callout_id_for_layer(const void* instance, uint16_t layerId) const noexcept {
  if (instance == nullptr) return 0;
  const uint32_t count = boundCount_.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t id = bound_[i].load(std::memory_order_relaxed);
    if (slots_[id].load(std::memory_order_acquire) != instance) continue;
    if (layers_[id].load(std::memory_order_acquire) != layerId) continue;
    // Still bound to this instance after reading its layer: the pair is one binding.
    if (slots_[id].load(std::memory_order_acquire) == instance) return id;
  }
  return 0;
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
