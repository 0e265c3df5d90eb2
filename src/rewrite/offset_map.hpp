// The mapping from original stream offsets to output stream offsets of one
// direction, built from the STREAM layer's decisions in stream order (see
// tcp_rewriter.hpp for the rule). Breakpoints live in a ring allocated by the
// constructor; pruning (on an acknowledgement) folds the oldest into the base
// point.
#pragma once

#include <cstdint>
#include <vector>

namespace openwfp::rewrite {

class OffsetMap {
 public:
  explicit OffsetMap(uint32_t capacity);

  // Identity up to `offset`, no breakpoints, the decision cursor at `offset`.
  void reset(uint64_t offset) noexcept;

  // Whether the next insert / remove needs no breakpoint beyond capacity.
  bool can_insert() const noexcept { return merges(false) || count_ < capacity_; }
  bool can_remove() const noexcept { return merges(true) || count_ < capacity_; }
  // Decisions at the cursor (the caller checked can_insert / can_remove).
  void pass(uint64_t length) noexcept;
  void insert(uint64_t length) noexcept;
  void remove(uint64_t length) noexcept;

  // Output offset of original offset x (signed: x may lie before offset 0,
  // e.g. the SYN). Past the last breakpoint the mapping keeps advancing one
  // output byte per original byte.
  int64_t translate(int64_t x) const noexcept;
  // The inverse: the original offset an output offset y stands for (an
  // output offset inside inserted bytes stands for the insertion point; the
  // end of a removed range for the original offset after it).
  int64_t untranslate(int64_t y) const noexcept;
  // Drops the breakpoints wholly before x (x was acknowledged).
  void prune(int64_t x) noexcept;

  // Offsets before this one were pruned: their translation is approximate.
  uint64_t base_original() const noexcept { return baseOriginal_; }
  uint64_t decided_original() const noexcept { return cursorOriginal_; }
  uint64_t decided_output() const noexcept { return cursorOutput_; }
  uint32_t size() const noexcept { return count_; }

 private:
  struct Breakpoint {
    uint64_t original = 0;
    uint64_t output = 0;
    bool removal = false;  // made by a removal (ends a removed range) rather than an insertion
  };

  const Breakpoint& at(uint32_t i) const noexcept { return points_[(head_ + i) % capacity_]; }
  Breakpoint& at(uint32_t i) noexcept { return points_[(head_ + i) % capacity_]; }
  bool merges(bool removal) const noexcept;
  void append(uint64_t original, uint64_t output, bool removal) noexcept;
  // Number of breakpoints at or before x (the last of them applies to x).
  uint32_t applicable(int64_t x) const noexcept;
  // Number of breakpoints whose `coordinate` is at or before v.
  uint32_t count_at_or_before(int64_t v, uint64_t Breakpoint::*coordinate) const noexcept;

  std::vector<Breakpoint> points_;
  uint32_t capacity_ = 0;
  uint32_t head_ = 0;
  uint32_t count_ = 0;
  uint64_t baseOriginal_ = 0;  // the mapping advances 1:1 from here up to the first breakpoint's output
  uint64_t baseOutput_ = 0;
  uint64_t cursorOriginal_ = 0;
  uint64_t cursorOutput_ = 0;
};

}  // namespace openwfp::rewrite
