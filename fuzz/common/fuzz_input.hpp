// What the libFuzzer targets share: reading their input as fields, and the
// check that turns a broken property into a crash libFuzzer reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace openwfp::fuzz {

// A failed check names its file and line before aborting.
// (__builtin_FILE/LINE: clang 14 has no std::source_location.)
inline void check(bool ok, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (ok) return;
  std::fprintf(stderr, "check failed: %s:%d\n", file, line);
  std::abort();
}

// The input read front to back; past its end every read gives zeros.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ >= end_; }
  uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() << 8 | u8()); }
  uint32_t u32() { return static_cast<uint32_t>(u16()) << 16 | u16(); }
  // Up to n bytes of the input itself (fewer at its end).
  const uint8_t* take(size_t n, size_t* got) {
    const size_t left = static_cast<size_t>(end_ - p_);
    *got = n < left ? n : left;
    const uint8_t* at = p_;
    p_ += *got;
    return at;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace openwfp::fuzz
