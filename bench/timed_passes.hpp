// Timing by whole passes over the trace: a pass is never cut short, so every
// header counts equally whatever the minimum time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Written once per pass so the compiler cannot drop the lookups.
inline volatile uint64_t g_pass_sink = 0;

// Runs `pass` (which classifies `per_pass` headers and returns something
// derived from the answers) until at least `min_seconds` have gone by, at
// least once; returns lookups per second.
template <typename Pass>
double lookups_per_second(size_t per_pass, double min_seconds, Pass&& pass) {
  size_t lookups = 0;
  const auto t = Clock::now();
  double elapsed = 0;
  do {
    g_pass_sink = g_pass_sink + pass();
    lookups += per_pass;
    elapsed = seconds_since(t);
  } while (elapsed < min_seconds);
  return static_cast<double>(lookups) / elapsed;
}

}  // namespace bench
