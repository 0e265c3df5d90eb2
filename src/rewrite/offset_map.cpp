#include "rewrite/offset_map.hpp"

#include <algorithm>

namespace openwfp::rewrite {

OffsetMap::OffsetMap(uint32_t capacity) : points_(capacity), capacity_(capacity) {}

void OffsetMap::reset(uint64_t offset) noexcept {
  head_ = 0;
  count_ = 0;
  baseOriginal_ = baseOutput_ = offset;
  cursorOriginal_ = cursorOutput_ = offset;
}

// Consecutive insertions at one point share a breakpoint, and so do
// consecutive removals. An insertion cannot join a removal's breakpoint: that
// breakpoint's output caps the removed range, which must stay where it was.
bool OffsetMap::merges(bool removal) const noexcept {
  if (count_ == 0) return false;
  const Breakpoint& last = at(count_ - 1);
  return last.original == cursorOriginal_ && last.removal == removal;
}

void OffsetMap::append(uint64_t original, uint64_t output, bool removal) noexcept {
  at(count_) = Breakpoint{original, output, removal};
  ++count_;
}

void OffsetMap::pass(uint64_t length) noexcept {
  cursorOriginal_ += length;
  cursorOutput_ += length;
}

void OffsetMap::insert(uint64_t length) noexcept {
  if (length == 0) return;
  cursorOutput_ += length;
  if (merges(false))
    at(count_ - 1).output = cursorOutput_;
  else
    append(cursorOriginal_, cursorOutput_, false);
}

void OffsetMap::remove(uint64_t length) noexcept {
  if (length == 0) return;
  const bool merge = merges(true);
  cursorOriginal_ += length;
  if (merge)
    at(count_ - 1).original = cursorOriginal_;
  else
    append(cursorOriginal_, cursorOutput_, true);
}

uint32_t OffsetMap::count_at_or_before(int64_t v, uint64_t Breakpoint::*coordinate) const noexcept {
  // Breakpoints are sorted by either coordinate (equal values allowed):
  // find the first one after v.
  if (v < 0) return 0;
  const auto uv = static_cast<uint64_t>(v);
  uint32_t lo = 0, hi = count_;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (at(mid).*coordinate <= uv)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

uint32_t OffsetMap::applicable(int64_t x) const noexcept { return count_at_or_before(x, &Breakpoint::original); }

int64_t OffsetMap::translate(int64_t x) const noexcept {
  const uint32_t n = applicable(x);
  const uint64_t fromOriginal = n == 0 ? baseOriginal_ : at(n - 1).original;
  const uint64_t fromOutput = n == 0 ? baseOutput_ : at(n - 1).output;
  const int64_t y = static_cast<int64_t>(fromOutput) + (x - static_cast<int64_t>(fromOriginal));
  if (n == count_) return y;
  return std::min(y, static_cast<int64_t>(at(n).output));
}

int64_t OffsetMap::untranslate(int64_t y) const noexcept {
  // The breakpoints whose output offset is at or before y (sorted by output
  // offset too); the last of them applies.
  const uint32_t n = count_at_or_before(y, &Breakpoint::output);
  const uint64_t fromOriginal = n == 0 ? baseOriginal_ : at(n - 1).original;
  const uint64_t fromOutput = n == 0 ? baseOutput_ : at(n - 1).output;
  const int64_t x = static_cast<int64_t>(fromOriginal) + (y - static_cast<int64_t>(fromOutput));
  if (n == count_) return x;
  return std::min(x, static_cast<int64_t>(at(n).original));
}

void OffsetMap::prune(int64_t x) noexcept {
  const uint32_t n = applicable(x);
  if (n == 0) return;
  baseOriginal_ = at(n - 1).original;
  baseOutput_ = at(n - 1).output;
  head_ = (head_ + n) % capacity_;
  count_ -= n;
}

}  // namespace openwfp::rewrite
