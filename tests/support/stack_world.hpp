// A stack::Stack over an engine built by hand, fed crafted frames, for tests
// of callouts inside the stack. This host is 10.0.0.2; the stack is made at
// the first packet, so a test may change `config` (and add callouts) first.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "craft/craft.hpp"
#include "openwfp/callout.hpp"
#include "openwfp/engine.hpp"
#include "stack/stack.hpp"
#include "support/engine_fixture.hpp"

namespace openwfp::test {

// notifyFn for test callouts: every filter is accepted.
inline Status accept_notify(NotifyType, const Guid*, FilterView*) { return Status::SUCCESS; }

// `observer` sees what the stack reports (injections, pend timeouts, ...).
template <class ObserverType>
struct StackWorld {
  Engine engine;
  stack::Config config;
  ObserverType observer;
  std::unique_ptr<stack::Stack> stack;
  uint64_t now = 1'000'000;  // microseconds

  StackWorld() {
    stack::Prefix p;
    EXPECT_TRUE(stack::parse_prefix("10.0.0.2/32", &p));
    config.local.add(p);
  }

  // A callout registered with `classify` (and `flowDelete`, which may be
  // null) and a filter at `layer_name` whose action is `action`; returns
  // the callout's run-time id.
  uint32_t callout_at(const std::string& layer_name, uint32_t action, ClassifyFn classify, uint32_t flags = 0,
                      FlowDeleteFn flowDelete = nullptr) {
    const LayerInfo& L = layer(layer_name);
    const Callout c = make_callout("c-" + layer_name + std::to_string(action), L.id);
    EXPECT_EQ(engine.add_callout(c), Status::SUCCESS);
    EXPECT_EQ(engine.add_filter(make_callout_filter("f", c, action)), Status::SUCCESS);
    uint32_t id = 0;
    const CalloutRegistration reg{c.calloutKey, flags, classify, accept_notify, flowDelete};
    EXPECT_EQ(engine.register_callout(reg, &id), Status::SUCCESS);
    return id;
  }

  // One frame carrying `ip`, from this host or to it, `advance_us` after the
  // previous one.
  stack::Result send(const craft::Bytes& ip, bool from_host, uint64_t advance_us = 1000) {
    if (!stack) stack = std::make_unique<stack::Stack>(engine, config, &observer);
    const craft::Bytes frame = craft::ethernet(ip, from_host);
    now += advance_us;
    return stack->process(now, 1, frame.data(), static_cast<uint32_t>(frame.size()));
  }
};

}  // namespace openwfp::test
