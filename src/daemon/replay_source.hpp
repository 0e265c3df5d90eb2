// wfpd's data source until live traffic: a capture replayed through N
// workers (shard::Workers, one stack each) over the daemon's engine, once,
// a number of times, or until the daemon stops. Each worker's stack is
// observed by an events::Recorder (net events, per-filter counters), which
// the daemon's EventHub drains.
//
// The replay runs on a thread of its own, in slices of frames so that
// stop() is prompt; every round replays the capture with its timestamps
// moved on by the capture's span (plus one second), so the stacks' clocks
// keep going forward and flows of one round end before the next begins.
// The stacks' counters are copied after each slice, while the workers
// rest, so reading them never races the data path.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/recorder.hpp"
#include "openwfp/engine.hpp"
#include "shard/capture.hpp"
#include "shard/workers.hpp"
#include "stack/stack.hpp"

namespace openwfp::daemon {

struct ReplayConfig {
  std::string capture;              // pcap or pcapng
  uint32_t workers = 1;
  uint64_t rounds = 1;              // 0: until stopped
  std::chrono::milliseconds pause{0};  // between rounds
  std::vector<std::string> local;   // this host's prefixes (CIDR); empty: the capture's busiest addresses
  events::RecorderConfig recorder;
  stack::Config stack;              // `local` is filled from the above
};

struct ReplayStatus {
  std::string capture;
  uint64_t framesPerRound = 0;
  uint64_t roundsDone = 0;
  uint64_t framesDone = 0;  // over every round
  bool running = false;
  std::vector<std::string> local;
  stack::Counters counters;  // summed over workers, as of the last slice
};

class ReplaySource {
 public:
  // Loads the capture; false with `error` naming the file or the prefix at fault.
  static bool open(Engine& engine, const ReplayConfig& config, std::unique_ptr<ReplaySource>* out,
                   std::string* error);
  ~ReplaySource();  // stop()
  ReplaySource(const ReplaySource&) = delete;
  ReplaySource& operator=(const ReplaySource&) = delete;

  std::vector<events::Recorder*> recorders();
  void start();
  // Ends the replay at the next slice; the stacks' flows end (their flow
  // deletion runs) before it returns.
  void stop();
  // Waits until every round is done (never, with rounds 0, before stop()).
  void wait_done();
  ReplayStatus status() const;
  // Per-filter counters summed over workers (live: read without stopping them).
  std::vector<events::FilterCount> filter_counts(uint64_t* uncounted) const;

 private:
  explicit ReplaySource(const ReplayConfig& config);
  void run();

  ReplayConfig config_;
  shard::LoadedCapture capture_;
  std::vector<std::unique_ptr<events::Recorder>> recorders_;
  std::unique_ptr<shard::Workers> workers_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;  // status_
  std::condition_variable done_;
  ReplayStatus status_;
  std::thread thread_;
};

}  // namespace openwfp::daemon
