// What a policy's plugin callouts can get wrong, and that a failed load
// leaves nothing behind: every message names the policy file, the callout and
// the problem.
#include <gtest/gtest.h>

#include <string>

#include "openwfp/constants.hpp"
#include "plugin/builtins.hpp"
#include "plugin/callout_host.hpp"
#include "plugin/plugin_test_support.hpp"

namespace openwfp::test {
namespace {

using plugin::CalloutHost;
using plugin::PluginRegistry;

constexpr const char* kV4 = "ALE_AUTH_CONNECT_V4";

// Loads a one-callout policy whose plugin is `plugin`; expects failure.
policy::PolicyError load_failure(const std::string& plugin, nlohmann::json options = {{"action", "block"}}) {
  Engine engine;
  PluginRegistry registry;
  EXPECT_EQ(plugin::add_standard_plugins(registry), Status::SUCCESS);
  const auto p = PolicySpec{}.callout("edit", plugin, std::move(options)).filter("edit", kV4, 443).parse("conf/policy.json");
  CalloutHost host(engine, registry);
  policy::PolicyError e;
  EXPECT_FALSE(host.load(p, &e));
  EXPECT_TRUE(host.instances().empty());
  EXPECT_EQ(register_stand_in(engine, p.callouts[0].calloutKey), Status::SUCCESS);  // nothing left registered
  return e;
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

TEST(PluginErrors, UnknownPluginNameListsTheBuiltIns) {
  const policy::PolicyError e = load_failure("nope");
  EXPECT_EQ(e.status, Status::NOT_FOUND);
  EXPECT_EQ(e.to_string(), "conf/policy.json: /callouts: callout 'edit': no plugin named 'nope' (built in: verdict) "
                           "[STATUS_NOT_FOUND]");
}

TEST(PluginErrors, MissingSharedObjectIsNamed) {
  const policy::PolicyError e = load_failure("/nonexistent/plugins/libedit.so");
  EXPECT_EQ(e.status, Status::NOT_FOUND);
  EXPECT_EQ(e.message, "callout 'edit': /nonexistent/plugins/libedit.so: no such file");
}

TEST(PluginErrors, RelativeMissingSharedObjectIsNamedBesideThePolicy) {
  const policy::PolicyError e = load_failure("libedit.so");
  EXPECT_EQ(e.message, "callout 'edit': conf/libedit.so: no such file");
}

TEST(PluginErrors, WrongAbiVersionIsRefused) {
  const policy::PolicyError e = load_failure(OPENWFP_TEST_PLUGIN_WRONG_ABI);
  EXPECT_EQ(e.status, Status::NOT_SUPPORTED);
  expect_contains(e.message, std::string("callout 'edit': ") + OPENWFP_TEST_PLUGIN_WRONG_ABI + ": plugin ABI version " +
                                 std::to_string(OPENWFP_PLUGIN_ABI_VERSION + 1) + ", but this openwfp speaks version " +
                                 std::to_string(OPENWFP_PLUGIN_ABI_VERSION));
}

TEST(PluginErrors, MissingEntrySymbolIsRefused) {
  const policy::PolicyError e = load_failure(OPENWFP_TEST_PLUGIN_NO_ENTRY);
  EXPECT_EQ(e.status, Status::NOT_FOUND);
  expect_contains(e.message, std::string(OPENWFP_TEST_PLUGIN_NO_ENTRY) + ": no openwfp_plugin_entry symbol");
}

TEST(PluginErrors, TooSmallDescriptorIsRefused) {
  const policy::PolicyError e = load_failure(OPENWFP_TEST_PLUGIN_SMALL);
  EXPECT_EQ(e.status, Status::INVALID_PARAMETER);
  expect_contains(e.message, std::string(OPENWFP_TEST_PLUGIN_SMALL) + ": the plugin descriptor is 24 bytes");
}

TEST(PluginErrors, OptionsRefusedByCreateCarryThePluginsReason) {
  TestModule module;
  const policy::PolicyError e = load_failure(OPENWFP_TEST_PLUGIN, {{"action", "explode"}});
  EXPECT_EQ(e.status, Status::INVALID_PARAMETER);
  EXPECT_EQ(e.message, "callout 'edit': plugin 'c-test' did not accept it: action must be block, permit or continue, "
                       "not 'explode'");
  EXPECT_EQ(module.live_instances(), 0);
}

TEST(PluginErrors, BuiltInOptionsRefused) {
  const policy::PolicyError e = load_failure("verdict", {{"action", "BLOCK"}, {"colour", "red"}});
  EXPECT_EQ(e.message, "callout 'edit': plugin 'verdict' did not accept it: unknown option 'colour' (action, clear_right)");
  const policy::PolicyError none = load_failure("verdict", nullptr);  // no options: "{}"
  EXPECT_EQ(none.message, "callout 'edit': plugin 'verdict' did not accept it: missing \"action\" (PERMIT, BLOCK or CONTINUE)");
}

TEST(PluginErrors, FailedCreateLeavesEarlierCalloutsUnregistered) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}
                     .callout("good", OPENWFP_TEST_PLUGIN, {{"action", "block"}})
                     .callout("bad", OPENWFP_TEST_PLUGIN, {{"action", "maybe"}})
                     .filter("good", kV4, 443)
                     .filter("bad", kV4, 80)
                     .parse();
  ASSERT_EQ(p.callouts[0].name, "good");  // loaded first
  CalloutHost host(engine, registry);
  policy::PolicyError e;
  ASSERT_FALSE(host.load(p, &e));
  expect_contains(e.message, "callout 'bad'");
  EXPECT_TRUE(host.instances().empty());
  EXPECT_EQ(module.live_instances(), 0);  // 'good' was created, then destroyed
  for (const Callout& c : p.callouts) EXPECT_EQ(register_stand_in(engine, c.calloutKey), Status::SUCCESS) << c.name;
}

TEST(PluginErrors, FailedRegistrationLeavesEarlierCalloutsUnregistered) {
  TestModule module;
  Engine engine;
  PluginRegistry registry;
  const auto p = PolicySpec{}
                     .callout("first", OPENWFP_TEST_PLUGIN, {{"action", "block"}})
                     .callout("second", OPENWFP_TEST_PLUGIN, {{"action", "permit"}})
                     .filter("first", kV4, 443)
                     .filter("second", kV4, 80)
                     .parse();
  ASSERT_EQ(p.callouts[1].name, "second");
  // Someone else already registered the second callout's key.
  ASSERT_EQ(register_stand_in(engine, p.callouts[1].calloutKey), Status::SUCCESS);
  CalloutHost host(engine, registry);
  policy::PolicyError e;
  ASSERT_FALSE(host.load(p, &e));
  EXPECT_EQ(e.status, Status::FWP_ALREADY_EXISTS);
  EXPECT_EQ(e.message, "callout 'second': cannot register its run-time callout at ALE_AUTH_CONNECT_V4 (key " +
                           p.callouts[1].calloutKey.to_string() + ")");
  EXPECT_TRUE(host.instances().empty());
  EXPECT_EQ(module.live_instances(), 0);
  EXPECT_EQ(register_stand_in(engine, p.callouts[0].calloutKey), Status::SUCCESS);  // 'first' was undone
  EXPECT_EQ(register_stand_in(engine, p.callouts[1].calloutKey), Status::FWP_ALREADY_EXISTS);  // the other owner's is kept
  // The failed host released the process's instance table.
  CalloutHost other(engine, registry);
  const auto alone = PolicySpec{}.callout("third", OPENWFP_TEST_PLUGIN, {{"action", "block"}}).filter("third", kV4, 1).parse();
  policy::PolicyError e2;
  EXPECT_TRUE(other.load(alone, &e2)) << e2.to_string();
}

TEST(PluginErrors, LoadingTwiceIsRefused) {
  Engine engine;
  PluginRegistry registry;
  ASSERT_EQ(plugin::add_standard_plugins(registry), Status::SUCCESS);
  const auto p = PolicySpec{}.callout("v", "verdict", {{"action", "BLOCK"}}).filter("v", kV4, 443).parse();
  CalloutHost host(engine, registry);
  policy::PolicyError e;
  ASSERT_TRUE(host.load(p, &e)) << e.to_string();
  EXPECT_FALSE(host.load(p, &e));
  EXPECT_EQ(e.status, Status::INVALID_PARAMETER);
  EXPECT_EQ(host.instances().size(), 1u);
}

}  // namespace
}  // namespace openwfp::test
