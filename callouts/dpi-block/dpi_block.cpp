// The dpi-block callout: registered at STREAM_V4/V6 (one run-time id per
// layer) and used by a CALLOUT_UNKNOWN filter, the only kind whose
// FWPS_STREAM_ACTION_DROP_CONNECTION the STREAM layer honours.
//
// A connection's first indication opens a matcher stream per direction and
// associates them with the flow as its context (for the callout id it was
// called with: contexts are per flow and callout id). Every indication is
// scanned in place into its direction's stream; a match drops the
// connection. flowDeleteFn gives the streams back.
#include <memory>
#include <string>
#include <vector>

#include "common/plugin_support.hpp"
#include "dpi-block/flow_streams.hpp"
#include "dpi-block/matcher.hpp"
#include "dpi-block/options.hpp"
#include "dpi-block/plugin.hpp"
#include "dpi-block/scratch_pool.hpp"
#include "dpi-block/stream_bytes.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/fwps.hpp"
#include "openwfp/fwps_fields.hpp"

namespace openwfp::callouts::dpi {
namespace {

using plugin_support::Counter;

plugin_support::HostHolder g_host;

struct DpiBlock {
  std::string name;
  std::unique_ptr<Matcher> matcher;
  std::unique_ptr<ScratchPool> scratches;
  // flowDeleteFn's scratch, shared by every thread: closing a stream
  // reports nothing, and then Hyperscan does not use the scratch at all
  // (Matcher::close_stream), so it is never "in use".
  std::unique_ptr<Matcher::Scratch> closing;
  std::unique_ptr<Counter[]> matchesByPattern;  // [pattern index]
  MatcherStats warmUp{};                        // the matcher's counters after warm_up(), not the traffic's
  Counter drops;                                // connections this callout asked to drop
  Counter flowsUnscanned;                       // connections that got no stream state (pool full)
  Counter contextRefused;                       // FwpsFlowAssociateContext0 failed: that indication passed unscanned
  Counter noFlowHandle;                         // indications without a flow handle: passed unscanned
  Counter noScratch;                            // indications that found every scratch lent out: passed unscanned
  Counter bytesUnscanned;                       // bytes the two cases above let through, and bytes the chain lacked
  Counter holes;                                // indications after bytes the capture lost
};

void close_streams(DpiBlock& self, FlowStreams s) noexcept {
  if (s.send != 0) self.matcher->close_stream(s.send, *self.closing);
  if (s.receive != 0) self.matcher->close_stream(s.receive, *self.closing);
}

// A connection's first indication: a stream per direction, kept as the
// flow's context. False when the indication must pass unscanned.
bool open_flow(DpiBlock& self, const IncomingMetadata& meta, uint16_t layerId, uint32_t calloutId,
               FlowStreams* out) noexcept {
  if (!meta.has(FWPS_METADATA_FIELD_FLOW_HANDLE)) {
    self.noFlowHandle.add();
    return false;
  }
  FlowStreams s;
  s.send = self.matcher->open_stream();
  s.receive = self.matcher->open_stream();
  if (s.send == 0 || s.receive == 0) self.flowsUnscanned.add();
  if (FwpsFlowAssociateContext0(meta.flowHandle, layerId, calloutId, pack_flow_streams(s)) != Status::SUCCESS) {
    close_streams(self, s);
    self.contextRefused.add();
    return false;
  }
  *out = s;
  return true;
}

// Scans the indication into its direction's stream. True on a match, with
// the pattern's index.
bool scan(DpiBlock& self, uint32_t stream, const StreamData& data, uint32_t* pattern) noexcept {
  ScratchPool::Lease lease(*self.scratches);
  if (!lease) {
    self.noScratch.add();
    self.bytesUnscanned.add(data.dataLength);
    return false;
  }
  Match match{0, 0};
  bool matched = false;
  const size_t visited = for_each_stream_piece(data, [&](const uint8_t* bytes, size_t count) {
    matched = self.matcher->scan(stream, bytes, count, lease.scratch(), &match);
    return !matched;
  });
  if (!matched) {
    if (visited < data.dataLength) self.bytesUnscanned.add(data.dataLength - visited);
    return false;
  }
  *pattern = match.patternIndex;
  return true;
}

// The first scan in a process pays for binding Hyperscan's symbols and
// faulting in its code: tens of microseconds, past the verifier's per-call
// budget. One scan here, on the control plane, keeps that off the first
// packet.
void warm_up(DpiBlock& self) noexcept {
  ScratchPool::Lease lease(*self.scratches);
  const uint32_t stream = self.matcher->open_stream();
  if (lease && stream != 0) {
    const uint8_t bytes[64] = {};
    self.matcher->scan(stream, bytes, sizeof bytes, lease.scratch(), nullptr);
  }
  if (stream != 0) self.matcher->close_stream(stream, *self.closing);
  self.warmUp = self.matcher->stats();
}

openwfp_status create(const openwfp_plugin_host* host, const char* instanceName, const char* optionsJson,
                      void** instance, char* error, size_t errorSize) {
  return plugin_support::create_instance(
      g_host, host, instance, error, errorSize, "out of memory", [&](std::string* why) -> std::unique_ptr<DpiBlock> {
        std::vector<Pattern> patterns;
        MatcherConfig config;
        if (!parse_options(optionsJson, &patterns, &config, why)) return nullptr;
        auto self = std::make_unique<DpiBlock>();
        self->name = instanceName;
        self->matcher = Matcher::create(patterns, config, why);
        if (self->matcher == nullptr) return nullptr;
        self->scratches = std::make_unique<ScratchPool>(*self->matcher, default_scratch_count());
        self->closing = self->matcher->make_scratch();
        if (self->scratches->size() == 0 || self->closing == nullptr) {
          return plugin_support::fail(why, "out of memory for Hyperscan scratch space");
        }
        self->matchesByPattern = std::make_unique<Counter[]>(patterns.size());
        warm_up(*self);
        return self;
      });
}

// The instance's counters, for the log when it goes.
std::string summary(const DpiBlock& self) {
  const MatcherStats now = self.matcher->stats();
  const MatcherStats& w = self.warmUp;
  const MatcherStats m{now.bytesScanned - w.bytesScanned,     now.matches - w.matches,
                       now.streamsOpened - w.streamsOpened,   now.streamsClosed - w.streamsClosed,
                       now.refusedNoState - w.refusedNoState, now.scanErrors - w.scanErrors,
                       now.badStreamIds - w.badStreamIds};
  std::string text = "dpi-block '" + self.name + "': " + std::to_string(self.drops.get()) + " connection(s) dropped (";
  const std::vector<Pattern>& patterns = self.matcher->patterns();
  for (size_t i = 0; i < patterns.size(); ++i) {
    text += (i == 0 ? "pattern '" : ", pattern '") + patterns[i].name +
            "': " + std::to_string(self.matchesByPattern[i].get());
  }
  text +=
      "); streams " + std::to_string(m.streamsOpened) + " opened, " + std::to_string(m.streamsClosed) + " closed, " +
      std::to_string(m.refusedNoState) + " refused (all " + std::to_string(self.matcher->max_streams()) +
      " in use); unscanned: " + std::to_string(self.flowsUnscanned.get()) + " connection(s) without stream state, " +
      std::to_string(self.contextRefused.get()) + " context(s) refused, " + std::to_string(self.noFlowHandle.get()) +
      " without flow handle, " + std::to_string(self.noScratch.get()) + " indication(s) without a free scratch (of " +
      std::to_string(self.scratches->size()) + "), " + std::to_string(self.bytesUnscanned.get()) + " byte(s); " +
      std::to_string(self.holes.get()) + " hole(s); " + std::to_string(m.scanErrors) + " scan error(s)";
  return text;
}

void destroy(void* instance) {
  std::unique_ptr<DpiBlock> self(static_cast<DpiBlock*>(instance));
  if (g_host.get() == nullptr) return;
  try {
    g_host.log(OPENWFP_LOG_INFO, summary(*self).c_str());
  } catch (...) {
    // No summary without memory for it; the instance goes all the same.
  }
}

void classify(const IncomingValues* values, const IncomingMetadata* meta, void* layerData, const void*,
              const FilterView* filter, uint64_t flowContext, ClassifyOut* classifyOut) {
  DpiBlock* self = g_host.instance_for<DpiBlock>(filter->action.calloutId);
  // No instance: being registered or unregistered. No write right: a filter
  // above made a hard decision that a drop may not overrule.
  if (self == nullptr || (classifyOut->rights & FWPS_RIGHT_ACTION_WRITE) == 0) return;
  classifyOut->actionType = FWP_ACTION_CONTINUE;
  if (values->layerId != FWPS_LAYER_STREAM_V4 && values->layerId != FWPS_LAYER_STREAM_V6) return;
  auto* io = static_cast<StreamCalloutIoPacket*>(layerData);
  if (io == nullptr || io->streamData == nullptr) return;
  const StreamData& data = *io->streamData;

  FlowStreams streams;
  if (!unpack_flow_streams(flowContext, &streams) &&
      !open_flow(*self, *meta, values->layerId, filter->action.calloutId, &streams)) {
    self->bytesUnscanned.add(data.dataLength);
    return;
  }
  const uint32_t stream = (data.flags & FWPS_STREAM_FLAG_SEND) != 0      ? streams.send
                          : (data.flags & FWPS_STREAM_FLAG_RECEIVE) != 0 ? streams.receive
                                                                         : 0;
  if (io->missedBytes > 0) self->holes.add();
  if (stream == 0) {
    self->bytesUnscanned.add(data.dataLength);
    return;
  }
  if (data.dataLength == 0) return;
  uint32_t pattern = 0;
  if (!scan(*self, stream, data, &pattern)) return;
  if (pattern < self->matcher->patterns().size()) self->matchesByPattern[pattern].add();
  self->drops.add();
  // The stream action decides; the action type is no decision, so the
  // engine goes on to the next filter as for CONTINUE.
  io->streamAction = StreamActionType::FWPS_STREAM_ACTION_DROP_CONNECTION;
  io->countBytesEnforced = 0;
  classifyOut->actionType = FWP_ACTION_NONE;
}

void flow_delete(uint16_t, uint32_t calloutId, uint64_t flowContext) {
  DpiBlock* self = g_host.instance_for<DpiBlock>(calloutId);
  FlowStreams streams;
  if (self == nullptr || !unpack_flow_streams(flowContext, &streams)) return;
  close_streams(*self, streams);
}

const openwfp_plugin kDpiBlock = plugin_support::plugin_descriptor(
    "dpi-block", "drops TCP connections whose bytes match a Hyperscan pattern (options: patterns, max_streams)",
    &create, &destroy, &classify, &flow_delete);

}  // namespace

const openwfp_plugin* dpi_block_plugin() noexcept { return &kDpiBlock; }

}  // namespace openwfp::callouts::dpi
