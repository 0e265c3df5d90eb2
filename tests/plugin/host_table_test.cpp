// The host table plugins receive: every member present and set, and the
// name lookups C plugins use in place of the generated layer and field ids.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "openwfp/fwps_fields.hpp"
#include "openwfp/layers.hpp"
#include "plugin/host_table.hpp"

namespace openwfp::test {
namespace {

TEST(HostTable, HasEveryMemberAndNoneIsNull) {
  const openwfp_plugin_host* host = plugin::host_table();
  EXPECT_EQ(host->abi_version, OPENWFP_PLUGIN_ABI_VERSION);
  EXPECT_EQ(host->struct_size, sizeof(openwfp_plugin_host));
  EXPECT_TRUE(OPENWFP_PLUGIN_HOST_HAS(host, copy_to_net_buffer));
  // Every member after the two sizes is a function pointer.
  const auto* first = reinterpret_cast<const unsigned char*>(&host->instance_for_callout);
  const auto* end = reinterpret_cast<const unsigned char*>(host) + sizeof(openwfp_plugin_host);
  size_t count = 0;
  for (const unsigned char* p = first; p < end; p += sizeof(void*), ++count) {
    void* member = nullptr;
    std::memcpy(&member, p, sizeof member);
    EXPECT_NE(member, nullptr) << "member " << count;
  }
  EXPECT_EQ(count, 40u);
}

TEST(HostTable, LayerAndFieldLookupsByName) {
  const openwfp_plugin_host* host = plugin::host_table();
  uint16_t id = 0xffff;
  ASSERT_EQ(host->layer_id("STREAM_V4", &id), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(id, FWPS_LAYER_STREAM_V4);
  EXPECT_EQ(host->layer_id("STREAM_V5", &id), OPENWFP_STATUS_FWP_LAYER_NOT_FOUND);
  EXPECT_EQ(host->layer_id(nullptr, &id), OPENWFP_STATUS_INVALID_PARAMETER);

  uint16_t index = 0xffff;
  ASSERT_EQ(host->field_index(FWPS_LAYER_ALE_AUTH_CONNECT_V4, "IP_REMOTE_PORT", &index), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(index, FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT);
  // A field the catalog has but this layer does not, an unknown field, an unknown layer.
  EXPECT_EQ(host->field_index(FWPS_LAYER_INBOUND_IPPACKET_V4, "ALE_APP_ID", &index),
            OPENWFP_STATUS_FWP_CONDITION_NOT_FOUND);
  EXPECT_EQ(host->field_index(FWPS_LAYER_ALE_AUTH_CONNECT_V4, "NO_SUCH_FIELD", &index),
            OPENWFP_STATUS_FWP_CONDITION_NOT_FOUND);
  EXPECT_EQ(host->field_index(layer_id_limit(), "IP_REMOTE_PORT", &index), OPENWFP_STATUS_FWP_LAYER_NOT_FOUND);
}

TEST(HostTable, PacketBufferCallsWorkOverTheCTypes) {
  const openwfp_plugin_host* host = plugin::host_table();
  EXPECT_EQ(host->net_buffer_list_pool_create(0, 64, 0), nullptr);
  openwfp_net_buffer_list_pool* pool = host->net_buffer_list_pool_create(4, 64, 16);
  ASSERT_NE(pool, nullptr);
  openwfp_net_buffer_list* nbl = nullptr;
  ASSERT_EQ(host->allocate_net_buffer_list(pool, 10, &nbl), OPENWFP_STATUS_SUCCESS);
  const char text[] = "0123456789";
  uint32_t copied = 0;
  ASSERT_EQ(host->copy_to_net_buffer(nbl->firstNetBuffer, 0, text, 10, &copied), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(copied, 10u);
  // Retreat into the headroom, clone from there, advance back: the clone
  // sees the 4 headroom bytes and the data.
  ASSERT_EQ(host->retreat_net_buffer_list_data_start(nbl, 4, 0), OPENWFP_STATUS_SUCCESS);
  openwfp_net_buffer_list* clone = nullptr;
  ASSERT_EQ(host->allocate_clone_net_buffer_list(nbl, nullptr, 0, &clone), OPENWFP_STATUS_SUCCESS);
  ASSERT_EQ(host->advance_net_buffer_list_data_start(nbl, 4, false), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(clone->parentNetBufferList, nbl);
  EXPECT_EQ(clone->firstNetBuffer->dataLength, 14u);
  char back[16] = {};
  ASSERT_EQ(host->copy_from_net_buffer(clone->firstNetBuffer, 4, back, 10, &copied), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(std::string(back, copied), "0123456789");
  openwfp_net_buffer_list* copy = nullptr;
  ASSERT_EQ(host->allocate_deep_clone_net_buffer_list(clone, pool, &copy), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(copy->firstNetBuffer->dataLength, 14u);
  EXPECT_EQ(host->free_clone_net_buffer_list(clone, 0), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(host->free_net_buffer_list(nbl), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(host->free_net_buffer_list(copy), OPENWFP_STATUS_SUCCESS);
  // A clone is freed as a clone, not as a list.
  EXPECT_EQ(host->free_net_buffer_list(nullptr), OPENWFP_STATUS_INVALID_PARAMETER);
  host->net_buffer_list_pool_destroy(pool);
}

TEST(HostTable, RuntimeCallsWithoutAStackFailCleanly) {
  const openwfp_plugin_host* host = plugin::host_table();
  EXPECT_EQ(host->flow_associate_context(12345, FWPS_LAYER_STREAM_V4, 1, 7), OPENWFP_STATUS_NOT_FOUND);
  EXPECT_EQ(host->flow_abort(12345), OPENWFP_STATUS_NOT_FOUND);
  uint64_t ctx = 0;
  EXPECT_EQ(host->pend_operation(0, &ctx), OPENWFP_STATUS_INVALID_PARAMETER);
  void* handle = nullptr;
  ASSERT_EQ(host->injection_handle_create(OPENWFP_AF_INET, 0, &handle), OPENWFP_STATUS_SUCCESS);
  EXPECT_EQ(host->inject_network_send(handle, nullptr, 0, 0, nullptr, nullptr, nullptr),
            OPENWFP_STATUS_INVALID_PARAMETER);
  EXPECT_EQ(host->injection_handle_destroy(handle), OPENWFP_STATUS_SUCCESS);
  // Not on a worker thread: no DPC.
  EXPECT_FALSE(host->queue_dpc([](void*, void*, void*) {}, nullptr, nullptr, nullptr));
}

}  // namespace
}  // namespace openwfp::test
