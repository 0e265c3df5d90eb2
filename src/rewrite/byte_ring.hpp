// A fixed-capacity FIFO of bytes (the output bytes of one direction decided
// but not yet sent). The storage is allocated once by the constructor.
#pragma once

#include <cstdint>
#include <vector>

namespace openwfp::rewrite {

class ByteRing {
 public:
  explicit ByteRing(uint32_t capacity);

  uint32_t size() const noexcept { return size_; }
  uint32_t free_space() const noexcept { return capacity_ - size_; }
  // Appends `length` bytes; false (nothing appended) when they do not fit.
  bool push(const uint8_t* data, uint32_t length) noexcept;
  // Copies the first `length` queued bytes (length <= size()) to `out`.
  void peek(uint8_t* out, uint32_t length) const noexcept;
  // Forgets the first `length` queued bytes (length <= size()).
  void consume(uint32_t length) noexcept;
  void clear() noexcept;

 private:
  std::vector<uint8_t> bytes_;
  uint32_t capacity_ = 0;
  uint32_t head_ = 0;  // index of the first queued byte
  uint32_t size_ = 0;
};

}  // namespace openwfp::rewrite
