// Bytes the STREAM layer holds for a callout: what it asked to see again with
// more data (NEED_MORE_DATA) and what arrives while it deferred an inbound
// direction (DEFER). Fixed-size buffers from a preallocated pool, one per
// held stream direction.
// Full buffer: the held bytes are indicated as they are with
// FWPS_CLASSIFY_OUT_FLAG_BUFFER_LIMIT_REACHED set, and the callout must
// decide (counted). No buffer left in the pool: the direction is indicated
// without holding (its callout sees less than it asked for; counted).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace openwfp::stack {

inline constexpr uint32_t kNoHold = UINT32_MAX;

struct StreamHoldStats {
  uint32_t buffers = 0;
  uint32_t bytesPerBuffer = 0;
  uint32_t inUse = 0;
  uint64_t noBuffer = 0;      // a hold was refused: the pool was empty
  uint64_t limitReached = 0;  // a buffer filled up and its bytes were indicated
};

class StreamHoldPool {
 public:
  StreamHoldPool(uint32_t buffers, uint32_t bytesPerBuffer)
      // Not zeroed: a buffer's bytes are read only up to what was appended,
      // and untouched pages of a large pool cost no memory.
      : bytes_(std::make_unique_for_overwrite<uint8_t[]>(static_cast<size_t>(buffers) * bytesPerBuffer)),
        used_(buffers, 0),
        next_(buffers, kNoHold) {
    stats_.buffers = buffers;
    stats_.bytesPerBuffer = bytesPerBuffer;
    for (uint32_t i = buffers; i-- > 0;) {
      next_[i] = free_;
      free_ = i;
    }
  }

  // A buffer, or kNoHold (counted).
  uint32_t acquire() noexcept {
    if (free_ == kNoHold) {
      ++stats_.noBuffer;
      return kNoHold;
    }
    const uint32_t i = free_;
    free_ = next_[i];
    used_[i] = 0;
    ++stats_.inUse;
    return i;
  }
  void release(uint32_t i) noexcept {
    if (i == kNoHold) return;
    next_[i] = free_;
    free_ = i;
    --stats_.inUse;
  }
  // Appends what fits; returns the bytes appended.
  uint32_t append(uint32_t i, const uint8_t* data, uint32_t length) noexcept {
    const uint32_t room = stats_.bytesPerBuffer - used_[i];
    const uint32_t n = length < room ? length : room;
    if (n > 0) std::memcpy(data_of(i) + used_[i], data, n);
    used_[i] += n;
    return n;
  }
  // Drops the first `n` held bytes (they were decided).
  void consume(uint32_t i, uint32_t n) noexcept {
    if (n >= used_[i]) {
      used_[i] = 0;
      return;
    }
    std::memmove(data_of(i), data_of(i) + n, used_[i] - n);
    used_[i] -= n;
  }
  uint8_t* data_of(uint32_t i) noexcept { return bytes_.get() + static_cast<size_t>(i) * stats_.bytesPerBuffer; }
  uint32_t size(uint32_t i) const noexcept { return used_[i]; }
  bool full(uint32_t i) const noexcept { return used_[i] == stats_.bytesPerBuffer; }
  void note_limit_reached() noexcept { ++stats_.limitReached; }
  const StreamHoldStats& stats() const noexcept { return stats_; }

 private:
  std::unique_ptr<uint8_t[]> bytes_;
  std::vector<uint32_t> used_;
  std::vector<uint32_t> next_;
  uint32_t free_ = kNoHold;
  StreamHoldStats stats_;
};

}  // namespace openwfp::stack
