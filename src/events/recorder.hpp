// The data-path half of net events: a stack::Observer for one worker that
// turns classifications, pend timeouts and verifier findings into NetEvents
// in the worker's ring and counts each standing filter's decision. No
// locks, no allocation, no exceptions per packet; the fields a layer has
// are located once, at construction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "events/event_ring.hpp"
#include "events/filter_counters.hpp"
#include "events/net_event.hpp"
#include "stack/stack.hpp"

namespace openwfp::events {

struct RecorderConfig {
  size_t ringCapacity = 8192;
  bool recordAllows = false;  // CLASSIFY_ALLOW for decisions a filter made (permits are most traffic)
  size_t maxFilters = 65536;  // distinct filters counted (FilterCounters)
};

class Recorder : public stack::Observer {
 public:
  explicit Recorder(const RecorderConfig& config = {});

  void on_classify(const LayerInfo& layer, const IncomingValues& values, const ClassifyResult& result,
                   const flow::Flow* flow) override;
  void on_pend_timeout(const flow::Flow* flow, uint16_t layerId) override;
  void on_finding(std::string_view consideration, std::string_view what, uint32_t calloutId, uint16_t layerId,
                  uint64_t flowId) override;

  // A decision made outside the stack (the kernel's connect authorization):
  // counted as the stack's own are. Same single writer.
  void count_decision(uint64_t filterId, bool permit) noexcept { counters_.count(filterId, permit); }

  EventRing& ring() noexcept { return ring_; }
  const EventRing& ring() const noexcept { return ring_; }
  const FilterCounters& counters() const noexcept { return counters_; }
  const RecorderConfig& config() const noexcept { return config_; }

 private:
  // Where a layer keeps the fields an event reports (kNone: it has none).
  static constexpr uint16_t kNone = UINT16_MAX;
  struct LayerFields {
    uint16_t localAddress = kNone, remoteAddress = kNone, localPort = kNone, remotePort = kNone,
             protocol = kNone, direction = kNone, flags = kNone, appId = kNone, userId = kNone;
  };
  void fill_from_flow(const flow::Flow& flow, NetEvent* e) const noexcept;
  void fill_from_values(const LayerInfo& layer, const IncomingValues& values, NetEvent* e) const noexcept;

  RecorderConfig config_;
  EventRing ring_;
  FilterCounters counters_;
  std::array<LayerFields, 128> fields_{};  // by LayerId (ids above are not located)
};

}  // namespace openwfp::events
