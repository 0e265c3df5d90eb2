// Test-only: the tcpdump capture corpus in the shared data (every .pcap and
// .pcapng under pcaps/tcpdump/tests), in name order, and the sample policy.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "stack/stack.hpp"
#include "support/shared_data.hpp"

namespace openwfp::pipeline {

inline const std::string kTcpdumpCorpus = "pcaps/tcpdump/tests";

inline std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  const std::filesystem::path dir = openwfp::test::shared_data_dir() + "/" + kTcpdumpCorpus;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every Nth capture of the corpus, N from OPENWFP_CORPUS_STRIDE (default 1:
// all of them); the sanitizer suite takes a share to stay within CI time.
inline size_t corpus_stride() {
  const char* text = std::getenv("OPENWFP_CORPUS_STRIDE");
  const long n = text != nullptr ? std::strtol(text, nullptr, 10) : 1;
  return n > 1 ? static_cast<size_t>(n) : 1;
}

inline std::vector<std::string> corpus_share(const std::vector<std::string>& all) {
  std::vector<std::string> out;
  for (size_t i = 0; i < all.size(); i += corpus_stride()) out.push_back(all[i]);
  return out;
}

// A stack for one corpus file: caps small enough that making several stacks
// per capture stays cheap (a stack preallocates every pool), large enough
// for any capture of the corpus.
inline stack::Config corpus_stack_config() {
  stack::Config config;
  config.flows.maxFlows = 4096;
  config.stream.maxConnections = 4096;
  config.stream.maxHeldBytesTotal = 8u << 20;
  config.defrag.maxDatagrams = 512;
  config.defrag.maxBytes = 8u << 20;
  config.packetBuffers = 16;
  config.streamBuffers = 64;
  config.streamHoldBuffers = 64;
  config.maxRewrittenConnections = 4;
  config.maxFlowContexts = 1024;
  config.maxPends = 64;
  return config;
}

inline std::string sample_policy() { return std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json"; }

}  // namespace openwfp::pipeline
