// The registry's checks of plugin descriptors (built-in and shared object),
// the growth rule of the ABI, and the host table's option reader.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "plugin/builtins.hpp"
#include "plugin/host_table.hpp"
#include "plugin/registry.hpp"

namespace openwfp::test {
namespace {

using plugin::PluginRegistry;

openwfp_status create_nothing(const openwfp_plugin_host*, const char*, const char*, void** instance, char*, size_t) {
  static int single;
  *instance = &single;
  return OPENWFP_STATUS_SUCCESS;
}
void destroy_nothing(void*) {}
void classify_nothing(const IncomingValues*, const IncomingMetadata*, void*, const void*, const FilterView*, uint64_t,
                      ClassifyOut*) {}
Status notify_nothing(NotifyType, const Guid*, FilterView*) { return Status::SUCCESS; }

openwfp_plugin valid(const char* name = "quiet") {
  return openwfp_plugin{OPENWFP_PLUGIN_ABI_VERSION,
                        static_cast<uint32_t>(sizeof(openwfp_plugin)),
                        name,
                        nullptr,
                        &create_nothing,
                        &destroy_nothing,
                        0,
                        &classify_nothing,
                        &notify_nothing,
                        nullptr};
}

std::string refusal(const openwfp_plugin& plugin, Status expected) {
  PluginRegistry registry;
  std::string why;
  EXPECT_EQ(registry.add_builtin(&plugin, &why), expected);
  EXPECT_TRUE(registry.builtin_names().empty());
  return why;
}

TEST(PluginRegistry, AcceptsAValidBuiltIn) {
  PluginRegistry registry;
  const openwfp_plugin plugin = valid();
  std::string why;
  ASSERT_EQ(registry.add_builtin(&plugin, &why), Status::SUCCESS) << why;
  const auto found = registry.find_builtin("quiet");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "quiet");
  EXPECT_EQ(found->description, "");
  EXPECT_EQ(found->descriptor.classify_fn, &classify_nothing);
  EXPECT_EQ(registry.find_builtin("loud"), nullptr);
}

TEST(PluginRegistry, RefusesAnotherAbiVersion) {
  openwfp_plugin plugin = valid();
  plugin.abi_version = OPENWFP_PLUGIN_ABI_VERSION + 1;
  EXPECT_EQ(refusal(plugin, Status::NOT_SUPPORTED),
            "built-in plugin: plugin ABI version " + std::to_string(OPENWFP_PLUGIN_ABI_VERSION + 1) +
                ", but this openwfp speaks version " + std::to_string(OPENWFP_PLUGIN_ABI_VERSION) +
                " (rebuild the plugin against this openwfp's include/openwfp/plugin.h)");
}

TEST(PluginRegistry, RefusesATooSmallDescriptor) {
  openwfp_plugin plugin = valid();
  plugin.struct_size = 8;
  EXPECT_EQ(refusal(plugin, Status::INVALID_PARAMETER),
            "built-in plugin: the plugin descriptor is 8 bytes, ABI version 1 needs at least " +
                std::to_string(plugin::kMinimumPluginSize) + " (set struct_size to sizeof(struct openwfp_plugin))");
}

TEST(PluginRegistry, RefusesMissingFunctionsNamingEach) {
  openwfp_plugin plugin = valid();
  plugin.create = nullptr;
  plugin.notify_fn = nullptr;
  EXPECT_EQ(refusal(plugin, Status::FWP_NULL_POINTER),
            "built-in plugin: plugin 'quiet' has no create, notify_fn (create, destroy, classify_fn and notify_fn are "
            "required)");
  plugin = valid();
  plugin.destroy = nullptr;
  plugin.classify_fn = nullptr;
  EXPECT_EQ(refusal(plugin, Status::FWP_NULL_POINTER),
            "built-in plugin: plugin 'quiet' has no destroy, classify_fn (create, destroy, classify_fn and notify_fn "
            "are required)");
}

TEST(PluginRegistry, RefusesNamelessPathLikeAndDuplicateBuiltIns) {
  EXPECT_EQ(refusal(valid(nullptr), Status::FWP_NULL_DISPLAY_NAME), "built-in plugin: the plugin has no name");
  EXPECT_EQ(refusal(valid(""), Status::FWP_NULL_DISPLAY_NAME), "built-in plugin: the plugin has no name");
  EXPECT_EQ(refusal(valid("a/b"), Status::INVALID_PARAMETER),
            "built-in plugin 'a/b': a built-in name has no '/' and does not end in \".so\"");
  EXPECT_EQ(refusal(valid("edit.so"), Status::INVALID_PARAMETER),
            "built-in plugin 'edit.so': a built-in name has no '/' and does not end in \".so\"");
  PluginRegistry registry;
  const openwfp_plugin plugin = valid();
  ASSERT_EQ(registry.add_builtin(&plugin), Status::SUCCESS);
  std::string why;
  EXPECT_EQ(registry.add_builtin(&plugin, &why), Status::FWP_ALREADY_EXISTS);
  EXPECT_EQ(why, "built-in plugin 'quiet' is already added");
}

TEST(PluginRegistry, AcceptsALargerDescriptorFromANewerPlugin) {
  // A plugin built against a later header with members appended: this host
  // reads the members it knows.
  struct Newer {
    openwfp_plugin known;
    uint64_t appended;
  } newer{valid(), 42};
  newer.known.struct_size = static_cast<uint32_t>(sizeof(Newer));
  PluginRegistry registry;
  std::string why;
  ASSERT_EQ(registry.add_builtin(&newer.known, &why), Status::SUCCESS) << why;
  EXPECT_EQ(registry.find_builtin("quiet")->descriptor.notify_fn, &notify_nothing);
}

TEST(PluginRegistry, LoadsASharedObjectOnceAndDescribesIt) {
  PluginRegistry registry;
  std::shared_ptr<const plugin::LoadedPlugin> first;
  std::shared_ptr<const plugin::LoadedPlugin> again;
  std::string why;
  ASSERT_EQ(registry.load_shared_object(OPENWFP_TEST_PLUGIN, &first, &why), Status::SUCCESS) << why;
  ASSERT_EQ(registry.load_shared_object(OPENWFP_TEST_PLUGIN, &again, &why), Status::SUCCESS) << why;
  EXPECT_EQ(first, again);
  EXPECT_EQ(first->name, "c-test");
  EXPECT_EQ(first->source, OPENWFP_TEST_PLUGIN);
  EXPECT_NE(first->library, nullptr);
  EXPECT_TRUE(registry.builtin_names().empty());  // a shared object is found by path, not by name
}

TEST(PluginRegistry, SharedObjectErrorsNameTheFile) {
  PluginRegistry registry;
  std::string why;
  EXPECT_EQ(registry.load_shared_object("libnothing.so", nullptr, &why), Status::INVALID_PARAMETER);
  EXPECT_EQ(why, "libnothing.so: a plugin path must contain '/'");
  EXPECT_EQ(registry.load_shared_object("/nonexistent/libnothing.so", nullptr, &why), Status::NOT_FOUND);
  EXPECT_EQ(why, "/nonexistent/libnothing.so: no such file");
  // A file that is not a shared object at all.
  EXPECT_EQ(registry.load_shared_object(OPENWFP_SOURCE_DIR "/tests/plugin/test_plugin.c", nullptr, &why),
            Status::UNSUCCESSFUL);
  EXPECT_EQ(why.rfind(OPENWFP_SOURCE_DIR "/tests/plugin/test_plugin.c: cannot load: ", 0), 0u) << why;
  EXPECT_EQ(registry.load_shared_object(OPENWFP_TEST_PLUGIN_NO_ENTRY, nullptr, &why), Status::NOT_FOUND);
  EXPECT_EQ(why.rfind(std::string(OPENWFP_TEST_PLUGIN_NO_ENTRY) + ": no openwfp_plugin_entry symbol: not an openwfp plugin", 0), 0u) << why;
  EXPECT_EQ(registry.load_shared_object(OPENWFP_TEST_PLUGIN_WRONG_ABI, nullptr, &why), Status::NOT_SUPPORTED);
  EXPECT_EQ(why.rfind(std::string(OPENWFP_TEST_PLUGIN_WRONG_ABI) + ": plugin ABI version ", 0), 0u) << why;
}

TEST(PluginRegistry, StandardPluginsAreBuiltIn) {
  PluginRegistry registry;
  ASSERT_EQ(plugin::add_standard_plugins(registry), Status::SUCCESS);
  EXPECT_EQ(registry.builtin_names(), std::vector<std::string>{"verdict"});
  EXPECT_EQ(registry.find_builtin("verdict")->source, "built in");
}

TEST(PluginHostTable, DescribesItself) {
  const openwfp_plugin_host* host = plugin::host_table();
  EXPECT_EQ(host->abi_version, OPENWFP_PLUGIN_ABI_VERSION);
  EXPECT_EQ(host->struct_size, sizeof(openwfp_plugin_host));
  EXPECT_EQ(host->instance_for_callout(1), nullptr);  // nothing bound
}

TEST(PluginHostTable, GetOptionReadsTopLevelMembers) {
  const auto get = plugin::host_table()->get_option;
  std::array<char, 32> value{};
  const char* options = R"({"action":"block","tag":7,"ports":[80,443],"nested":{"a":true},"long":"abcdefghij"})";
  EXPECT_EQ(get(options, "action", value.data(), value.size()), OPENWFP_STATUS_SUCCESS);
  EXPECT_STREQ(value.data(), "block");  // a string without its quotes
  EXPECT_EQ(get(options, "tag", value.data(), value.size()), OPENWFP_STATUS_SUCCESS);
  EXPECT_STREQ(value.data(), "7");
  EXPECT_EQ(get(options, "ports", value.data(), value.size()), OPENWFP_STATUS_SUCCESS);
  EXPECT_STREQ(value.data(), "[80,443]");
  EXPECT_EQ(get(options, "nested", value.data(), value.size()), OPENWFP_STATUS_SUCCESS);
  EXPECT_STREQ(value.data(), R"({"a":true})");
  EXPECT_EQ(get(options, "a", value.data(), value.size()), OPENWFP_STATUS_NOT_FOUND);  // not top level
  EXPECT_STREQ(value.data(), "");
  std::array<char, 5> small{};
  EXPECT_EQ(get(options, "long", small.data(), small.size()), OPENWFP_STATUS_BUFFER_TOO_SMALL);
  EXPECT_STREQ(small.data(), "abcd");
  EXPECT_EQ(get("[1,2]", "x", value.data(), value.size()), OPENWFP_STATUS_INVALID_PARAMETER);
  EXPECT_EQ(get("{not json", "x", value.data(), value.size()), OPENWFP_STATUS_INVALID_PARAMETER);
  EXPECT_EQ(get(nullptr, "x", value.data(), value.size()), OPENWFP_STATUS_INVALID_PARAMETER);
}

}  // namespace
}  // namespace openwfp::test
