// The Recorder as a real stack's observer: drops with their 5-tuple,
// direction, layer and filter; allows only when asked; a callout's veto; a
// verifier finding; a pend that times out; per-filter counters that agree
// with the stack's own; and a flood of drops that fills the ring and is
// counted exactly.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "craft/craft.hpp"
#include "events/recorder.hpp"
#include "openwfp/fwps.hpp"
#include "support/engine_fixture.hpp"
#include "support/stack_world.hpp"

namespace openwfp::test {
namespace {

using events::NetEvent;
using events::NetEventType;
constexpr uint8_t SYN = 0x02, ACK = 0x10;
const uint32_t kHost = craft::v4(10, 0, 0, 2);
const uint32_t kPeer = craft::v4(10, 1, 2, 3);

std::vector<NetEvent> drain(events::Recorder& r) {
  std::vector<NetEvent> out(r.ring().capacity());
  out.resize(r.ring().pop(out.data(), out.size()));
  return out;
}

uint64_t add_block(Engine& engine, const char* layer_name, uint16_t remote_port, uint32_t flags = 0) {
  const LayerInfo& L = layer(layer_name);
  Filter f = make_filter(std::string("block ") + layer_name, L.id, FWP_ACTION_BLOCK, Guid{}, FilterWeight::automatic(),
                         {cond(L, "IP_REMOTE_PORT", MatchType::FWP_MATCH_EQUAL, std::to_string(remote_port))}, flags);
  uint64_t id = 0;
  EXPECT_EQ(engine.add_filter(f, &id), Status::SUCCESS);
  return id;
}

craft::Bytes syn(uint16_t sport, uint16_t dport) { return craft::ipv4(kHost, kPeer, 6, craft::tcp(sport, dport, 100, 0, SYN)); }

TEST(Recorder, ADropCarriesItsFiveTupleLayerAndFilter) {
  StackWorld<events::Recorder> w;
  const uint64_t id = add_block(w.engine, "ALE_AUTH_CONNECT_V4", 23);
  EXPECT_EQ(w.send(syn(40000, 23), true).verdict, stack::Verdict::BLOCK);
  EXPECT_EQ(w.send(syn(40001, 80), true).verdict, stack::Verdict::PERMIT);
  const std::vector<NetEvent> ev = drain(w.observer);
  ASSERT_EQ(ev.size(), 1u);  // allows are not recorded by default
  const NetEvent& e = ev[0];
  EXPECT_EQ(e.type, NetEventType::CLASSIFY_DROP);
  EXPECT_EQ(e.layerId, layer("ALE_AUTH_CONNECT_V4").id);
  EXPECT_EQ(e.filterId, id);
  EXPECT_EQ(e.ipVersion, 4);
  EXPECT_EQ(e.ipProtocol, 6);
  EXPECT_EQ(e.localPort, 40000);
  EXPECT_EQ(e.remotePort, 23);
  const uint8_t local[4] = {10, 0, 0, 2}, remote[4] = {10, 1, 2, 3};
  EXPECT_EQ(0, std::memcmp(e.localAddr, local, 4));
  EXPECT_EQ(0, std::memcmp(e.remoteAddr, remote, 4));
  ASSERT_NE(e.flags & events::NET_EVENT_FLAG_DIRECTION_SET, 0u);
  EXPECT_EQ(e.direction, FWP_DIRECTION_OUTBOUND);
  EXPECT_NE(e.flowId, 0u);
  EXPECT_GT(e.timeUs, 1'600'000'000'000'000u);  // wall clock
  // Counters: the block filter once; the permitted connection had no filter deciding.
  std::vector<events::FilterCount> counts;
  w.observer.counters().snapshot(&counts);
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0], (events::FilterCount{id, 1, 0, 1}));
  EXPECT_EQ(w.stack->counters().layers[layer("ALE_AUTH_CONNECT_V4").id].blocks, 1u);
}

// Recorders made otherwise than by default, as a StackWorld's observer.
struct AllowRecorder : events::Recorder {
  AllowRecorder() : Recorder(events::RecorderConfig{.ringCapacity = 64, .recordAllows = true, .maxFilters = 16}) {}
};
struct SmallRecorder : events::Recorder {
  SmallRecorder() : Recorder(events::RecorderConfig{.ringCapacity = 32, .recordAllows = false, .maxFilters = 16}) {}
};

TEST(Recorder, AllowsWhenAskedAndOnlyForAFilterThatDecided) {
  StackWorld<AllowRecorder> w;
  const LayerInfo& L = layer("ALE_AUTH_CONNECT_V4");
  uint64_t permitId = 0;
  ASSERT_EQ(w.engine.add_filter(make_filter("permit 443", L.id, FWP_ACTION_PERMIT, Guid{}, FilterWeight::automatic(),
                                            {cond(L, "IP_REMOTE_PORT", MatchType::FWP_MATCH_EQUAL, "443")}),
                                &permitId),
            Status::SUCCESS);
  w.send(syn(40000, 443), true);
  w.send(syn(40001, 80), true);  // no filter: a default permit, no event
  std::vector<NetEvent> ev = drain(w.observer);
  std::erase_if(ev, [&](const NetEvent& e) { return e.layerId != L.id; });
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, NetEventType::CLASSIFY_ALLOW);
  EXPECT_EQ(ev[0].filterId, permitId);
  EXPECT_EQ(ev[0].remotePort, 443);
}

ClassifyFn g_block = [](const IncomingValues*, const IncomingMetadata*, void*, const void*, const FilterView*, uint64_t,
                        ClassifyOut* out) { out->actionType = FWP_ACTION_BLOCK; };

TEST(Recorder, ACalloutVetoingAHardPermitIsAVetoEvent) {
  StackWorld<events::Recorder> w;
  const LayerInfo& L = layer("ALE_AUTH_CONNECT_V4");
  const Sublayer high = make_sublayer("high", 100);
  ASSERT_EQ(w.engine.add_sublayer(high), Status::SUCCESS);
  uint64_t hardPermit = 0;
  ASSERT_EQ(w.engine.add_filter(make_filter("hard permit", L.id, FWP_ACTION_PERMIT, high.subLayerKey,
                                            FilterWeight::automatic(), {}, FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT),
                                &hardPermit),
            Status::SUCCESS);
  w.callout_at("ALE_AUTH_CONNECT_V4", FWP_ACTION_CALLOUT_TERMINATING, g_block);
  EXPECT_EQ(w.send(syn(40000, 80), true).verdict, stack::Verdict::BLOCK);
  std::vector<NetEvent> ev = drain(w.observer);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, NetEventType::CLASSIFY_VETO);
  EXPECT_NE(ev[0].filterId, hardPermit);  // the vetoing (callout) filter
  EXPECT_NE(w.engine.snapshot()->find_filter(ev[0].filterId), nullptr);
}

TEST(Recorder, AVerifierFindingIsAnEvent) {
  StackWorld<events::Recorder> w;
  const uint64_t id = add_block(w.engine, "ALE_FLOW_ESTABLISHED_V4", 80);
  w.send(syn(40000, 80), true);
  w.send(craft::ipv4(kPeer, kHost, 6, craft::tcp(80, 40000, 500, 101, SYN | ACK)), false);
  w.send(craft::ipv4(kHost, kPeer, 6, craft::tcp(40000, 80, 101, 501, ACK)), true);
  ASSERT_GT(w.stack->findings().total(), 0u);
  const std::vector<NetEvent> ev = drain(w.observer);
  size_t findings = 0, drops = 0;
  for (const NetEvent& e : ev) {
    if (e.type == NetEventType::VERIFIER_FINDING) {
      ++findings;
      EXPECT_EQ(e.consideration, "C3");
      EXPECT_NE(e.what.find("ALE_FLOW_ESTABLISHED"), std::string_view::npos);
      EXPECT_EQ(e.layerId, layer("ALE_FLOW_ESTABLISHED_V4").id);
    }
    if (e.type == NetEventType::CLASSIFY_DROP && e.filterId == id) ++drops;
  }
  EXPECT_EQ(findings, w.stack->findings().total());
  EXPECT_EQ(drops, 1u);
}

uint64_t g_completionContext = 0;
ClassifyFn g_pend = [](const IncomingValues*, const IncomingMetadata* meta, void*, const void*, const FilterView*, uint64_t,
                       ClassifyOut* out) {
  FwpsPendOperation0(meta->completionHandle, &g_completionContext);
  out->actionType = FWP_ACTION_BLOCK;
  out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
};

TEST(Recorder, APendThatTimesOutIsAnEvent) {
  StackWorld<events::Recorder> w;
  w.config.pendTimeoutUs = 5'000'000;
  w.callout_at("ALE_AUTH_CONNECT_V4", FWP_ACTION_CALLOUT_TERMINATING, g_pend);
  EXPECT_EQ(w.send(syn(40000, 80), true).verdict, stack::Verdict::ABSORBED);
  w.send(craft::ipv4(kPeer, kHost, 6, craft::tcp(80, 40000, 500, 101, SYN | ACK)), false, 6'000'000);
  size_t timeouts = 0;
  for (const NetEvent& e : drain(w.observer)) {
    if (e.type != NetEventType::PEND_TIMEOUT) continue;
    ++timeouts;
    EXPECT_EQ(e.layerId, layer("ALE_AUTH_CONNECT_V4").id);
    EXPECT_EQ(e.remotePort, 80);
  }
  EXPECT_EQ(timeouts, 1u);
}

// Live traffic fills ALE_APP_ID and ALE_USER_ID: the event carries them
// (the path as text, cut to fit; the uid).
TEST(Recorder, TheApplicationAndUserWhenTheValuesHaveThem) {
  const LayerInfo& L = layer("ALE_AUTH_CONNECT_V4");
  std::vector<IncomingValue> v(L.fields.size());
  auto at = [&](const char* name) -> Value& { return v[*L.index_of(field(name))].value; };
  const std::string path = "/usr/bin/telnet";
  const ByteBlob app{static_cast<uint32_t>(path.size() + 1), reinterpret_cast<const uint8_t*>(path.c_str())};
  const uint32_t groups[1] = {100};
  const TokenAccessInformation user{1000, 1000, 1, groups};
  at("ALE_APP_ID") = Value::blob(&app);
  at("ALE_USER_ID") = Value::token(&user);
  at("IP_REMOTE_PORT") = Value::u16(23);
  at("IP_LOCAL_ADDRESS") = Value::u32(0x0a000002);
  at("IP_REMOTE_ADDRESS") = Value::u32(0x0a010203);
  const IncomingValues values{L.id, static_cast<uint32_t>(v.size()), v.data()};
  ClassifyResult r;
  r.actionType = FWP_ACTION_BLOCK;
  r.noMatch = false;
  r.filterId = 4;
  events::Recorder rec;
  rec.on_classify(L, values, r, nullptr);
  const std::vector<NetEvent> ev = drain(rec);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_STREQ(ev[0].application, "/usr/bin/telnet");  // the terminating NUL of the blob is not text
  EXPECT_NE(ev[0].flags & events::NET_EVENT_FLAG_APP_ID_SET, 0u);
  EXPECT_EQ(ev[0].userId, 1000u);
  EXPECT_NE(ev[0].flags & events::NET_EVENT_FLAG_USER_ID_SET, 0u);
  const uint8_t remote[4] = {10, 1, 2, 3};
  EXPECT_EQ(0, std::memcmp(ev[0].remoteAddr, remote, 4));
  EXPECT_EQ(ev[0].remotePort, 23);
  EXPECT_EQ(ev[0].flags & events::NET_EVENT_FLAG_LOCAL_PORT_SET, 0u);  // absent stays absent
  // A path longer than the event holds is cut, still terminated.
  const std::string longPath(300, 'x');
  const ByteBlob longApp{static_cast<uint32_t>(longPath.size()), reinterpret_cast<const uint8_t*>(longPath.data())};
  at("ALE_APP_ID") = Value::blob(&longApp);
  rec.on_classify(L, values, r, nullptr);
  const std::vector<NetEvent> cut = drain(rec);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(std::strlen(cut[0].application), sizeof cut[0].application - 1);
}

TEST(Recorder, AFloodOfDropsFillsTheRingAndCountsTheRestExactly) {
  StackWorld<SmallRecorder> w;
  const uint64_t id = add_block(w.engine, "ALE_AUTH_CONNECT_V4", 23);
  constexpr uint16_t kConnections = 500;
  for (uint16_t i = 0; i < kConnections; ++i) EXPECT_EQ(w.send(syn(static_cast<uint16_t>(20000 + i), 23), true).verdict, stack::Verdict::BLOCK);
  EXPECT_EQ(w.observer.ring().pushed(), 32u);
  EXPECT_EQ(w.observer.ring().lost(), kConnections - 32u);
  EXPECT_EQ(drain(w.observer).size(), 32u);
  // The counters miss nothing.
  std::vector<events::FilterCount> counts;
  w.observer.counters().snapshot(&counts);
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0], (events::FilterCount{id, kConnections, 0, kConnections}));
}

}  // namespace
}  // namespace openwfp::test
