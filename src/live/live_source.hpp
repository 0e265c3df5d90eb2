// wfpd's live data source: the machine's own traffic, taken from netfilter
// through NFQUEUE (ruleset.hpp) by N workers, each with its own queue, its
// own stack over the daemon's engine (the same stack replay drives: every
// layer classified in order) and its own net-event recorder. Verdicts go
// back to the kernel in batches; a packet the stack changed goes back
// changed; packets the stack holds (fragments of an incomplete datagram, a
// connect pended at ALE) stay in the kernel's queue until their datagram
// completes or their decision comes, within caps and timeouts.
//
// What a packet's stack result becomes:
//   PERMIT             NF_ACCEPT (runs of them as one batch verdict)
//   BLOCK, DROP,       NF_DROP, unless the stack sent a packet of the same
//   ABSORBED           addresses and direction in its place (an edited
//                      stream segment, a callout's changed copy, a reset):
//                      NF_ACCEPT with those bytes
//   HELD (fragment)    kept; the group's verdict when the datagram completes;
//                      NF_DROP when the hold times out (never delivered)
//   ABSORBED (pended,  kept; NF_ACCEPT when the stack sends that very packet
//   or by a callout)   on (the pend completed, the callout injected it back),
//                      NF_DROP when the hold times out
//   ABSORBED (edited   NF_DROP: the rewriter sends what it becomes
//   connection)
// Other packets the stack sends (injections) go out through raw sockets
// with the ruleset's mark (outbound) or in through openwfp's TUN device
// (inbound); a packet a callout absorbed and replaced with others is
// dropped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/recorder.hpp"
#include "live/injector.hpp"
#include "live/kernel_authorizer.hpp"
#include "live/local_addresses.hpp"
#include "live/nfqueue.hpp"
#include "live/process_lookup.hpp"
#include "live/ruleset.hpp"
#include "openwfp/engine.hpp"
#include "stack/stack.hpp"

namespace openwfp::live {

struct LiveConfig {
  RulesetConfig rules;         // queues = workers, set by open()
  uint32_t workers = 1;
  QueueConfig queue;           // number = rules.firstQueue + worker
  uint32_t maxHeld = 4096;     // packets one worker keeps in the kernel's queue at once (fragments, pended)
  uint64_t fragmentHoldUs = 30'000'000;  // a fragment whose datagram does not complete is dropped after this
  uint64_t absorbedHoldUs = 5'000'000;   // a packet a callout absorbed and did not inject back: dropped after this
  std::vector<std::string> local;  // prefixes besides the interfaces' addresses
  bool lookupProcesses = true;     // ALE_APP_ID, ALE_USER_ID and the process metadata from sock_diag and /proc
  ProcessLookupConfig processes;
  // ALE_AUTH_CONNECT and ALE_RESOURCE_ASSIGNMENT also decided in the kernel,
  // at connect, send and bind (kernel_authorizer.hpp).
  bool ebpf = false;
  KernelAuthorizerConfig authorizer;
  events::RecorderConfig recorder;
  stack::Config stack;
};

struct WorkerStatus {
  uint16_t queue = 0;
  QueueStats queueStats;
  InjectorStats injector;
  uint64_t held = 0;             // packets kept now
  uint64_t heldPeak = 0;
  uint64_t holdsExpired = 0;     // dropped after their hold timed out
  uint64_t holdsRefused = 0;     // the hold table was full: the oldest went (NF_DROP)
  uint64_t released = 0;         // pended packets sent on by their completion
  uint64_t pendsRefused = 0;     // pended packets dropped when their pend ended with a Block
  uint64_t replaced = 0;         // packets answered with the stack's changed bytes
  ProcessLookupStats processes;
};

struct LiveStatus {
  bool running = false;
  std::string backend;
  FailMode failMode = FailMode::OPEN;
  std::vector<std::string> local;
  uint64_t localChanges = 0;  // address changes followed since the start
  std::vector<WorkerStatus> workers;
  std::vector<InstalledRule> rules;
  stack::Counters counters;  // summed over workers, as of their last batch
  bool ebpf = false;         // the kernel's connect and bind authorization is attached
  KernelAuthorizerStatus authorizer;
};

class LiveSource {
 public:
  // Binds the queues and opens the injection sockets, then installs the
  // rules (so no packet is queued before a worker can answer). False with
  // `error` when not root or a kernel feature is missing; nothing is left
  // installed then.
  static bool open(Engine& engine, const LiveConfig& config, std::unique_ptr<LiveSource>* out, std::string* error);
  ~LiveSource();  // stop()
  LiveSource(const LiveSource&) = delete;
  LiveSource& operator=(const LiveSource&) = delete;

  std::vector<events::Recorder*> recorders();
  void start();
  // Removes the rules, then lets the workers answer what is queued, end
  // their flows and stop. Safe to call twice.
  void stop();
  LiveStatus status() const;
  std::vector<events::FilterCount> filter_counts(uint64_t* uncounted) const;

 private:
  struct Worker;
  LiveSource() = default;

  LiveConfig config_;
  std::unique_ptr<Ruleset> rules_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // This host's addresses as the workers' stacks see them: the watcher
  // thread publishes a new set when an address comes or goes; each worker
  // takes it between two batches.
  struct LocalAddresses {
    std::mutex mutex;
    std::shared_ptr<const stack::Locality> locality;
    std::vector<std::string> names;
    std::atomic<uint64_t> version{0};
    uint64_t changes = 0;
  };
  void refresh_local();
  std::unique_ptr<LocalAddresses> local_ = std::make_unique<LocalAddresses>();
  AddressWatch addresses_;
  std::thread addressThread_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  int tun_ = -1;  // the inbound injection device (injector.hpp)
  std::unique_ptr<KernelAuthorizer> authorizer_;
};

}  // namespace openwfp::live
