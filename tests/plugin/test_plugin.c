/* A callout plugin written in C, built as a shared object: proof that the
 * plugin ABI is C. Options: { "action": "block" | "permit" | "continue",
 * "tag"?: number }. classifyFn answers with the action and reports the tag in
 * classifyOut->outContext, so a test can see which instance decided.
 *
 * Built several times from this file:
 *   TEST_PLUGIN_ABI_VERSION    a different ABI version in the descriptor
 *   TEST_PLUGIN_STRUCT_SIZE    a different struct_size in the descriptor
 *   TEST_PLUGIN_NO_ENTRY       the entry point exported under another name
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openwfp/plugin.h"

#ifndef TEST_PLUGIN_ABI_VERSION
#define TEST_PLUGIN_ABI_VERSION OPENWFP_PLUGIN_ABI_VERSION
#endif
#ifndef TEST_PLUGIN_STRUCT_SIZE
#define TEST_PLUGIN_STRUCT_SIZE sizeof(struct openwfp_plugin)
#endif

struct test_instance {
  uint32_t action;
  uint64_t tag;
  unsigned filtersAdded;
  unsigned filtersDeleted;
};

/* The host table never changes, so a static is enough. */
static const struct openwfp_plugin_host* g_host = NULL;
static int g_live = 0;

static openwfp_status test_create(const struct openwfp_plugin_host* host, const char* instanceName,
                                  const char* optionsJson, void** instance, char* error, size_t errorSize) {
  char text[64];
  char line[160];
  struct test_instance* created;
  uint32_t action;
  uint64_t tag = 0;
  openwfp_status s;

  g_host = host;
  s = host->get_option(optionsJson, "action", text, sizeof text);
  if (s != OPENWFP_STATUS_SUCCESS) {
    snprintf(error, errorSize, "missing \"action\" (block, permit or continue)");
    return OPENWFP_STATUS_INVALID_PARAMETER;
  }
  if (strcmp(text, "block") == 0) {
    action = OPENWFP_FWP_ACTION_BLOCK;
  } else if (strcmp(text, "permit") == 0) {
    action = OPENWFP_FWP_ACTION_PERMIT;
  } else if (strcmp(text, "continue") == 0) {
    action = OPENWFP_FWP_ACTION_CONTINUE;
  } else {
    snprintf(error, errorSize, "action must be block, permit or continue, not '%s'", text);
    return OPENWFP_STATUS_INVALID_PARAMETER;
  }
  if (host->get_option(optionsJson, "tag", text, sizeof text) == OPENWFP_STATUS_SUCCESS) {
    char* end = NULL;
    tag = (uint64_t)strtoull(text, &end, 10);
    if (end == text || *end != '\0') {
      snprintf(error, errorSize, "tag must be a whole number, not %s", text);
      return OPENWFP_STATUS_INVALID_PARAMETER;
    }
  }
  created = (struct test_instance*)calloc(1, sizeof *created);
  if (created == NULL) return OPENWFP_STATUS_NO_MEMORY;
  created->action = action;
  created->tag = tag;
  *instance = created;
  ++g_live;
  snprintf(line, sizeof line, "test plugin: instance '%s' created", instanceName);
  host->log_message(OPENWFP_LOG_INFO, line);
  return OPENWFP_STATUS_SUCCESS;
}

static void test_destroy(void* instance) {
  free(instance);
  --g_live;
}

static void test_classify(const struct openwfp_incoming_values* inFixedValues,
                          const struct openwfp_incoming_metadata* inMetaValues, void* layerData,
                          const void* classifyContext, const struct openwfp_filter* filter, uint64_t flowContext,
                          struct openwfp_classify_out* classifyOut) {
  const struct test_instance* self = (const struct test_instance*)g_host->instance_for_callout(filter->action.calloutId);
  (void)inFixedValues;
  (void)inMetaValues;
  (void)layerData;
  (void)classifyContext;
  (void)flowContext;
  if (self == NULL || (classifyOut->rights & OPENWFP_FWPS_RIGHT_ACTION_WRITE) == 0) return;
  classifyOut->actionType = self->action;
  classifyOut->outContext = self->tag;
}

static openwfp_status test_notify(uint32_t notifyType, const struct openwfp_guid* filterKey,
                                  struct openwfp_filter* filter) {
  struct test_instance* self = (struct test_instance*)g_host->instance_for_callout(filter->action.calloutId);
  (void)filterKey;
  if (self == NULL) return OPENWFP_STATUS_SUCCESS;
  if (notifyType == OPENWFP_FWPS_CALLOUT_NOTIFY_ADD_FILTER) ++self->filtersAdded;
  if (notifyType == OPENWFP_FWPS_CALLOUT_NOTIFY_DELETE_FILTER) ++self->filtersDeleted;
  return OPENWFP_STATUS_SUCCESS;
}

static const struct openwfp_plugin g_plugin = {
    TEST_PLUGIN_ABI_VERSION,
    (uint32_t)(TEST_PLUGIN_STRUCT_SIZE),
    "c-test",
    "answers with the action its options name; reports its tag as outContext",
    test_create,
    test_destroy,
    0,
    test_classify,
    test_notify,
    NULL,
};

#ifdef TEST_PLUGIN_NO_ENTRY
/* The entry point under another name, as a misspelt one would be. */
#define TEST_PLUGIN_ENTRY openwfp_plugin_entry_misspelt
OPENWFP_PLUGIN_EXPORT const struct openwfp_plugin* TEST_PLUGIN_ENTRY(uint32_t hostAbiVersion,
                                                                     const struct openwfp_plugin_host* host);
#else
#define TEST_PLUGIN_ENTRY openwfp_plugin_entry
#endif

OPENWFP_PLUGIN_EXPORT const struct openwfp_plugin* TEST_PLUGIN_ENTRY(uint32_t hostAbiVersion,
                                                                     const struct openwfp_plugin_host* host) {
  (void)hostAbiVersion;
  g_host = host;
  return &g_plugin;
}

/* For the tests, which look these up with dlsym. */
OPENWFP_PLUGIN_EXPORT int test_plugin_live_instances(void);
OPENWFP_PLUGIN_EXPORT uint64_t test_plugin_tag(const void* instance);
OPENWFP_PLUGIN_EXPORT unsigned test_plugin_filters_added(const void* instance);

int test_plugin_live_instances(void) { return g_live; }
uint64_t test_plugin_tag(const void* instance) { return ((const struct test_instance*)instance)->tag; }
unsigned test_plugin_filters_added(const void* instance) {
  return ((const struct test_instance*)instance)->filtersAdded;
}
