// The modelled network stack: every packet walks the layers in the order WFP
// classifies them (docs/STACK.md), and the engine decides at each.
//
//   inbound  : INBOUND_IPPACKET (every packet, fragments with IS_FRAGMENT)
//              -> reassembly -> [INBOUND_IPPACKET again with IS_REASSEMBLED]
//              -> INBOUND_TRANSPORT -> [INBOUND_ICMP_ERROR]
//              -> first packet of a flow: [RESOURCE_ASSIGNMENT + AUTH_LISTEN for
//                 a newly seen listener] AUTH_RECV_ACCEPT -> FLOW_ESTABLISHED
//                 (non-TCP at once, TCP when the handshake completes)
//              -> STREAM (TCP, reassembled in order) or DATAGRAM_DATA
//   outbound : reassembly (a captured outbound datagram may be fragmented)
//              -> first packet of a flow: RESOURCE_ASSIGNMENT, AUTH_CONNECT,
//                 (non-TCP) FLOW_ESTABLISHED
//              -> STREAM or DATAGRAM_DATA -> [OUTBOUND_ICMP_ERROR]
//              -> OUTBOUND_TRANSPORT -> OUTBOUND_IPPACKET
//   forward  : IPFORWARD
//   flow end : ALE_ENDPOINT_CLOSURE (and ALE_RESOURCE_RELEASE for a flow's own bind)
//
// A Block at a layer stops the packet there and the matching DISCARD layer
// sees it; a malformed packet is a counted drop with a reason and reaches the
// DISCARD layer of where it fell. ALE decisions are remembered per flow.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "decode/packet.hpp"
#include "defrag/reassembler.hpp"
#include "flow/flow_table.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/dispatch.hpp"
#include "stack/endpoint_owners.hpp"
#include "stack/findings.hpp"
#include "stack/flow_contexts.hpp"
#include "stack/layer_values.hpp"
#include "stack/pend_table.hpp"
#include "stack/stream_hold.hpp"
#include "stack/locality.hpp"
#include "stream/reassembler.hpp"

namespace openwfp::stack {

// Which TCP flows the stack reassembles into byte streams.
enum class StreamReassembly : uint8_t {
  // As WFP: only while the STREAM layer of the flow's IP version has filters
  // (a layer without filters is not classified). A flow whose stream starts
  // later, when a filter is added, is picked up at its next segment, the way
  // a capture that starts mid-connection is. Once started, a flow's stream
  // goes on to its end.
  WHEN_FILTERED,
  // Every TCP flow (an observer that wants every stream: wfpctl's
  // --dump-streams, tests).
  ALWAYS,
};

struct Config {
  Locality local;
  StreamReassembly streams = StreamReassembly::WHEN_FILTERED;
  defrag::Config defrag;
  stream::Config stream;
  flow::Config flows;
  uint32_t interfaceIndex = 1;
  uint32_t maxEndpoints = 4096;  // inferred bound/listening local endpoints
  // Callouts
  uint32_t maxFlowContexts = 65536;     // FwpsFlowAssociateContext0 entries, all flows
  uint32_t streamHoldBuffers = 1024;    // stream directions a callout may hold data for at once
  uint32_t streamHoldBytes = 65536;     // bytes one held direction may accumulate
  uint32_t workerIndex = 0;             // this stack's data-path worker (its DPC queue and timing row)
  dispatch::WorkerConfig worker;        // DPC queue of the worker
  dispatch::CalloutTimingConfig timing; // classifyFn budget (C4) and histogram sizes
  uint32_t streamBuffers = 256;         // packet buffers for STREAM indications (netbuf pool)
  uint32_t packetBuffers = 64;          // packets a callout may see (or keep) as layer data at once (64 KiB each)
  uint32_t maxRewrittenConnections = 64;  // connections with edited streams at once (FwpsStreamInjectAsync0)
  uint32_t rewriteQueueBytes = 65536;      // per direction of an edited connection: bytes decided, not yet sent
  uint32_t maxPends = 1024;             // pended ALE classifications at once
  uint32_t pendHeldBytes = 2048;        // the largest packet a pended connect keeps for release
  uint64_t pendTimeoutUs = 30'000'000;  // a pend never completed ends with a Block after this long
  // Who owns local endpoints (live traffic); null: unknown (a capture).
  EndpointOwners* owners = nullptr;
  // Live traffic rather than a capture: what each side acknowledges is what
  // it received, so on an edited connection acknowledgements count in the
  // edited streams (rewrite::Config::inlinePath).
  bool inlinePath = false;
};

// ABSORBED: the stack took the packet (a pended connect holds it); it may
// come out later through Observer::on_inject.
enum class Verdict : uint8_t { PERMIT, BLOCK, DROP, HELD, ABSORBED };
const char* verdict_name(Verdict v) noexcept;

// Who took an ABSORBED packet: a pended ALE classification (the packet
// comes out as it was through Observer::on_inject when the pend completes
// with a permit), a callout that absorbed it (FWPS_CLASSIFY_OUT_FLAG_ABSORB:
// it may inject it, or a changed copy, later), or the rewriter of an edited
// connection (what the packet becomes, if anything, has come or will come
// out through on_inject as new segments).
enum class AbsorbedBy : uint8_t { NONE, PEND, CALLOUT, REWRITER };

struct Result {
  Verdict verdict = Verdict::PERMIT;
  // Fragments: the datagram they belong to. While it is incomplete the
  // verdict is HELD; the fragment that completes it carries the datagram's
  // verdict with groupDone set, and that verdict applies to every fragment of
  // the group. A group that never completes was never delivered.
  uint64_t fragmentGroup = 0;
  bool groupDone = false;
  AbsorbedBy absorbedBy = AbsorbedBy::NONE;  // with ABSORBED
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_classify(const LayerInfo&, const IncomingValues&, const ClassifyResult&, const flow::Flow*) {}
  virtual void on_drop(std::string_view /*module*/, std::string_view /*reason*/) {}
  virtual void on_stream(const flow::Flow&, const stream::Chunk&, uint32_t /*FWP_DIRECTION*/) {}
  virtual void on_flow_end(const flow::Flow&, flow::EndReason) {}
  // A datagram was reassembled from fragments (`ip` at its IP header; valid
  // during the call).
  virtual void on_reassembled(const uint8_t* /*ip*/, uint32_t /*length*/) {}
  // A packet the stack sends on later than the packet being processed (a
  // pended connect's packet released by its completion): `ip` at its IP
  // header, valid during the call.
  virtual void on_inject(const uint8_t* /*ip*/, uint32_t /*length*/, bool /*outbound*/) {}
  // A packet the stack kept (a pended connect's) will never go on: its pend
  // completed with a Block, or timed out. `ip` as for on_inject.
  virtual void on_held_dropped(const uint8_t* /*ip*/, uint32_t /*length*/) {}
  // A pended classification was never completed: it ended with a Block.
  virtual void on_pend_timeout(const flow::Flow* /*flow (may be gone)*/, uint16_t /*layerId*/) {}
  // The verifier found a use of the callout API that breaks a programming
  // consideration (each occurrence; stack::FindingTable keeps the summary).
  // The two texts are string literals (static storage).
  virtual void on_finding(std::string_view /*consideration*/, std::string_view /*what*/, uint32_t /*calloutId*/,
                          uint16_t /*layerId*/, uint64_t /*flowId*/) {}
};

struct LayerCounters {
  uint64_t classified = 0, permits = 0, blocks = 0, bytes = 0;
};

struct Counters {
  uint64_t packets = 0, bytes = 0;
  uint64_t verdicts[5] = {};  // by Verdict
  std::array<LayerCounters, 128> layers{};
  uint64_t decodeDrops[static_cast<size_t>(decode::DropReason::COUNT_)] = {};
  uint64_t unsupportedLinkType = 0;
  uint64_t aleBlockedPackets = 0;   // later packets of flows blocked at ALE
  uint64_t reassembled = 0;
  uint64_t forwarded = 0;
  uint64_t loopback = 0;
  uint64_t endpointTableFull = 0;
  uint64_t badIpv4Checksums = 0;
  uint64_t streamIndications = 0;      // STREAM layer classifications
  uint64_t streamBytesBlocked = 0;     // stream bytes a Block applied to
  uint64_t streamConnectionsDropped = 0;  // DROP_CONNECTION honoured
  uint64_t flowsAborted = 0;           // FwpsFlowAbort0, DROP_CONNECTION, or a Block at FLOW_ESTABLISHED
  uint64_t flowDeleteCalls = 0;        // flowDeleteFn calls (flow end and context removal)
  uint64_t dpcsRun = 0;
  uint64_t reauthorizations = 0;       // ALE classifications again after a completed pend (IS_REAUTHORIZE)
  uint64_t packetsReleased = 0;        // pended connects' packets sent on after their completion
  uint64_t injectedSent = 0;           // injected packets that came through and were sent on
  uint64_t injectedBlocked = 0;        // injected packets blocked on their way
  uint64_t injectionsFailed = 0;       // queued injections that failed (completion status says why)
  uint64_t injectionsRefused = 0;      // the injection queue was full
  uint64_t connectionsRewritten = 0;   // connections whose streams a callout edited
  uint64_t rewritesRefused = 0;        // stream injections refused (no rewriter left, or its queue full)
  uint64_t streamBytesInjected = 0;
  uint64_t rewrittenPacketsSent = 0;
  uint64_t resetsSent = 0;             // RSTs sent for aborted TCP connections
};

class Stack {
 public:
  Stack(Engine& engine, const Config& config, Observer* observer = nullptr);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // One captured frame. `timestamp_us` drives timeouts; `wire_length` (0:
  // same as caplen) tells a datagram cut short by the capture's snap length
  // from a malformed one.
  Result process(uint64_t timestamp_us, uint32_t link_type, const uint8_t* frame, uint32_t caplen,
                 uint32_t wire_length = 0) noexcept;
  // A batch of captured frames of one link type, in order: the same results
  // and effects as process() on each in turn. The batch is decoded first and
  // each packet's flow-table entry prefetched while the packets before it
  // are processed (batches of kBatch; any length may be given).
  struct Frame {
    uint64_t timestampUs = 0;
    const uint8_t* data = nullptr;
    uint32_t caplen = 0;
    uint32_t wireLength = 0;  // 0: same as caplen
  };
  static constexpr size_t kBatch = 16;
  void process_batch(uint32_t link_type, const Frame* frames, size_t count, Result* results) noexcept;
  // Time passes without a packet (a live source calls it when its queue is
  // idle): what other threads asked of the stack (completed pends, flow
  // aborts) is done, DPCs and injections run, pends and idle flows and
  // fragments time out as of `timestamp_us`.
  void tick(uint64_t timestamp_us) noexcept;
  // This host's addresses changed (live traffic): packets from now on are
  // judged inbound, outbound or forwarded by `local`; flows keep theirs.
  // On the stack's thread, between packets.
  void set_local(const Locality& local);
  // End of input: ends every flow (streams flushed, ALE_ENDPOINT_CLOSURE).
  void finish() noexcept;

  const Counters& counters() const noexcept;
  const flow::FlowTable& flows() const noexcept;
  const defrag::Reassembler& reassembler() const noexcept;
  const stream::Budget& streams() const noexcept;
  const Config& config() const noexcept;
  // Callouts: contexts, held stream data, the verifier's findings, timing.
  const FlowContextStats& flow_contexts() const noexcept;
  const StreamHoldStats& stream_holds() const noexcept;
  const FindingTable& findings() const noexcept;
  const PendStats& pends() const noexcept;
  const dispatch::CalloutTimingTable& callout_timing() const noexcept;
  dispatch::Worker& worker() noexcept;
  // The index in the top byte of this stack's flow handles.
  uint8_t host_index() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace openwfp::stack
