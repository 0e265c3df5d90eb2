// The flow records of one flow-monitor instance: all allocated when the
// instance is created, handed out and taken back without locks or
// allocation on the data path.
//
// A record is taken at ALE_FLOW_ESTABLISHED, filled by that flow's STREAM
// indications and given back by flowDeleteFn. The ids (1..capacity, 0 for
// none) are what the flow context carries, so a stale or foreign context is
// recognised instead of followed as a pointer.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

namespace openwfp::callouts::flow_monitor {

struct FlowRecord {
  uint64_t flowHandle = 0;
  // The 5-tuple as ALE_FLOW_ESTABLISHED saw it (local side first).
  bool hasTuple = false;
  uint8_t ipVersion = 0;  // 4 or 6
  uint8_t protocol = 0;
  uint16_t localPort = 0;
  uint16_t remotePort = 0;
  uint32_t direction = 0;           // FWP_DIRECTION_*: who opened the flow
  std::array<uint8_t, 16> local{};  // network order; IPv4 in the first 4 bytes
  std::array<uint8_t, 16> remote{};
  // Written by the flow's STREAM indications, which WFP serialises per flow,
  // and read by its flowDeleteFn after the last of them.
  uint64_t bytesSent = 0;
  uint64_t bytesReceived = 0;
  uint64_t missedBytes = 0;  // bytes the capture lost (never indicated)
};

class RecordPool {
 public:
  explicit RecordPool(uint32_t capacity);
  RecordPool(const RecordPool&) = delete;
  RecordPool& operator=(const RecordPool&) = delete;

  // A free record's id, its record reset; 0 when every record is in use.
  uint32_t acquire() noexcept;
  // Gives a record back. False (and nothing changes) for an id that is not
  // in use: a context the pool did not hand out, or one given back twice.
  bool release(uint32_t id) noexcept;
  // The record of an id in use, or nullptr.
  FlowRecord* find(uint32_t id) noexcept;

  uint32_t capacity() const noexcept { return capacity_; }
  uint32_t in_use() const noexcept { return inUse_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    FlowRecord record;
    std::atomic<bool> taken{false};
    std::atomic<uint32_t> next{0};  // the id below it on the free stack
  };
  void push(uint32_t id) noexcept;

  uint32_t capacity_;
  std::unique_ptr<Entry[]> entries_;  // entries_[id - 1]
  // A Treiber stack of free ids: a change counter (high 32 bits) beside the
  // top id (low 32 bits, 0 when empty). Every push and pop bumps the counter,
  // so a pop that read a stale top fails its compare-exchange even when the
  // same id is back on top (ABA).
  std::atomic<uint64_t> head_{0};
  std::atomic<uint32_t> inUse_{0};
};

}  // namespace openwfp::callouts::flow_monitor
