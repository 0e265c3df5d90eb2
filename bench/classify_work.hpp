// The classify command's input, shared by every classifier it measures, and
// the figures each one reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "classbench/classbench.hpp"

namespace bench {

inline constexpr uint32_t kNoRule = UINT32_MAX;  // no rule matches the header
inline constexpr size_t kBatch = 64;             // headers per call in batch mode

struct ClassifyWork {
  std::vector<openwfp::classbench::Rule> rules;      // file order is priority
  std::vector<openwfp::classbench::Header> headers;  // the trace
  std::vector<uint32_t> expected;                    // first matching rule per header
  std::vector<size_t> order;                         // the order headers are timed in
  double minSeconds = 1.0;                           // per timed mode
};

struct ClassifierFigures {
  std::string name;                    // implementation, for the table
  double lookupsPerSecond = 0;         // one header per call
  double batchLookupsPerSecond = 0;    // kBatch headers per call; 0 when not measured
  double engineLookupsPerSecond = 0;   // through the whole engine; 0 when not measured
  size_t memoryBytes = 0;
  double buildSeconds = 0;
  double classifierBuildSeconds = 0;   // the classifier alone, when the build does more
  double updateMicros = 0;
  size_t mismatches = 0;               // answers that differ from `expected`, over every mode
};

}  // namespace bench
