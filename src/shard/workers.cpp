#include "shard/workers.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <thread>

#include "shard/flow_shard.hpp"

namespace openwfp::shard {
namespace {

void add(stack::LayerCounters& a, const stack::LayerCounters& b) noexcept {
  a.classified += b.classified;
  a.permits += b.permits;
  a.blocks += b.blocks;
  a.bytes += b.bytes;
}

// Pins the calling thread to the n-th CPU this process may run on.
void pin_to_cpu(uint32_t n) noexcept {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  const int count = CPU_COUNT(&allowed);
  if (count <= 0) return;
  uint32_t wanted = n % static_cast<uint32_t>(count);
  for (size_t cpu = 0; cpu < size_t{CPU_SETSIZE}; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    if (wanted-- == 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      pthread_setaffinity_np(pthread_self(), sizeof one, &one);
      return;
    }
  }
}

}  // namespace

stack::Counters& operator+=(stack::Counters& a, const stack::Counters& b) noexcept {
  a.packets += b.packets;
  a.bytes += b.bytes;
  for (size_t i = 0; i < std::size(a.verdicts); ++i) a.verdicts[i] += b.verdicts[i];
  for (size_t i = 0; i < a.layers.size(); ++i) add(a.layers[i], b.layers[i]);
  for (size_t i = 0; i < std::size(a.decodeDrops); ++i) a.decodeDrops[i] += b.decodeDrops[i];
  a.unsupportedLinkType += b.unsupportedLinkType;
  a.aleBlockedPackets += b.aleBlockedPackets;
  a.reassembled += b.reassembled;
  a.forwarded += b.forwarded;
  a.loopback += b.loopback;
  a.endpointTableFull += b.endpointTableFull;
  a.badIpv4Checksums += b.badIpv4Checksums;
  a.streamIndications += b.streamIndications;
  a.streamBytesBlocked += b.streamBytesBlocked;
  a.streamConnectionsDropped += b.streamConnectionsDropped;
  a.flowsAborted += b.flowsAborted;
  a.flowDeleteCalls += b.flowDeleteCalls;
  a.dpcsRun += b.dpcsRun;
  a.reauthorizations += b.reauthorizations;
  a.packetsReleased += b.packetsReleased;
  a.injectedSent += b.injectedSent;
  a.injectedBlocked += b.injectedBlocked;
  a.injectionsFailed += b.injectionsFailed;
  a.injectionsRefused += b.injectionsRefused;
  a.connectionsRewritten += b.connectionsRewritten;
  a.rewritesRefused += b.rewritesRefused;
  a.streamBytesInjected += b.streamBytesInjected;
  a.rewrittenPacketsSent += b.rewrittenPacketsSent;
  a.resetsSent += b.resetsSent;
  return a;
}

struct Workers::Worker {
  Worker(Engine& engine, const stack::Config& config, stack::Observer* observer) : stack(engine, config, observer) {}
  stack::Stack stack;
  uint64_t taken = 0;
};

Workers::Workers(Engine& engine, const stack::Config& config, const WorkersConfig& workers,
                 std::span<stack::Observer* const> observers)
    : config_(workers) {
  config_.workers = std::max<uint32_t>(1, config_.workers);
  workers_.reserve(config_.workers);
  for (uint32_t i = 0; i < config_.workers; ++i) {
    stack::Config c = config;
    c.workerIndex = i;
    workers_.push_back(std::make_unique<Worker>(engine, c, i < observers.size() ? observers[i] : nullptr));
  }
}

Workers::~Workers() = default;

void Workers::replay(uint32_t linktype, std::span<const FrameRef> frames, stack::Result* results, bool finish) {
  const uint32_t n = size();
  auto run = [&, linktype, n](uint32_t index) {
    if (config_.pinToCores) pin_to_cpu(index);
    Worker& w = *workers_[index];
    uint64_t taken = 0;
    // The capture's clock: the latest timestamp so far over every frame, not
    // only this worker's, so that timeouts fire as they would in one stack
    // (a stack's clock is the latest timestamp it has seen).
    uint64_t clock = 0;
    // This worker's frames go to its stack in batches (Stack::process_batch).
    std::array<stack::Stack::Frame, stack::Stack::kBatch> batch;
    std::array<size_t, stack::Stack::kBatch> at{};
    std::array<stack::Result, stack::Stack::kBatch> out;
    size_t queued = 0;
    auto flush = [&] {
      w.stack.process_batch(linktype, batch.data(), queued, out.data());
      if (results != nullptr)
        for (size_t k = 0; k < queued; ++k) results[at[k]] = out[k];
      taken += queued;
      queued = 0;
    };
    for (size_t i = 0; i < frames.size(); ++i) {
      const FrameRef& f = frames[i];
      clock = std::max(clock, f.timestampUs);
      if (n > 1 && shard_of_frame(linktype, f.data, f.caplen, f.wireLength, n) != index) continue;
      batch[queued] = {clock, f.data, f.caplen, f.wireLength};
      at[queued] = i;
      if (++queued == batch.size()) flush();
    }
    if (queued > 0) flush();
    if (finish) w.stack.finish();
    w.taken += taken;
  };
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (uint32_t i = 0; i < n; ++i) threads.emplace_back(run, i);
  for (std::thread& t : threads) t.join();
}

uint32_t Workers::size() const noexcept { return static_cast<uint32_t>(workers_.size()); }
stack::Stack& Workers::stack(uint32_t worker) noexcept { return workers_[worker]->stack; }
const stack::Stack& Workers::stack(uint32_t worker) const noexcept { return workers_[worker]->stack; }
uint64_t Workers::frames_taken(uint32_t worker) const noexcept { return workers_[worker]->taken; }

stack::Counters Workers::counters() const noexcept {
  stack::Counters total;
  for (const auto& w : workers_) total += w->stack.counters();
  return total;
}

flow::Stats Workers::flow_stats() const noexcept {
  flow::Stats total;
  for (const auto& w : workers_) {
    const flow::Stats& s = w->stack.flows().stats();
    total.created += s.created;
    total.expired += s.expired;
    total.evicted += s.evicted;
    total.ended += s.ended;
    total.active += s.active;
    total.peak += s.peak;
  }
  return total;
}

}  // namespace openwfp::shard
