#include "dpi-block/scratch_pool.hpp"

#include <algorithm>
#include <new>
#include <thread>

namespace openwfp::callouts::dpi {

uint32_t ScratchPool::made(const Matcher& matcher, uint32_t count,
                           std::unique_ptr<std::unique_ptr<Matcher::Scratch>[]>* out) {
  *out = std::make_unique<std::unique_ptr<Matcher::Scratch>[]>(count);
  uint32_t n = 0;
  while (n < count) {
    std::unique_ptr<Matcher::Scratch> s = matcher.make_scratch();
    if (s == nullptr) break;
    (*out)[n++] = std::move(s);
  }
  return n;
}

// free_ hands out ids 1..n, n being the scratches actually made.
ScratchPool::ScratchPool(const Matcher& matcher, uint32_t count) : free_(made(matcher, count, &scratches_)) {}

uint32_t default_scratch_count() noexcept { return std::clamp(std::thread::hardware_concurrency(), 2u, 64u); }

}  // namespace openwfp::callouts::dpi
