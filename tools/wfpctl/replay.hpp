// `wfpctl replay`: a capture through the modelled stack and a policy.
#pragma once

#include <string>
#include <vector>

namespace wfpctl {

struct ReplayOptions {
  std::string capture;
  std::string policy;
  std::vector<std::string> local;  // CIDRs
  std::string out;                 // permitted packets (pcap)
  std::string report;              // JSON report
  std::string dumpStreams;         // directory
  std::string defragPolicy = "linux";
  unsigned maxFlows = 65536;
  std::string verifier = "report";  // off | report | strict (strict: exit 3 when anything is found)
  unsigned budgetUs = 50;           // classifyFn time budget per call (C4)
  bool quiet = false;
};

int run_replay(const ReplayOptions& options);

}  // namespace wfpctl
