#include "rewrite/byte_ring.hpp"

#include <algorithm>
#include <cstring>

namespace openwfp::rewrite {

ByteRing::ByteRing(uint32_t capacity) : bytes_(capacity), capacity_(capacity) {}

bool ByteRing::push(const uint8_t* data, uint32_t length) noexcept {
  if (length > free_space()) return false;
  if (length == 0) return true;
  // capacity_ > 0 here: a non-empty push fits only in a non-empty ring.
  const uint32_t tail = static_cast<uint32_t>((uint64_t{head_} + size_) % capacity_);
  const uint32_t first = std::min(length, capacity_ - tail);
  std::memcpy(bytes_.data() + tail, data, first);
  std::memcpy(bytes_.data(), data + first, length - first);
  size_ += length;
  return true;
}

void ByteRing::peek(uint8_t* out, uint32_t length) const noexcept {
  if (length == 0) return;
  const uint32_t first = std::min(length, capacity_ - head_);
  std::memcpy(out, bytes_.data() + head_, first);
  std::memcpy(out + first, bytes_.data(), length - first);
}

void ByteRing::consume(uint32_t length) noexcept {
  if (length == 0) return;
  size_ -= length;
  head_ = static_cast<uint32_t>((uint64_t{head_} + length) % capacity_);
  if (size_ == 0) head_ = 0;
}

void ByteRing::clear() noexcept {
  head_ = 0;
  size_ = 0;
}

}  // namespace openwfp::rewrite
