// The flow table: every ALE flow the stack knows, found by its key in O(1),
// kept in preallocated slots (no allocation after construction), expired by
// idle time per class of flow, and bounded: when full, the flow idle the
// longest is evicted (counted) to make room, and its owner is told first so
// that the flow's end is reported (ALE_ENDPOINT_CLOSURE, stream flush).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "flow/flow_key.hpp"
#include "stream/reassembler.hpp"

namespace openwfp::flow {

// Idle timeouts apply per class; each class keeps its flows in last-seen order.
enum class TimeoutClass : uint8_t { TCP_OPENING, TCP_ESTABLISHED, TCP_CLOSING, UDP, OTHER, COUNT_ };

struct Config {
  uint32_t maxFlows = 65536;
  uint64_t tcpOpeningTimeoutUs = 30'000'000;        // handshake not complete
  uint64_t tcpEstablishedTimeoutUs = 3'600'000'000;  // idle established connection
  uint64_t tcpClosingTimeoutUs = 10'000'000;        // after FIN from both sides or RST
  uint64_t udpTimeoutUs = 60'000'000;               // WFP's default UDP ALE flow idle timeout
  uint64_t otherTimeoutUs = 60'000'000;             // ICMP and others (WFP's default)
  uint8_t idTag = 0;  // put in the top byte of every flow handle (the stack's host index)
};

enum class EndReason : uint8_t { FIN, RST, IDLE, EVICTED, END_OF_INPUT, BLOCKED };
const char* end_reason_name(EndReason r) noexcept;

// One flow entry: at most 256 bytes (checked in flow_table.cpp), so that a
// million concurrent flows fit in well under 512 MB with their table. Fields
// are grouped by size (no padding holes); the yes/no state is bits. Entries
// start on cache lines.
struct alignas(64) Flow {
  // What a lookup reads, together at the start (one cache line): the key
  // and the hash chain.
  FlowKey key;
  uint16_t aleLayer = 0;
  uint8_t direction = 0;  // FWP_DIRECTION of the first packet (who opened the flow)
  TimeoutClass class_ = TimeoutClass::OTHER;  // (FlowTable's)
  // TCP handshake and teardown, per side (0: local, 1: remote)
  bool synSeen[2] = {false, false};
  // Table bookkeeping (private to FlowTable).
  uint32_t hashNext_ = UINT32_MAX;
  uint32_t lruPrev_ = UINT32_MAX;
  uint32_t lruNext_ = UINT32_MAX;
  bool finSeen[2] = {false, false};
  bool nextSeqKnown[2] = {false, false};  // nextSeq below
  uint32_t owner = UINT32_MAX;  // the local endpoint's process (stack::EndpointOwners), when known

  uint64_t flowId = 0;        // the flow handle (FWPS_METADATA_FIELD_FLOW_HANDLE): tag << 56 | sequence << 32 | slot
  uint64_t firstSeenUs = 0;
  uint64_t lastSeenUs = 0;
  uint64_t aleFilterId = 0;          // the filter whose action stood at the ALE authorization
  uint64_t establishedFilterId = 0;  // ... and at ALE_FLOW_ESTABLISHED
  uint64_t packets[2] = {0, 0};  // by FWP_DIRECTION (0 outbound, 1 inbound)
  uint64_t bytes[2] = {0, 0};
  uint64_t blockedPackets = 0;
  uint64_t streamDecided[2] = {0, 0};        // per stream direction (0: client to server): stream bytes decided (or missed)
  std::optional<stream::Connection> stream;  // TCP stream reassembly, from the first segment

  // Callout state (the stack's): flow contexts, stream actions, pends.
  uint32_t contextHead = UINT32_MAX;  // first of the flow's contexts in the stack's context table
  uint32_t pendIndex = UINT32_MAX;    // a pended ALE classification of this flow (the stack's pend table)
  // TCP: the next sequence number each side (0 local, 1 remote) will send, for the RST an abort sends.
  uint32_t nextSeq[2] = {0, 0};
  // Per FWP_DIRECTION (0 outbound, 1 inbound):
  uint32_t streamHold[2] = {UINT32_MAX, UINT32_MAX};  // held bytes (the stack's hold pool)
  uint32_t streamRequired[2] = {0, 0};                // NEED_MORE_DATA: indicate again at this many bytes
  uint32_t streamCalloutId = 0;                       // the callout that deferred (for stream-continue)
  // Stream edits (FwpsStreamInjectAsync0), per stream direction (0: client to server):
  uint32_t rewriter = UINT32_MAX;                     // the stack's TCP rewriter for this flow
  uint32_t seqBase[2] = {0, 0};                       // sequence number of stream offset 0

  bool streamDeferred[2] = {false, false};  // per FWP_DIRECTION: DEFER, held until FwpsStreamContinue0
  bool seqBaseKnown[2] = {false, false};    // per stream direction

  bool forwarded : 1 = false;      // neither side is local
  bool aleClassified : 1 = false;  // AUTH_CONNECT / AUTH_RECV_ACCEPT done
  bool aleBlocked : 1 = false;
  bool established : 1 = false;    // ALE_FLOW_ESTABLISHED classified
  bool establishedBlocked : 1 = false;
  bool rstSeen : 1 = false;
  bool localIsClient : 1 = true;   // the stream's client side is the local one
  bool aborted : 1 = false;        // FwpsFlowAbort0 (or a Block at FLOW_ESTABLISHED) ended it
  bool streamAllowed : 1 = false;  // ALLOW_CONNECTION: no more STREAM classifications for this flow
  bool inUse_ : 1 = false;         // (FlowTable's)
};

struct Stats {
  uint64_t created = 0;
  uint64_t expired = 0;
  uint64_t evicted = 0;
  uint64_t ended = 0;  // by FIN/RST/end of input
  uint32_t active = 0;
  uint32_t peak = 0;
};

class FlowTable {
 public:
  // Called for a flow about to be removed (expiry or eviction) with why.
  using EndHandler = void (*)(void* context, Flow& flow, EndReason reason);

  explicit FlowTable(const Config& config, EndHandler on_end = nullptr, void* context = nullptr);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  Flow* find(const FlowKey& key) noexcept;
  // Prefetching ahead of find(), for a batch: first the bucket of a key's
  // hash (hash_key), later (once that line has arrived) the first entry it
  // names. Hints only; they change nothing.
  void prefetch_bucket(uint64_t hash) const noexcept { __builtin_prefetch(&buckets_[hash & bucketMask_]); }
  void prefetch_entry(uint64_t hash) const noexcept {
    const uint32_t i = buckets_[hash & bucketMask_];
    if (i < slots_.size()) __builtin_prefetch(&slots_[i]);
  }
  // By flow handle (Flow::flowId), in O(1): the handle carries the slot and a
  // sequence number, so a stale handle of an ended flow finds nothing.
  Flow* find_by_id(uint64_t flow_id) noexcept;
  // A new flow (the key must not be present). When the table is full the
  // flow idle the longest is ended (EVICTED) first.
  Flow* insert(const FlowKey& key, uint64_t now_us, TimeoutClass cls) noexcept;
  // Marks activity and (re)files the flow under a timeout class.
  void touch(Flow& flow, uint64_t now_us, TimeoutClass cls) noexcept;
  // Ends a flow now (the handler is called with `reason`).
  void end(Flow& flow, EndReason reason) noexcept;
  // Ends every flow idle past its class's timeout.
  void expire(uint64_t now_us) noexcept;
  // Ends every flow (END_OF_INPUT), oldest first.
  void end_all() noexcept;

  const Stats& stats() const noexcept { return stats_; }
  const Config& config() const noexcept { return config_; }
  size_t memory_bytes() const noexcept;

 private:
  uint64_t timeout_of(TimeoutClass c) const noexcept;
  void lru_unlink(Flow& f) noexcept;
  void lru_append(Flow& f) noexcept;
  void remove(Flow& f) noexcept;
  Flow* oldest() noexcept;

  Config config_;
  EndHandler onEnd_;
  void* context_;
  std::vector<Flow> slots_;
  // A flow's index in slots_ (its place, not stored in it).
  uint32_t slot_of(const Flow& f) const noexcept { return static_cast<uint32_t>(&f - slots_.data()); }
  std::vector<uint32_t> buckets_;
  uint64_t bucketMask_ = 0;
  std::vector<uint32_t> free_;
  uint32_t lruHead_[static_cast<size_t>(TimeoutClass::COUNT_)];
  uint32_t lruTail_[static_cast<size_t>(TimeoutClass::COUNT_)];
  uint64_t nextFlowId_ = 1;
  Stats stats_;
};

}  // namespace openwfp::flow
