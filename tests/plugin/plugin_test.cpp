// Plugins instantiated from a policy: the C test plugin loaded by path and a
// built-in by name, deciding through Engine::classify; instances found by
// callout id; lifetime (unload, busy callouts, one host at a time).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "openwfp/constants.hpp"
#include "plugin/builtins.hpp"
#include "plugin/callout_host.hpp"
#include "plugin/plugin_test_support.hpp"

namespace openwfp::test {
namespace {

using plugin::CalloutHost;
using plugin::PluginRegistry;

constexpr const char* kV4 = "ALE_AUTH_CONNECT_V4";
constexpr const char* kV6 = "ALE_AUTH_CONNECT_V6";

void load_or_fail(CalloutHost& host, const policy::Policy& p) {
  policy::PolicyError e;
  ASSERT_TRUE(host.load(p, &e)) << e.to_string();
}

TEST(PluginHost, CPluginLoadedByPathDecidesThroughClassify) {
  TestModule module;
  for (const auto& [action, expected] : {std::pair{"block", FWP_ACTION_BLOCK}, std::pair{"permit", FWP_ACTION_PERMIT}}) {
    SCOPED_TRACE(action);
    Engine engine;
    PluginRegistry registry;
    const auto p = PolicySpec{}.callout("c", OPENWFP_TEST_PLUGIN, {{"action", action}, {"tag", 7}}).filter("c", kV4, 443).parse();
    {
      CalloutHost host(engine, registry);
      load_or_fail(host, p);
      apply_or_throw(engine, p);
      EXPECT_EQ(module.live_instances(), 1);

      const ClassifyResult hit = classify_port(engine, kV4, 443);
      EXPECT_EQ(hit.calloutsCalled, 1u);
      EXPECT_EQ(hit.actionType, expected);
      EXPECT_FALSE(hit.noMatch);
      EXPECT_EQ(hit.outContext, 7u);  // the tag of the instance that answered

      const ClassifyResult miss = classify_port(engine, kV4, 80);
      EXPECT_EQ(miss.calloutsCalled, 0u);
      EXPECT_TRUE(miss.noMatch);
    }
    EXPECT_EQ(module.live_instances(), 0);  // the host's destructor destroyed it
  }
}

TEST(PluginHost, NotifyFnFindsItsInstanceWhenFiltersAreAddedAfterLoading) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}.callout("c", OPENWFP_TEST_PLUGIN, {{"action", "block"}}).filter("c", kV4, 443).filter("c", kV4, 22).parse();
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  apply_or_throw(engine, p);
  ASSERT_EQ(host.instances().size(), 1u);
  EXPECT_EQ(module.filters_added(host.instances()[0]->instance), 2u);
}

TEST(PluginHost, LoadingAfterTheFiltersExistWorksFromTheFirstClassify) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}.callout("c", OPENWFP_TEST_PLUGIN, {{"action", "permit"}, {"tag", 3}}).filter("c", kV4, 443).parse();
  apply_or_throw(engine, p);
  // Before loading, the terminating callout is unregistered: it blocks.
  EXPECT_EQ(classify_port(engine, kV4, 443).actionType, FWP_ACTION_BLOCK);
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  const ClassifyResult r = classify_port(engine, kV4, 443);
  EXPECT_EQ(r.actionType, FWP_ACTION_PERMIT);
  EXPECT_EQ(r.outContext, 3u);
  EXPECT_EQ(module.filters_added(host.instances()[0]->instance), 0u);  // added before: not told
}

TEST(PluginHost, TwoInstancesOfOnePluginAreFoundByTheirCalloutIds) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}
                     .callout("web", OPENWFP_TEST_PLUGIN, {{"action", "permit"}, {"tag", 1}})
                     .callout("tls", OPENWFP_TEST_PLUGIN, {{"action", "block"}, {"tag", 2}})
                     .filter("web", kV4, 80)
                     .filter("tls", kV4, 443)
                     .parse();
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  apply_or_throw(engine, p);
  ASSERT_EQ(host.instances().size(), 2u);
  EXPECT_EQ(module.live_instances(), 2);

  const plugin::PluginInstance& web = *host.instances()[0];
  const plugin::PluginInstance& tls = *host.instances()[1];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(tls.name, "tls");
  ASSERT_EQ(web.callouts.size(), 1u);
  ASSERT_EQ(tls.callouts.size(), 1u);
  const uint32_t webId = web.callouts[0].calloutId;
  const uint32_t tlsId = tls.callouts[0].calloutId;
  EXPECT_NE(webId, tlsId);
  EXPECT_NE(web.instance, tls.instance);
  // What a plugin asks the host table, and what the host says.
  const openwfp_plugin_host* table = plugin::host_table();
  EXPECT_EQ(table->instance_for_callout(webId), web.instance);
  EXPECT_EQ(table->instance_for_callout(tlsId), tls.instance);
  EXPECT_EQ(host.instance_for_callout(webId), web.instance);
  EXPECT_EQ(module.tag(table->instance_for_callout(webId)), 1u);
  EXPECT_EQ(module.tag(table->instance_for_callout(tlsId)), 2u);
  // The engine's ids are the ones the policy's callout objects got.
  const auto model = engine.snapshot();
  EXPECT_EQ(model->find_callout(web.callouts[0].calloutKey)->calloutId, webId);

  const ClassifyResult r80 = classify_port(engine, kV4, 80);
  EXPECT_EQ(r80.actionType, FWP_ACTION_PERMIT);
  EXPECT_EQ(r80.outContext, 1u);
  const ClassifyResult r443 = classify_port(engine, kV4, 443);
  EXPECT_EQ(r443.actionType, FWP_ACTION_BLOCK);
  EXPECT_EQ(r443.outContext, 2u);
}

TEST(PluginHost, OneInstancePerCalloutNameAcrossLayers) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}.callout("any", OPENWFP_TEST_PLUGIN, {{"action", "block"}, {"tag", 9}}).filter("any", kV4, 443).filter("any", kV6, 443).parse();
  ASSERT_EQ(p.callouts.size(), 2u);  // one callout object per layer
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  apply_or_throw(engine, p);
  ASSERT_EQ(host.instances().size(), 1u);
  EXPECT_EQ(module.live_instances(), 1);
  const plugin::PluginInstance& any = *host.instances()[0];
  ASSERT_EQ(any.callouts.size(), 2u);
  EXPECT_NE(any.callouts[0].calloutId, any.callouts[1].calloutId);
  EXPECT_EQ(host.instance_for_callout(any.callouts[0].calloutId), any.instance);
  EXPECT_EQ(host.instance_for_callout(any.callouts[1].calloutId), any.instance);
  for (const char* layerName : {kV4, kV6}) {
    const ClassifyResult r = classify_port(engine, layerName, 443);
    EXPECT_EQ(r.actionType, FWP_ACTION_BLOCK) << layerName;
    EXPECT_EQ(r.outContext, 9u) << layerName;
  }
}

TEST(PluginHost, BuiltInPluginByName) {
  Engine engine;
  PluginRegistry registry;
  std::string why;
  ASSERT_EQ(plugin::add_standard_plugins(registry, &why), Status::SUCCESS) << why;
  const auto p = PolicySpec{}
                     .callout("deny", "verdict", {{"action", "BLOCK"}, {"clear_right", true}})
                     .callout("allow", "verdict", {{"action", "PERMIT"}})
                     .filter("deny", kV4, 23)
                     .filter("allow", kV4, 443)
                     .parse();
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  apply_or_throw(engine, p);
  ASSERT_EQ(host.instances().size(), 2u);
  EXPECT_EQ(host.instances()[0]->plugin->source, "built in");

  const ClassifyResult denied = classify_port(engine, kV4, 23);
  EXPECT_EQ(denied.calloutsCalled, 1u);
  EXPECT_EQ(denied.actionType, FWP_ACTION_BLOCK);
  EXPECT_EQ(denied.rights & FWPS_RIGHT_ACTION_WRITE, 0u);  // clear_right: a hard block
  const ClassifyResult allowed = classify_port(engine, kV4, 443);
  EXPECT_EQ(allowed.actionType, FWP_ACTION_PERMIT);
  EXPECT_EQ(allowed.rights & FWPS_RIGHT_ACTION_WRITE, FWPS_RIGHT_ACTION_WRITE);
}

TEST(PluginHost, PolicyCalloutFlagsAreAddedToThePlugins) {
  // CONDITIONAL_ON_FLOW from the policy: without a flow the callout is not
  // called, so nothing matches.
  Engine engine;
  PluginRegistry registry;
  ASSERT_EQ(plugin::add_standard_plugins(registry), Status::SUCCESS);
  const auto p = PolicySpec{}
                     .callout("flows", "verdict", {{"action", "BLOCK"}}, {{"flags", {"CONDITIONAL_ON_FLOW"}}})
                     .filter("flows", kV4, 443)
                     .parse();
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  apply_or_throw(engine, p);
  const ClassifyResult r = classify_port(engine, kV4, 443);
  EXPECT_EQ(r.calloutsCalled, 0u);
  EXPECT_EQ(r.actionType, FWP_ACTION_PERMIT);
}

TEST(PluginHost, RelativePathIsFoundBesideThePolicyFile) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const std::filesystem::path modulePath(OPENWFP_TEST_PLUGIN);
  const auto p = PolicySpec{}
                     .callout("c", modulePath.filename().string(), {{"action", "block"}})
                     .filter("c", kV4, 443)
                     .parse((modulePath.parent_path() / "policy.json").string());
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  ASSERT_EQ(host.instances().size(), 1u);
  EXPECT_EQ(host.instances()[0]->plugin->source, (modulePath.parent_path() / modulePath.filename()).string());
}

TEST(PluginHost, UnloadUnregistersEveryCalloutAndDestroysTheInstances) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}.callout("c", OPENWFP_TEST_PLUGIN, {{"action", "permit"}}).filter("c", kV4, 443).filter("c", kV6, 443).parse();
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  apply_or_throw(engine, p);
  EXPECT_EQ(classify_port(engine, kV4, 443).actionType, FWP_ACTION_PERMIT);
  const uint32_t id = host.instances()[0]->callouts[0].calloutId;

  const plugin::UnloadResult result = host.unload();
  EXPECT_TRUE(result.complete()) << result.to_string();
  EXPECT_TRUE(host.instances().empty());
  EXPECT_EQ(module.live_instances(), 0);
  EXPECT_EQ(plugin::host_table()->instance_for_callout(id), nullptr);
  // An unregistered terminating callout blocks, and is not called.
  const ClassifyResult after = classify_port(engine, kV4, 443);
  EXPECT_EQ(after.calloutsCalled, 0u);
  EXPECT_EQ(after.actionType, FWP_ACTION_BLOCK);
  for (const Callout& c : p.callouts) EXPECT_EQ(register_stand_in(engine, c.calloutKey), Status::SUCCESS);
}

TEST(PluginHost, UnloadReportsCalloutsTheEngineKeepsBusy) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}.callout("c", OPENWFP_TEST_PLUGIN, {{"action", "block"}, {"tag", 5}}).filter("c", kV4, 443).parse();
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  apply_or_throw(engine, p);
  const uint32_t id = host.instances()[0]->callouts[0].calloutId;
  ASSERT_TRUE(engine.acquire_flow_context(id));  // a flow holds a context of the callout

  const plugin::UnloadResult busy = host.unload();
  ASSERT_EQ(busy.stillRegistered.size(), 1u);
  EXPECT_EQ(busy.stillRegistered[0].status, Status::DEVICE_BUSY);
  EXPECT_EQ(busy.stillRegistered[0].callout, "c");
  EXPECT_EQ(busy.stillRegistered[0].calloutId, id);
  EXPECT_NE(busy.to_string().find("STATUS_DEVICE_BUSY"), std::string::npos) << busy.to_string();
  // Still registered, so still served by its live instance.
  EXPECT_EQ(module.live_instances(), 1);
  EXPECT_EQ(classify_port(engine, kV4, 443).outContext, 5u);

  engine.release_flow_context(id);
  EXPECT_TRUE(host.unload().complete());
  EXPECT_EQ(module.live_instances(), 0);
}

TEST(PluginHost, OneHostAtATimeRunsPluginCallouts) {
  TestModule module;
  Engine first;
  Engine second;
  PluginRegistry registry;
  const auto p = PolicySpec{}.callout("c", OPENWFP_TEST_PLUGIN, {{"action", "block"}}).filter("c", kV4, 443).parse();
  CalloutHost a(first, registry);
  CalloutHost b(second, registry);
  load_or_fail(a, p);
  policy::PolicyError e;
  EXPECT_FALSE(b.load(p, &e));
  EXPECT_EQ(e.status, Status::FWP_IN_USE);
  EXPECT_NE(e.message.find("another host"), std::string::npos) << e.to_string();
  EXPECT_EQ(module.live_instances(), 1);
  EXPECT_TRUE(a.unload().complete());
  load_or_fail(b, p);
  EXPECT_EQ(module.live_instances(), 1);
}

TEST(PluginHost, PolicyWithoutPluginsLoadsNothing) {
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}.callout("manual", "", nullptr).filter("manual", kV4, 443).parse();
  CalloutHost host(engine, registry);
  load_or_fail(host, p);
  EXPECT_TRUE(host.instances().empty());
  EXPECT_EQ(register_stand_in(engine, p.callouts[0].calloutKey), Status::SUCCESS);  // left to its owner
}

TEST(PluginHost, PluginLogLinesReachTheSink) {
  TestModule module;
  struct Captured {
    std::vector<std::string> lines;
  } captured;
  const plugin::LogSink sink{[](void* context, uint32_t level, const char* message) {
                               static_cast<Captured*>(context)->lines.push_back(std::to_string(level) + " " + message);
                             },
                             &captured};
  const plugin::LogSink* previous = plugin::set_log_sink(&sink);
  {
    Engine engine;
    PluginRegistry registry;
    CalloutHost host(engine, registry);
    load_or_fail(host, PolicySpec{}.callout("logged", OPENWFP_TEST_PLUGIN, {{"action", "block"}}).filter("logged", kV4, 1).parse());
  }
  plugin::set_log_sink(previous);
  ASSERT_EQ(captured.lines.size(), 1u);
  EXPECT_EQ(captured.lines[0], std::to_string(OPENWFP_LOG_INFO) + " test plugin: instance 'logged' created");
}

}  // namespace
}  // namespace openwfp::test
