// The host table's callout_id_for_layer, which flow-monitor relies on: a
// plugin instance finds its own run-time id at another layer, and nothing
// once its callouts are unregistered. And flow-monitor refuses a host table
// that predates the member.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "flow-monitor/plugin.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/fwps_fields.hpp"
#include "openwfp/policy.hpp"
#include "plugin/builtins.hpp"
#include "plugin/callout_host.hpp"
#include "plugin/host_table.hpp"

namespace openwfp::test {
namespace {

using nlohmann::json;

std::string report_path() {
  return ::testing::TempDir() + "/callout-id-for-layer-" + std::to_string(::getpid()) + ".jsonl";
}

policy::Policy two_callouts_policy() {
  json filters = json::array();
  for (const std::string layer : {"ALE_FLOW_ESTABLISHED_V4", "ALE_FLOW_ESTABLISHED_V6", "STREAM_V4", "STREAM_V6"}) {
    filters.push_back({{"name", "watch " + layer},
                       {"layer", layer},
                       {"action", {{"type", "CALLOUT_INSPECTION"}, {"callout", "watch"}}}});
  }
  filters.push_back({{"name", "also STREAM_V4"},
                     {"layer", "STREAM_V4"},
                     {"action", {{"type", "CALLOUT_INSPECTION"}, {"callout", "other"}}}});
  const json root = {{"callouts",
                      {{{"name", "watch"}, {"plugin", "flow-monitor"}, {"options", {{"report", report_path()}}}},
                       {{"name", "other"}, {"plugin", "verdict"}, {"options", {{"action", "CONTINUE"}}}}}},
                     {"filters", filters}};
  policy::Policy p;
  policy::PolicyError e;
  EXPECT_TRUE(policy::parse_policy(root.dump(), "policy.json", &p, &e)) << e.to_string();
  return p;
}

TEST(CalloutIdForLayer, EachInstanceFindsItsOwnIdAtEachOfItsLayers) {
  Engine engine;
  plugin::PluginRegistry registry;
  ASSERT_EQ(plugin::add_standard_plugins(registry), Status::SUCCESS);
  ASSERT_EQ(registry.add_builtin(callouts::flow_monitor::flow_monitor_plugin()), Status::SUCCESS);
  const policy::Policy p = two_callouts_policy();
  policy::PolicyError e;
  ASSERT_TRUE(policy::apply_policy(engine, p, &e)) << e.to_string();
  plugin::CalloutHost host(engine, registry);
  ASSERT_TRUE(host.load(p, &e)) << e.to_string();
  ASSERT_EQ(host.instances().size(), 2u);

  const openwfp_plugin_host* table = plugin::host_table();
  ASSERT_TRUE(OPENWFP_PLUGIN_HOST_HAS(table, callout_id_for_layer));
  const plugin::PluginInstance& watch = *host.instances()[0];
  const plugin::PluginInstance& other = *host.instances()[1];
  ASSERT_EQ(watch.callouts.size(), 4u);
  std::set<uint32_t> ids;
  for (const plugin::PluginInstance::Registered& r : watch.callouts) {
    SCOPED_TRACE(r.layer);
    EXPECT_EQ(table->callout_id_for_layer(watch.instance, r.layer), r.calloutId);
    EXPECT_EQ(host.callout_id_for_layer(watch.instance, r.layer), r.calloutId);
    EXPECT_EQ(table->instance_for_callout(r.calloutId), watch.instance);  // the two lookups agree
    ids.insert(r.calloutId);
  }
  EXPECT_EQ(ids.size(), 4u);  // one id per layer
  ASSERT_EQ(other.callouts.size(), 1u);
  EXPECT_EQ(table->callout_id_for_layer(other.instance, FWPS_LAYER_STREAM_V4), other.callouts[0].calloutId);
  EXPECT_NE(other.callouts[0].calloutId, table->callout_id_for_layer(watch.instance, FWPS_LAYER_STREAM_V4));
  // Where an instance serves no callout: 0.
  EXPECT_EQ(table->callout_id_for_layer(other.instance, FWPS_LAYER_STREAM_V6), 0u);
  EXPECT_EQ(table->callout_id_for_layer(watch.instance, FWPS_LAYER_ALE_AUTH_CONNECT_V4), 0u);
  EXPECT_EQ(table->callout_id_for_layer(nullptr, FWPS_LAYER_STREAM_V4), 0u);

  void* const gone = watch.instance;
  ASSERT_TRUE(host.unload().complete());
  EXPECT_EQ(table->callout_id_for_layer(gone, FWPS_LAYER_STREAM_V4), 0u);
  std::remove(report_path().c_str());
}

TEST(CalloutIdForLayer, ClearingAnIdKeepsTheOthersAndAnIdMayBeBoundAgain) {
  plugin::InstanceTable t(8);
  int a = 0, b = 0;
  t.set(3, &a, FWPS_LAYER_STREAM_V4);
  t.set(5, &a, FWPS_LAYER_STREAM_V6);
  t.set(6, &b, FWPS_LAYER_STREAM_V4);
  t.set(99, &b, FWPS_LAYER_STREAM_V6);  // outside the table: ignored
  EXPECT_EQ(t.callout_id_for_layer(&a, FWPS_LAYER_STREAM_V4), 3u);
  EXPECT_EQ(t.callout_id_for_layer(&a, FWPS_LAYER_STREAM_V6), 5u);
  EXPECT_EQ(t.callout_id_for_layer(&b, FWPS_LAYER_STREAM_V4), 6u);
  EXPECT_EQ(t.callout_id_for_layer(&b, FWPS_LAYER_STREAM_V6), 0u);
  t.clear(3);
  EXPECT_EQ(t.callout_id_for_layer(&a, FWPS_LAYER_STREAM_V4), 0u);
  EXPECT_EQ(t.get(3), nullptr);
  EXPECT_EQ(t.callout_id_for_layer(&a, FWPS_LAYER_STREAM_V6), 5u);
  t.set(3, &b, FWPS_LAYER_STREAM_V6);  // an id bound again, to another instance and layer
  EXPECT_EQ(t.callout_id_for_layer(&b, FWPS_LAYER_STREAM_V6), 3u);
  EXPECT_EQ(t.callout_id_for_layer(&a, FWPS_LAYER_STREAM_V4), 0u);
}

TEST(CalloutIdForLayer, FlowMonitorRefusesAHostTableThatPredatesIt) {
  openwfp_plugin_host older = *plugin::host_table();
  older.struct_size = static_cast<uint32_t>(offsetof(openwfp_plugin_host, callout_id_for_layer));
  ASSERT_FALSE(OPENWFP_PLUGIN_HOST_HAS(&older, callout_id_for_layer));
  const openwfp_plugin* fm = callouts::flow_monitor::flow_monitor_plugin();
  std::array<char, 256> error{};
  void* instance = nullptr;
  const std::string options = json{{"report", report_path()}}.dump();
  EXPECT_EQ(fm->create(&older, "watch", options.c_str(), &instance, error.data(), error.size()),
            OPENWFP_STATUS_INVALID_PARAMETER);
  EXPECT_EQ(instance, nullptr);
  EXPECT_STREQ(error.data(), "this host's plugin table has no callout_id_for_layer (a newer openwfp is needed)");
}

}  // namespace
}  // namespace openwfp::test
