// N data-path workers over one engine, each a whole stack of its own on its
// own thread, fed by flow hash (flow_shard.hpp): nothing is shared on the
// hot path but the engine's published generation, which readers take
// without locks.
//
// This is the replay form: the frames are in memory and every worker walks
// all of them, taking those of its shard in capture order (as each queue of
// NFQUEUE balancing or each socket of an AF_PACKET fanout sees only its
// share, here the choosing is done by the worker itself, so no queue sits
// between threads). Each worker's stack sees its own packets' timestamps;
// idle timeouts, caps (flow table, fragments, stream buffers, pends) and
// inferred listeners are per worker.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "openwfp/engine.hpp"
#include "stack/stack.hpp"

namespace openwfp::shard {

// One captured frame in memory.
struct FrameRef {
  uint64_t timestampUs = 0;
  const uint8_t* data = nullptr;
  uint32_t caplen = 0;
  uint32_t wireLength = 0;  // 0: same as caplen
};

struct WorkersConfig {
  uint32_t workers = 1;
  bool pinToCores = false;  // worker i runs on CPU i (modulo the CPUs this process may use)
};

// Stack counters summed over workers.
stack::Counters& operator+=(stack::Counters& into, const stack::Counters& from) noexcept;

class Workers {
 public:
  // One stack per worker, made with `config` (its workerIndex set to the
  // worker's index); observers[i], when given, observes worker i's stack
  // (called on that worker's thread).
  Workers(Engine& engine, const stack::Config& config, const WorkersConfig& workers,
          std::span<stack::Observer* const> observers = {});
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  // Replays `frames` of one capture of `linktype` and returns when every
  // worker is done. results[i] (when `results` is non-null, frames.size()
  // long) receives frame i's result. With `finish`, each stack then ends its
  // flows (Stack::finish) on its own thread.
  void replay(uint32_t linktype, std::span<const FrameRef> frames, stack::Result* results, bool finish = true);

  uint32_t size() const noexcept;
  stack::Stack& stack(uint32_t worker) noexcept;
  const stack::Stack& stack(uint32_t worker) const noexcept;
  uint64_t frames_taken(uint32_t worker) const noexcept;  // over every replay so far
  stack::Counters counters() const noexcept;             // summed
  flow::Stats flow_stats() const noexcept;               // summed (peak: the sum of the workers' peaks)

 private:
  struct Worker;
  std::vector<std::unique_ptr<Worker>> workers_;
  WorkersConfig config_;
};

}  // namespace openwfp::shard
