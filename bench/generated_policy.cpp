#include "generated_policy.hpp"

#include <random>
#include <string>

#include "craft/craft.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/layers.hpp"

namespace bench {

using namespace openwfp;

void add_filters(Engine& engine, uint32_t n) {
  Transaction txn;
  engine.begin(&txn);
  const LayerId ale[] = {find_layer("ALE_AUTH_CONNECT_V4")->id, find_layer("ALE_AUTH_RECV_ACCEPT_V4")->id};
  const LayerId packet[] = {find_layer("OUTBOUND_TRANSPORT_V4")->id, find_layer("INBOUND_TRANSPORT_V4")->id,
                            find_layer("INBOUND_IPPACKET_V4")->id, find_layer("OUTBOUND_IPPACKET_V4")->id};
  std::mt19937 rng(1);
  for (uint32_t i = 0; i < n; ++i) {
    Filter f;
    f.name = "bench " + std::to_string(i);
    const bool at_ale = i % 10 != 0;
    f.layerKey = at_ale ? ale[i % 2] : packet[i % 4];
    f.action.type = FWP_ACTION_BLOCK;
    f.weight = FilterWeight::exact(i);
    const LayerInfo* l = find_layer(f.layerKey);
    FilterCondition c;
    c.fieldKey = *find_field("IP_REMOTE_ADDRESS");
    c.matchType = MatchType::FWP_MATCH_EQUAL;
    c.conditionValue = ConditionValue::of_v4_prefix(craft::v4(172, 16 + static_cast<int>(rng() % 16), static_cast<int>(rng() % 256), 0), 24);
    f.filterCondition.push_back(c);
    if (l->index_of(*find_field("IP_REMOTE_PORT"))) {
      FilterCondition p;
      p.fieldKey = *find_field("IP_REMOTE_PORT");
      p.matchType = MatchType::FWP_MATCH_EQUAL;
      p.conditionValue = ConditionValue::of_uint(DataType::FWP_UINT16, 1 + rng() % 1023);
      f.filterCondition.push_back(p);
    }
    txn.add_filter(f);
  }
  txn.commit();
}

}  // namespace bench
