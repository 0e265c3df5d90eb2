// The run-time callout API around the engine: notifyFn on filter add and
// delete, unregistering while flows hold contexts (DEVICE_BUSY) and racing
// registrations (FWP_IN_USE), and every classifyFn call scoped at
// DISPATCH_LEVEL and timed per callout.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/engine_fixture.hpp"

namespace openwfp::test {
namespace {

constexpr uint32_t CT = FWP_ACTION_CALLOUT_TERMINATING;

struct NotifyRecord {
  NotifyType type;
  bool keyGiven;
  Guid key;
  uint64_t filterId;
  uint64_t context;
};
std::vector<NotifyRecord> g_notes;
Status g_notify_answer = Status::SUCCESS;

Status recording_notify(NotifyType type, const Guid* key, FilterView* filter) {
  g_notes.push_back({type, key != nullptr, key != nullptr ? *key : Guid{}, filter->filterId, filter->context});
  if (type == NotifyType::FWPS_CALLOUT_NOTIFY_ADD_FILTER) {
    if (g_notify_answer != Status::SUCCESS) return g_notify_answer;
    filter->context = 0xC0FFEE00u + filter->filterId;  // the callout's own per-filter state
  }
  return Status::SUCCESS;
}

uint64_t g_classify_context = 0;
dispatch::KIRQL g_irql = 0;
bool g_in_classify = false;
void permit_and_record(const IncomingValues*, const IncomingMetadata*, void*, const void*, const FilterView* f,
                       uint64_t, ClassifyOut* out) {
  g_classify_context = f->context;
  g_irql = dispatch::KeGetCurrentIrql();
  g_in_classify = dispatch::in_classify();
  out->actionType = FWP_ACTION_PERMIT;
}

struct CalloutEngine {
  const LayerInfo& L = layer("ALE_AUTH_CONNECT_V4");
  Engine engine;
  Callout c = make_callout("c", L.id);
  uint32_t id = 0;
  explicit CalloutEngine(uint32_t flags = 0) {
    g_notes.clear();
    g_notify_answer = Status::SUCCESS;
    EXPECT_EQ(engine.add_callout(c), Status::SUCCESS);
    CalloutRegistration reg{c.calloutKey, flags, permit_and_record, recording_notify, nullptr};
    EXPECT_EQ(engine.register_callout(reg, &id), Status::SUCCESS);
  }
};

TEST(CalloutNotify, AddTellsTheCalloutAndItsContextReachesClassify) {
  CalloutEngine e;
  Filter f = make_callout_filter("f", e.c, CT, Guid{}, 7);
  f.filterKey = Guid::random();
  uint64_t id = 0;
  OPENWFP_ASSERT_OK(e.engine.add_filter(f, &id));
  ASSERT_EQ(g_notes.size(), 1u);
  EXPECT_EQ(g_notes[0].type, NotifyType::FWPS_CALLOUT_NOTIFY_ADD_FILTER);
  EXPECT_TRUE(g_notes[0].keyGiven);
  EXPECT_EQ(g_notes[0].key, f.filterKey);
  EXPECT_EQ(g_notes[0].filterId, id);
  EXPECT_EQ(g_notes[0].context, 7u);  // the raw context, before the callout changes it
  Incoming in(e.L);
  ClassifyResult r;
  e.engine.classify(in.values(), {}, &r);
  EXPECT_EQ(g_classify_context, 0xC0FFEE00u + id);
  // The management object keeps its raw context.
  EXPECT_EQ(e.engine.snapshot()->find_filter(id)->rawContext, 7u);
}

TEST(CalloutNotify, DeleteTellsTheCalloutWithoutAKey) {
  CalloutEngine e;
  uint64_t id = 0;
  OPENWFP_ASSERT_OK(e.engine.add_filter(make_callout_filter("f", e.c, CT), &id));
  g_notes.clear();
  OPENWFP_ASSERT_OK(e.engine.delete_filter_by_id(id));
  ASSERT_EQ(g_notes.size(), 1u);
  EXPECT_EQ(g_notes[0].type, NotifyType::FWPS_CALLOUT_NOTIFY_DELETE_FILTER);
  EXPECT_FALSE(g_notes[0].keyGiven);
  EXPECT_EQ(g_notes[0].filterId, id);
}

TEST(CalloutNotify, AFailingNotifyRefusesTheFilter) {
  CalloutEngine e;
  g_notify_answer = Status::INSUFFICIENT_RESOURCES;
  const uint64_t generation = e.engine.generation();
  std::string why;
  uint64_t id = 0;
  EXPECT_EQ(e.engine.add_filter(make_callout_filter("f", e.c, CT), &id, &why), Status::FWP_CALLOUT_NOTIFICATION_FAILED);
  EXPECT_NE(why.find("INSUFFICIENT_RESOURCES"), std::string::npos) << why;
  EXPECT_TRUE(e.engine.snapshot()->filters.empty());
  EXPECT_EQ(e.engine.generation(), generation);  // nothing committed
}

TEST(CalloutNotify, AnAbortedTransactionUndoesTheAddForTheCallout) {
  CalloutEngine e;
  {
    Transaction txn;
    OPENWFP_ASSERT_OK(e.engine.begin(&txn));
    OPENWFP_ASSERT_OK(txn.add_filter(make_callout_filter("f", e.c, CT)));
    ASSERT_EQ(g_notes.size(), 1u);
    txn.abort();
  }
  ASSERT_EQ(g_notes.size(), 2u);
  EXPECT_EQ(g_notes[1].type, NotifyType::FWPS_CALLOUT_NOTIFY_DELETE_FILTER);
  EXPECT_EQ(g_notes[1].filterId, g_notes[0].filterId);
}

TEST(CalloutNotify, PostCommitAddOnlyWhenAskedFor) {
  CalloutEngine plain;
  OPENWFP_ASSERT_OK(plain.engine.add_filter(make_callout_filter("f", plain.c, CT)));
  ASSERT_EQ(g_notes.size(), 1u);
  CalloutEngine asked(FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY);
  OPENWFP_ASSERT_OK(asked.engine.add_filter(make_callout_filter("f", asked.c, CT)));
  ASSERT_EQ(g_notes.size(), 2u);
  EXPECT_EQ(g_notes[0].type, NotifyType::FWPS_CALLOUT_NOTIFY_ADD_FILTER);
  EXPECT_EQ(g_notes[1].type, NotifyType::FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT);
}

TEST(CalloutNotify, FiltersAddedBeforeRegistrationAreNotTold) {
  const LayerInfo& L = layer("ALE_AUTH_CONNECT_V4");
  Engine engine;
  const Callout c = make_callout("c", L.id);
  OPENWFP_ASSERT_OK(engine.add_callout(c));
  OPENWFP_ASSERT_OK(engine.add_filter(make_callout_filter("f", c, CT)));
  g_notes.clear();
  CalloutRegistration reg{c.calloutKey, 0, permit_and_record, recording_notify, nullptr};
  OPENWFP_ASSERT_OK(engine.register_callout(reg));
  EXPECT_TRUE(g_notes.empty());
}

TEST(CalloutUnregister, RefusedWithDeviceBusyWhileFlowsHoldContexts) {
  CalloutEngine e;
  ASSERT_TRUE(e.engine.acquire_flow_context(e.id));
  ASSERT_TRUE(e.engine.acquire_flow_context(e.id));
  EXPECT_EQ(e.engine.flow_contexts(e.id), 2);
  EXPECT_EQ(e.engine.unregister_callout_by_id(e.id), Status::DEVICE_BUSY);
  CalloutRegistration still;
  EXPECT_TRUE(e.engine.callout_registration(e.id, &still));  // still registered
  e.engine.release_flow_context(e.id);
  EXPECT_EQ(e.engine.unregister_callout_by_key(e.c.calloutKey), Status::DEVICE_BUSY);
  e.engine.release_flow_context(e.id);
  OPENWFP_ASSERT_OK(e.engine.unregister_callout_by_id(e.id));
  EXPECT_FALSE(e.engine.acquire_flow_context(e.id));  // no context for an unregistered callout
  EXPECT_EQ(e.engine.flow_contexts(e.id), 0);
}

TEST(CalloutUnregister, ConcurrentRegisterAndUnregisterNeverLoseTrack) {
  CalloutEngine e;
  OPENWFP_ASSERT_OK(e.engine.unregister_callout_by_id(e.id));
  CalloutRegistration reg{e.c.calloutKey, 0, permit_and_record, recording_notify, nullptr};
  std::atomic<int> registered{0}, in_use{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        const Status s = e.engine.register_callout(reg);
        if (s == Status::SUCCESS) ++registered;
        if (s == Status::FWP_IN_USE) ++in_use;
        const Status u = e.engine.unregister_callout_by_id(e.id);
        if (u == Status::SUCCESS) --registered;
        if (u == Status::FWP_IN_USE) ++in_use;
        ASSERT_TRUE(s == Status::SUCCESS || s == Status::FWP_IN_USE || s == Status::FWP_ALREADY_EXISTS)
            << status_name(s);
        ASSERT_TRUE(u == Status::SUCCESS || u == Status::FWP_IN_USE || u == Status::FWP_CALLOUT_NOT_FOUND)
            << status_name(u);
      }
    });
  }
  for (auto& t : threads) t.join();
  CalloutRegistration now;
  EXPECT_EQ(registered.load(), e.engine.callout_registration(e.id, &now) ? 1 : 0);
}

TEST(CalloutDispatch, ClassifyRunsAtDispatchLevelAndIsTimed) {
  CalloutEngine e;
  OPENWFP_ASSERT_OK(e.engine.add_filter(make_callout_filter("f", e.c, CT)));
  dispatch::CalloutTimingTable timing;
  const dispatch::CalloutTimer timer = timing.timer(0);
  ClassifyInput input;
  input.timer = &timer;
  Incoming in(e.L);
  ClassifyResult r;
  ASSERT_EQ(dispatch::KeGetCurrentIrql(), dispatch::PASSIVE_LEVEL);
  for (int i = 0; i < 5; ++i) e.engine.classify(in.values(), input, &r);
  EXPECT_EQ(g_irql, dispatch::DISPATCH_LEVEL);
  EXPECT_TRUE(g_in_classify);
  EXPECT_EQ(dispatch::KeGetCurrentIrql(), dispatch::PASSIVE_LEVEL);  // restored
  EXPECT_FALSE(dispatch::in_classify());
  EXPECT_EQ(timing.stats(e.id).count, 5u);
  // Without a timer the call is still scoped, and not timed.
  g_irql = 0;
  e.engine.classify(in.values(), {}, &r);
  EXPECT_EQ(g_irql, dispatch::DISPATCH_LEVEL);
  EXPECT_EQ(timing.stats(e.id).count, 5u);
}

}  // namespace
}  // namespace openwfp::test
