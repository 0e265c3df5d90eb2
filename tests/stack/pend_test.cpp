// Pend and complete at the ALE layers: FwpsPendOperation0 with Block +
// ABSORB, completion from another thread, the reauthorization with
// IS_REAUTHORIZE (where pending again fails with FWP_CANNOT_PEND), the
// pended connect's packet released on a permit, packets of a pended flow
// dropped, the timeout of a pend never completed, completion racing the
// flow's end, and the generic pend of a classify handle.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "craft/craft.hpp"
#include "openwfp/fwps.hpp"
#include "stack/stack.hpp"
#include "support/engine_fixture.hpp"
#include "support/stack_world.hpp"

namespace openwfp::test {
namespace {

using craft::Bytes;
constexpr uint8_t SYN = 0x02, ACK = 0x10, PSH = 0x08;
const uint32_t kHost = craft::v4(10, 0, 0, 2);
const uint32_t kWeb = craft::v4(93, 184, 216, 34);

std::function<void(const IncomingValues*, const IncomingMetadata*, const void*, ClassifyOut*)> g_classify;
void classify_fn(const IncomingValues* values, const IncomingMetadata* meta, void*, const void* classifyContext,
                 const FilterView*, uint64_t, ClassifyOut* out) {
  if (g_classify) g_classify(values, meta, classifyContext, out);
}

bool reauthorizing(const IncomingValues* values) {
  const LayerInfo* l = find_layer(values->layerId);
  const auto index = l->index_of(*find_field("FLAGS"));
  const Value& v = values->incomingValue[*index].value;
  return v.type == DataType::FWP_UINT32 && (v.uint32 & FWP_CONDITION_FLAG_IS_REAUTHORIZE) != 0;
}

class Released final : public stack::Observer {
 public:
  void on_inject(const uint8_t* ip, uint32_t length, bool outbound) override {
    packets.emplace_back(ip, ip + length);
    outbounds.push_back(outbound);
  }
  void on_pend_timeout(const flow::Flow*, uint16_t layer) override { timeouts.push_back(layer); }
  std::vector<Bytes> packets;
  std::vector<bool> outbounds;
  std::vector<uint16_t> timeouts;
};

// One terminating callout at the layer: the pender.
struct World : StackWorld<Released> {
  explicit World(const std::string& layer_name) {
    g_classify = nullptr;
    callout_at(layer_name, FWP_ACTION_CALLOUT_TERMINATING, classify_fn);
  }
  ~World() { g_classify = nullptr; }
};

const Bytes kSyn = craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 100, 0, SYN));
const Bytes kSynAck = craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, 500, 101, SYN | ACK));
const Bytes kAck = craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, 101, 501, ACK));

// A callout that pends the first classification and answers the
// reauthorization with `answer`.
struct Pender {
  uint64_t completionContext = 0;
  Status pendStatus = Status::UNSUCCESSFUL;
  Status pendAgain = Status::SUCCESS;
  int calls = 0, reauths = 0;
  uint32_t answer = FWP_ACTION_PERMIT;
  void install() {
    g_classify = [this](const IncomingValues* values, const IncomingMetadata* meta, const void*, ClassifyOut* out) {
      ++calls;
      if (reauthorizing(values)) {
        ++reauths;
        uint64_t ignored = 0;
        pendAgain = FwpsPendOperation0(meta->completionHandle, &ignored);
        out->actionType = answer;
        return;
      }
      ASSERT_TRUE(meta->has(FWPS_METADATA_FIELD_COMPLETION_HANDLE));
      pendStatus = FwpsPendOperation0(meta->completionHandle, &completionContext);
      out->actionType = FWP_ACTION_BLOCK;
      out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
    };
  }
};

TEST(StackPend, ConnectPendedCompletedFromAnotherThreadReauthorizedAndReleased) {
  World w("ALE_AUTH_CONNECT_V4");
  Pender pender;
  pender.install();
  EXPECT_EQ(w.send(kSyn, true).verdict, stack::Verdict::ABSORBED);
  EXPECT_EQ(pender.pendStatus, Status::SUCCESS);
  EXPECT_EQ(w.stack->pends().inUse, 1u);
  // The peer cannot answer a SYN that was not sent: anything of the flow meanwhile is dropped.
  EXPECT_EQ(w.send(kSynAck, false).verdict, stack::Verdict::DROP);
  std::thread([&] { FwpsCompleteOperation0(pender.completionContext, nullptr); }).join();
  // The completion is carried out before the next packet: reauthorized, permitted, the SYN goes out.
  EXPECT_EQ(w.send(kSynAck, false).verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(pender.reauths, 1);
  EXPECT_EQ(pender.pendAgain, Status::FWP_CANNOT_PEND);
  ASSERT_EQ(w.observer.packets.size(), 1u);
  EXPECT_EQ(w.observer.packets[0], kSyn);
  EXPECT_TRUE(w.observer.outbounds[0]);
  EXPECT_EQ(w.send(kAck, true).verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(w.stack->counters().reauthorizations, 1u);
  EXPECT_EQ(w.stack->counters().packetsReleased, 1u);
  EXPECT_EQ(w.stack->pends().inUse, 0u);
  EXPECT_EQ(w.stack->pends().completed, 1u);
  EXPECT_EQ(w.stack->findings().total(), 0u);
  // A second completion of the same context finds nothing.
  FwpsCompleteOperation0(pender.completionContext, nullptr);
  w.send(kAck, true);
  EXPECT_EQ(w.stack->pends().staleCompletions, 1u);
}

TEST(StackPend, AReauthorizationThatBlocksBlocksTheFlow) {
  World w("ALE_AUTH_CONNECT_V4");
  Pender pender;
  pender.answer = FWP_ACTION_BLOCK;
  pender.install();
  EXPECT_EQ(w.send(kSyn, true).verdict, stack::Verdict::ABSORBED);
  FwpsCompleteOperation0(pender.completionContext, nullptr);  // on the stack's thread, outside classify: at once
  EXPECT_EQ(pender.reauths, 1);
  EXPECT_TRUE(w.observer.packets.empty());
  EXPECT_EQ(w.send(kSynAck, false).verdict, stack::Verdict::BLOCK);
}

TEST(StackPend, APendNeverCompletedEndsWithABlockAndAnEvent) {
  World w("ALE_AUTH_CONNECT_V4");
  w.config.pendTimeoutUs = 5'000'000;
  Pender pender;
  pender.install();
  EXPECT_EQ(w.send(kSyn, true).verdict, stack::Verdict::ABSORBED);
  EXPECT_EQ(w.send(kSynAck, false, 1'000'000).verdict, stack::Verdict::DROP);  // still pended
  EXPECT_EQ(w.send(kSynAck, false, 5'000'000).verdict, stack::Verdict::BLOCK);  // timed out: Block
  EXPECT_EQ(w.stack->pends().timedOut, 1u);
  ASSERT_EQ(w.observer.timeouts.size(), 1u);
  EXPECT_EQ(w.observer.timeouts[0], layer("ALE_AUTH_CONNECT_V4").id);
  ASSERT_EQ(w.stack->findings().all().size(), 1u);
  EXPECT_EQ(w.stack->findings().all()[0].consideration, "PEND");
  // A late completion finds nothing to decide.
  FwpsCompleteOperation0(pender.completionContext, nullptr);
  EXPECT_EQ(w.stack->pends().staleCompletions, 1u);
}

TEST(StackPend, CompletionAfterTheFlowEndedDecidesNothing) {
  World w("ALE_AUTH_CONNECT_V4");
  w.config.flows.udpTimeoutUs = 1'000'000;
  Pender pender;
  pender.install();
  const Bytes dns = craft::ipv4(kHost, craft::v4(9, 9, 9, 9), 17, craft::udp(5353, 53, craft::text("q")));
  EXPECT_EQ(w.send(dns, true).verdict, stack::Verdict::ABSORBED);
  EXPECT_EQ(pender.pendStatus, Status::SUCCESS);
  EXPECT_EQ(w.stack->flows().stats().active, 1u);
  // Another flow's packet (inbound: not pended), two seconds later: the
  // pended UDP flow has expired.
  w.send(craft::ipv4(kWeb, kHost, 17, craft::udp(53, 6000, craft::text("r"))), false, 2'000'000);
  EXPECT_EQ(w.stack->flows().stats().expired, 1u);
  FwpsCompleteOperation0(pender.completionContext, nullptr);
  EXPECT_EQ(w.stack->pends().completedAfterFlowEnd, 1u);
  EXPECT_EQ(pender.reauths, 0);
  EXPECT_TRUE(w.observer.packets.empty());
}

TEST(StackPend, CompletionsRacingFlowEndsFromAnotherThread) {
  World w("ALE_AUTH_CONNECT_V4");
  w.config.flows.udpTimeoutUs = 500;
  std::vector<uint64_t> contexts;
  std::atomic<size_t> published{0};
  g_classify = [&](const IncomingValues* values, const IncomingMetadata* meta, const void*, ClassifyOut* out) {
    if (reauthorizing(values)) {
      out->actionType = FWP_ACTION_PERMIT;
      return;
    }
    uint64_t ctx = 0;
    if (FwpsPendOperation0(meta->completionHandle, &ctx) == Status::SUCCESS) {
      contexts.push_back(ctx);
      published.store(contexts.size(), std::memory_order_release);
      out->actionType = FWP_ACTION_BLOCK;
      out->flags |= FWPS_CLASSIFY_OUT_FLAG_ABSORB;
    }
  };
  contexts.reserve(400);
  std::atomic<bool> done{false};
  std::thread completer([&] {
    size_t next = 0;
    while (!done.load() || next < published.load(std::memory_order_acquire)) {
      if (next < published.load(std::memory_order_acquire)) {
        FwpsCompleteOperation0(contexts[next++], nullptr);
      } else {
        std::this_thread::yield();
      }
    }
  });
  for (uint16_t i = 0; i < 400; ++i) {
    const Bytes udp = craft::ipv4(kHost, craft::v4(9, 9, 9, 9), 17,
                                  craft::udp(static_cast<uint16_t>(10000 + i), 53, craft::text("q")));
    // Every other flow outlives its completion; the others expire first.
    w.send(udp, true, (i % 2) == 0 ? 100 : 1000);
  }
  done = true;
  completer.join();
  w.stack->finish();
  const stack::PendStats& s = w.stack->pends();
  EXPECT_EQ(s.pended, 400u);
  EXPECT_EQ(s.inUse, 0u);
  EXPECT_EQ(s.completed + s.timedOut, 400u);
  EXPECT_LE(s.completedAfterFlowEnd, s.completed);
}

TEST(StackPend, GenericPendOfAClassifyHandle) {
  World w("ALE_AUTH_RECV_ACCEPT_V4");
  uint64_t handle = 0;
  Status acquired = Status::UNSUCCESSFUL, pended = Status::UNSUCCESSFUL;
  int calls = 0;
  g_classify = [&](const IncomingValues*, const IncomingMetadata*, const void* classifyContext, ClassifyOut* out) {
    ++calls;
    acquired = FwpsAcquireClassifyHandle0(classifyContext, 0, &handle);
    pended = FwpsPendClassify0(handle, 0, 0, out);  // answers Block + ABSORB for us
  };
  const Bytes syn = craft::ipv4(craft::v4(198, 51, 100, 7), kHost, 6, craft::tcp(50000, 22, 1, 0, SYN));
  EXPECT_EQ(w.send(syn, false).verdict, stack::Verdict::ABSORBED);
  EXPECT_EQ(acquired, Status::SUCCESS);
  EXPECT_EQ(pended, Status::SUCCESS);
  ClassifyOut decision;
  decision.actionType = FWP_ACTION_PERMIT;
  FwpsCompleteClassify0(handle, 0, &decision);
  FwpsReleaseClassifyHandle0(handle);
  EXPECT_EQ(calls, 1);  // no reauthorization: the completed classification's answer stands
  EXPECT_EQ(w.stack->pends().completed, 1u);
  const Bytes ack = craft::ipv4(craft::v4(198, 51, 100, 7), kHost, 6, craft::tcp(50000, 22, 2, 1, ACK | PSH, craft::text("x")));
  EXPECT_EQ(w.send(ack, false).verdict, stack::Verdict::PERMIT);
}

TEST(StackPend, PendingIsRefusedWhereItIsNotAllowed) {
  World w("OUTBOUND_TRANSPORT_V4");
  Status by_handle = Status::SUCCESS, by_operation = Status::SUCCESS;
  g_classify = [&](const IncomingValues*, const IncomingMetadata* meta, const void* classifyContext, ClassifyOut* out) {
    uint64_t handle = 0;
    EXPECT_EQ(FwpsAcquireClassifyHandle0(classifyContext, 0, &handle), Status::SUCCESS);
    ClassifyOut scratch;
    by_handle = FwpsPendClassify0(handle, 0, 0, &scratch);
    EXPECT_FALSE(meta->has(FWPS_METADATA_FIELD_COMPLETION_HANDLE));
    uint64_t ctx = 0;
    by_operation = FwpsPendOperation0(meta->completionHandle, &ctx);
    out->actionType = FWP_ACTION_PERMIT;
  };
  EXPECT_EQ(w.send(kSyn, true).verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(by_handle, Status::FWP_CANNOT_PEND);
  EXPECT_EQ(by_operation, Status::INVALID_PARAMETER);
  EXPECT_EQ(w.stack->pends().pended, 0u);
}

}  // namespace
}  // namespace openwfp::test
