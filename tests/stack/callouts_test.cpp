// Callouts inside the stack: flow contexts (associate, the two error cases,
// CONDITIONAL_ON_FLOW, flowDeleteFn at flow end and on removal, DEVICE_BUSY),
// flow abort, the STREAM layer's data and stream actions, stream-continue
// from a DPC, and C3 (a Block at FLOW_ESTABLISHED closes the flow and is
// reported).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "craft/craft.hpp"
#include "decode/packet.hpp"
#include "openwfp/checksum.hpp"
#include "openwfp/fwps.hpp"
#include "stack/stack.hpp"
#include "support/engine_fixture.hpp"
#include "support/stack_world.hpp"

namespace openwfp::test {
namespace {

using craft::Bytes;
constexpr uint8_t SYN = 0x02, ACK = 0x10, FIN = 0x01, PSH = 0x08;
const uint32_t kHost = craft::v4(10, 0, 0, 2);
const uint32_t kWeb = craft::v4(93, 184, 216, 34);

// The callout under test: a std::function per test (classifyFn has no user
// argument, as in WFP).
std::function<void(const IncomingMetadata*, void*, const FilterView*, uint64_t, ClassifyOut*)> g_classify;
std::vector<std::pair<uint32_t, uint64_t>> g_deleted;  // (calloutId, flowContext)

void classify_fn(const IncomingValues*, const IncomingMetadata* meta, void* layerData, const void*,
                 const FilterView* filter, uint64_t flowContext, ClassifyOut* out) {
  if (g_classify) g_classify(meta, layerData, filter, flowContext, out);
}
void flow_delete_fn(uint16_t, uint32_t calloutId, uint64_t flowContext) { g_deleted.emplace_back(calloutId, flowContext); }

class Injected final : public stack::Observer {
 public:
  void on_inject(const uint8_t* ip, uint32_t length, bool) override { packets.emplace_back(ip, ip + length); }
  std::vector<Bytes> packets;
};

// Callouts that call g_classify, and a TCP connection from this host to
// kWeb:80, packet by packet.
struct World : StackWorld<Injected> {
  uint32_t clientSeq = 100, serverSeq = 500;

  World() {
    g_classify = nullptr;
    g_deleted.clear();
  }
  ~World() { g_classify = nullptr; }

  // A callout with a filter at `layer` that calls g_classify (and records
  // flowDeleteFn calls in g_deleted); returns its run-time id.
  uint32_t callout_at(const std::string& layer_name, uint32_t action, uint32_t flags = 0, bool flow_delete = true) {
    return StackWorld::callout_at(layer_name, action, classify_fn, flags, flow_delete ? flow_delete_fn : nullptr);
  }
  void handshake() {
    send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, clientSeq++, 0, SYN)), true);
    send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, serverSeq++, clientSeq, SYN | ACK)), false);
    send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, clientSeq, serverSeq, ACK)), true);
  }
  stack::Result client(const std::string& text, uint8_t flags = PSH | ACK) {
    const Bytes data = craft::text(text);
    const stack::Result r = send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, clientSeq, serverSeq, flags, data)), true);
    clientSeq += static_cast<uint32_t>(data.size()) + ((flags & FIN) != 0 ? 1 : 0);
    return r;
  }
  stack::Result server(const std::string& text, uint8_t flags = PSH | ACK) {
    const Bytes data = craft::text(text);
    const stack::Result r = send(craft::ipv4(kWeb, kHost, 6, craft::tcp(80, 40000, serverSeq, clientSeq, flags, data)), false);
    serverSeq += static_cast<uint32_t>(data.size()) + ((flags & FIN) != 0 ? 1 : 0);
    return r;
  }
  void close() {
    client("", FIN | ACK);
    server("", FIN | ACK);
    send(craft::ipv4(kHost, kWeb, 6, craft::tcp(40000, 80, clientSeq, serverSeq, ACK)), true);
  }
};

std::string stream_text(void* layerData) {
  auto* io = static_cast<StreamCalloutIoPacket*>(layerData);
  std::string s(io->streamData->dataLength, '\0');
  size_t copied = 0;
  FwpsCopyStreamDataToBuffer0(io->streamData, s.data(), s.size(), &copied);
  s.resize(copied);
  return s;
}

TEST(StackFlowContexts, AssociateOncePerCalloutAndFlowDeleteAtFlowEnd) {
  World w;
  std::vector<Status> answers;
  uint64_t handle = 0;
  const uint32_t id = w.callout_at("ALE_FLOW_ESTABLISHED_V4", FWP_ACTION_CALLOUT_INSPECTION);
  g_classify = [&](const IncomingMetadata* meta, void*, const FilterView*, uint64_t, ClassifyOut* out) {
    ASSERT_TRUE(meta->has(FWPS_METADATA_FIELD_FLOW_HANDLE));
    handle = meta->flowHandle;
    answers.push_back(FwpsFlowAssociateContext0(handle, layer("ALE_FLOW_ESTABLISHED_V4").id, id, 0xABCD));
    answers.push_back(FwpsFlowAssociateContext0(handle, layer("ALE_FLOW_ESTABLISHED_V4").id, id, 0xEEEE));
    answers.push_back(FwpsFlowAssociateContext0(handle, 0xFFFF, id, 1));
    out->actionType = FWP_ACTION_CONTINUE;
  };
  w.handshake();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0], Status::SUCCESS);
  EXPECT_EQ(answers[1], Status::OBJECT_NAME_EXISTS);
  EXPECT_EQ(answers[2], Status::INVALID_PARAMETER);
  EXPECT_EQ(w.stack->flow_contexts().inUse, 1u);
  EXPECT_EQ(w.engine.flow_contexts(id), 1);
  EXPECT_EQ(w.engine.unregister_callout_by_id(id), Status::DEVICE_BUSY);
  EXPECT_TRUE(g_deleted.empty());
  w.close();
  ASSERT_EQ(g_deleted.size(), 1u);
  EXPECT_EQ(g_deleted[0], std::make_pair(id, uint64_t{0xABCD}));
  EXPECT_EQ(w.engine.flow_contexts(id), 0);
  EXPECT_EQ(w.stack->flow_contexts().inUse, 0u);
  OPENWFP_ASSERT_OK(w.engine.unregister_callout_by_id(id));
  // The flow is gone: its handle finds nothing.
  EXPECT_EQ(FwpsFlowAssociateContext0(handle, layer("ALE_FLOW_ESTABLISHED_V4").id, id, 1), Status::NOT_FOUND);
}

TEST(StackFlowContexts, ACalloutWithoutFlowDeleteCannotAssociate) {
  World w;
  Status answer = Status::SUCCESS;
  const uint32_t id = w.callout_at("ALE_FLOW_ESTABLISHED_V4", FWP_ACTION_CALLOUT_INSPECTION, 0, false);
  g_classify = [&](const IncomingMetadata* meta, void*, const FilterView*, uint64_t, ClassifyOut*) {
    answer = FwpsFlowAssociateContext0(meta->flowHandle, layer("ALE_FLOW_ESTABLISHED_V4").id, id, 1);
  };
  w.handshake();
  EXPECT_EQ(answer, Status::INVALID_PARAMETER);
  EXPECT_EQ(w.stack->flow_contexts().inUse, 0u);
}

TEST(StackFlowContexts, RemovingAContextCallsFlowDeleteAndFreesTheCallout) {
  World w;
  const uint32_t est = w.callout_at("ALE_FLOW_ESTABLISHED_V4", FWP_ACTION_CALLOUT_INSPECTION);
  uint64_t handle = 0;
  g_classify = [&](const IncomingMetadata* meta, void*, const FilterView* f, uint64_t, ClassifyOut*) {
    if (f->action.calloutId != est) return;
    handle = meta->flowHandle;
    EXPECT_EQ(FwpsFlowAssociateContext0(handle, layer("ALE_FLOW_ESTABLISHED_V4").id, est, 77), Status::SUCCESS);
  };
  w.handshake();
  ASSERT_NE(handle, 0u);
  EXPECT_EQ(FwpsFlowRemoveContext0(handle, layer("ALE_FLOW_ESTABLISHED_V4").id, est), Status::SUCCESS);
  ASSERT_EQ(g_deleted.size(), 1u);
  EXPECT_EQ(g_deleted[0].second, 77u);
  EXPECT_EQ(FwpsFlowRemoveContext0(handle, layer("ALE_FLOW_ESTABLISHED_V4").id, est), Status::NOT_FOUND);
  OPENWFP_ASSERT_OK(w.engine.unregister_callout_by_id(est));
  w.close();
  EXPECT_EQ(g_deleted.size(), 1u);  // nothing left to delete at flow end
}

TEST(StackFlowContexts, ConditionalOnFlowCalloutSeesOnlyFlowsWithItsContext) {
  World w;
  const uint32_t est = w.callout_at("ALE_FLOW_ESTABLISHED_V4", FWP_ACTION_CALLOUT_INSPECTION);
  const uint32_t str = w.callout_at("STREAM_V4", FWP_ACTION_CALLOUT_INSPECTION, FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW);
  bool associate = false;
  std::vector<uint64_t> stream_contexts;
  g_classify = [&](const IncomingMetadata* meta, void*, const FilterView* f, uint64_t ctx, ClassifyOut*) {
    if (f->action.calloutId == est && associate) {
      EXPECT_EQ(FwpsFlowAssociateContext0(meta->flowHandle, layer("STREAM_V4").id, str, 0x5157), Status::SUCCESS);
    }
    if (f->action.calloutId == str) stream_contexts.push_back(ctx);
  };
  w.handshake();
  w.client("not seen");
  EXPECT_TRUE(stream_contexts.empty());
  w.close();
  // A second connection whose flow gets the context.
  associate = true;
  w.clientSeq = 1000;
  w.serverSeq = 9000;
  w.handshake();
  w.client("seen");
  ASSERT_EQ(stream_contexts.size(), 1u);
  EXPECT_EQ(stream_contexts[0], 0x5157u);
  w.close();
  EXPECT_EQ(g_deleted.back(), std::make_pair(str, uint64_t{0x5157}));
}

TEST(StackFlowAbort, AbortFromAnotherThreadTakesEffectBeforeTheNextPacket) {
  World w;
  const uint32_t est = w.callout_at("ALE_FLOW_ESTABLISHED_V4", FWP_ACTION_CALLOUT_INSPECTION);
  uint64_t handle = 0;
  g_classify = [&](const IncomingMetadata* meta, void*, const FilterView* f, uint64_t, ClassifyOut*) {
    if (f->action.calloutId == est) handle = meta->flowHandle;
  };
  w.handshake();
  EXPECT_EQ(w.client("before").verdict, stack::Verdict::PERMIT);
  Status s = Status::UNSUCCESSFUL;
  std::thread([&] { s = FwpsFlowAbort0(handle); }).join();
  EXPECT_EQ(s, Status::SUCCESS);  // queued for the stack's thread
  EXPECT_EQ(w.client("after").verdict, stack::Verdict::BLOCK);
  EXPECT_EQ(w.server("reply").verdict, stack::Verdict::BLOCK);
  EXPECT_EQ(w.stack->counters().flowsAborted, 1u);
  EXPECT_EQ(FwpsFlowAbort0(handle ^ (uint64_t{1} << 32)), Status::NOT_FOUND);  // a stale handle
}

TEST(StackStreamLayer, IndicationsCarryTheBytesAndDirectionFlags) {
  World w;
  w.callout_at("STREAM_V4", FWP_ACTION_CALLOUT_INSPECTION);
  std::vector<std::pair<std::string, uint32_t>> seen;
  g_classify = [&](const IncomingMetadata*, void* data, const FilterView*, uint64_t, ClassifyOut*) {
    auto* io = static_cast<StreamCalloutIoPacket*>(data);
    ASSERT_NE(io, nullptr);
    seen.emplace_back(stream_text(data), io->streamData->flags);
  };
  w.handshake();
  w.client("GET / HTTP/1.1\r\n\r\n");
  w.server("HTTP/1.1 200 OK\r\n\r\n");
  w.close();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].first, "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(seen[0].second, FWPS_STREAM_FLAG_SEND);
  EXPECT_EQ(seen[1].first, "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(seen[1].second, FWPS_STREAM_FLAG_RECEIVE | FWPS_STREAM_FLAG_RECEIVE_PUSH);
  EXPECT_EQ(seen[2].first, "");
  EXPECT_EQ(seen[2].second, FWPS_STREAM_FLAG_SEND | FWPS_STREAM_FLAG_SEND_DISCONNECT);
  EXPECT_EQ(seen[3].second, FWPS_STREAM_FLAG_RECEIVE | FWPS_STREAM_FLAG_RECEIVE_DISCONNECT);
}

TEST(StackStreamLayer, NeedMoreDataAccumulatesUntilTheCountIsThere) {
  World w;
  w.callout_at("STREAM_V4", FWP_ACTION_CALLOUT_TERMINATING);
  std::vector<std::string> seen;
  g_classify = [&](const IncomingMetadata*, void* data, const FilterView*, uint64_t, ClassifyOut* out) {
    auto* io = static_cast<StreamCalloutIoPacket*>(data);
    const std::string text = stream_text(data);
    seen.push_back(text);
    if ((io->streamData->flags & FWPS_STREAM_FLAG_SEND) != 0 && text.size() < 12) {
      io->streamAction = StreamActionType::FWPS_STREAM_ACTION_NEED_MORE_DATA;
      io->countBytesRequired = 12;
      out->actionType = FWP_ACTION_NONE;
      return;
    }
    out->actionType = FWP_ACTION_PERMIT;
  };
  w.handshake();
  w.client("GET ");
  w.client("/abc ");
  w.client("HTTP/1.1\r\n");
  // "GET /abc " is still short of 12 bytes: held, not indicated.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "GET ");
  EXPECT_EQ(seen[1], "GET /abc HTTP/1.1\r\n");
  EXPECT_EQ(w.stack->stream_holds().inUse, 0u);  // decided: nothing held
}

TEST(StackStreamLayer, CountBytesEnforcedDecidesTheLeadingBytesAndIndicatesTheRestAgain) {
  World w;
  w.callout_at("STREAM_V4", FWP_ACTION_CALLOUT_TERMINATING);
  std::vector<std::string> seen;
  g_classify = [&](const IncomingMetadata*, void* data, const FilterView*, uint64_t, ClassifyOut* out) {
    auto* io = static_cast<StreamCalloutIoPacket*>(data);
    const std::string text = stream_text(data);
    seen.push_back(text);
    const size_t bad = text.find("BAD");
    if (bad == 0) {
      io->countBytesEnforced = 3;
      out->actionType = FWP_ACTION_BLOCK;
    } else if (bad != std::string::npos) {
      io->countBytesEnforced = bad;  // permit up to it
      out->actionType = FWP_ACTION_PERMIT;
    } else {
      out->actionType = FWP_ACTION_PERMIT;
    }
  };
  w.handshake();
  EXPECT_EQ(w.client("okBADok").verdict, stack::Verdict::BLOCK);
  EXPECT_EQ(seen, (std::vector<std::string>{"okBADok", "BADok", "ok"}));
  EXPECT_EQ(w.stack->counters().streamBytesBlocked, 3u);
}

TEST(StackStreamLayer, AllowConnectionEndsIndicationsForTheFlow) {
  World w;
  w.callout_at("STREAM_V4", FWP_ACTION_CALLOUT_TERMINATING);
  int calls = 0;
  g_classify = [&](const IncomingMetadata*, void* data, const FilterView*, uint64_t, ClassifyOut* out) {
    ++calls;
    static_cast<StreamCalloutIoPacket*>(data)->streamAction = StreamActionType::FWPS_STREAM_ACTION_ALLOW_CONNECTION;
    out->actionType = FWP_ACTION_NONE;
  };
  w.handshake();
  EXPECT_EQ(w.client("one").verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(w.server("two").verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(w.client("three").verdict, stack::Verdict::PERMIT);
  EXPECT_EQ(calls, 1);
}

TEST(StackStreamLayer, DropConnectionOnlyUnderACalloutUnknownFilter) {
  for (const uint32_t action : {FWP_ACTION_CALLOUT_UNKNOWN, FWP_ACTION_CALLOUT_INSPECTION}) {
    SCOPED_TRACE(action);
    World w;
    w.callout_at("STREAM_V4", action);
    g_classify = [&](const IncomingMetadata*, void* data, const FilterView*, uint64_t, ClassifyOut* out) {
      if (stream_text(data) == "evil") {
        static_cast<StreamCalloutIoPacket*>(data)->streamAction = StreamActionType::FWPS_STREAM_ACTION_DROP_CONNECTION;
      }
      out->actionType = FWP_ACTION_NONE;
    };
    w.handshake();
    EXPECT_EQ(w.client("fine").verdict, stack::Verdict::PERMIT);
    const bool honoured = action == FWP_ACTION_CALLOUT_UNKNOWN;
    EXPECT_EQ(w.client("evil").verdict, honoured ? stack::Verdict::BLOCK : stack::Verdict::PERMIT);
    EXPECT_EQ(w.server("reply").verdict, honoured ? stack::Verdict::BLOCK : stack::Verdict::PERMIT);
    EXPECT_EQ(w.stack->counters().streamConnectionsDropped, honoured ? 1u : 0u);
    EXPECT_EQ(w.stack->findings().total(), honoured ? 0u : 1u);
  }
}

// DEFER an inbound direction, then resume it from a DPC queued by the callout.
uint64_t g_defer_flow = 0;
uint32_t g_defer_callout = 0;
void continue_dpc(void*, void*, void*) {
  EXPECT_EQ(FwpsStreamContinue0(g_defer_flow, g_defer_callout, layer("STREAM_V4").id, FWPS_STREAM_FLAG_RECEIVE),
            Status::SUCCESS);
}

TEST(StackStreamLayer, DeferHoldsInboundDataUntilStreamContinue) {
  World w;
  const uint32_t id = w.callout_at("STREAM_V4", FWP_ACTION_CALLOUT_TERMINATING);
  std::vector<std::string> seen;
  bool defer = true, resume_now = false;
  g_classify = [&](const IncomingMetadata* meta, void* data, const FilterView*, uint64_t, ClassifyOut* out) {
    auto* io = static_cast<StreamCalloutIoPacket*>(data);
    seen.push_back(stream_text(data));
    if ((io->streamData->flags & FWPS_STREAM_FLAG_RECEIVE) != 0 && defer) {
      io->streamAction = StreamActionType::FWPS_STREAM_ACTION_DEFER;
      out->actionType = FWP_ACTION_NONE;
      defer = false;
      return;
    }
    if (resume_now) {
      g_defer_flow = meta->flowHandle;
      g_defer_callout = id;
      dispatch::KDPC dpc;
      dispatch::KeInitializeDpc(&dpc, continue_dpc, nullptr);
      EXPECT_TRUE(dispatch::KeInsertQueueDpc(&dpc, nullptr, nullptr));
      resume_now = false;
    }
    out->actionType = FWP_ACTION_PERMIT;
  };
  w.handshake();
  w.server("part one ");
  w.server("part two");
  EXPECT_EQ(seen, (std::vector<std::string>{"part one "}));  // deferred: the second part is held
  resume_now = true;
  w.client("go");
  EXPECT_EQ(seen, (std::vector<std::string>{"part one ", "go", "part one part two"}));
  EXPECT_GE(w.stack->counters().dpcsRun, 1u);
  EXPECT_EQ(w.stack->stream_holds().inUse, 0u);
}

// What the INBOUND_TRANSPORT_V4 callout saw of each packet: the FLAGS field
// and the metadata's ALE_CLASSIFY_REQUIRED bit.
std::vector<std::pair<uint32_t, bool>> g_transportSeen;
void transport_classify_fn(const IncomingValues* values, const IncomingMetadata* meta, void*, const void*,
                           const FilterView*, uint64_t, ClassifyOut*) {
  g_transportSeen.emplace_back(values->incomingValue[FWPS_FIELD_INBOUND_TRANSPORT_V4_FLAGS].value.uint32,
                               meta->has(FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED));
}

TEST(StackTransportLayer, OnlyAnInboundPacketThatOpensAFlowRequiresAleClassify) {
  World w;
  g_transportSeen.clear();
  w.StackWorld::callout_at("INBOUND_TRANSPORT_V4", FWP_ACTION_CALLOUT_INSPECTION, transport_classify_fn);
  ASSERT_FALSE(HasFailure());  // the callout and its filter are in place
  auto flagged = [](const std::pair<uint32_t, bool>& seen) {
    return (seen.first & FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY) != 0 && seen.second;
  };
  auto clear = [](const std::pair<uint32_t, bool>& seen) {
    return (seen.first & FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY) == 0 && !seen.second;
  };

  // This host as the client: the inbound SYN-ACK belongs to the flow the
  // outbound SYN opened.
  w.handshake();
  ASSERT_EQ(g_transportSeen.size(), 1u);
  EXPECT_TRUE(clear(g_transportSeen[0]));

  // This host as the server: the inbound SYN opens a flow (marked); the
  // client's next packets do not.
  w.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(50000, 22, 900, 0, SYN)), false);
  w.send(craft::ipv4(kHost, kWeb, 6, craft::tcp(22, 50000, 3000, 901, SYN | ACK)), true);
  w.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(50000, 22, 901, 3001, ACK)), false);
  ASSERT_EQ(g_transportSeen.size(), 3u);
  EXPECT_TRUE(flagged(g_transportSeen[1]));
  EXPECT_TRUE(clear(g_transportSeen[2]));

  // A stray inbound ACK opens nothing; an inbound UDP datagram opens a flow.
  w.send(craft::ipv4(kWeb, kHost, 6, craft::tcp(50001, 22, 1, 1, ACK)), false);
  w.send(craft::ipv4(kWeb, kHost, 17, craft::udp(5353, 5353, craft::text("q"))), false);
  w.send(craft::ipv4(kWeb, kHost, 17, craft::udp(5353, 5353, craft::text("q"))), false);
  ASSERT_EQ(g_transportSeen.size(), 6u);
  EXPECT_TRUE(clear(g_transportSeen[3]));
  EXPECT_TRUE(flagged(g_transportSeen[4]));
  EXPECT_TRUE(clear(g_transportSeen[5]));
}

TEST(StackConsiderations, C3BlockAtFlowEstablishedClosesTheFlowAndIsReported) {
  for (const bool security : {false, true}) {
    SCOPED_TRACE(security);
    World w;
    const uint32_t id = w.callout_at("ALE_FLOW_ESTABLISHED_V4", FWP_ACTION_CALLOUT_TERMINATING);
    g_classify = [&](const IncomingMetadata*, void*, const FilterView*, uint64_t, ClassifyOut* out) {
      out->actionType = FWP_ACTION_BLOCK;
      if (security) out->flags |= CLASSIFY_OUT_FLAG_SECURITY_ERROR;
    };
    w.handshake();
    EXPECT_EQ(w.stack->counters().flowsAborted, 1u);
    EXPECT_EQ(w.stack->flows().stats().active, 0u);  // closed
    // The peer is told with a RST at the next sequence number.
    ASSERT_EQ(w.observer.packets.size(), 1u);
    decode::DecodedPacket rst;
    const Bytes& pkt = w.observer.packets[0];
    ASSERT_EQ(decode::decode_ip(pkt.data(), static_cast<uint32_t>(pkt.size()), &rst, true), decode::DropReason::NONE);
    EXPECT_EQ(rst.tcpFlags & 0x04, 0x04);
    EXPECT_EQ(rst.tcpSeq, 101u);  // the client's SYN was 100
    EXPECT_EQ(rst.tcpAck, 501u);  // the server's SYN-ACK was 500
    EXPECT_EQ(rst.v4Source, kHost);
    EXPECT_TRUE(transport_checksum_ok(pkt.data(), 6, 20, 20));
    if (security) {
      EXPECT_EQ(w.stack->findings().total(), 0u);
    } else {
      ASSERT_EQ(w.stack->findings().all().size(), 1u);
      const stack::Finding& f = w.stack->findings().all()[0];
      EXPECT_EQ(f.consideration, "C3");
      EXPECT_EQ(f.calloutId, id);
      EXPECT_EQ(f.layerId, layer("ALE_FLOW_ESTABLISHED_V4").id);
      EXPECT_EQ(f.count, 1u);
    }
    // Data on the closed connection meets the block again.
    EXPECT_EQ(w.client("data").verdict, stack::Verdict::BLOCK);
  }
}

// C4 with a clock the callout moves itself: a callout that "takes" longer
// than the budget is counted over it, one that finishes within it is not
// (no real time is measured).
uint64_t g_fake_ns = 0;
uint64_t fake_clock(void*) noexcept { return g_fake_ns; }

TEST(StackConsiderations, C4CallsOverTheBudgetAreCountedPerCallout) {
  for (const uint64_t takes_us : {200u, 10u}) {
    SCOPED_TRACE(takes_us);
    World w;
    w.config.timing.clock = dispatch::Clock{&fake_clock, nullptr};
    w.config.timing.budgetUs = 50;
    const uint32_t id = w.callout_at("STREAM_V4", FWP_ACTION_CALLOUT_INSPECTION);
    g_classify = [&](const IncomingMetadata*, void*, const FilterView*, uint64_t, ClassifyOut*) {
      g_fake_ns += takes_us * 1000;
    };
    w.handshake();
    w.client("a");
    w.server("b");
    const dispatch::CalloutTimingStats st = w.stack->callout_timing().stats(id);
    EXPECT_EQ(st.count, 2u);
    EXPECT_EQ(st.overBudget, takes_us > 50 ? 2u : 0u);
    EXPECT_EQ(st.maxNs, takes_us * 1000);
  }
}

TEST(StackConsiderations, EveryCalloutCallIsTimedOnTheStacksWorker) {
  World w;
  const uint32_t id = w.callout_at("STREAM_V4", FWP_ACTION_CALLOUT_INSPECTION);
  int calls = 0;
  g_classify = [&](const IncomingMetadata*, void*, const FilterView*, uint64_t, ClassifyOut*) { ++calls; };
  w.handshake();
  w.client("a");
  w.server("b");
  w.close();
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(w.stack->callout_timing().stats(id).count, 4u);
}

}  // namespace
}  // namespace openwfp::test
