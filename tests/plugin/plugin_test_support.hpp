// Shared pieces of the plugin tests: policies built in code, the C test
// plugin's own counters (read through dlsym), and classification by port.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "openwfp/engine.hpp"
#include "openwfp/policy.hpp"
#include "support/engine_fixture.hpp"

namespace openwfp::test {

// A policy of callouts and callout filters, one filter per (layer, port).
class PolicySpec {
 public:
  PolicySpec& callout(const std::string& name, const std::string& plugin, nlohmann::json options,
                      nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json c = std::move(extra);
    c["name"] = name;
    if (!plugin.empty()) c["plugin"] = plugin;
    if (!options.is_null()) c["options"] = std::move(options);
    callouts_.push_back(std::move(c));
    return *this;
  }
  PolicySpec& filter(const std::string& callout, const std::string& layer, int port,
                     const std::string& type = "CALLOUT_TERMINATING") {
    filters_.push_back({{"name", callout + " " + layer + " " + std::to_string(port)},
                        {"layer", layer},
                        {"conditions", {{{"field", "IP_REMOTE_PORT"}, {"value", port}}}},
                        {"action", {{"type", type}, {"callout", callout}}}});
    return *this;
  }
  policy::Policy parse(const std::string& file = "policy.json") const {
    const nlohmann::json root = {{"callouts", callouts_}, {"filters", filters_}};
    policy::Policy p;
    policy::PolicyError e;
    if (!policy::parse_policy(root.dump(), file, &p, &e)) throw std::runtime_error("bad test policy: " + e.to_string());
    return p;
  }

 private:
  nlohmann::json callouts_ = nlohmann::json::array();
  nlohmann::json filters_ = nlohmann::json::array();
};

inline void apply_or_throw(Engine& engine, const policy::Policy& p) {
  policy::PolicyError e;
  if (!policy::apply_policy(engine, p, &e)) throw std::runtime_error("apply failed: " + e.to_string());
}

inline ClassifyResult classify_port(const Engine& engine, std::string_view layer_name, int port) {
  Incoming in(layer(layer_name));
  in.set("IP_REMOTE_PORT", std::to_string(port));
  ClassifyResult result;
  engine.classify(in.values(), ClassifyInput{}, &result);
  return result;
}

// The C test plugin's test-only exports. Opening the module again gives the
// same loaded copy the host uses, so these read the host's instances.
class TestModule {
 public:
  TestModule() : handle_(dlopen(OPENWFP_TEST_PLUGIN, RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) throw std::runtime_error(dlerror());
    live_ = symbol<int (*)()>("test_plugin_live_instances");
    tag_ = symbol<uint64_t (*)(const void*)>("test_plugin_tag");
    added_ = symbol<unsigned (*)(const void*)>("test_plugin_filters_added");
  }
  ~TestModule() { dlclose(handle_); }
  TestModule(const TestModule&) = delete;
  TestModule& operator=(const TestModule&) = delete;

  int live_instances() const { return live_(); }
  uint64_t tag(const void* instance) const { return tag_(instance); }
  unsigned filters_added(const void* instance) const { return added_(instance); }

 private:
  template <typename Fn>
  Fn symbol(const char* name) {
    void* s = dlsym(handle_, name);
    if (s == nullptr) throw std::runtime_error(std::string("test plugin lacks ") + name);
    Fn fn = nullptr;
    static_assert(sizeof fn == sizeof s);
    std::memcpy(&fn, &s, sizeof fn);
    return fn;
  }

  void* handle_;
  int (*live_)() = nullptr;
  uint64_t (*tag_)(const void*) = nullptr;
  unsigned (*added_)(const void*) = nullptr;
};

// Registers a stand-in callout for `key`: succeeds only when no one else has
// the key registered.
inline void unused_classify(const IncomingValues*, const IncomingMetadata*, void*, const void*, const FilterView*,
                            uint64_t, ClassifyOut*) {}
inline Status unused_notify(NotifyType, const Guid*, FilterView*) { return Status::SUCCESS; }
inline Status register_stand_in(Engine& engine, const Guid& key) {
  CalloutRegistration r;
  r.calloutKey = key;
  r.classifyFn = &unused_classify;
  r.notifyFn = &unused_notify;
  return engine.register_callout(r);
}

}  // namespace openwfp::test
