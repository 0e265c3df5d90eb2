// What every sample callout needs between the plugin ABI (openwfp/plugin.h)
// and its instance: counters for the summary it logs when it goes, the host
// table it finds its instance through, create()'s error handling and the
// descriptor it hands the host.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <string>

#include "openwfp/plugin.h"

namespace openwfp::callouts::plugin_support {

// A count kept on the data path and read once, for the summary: relaxed
// atomics, as classifyFn may run on several threads at once.
class Counter {
 public:
  void add(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  // unsigned long long: what the summaries' "%llu" takes.
  unsigned long long get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// The host table is one for the whole process (plugin.h) and classifyFn and
// flowDeleteFn get only a callout id: they find their instance through the
// table that create() was given.
class HostHolder {
 public:
  void set(const openwfp_plugin_host* host) noexcept { host_.store(host, std::memory_order_release); }
  const openwfp_plugin_host* get() const noexcept { return host_.load(std::memory_order_acquire); }

  // The instance of the callout with this run-time id, or nullptr: no
  // instance made yet, or the callout is being registered or unregistered.
  template <class T>
  T* instance_for(uint32_t calloutId) const noexcept {
    const openwfp_plugin_host* host = get();
    return host != nullptr ? static_cast<T*>(host->instance_for_callout(calloutId)) : nullptr;
  }

  // A line for the host's log at `level` (OPENWFP_LOG_*); dropped when no
  // instance was ever made, as there is no host to tell then.
  void log(uint32_t level, const char* line) const noexcept {
    const openwfp_plugin_host* host = get();
    if (host != nullptr) host->log_message(level, line);
  }
  // An instance's summary: INFO when all went well, WARNING when something
  // it counted failed.
  void log_summary(bool allWell, const char* line) const noexcept {
    log(allWell ? OPENWFP_LOG_INFO : OPENWFP_LOG_WARNING, line);
  }

 private:
  std::atomic<const openwfp_plugin_host*> host_{nullptr};
};

// create()'s refusal: the reason into the host's buffer (cut to fit). The
// const char* form does not allocate, so it is safe in an out-of-memory
// handler.
inline openwfp_status refuse(char* error, size_t errorSize, const char* message) noexcept {
  std::snprintf(error, errorSize, "%s", message);
  return OPENWFP_STATUS_INVALID_PARAMETER;
}
inline openwfp_status refuse(char* error, size_t errorSize, const std::string& message) noexcept {
  return refuse(error, errorSize, message.c_str());
}

// For a `make` below: sets the reason and gives the null instance.
inline std::nullptr_t fail(std::string* why, std::string reason) {
  *why = std::move(reason);
  return nullptr;
}

// create()'s frame around `make(&why)`, which builds the instance (it may
// allocate and throw: this is the control plane) and returns it as a
// std::unique_ptr, or nullptr with `why` set. A made instance is handed to
// the host, and the host table kept for the data path; otherwise the
// reason, `outOfMemory` for std::bad_alloc, is written to `error`.
template <class Make>
openwfp_status create_instance(HostHolder& holder, const openwfp_plugin_host* host, void** instance, char* error,
                               size_t errorSize, const char* outOfMemory, Make&& make) noexcept {
  try {
    std::string why;
    auto made = make(&why);
    if (made == nullptr) return refuse(error, errorSize, why);
    holder.set(host);
    *instance = made.release();
    return OPENWFP_STATUS_SUCCESS;
  } catch (const std::bad_alloc&) {
    return refuse(error, errorSize, outOfMemory);
  } catch (...) {
    return refuse(error, errorSize, "cannot create the instance");
  }
}

// notifyFn for a callout that accepts every filter and keeps nothing per
// filter.
inline Status accept_notify(NotifyType, const Guid*, FilterView*) { return Status::SUCCESS; }

// A descriptor for this header's ABI version, with no callout flags and
// accept_notify as notifyFn.
constexpr openwfp_plugin plugin_descriptor(const char* name, const char* description,
                                           decltype(openwfp_plugin::create) create,
                                           decltype(openwfp_plugin::destroy) destroy, openwfp_classify_fn classify,
                                           openwfp_flow_delete_fn flowDelete = nullptr) noexcept {
  return openwfp_plugin{OPENWFP_PLUGIN_ABI_VERSION,
                        static_cast<uint32_t>(sizeof(openwfp_plugin)),
                        name,
                        description,
                        create,
                        destroy,
                        0,
                        classify,
                        &accept_notify,
                        flowDelete};
}

}  // namespace openwfp::callouts::plugin_support
