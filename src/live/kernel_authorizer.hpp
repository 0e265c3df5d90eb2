// ALE_AUTH_CONNECT and ALE_RESOURCE_ASSIGNMENT decided in the kernel
// (wfpd --live --ebpf): cgroup programs on connect4/6, sendmsg4/6 and
// post_bind4/6 (bpf/authorize.bpf.c, built into wfpd) attached to a cgroup
// v2 directory, judging the sockets of wfpd's network namespace against the
// rules compiled from each generation (authorize_compiler.hpp). A refused
// connect, send or bind fails with EPERM before any packet exists, and
// becomes a CLASSIFY_DROP event with the process's executable, pid and uid.
// Layers the kernel cannot evaluate are left to the queue's stack (counted).
//
// Publication: the rules of a new generation go into the table's other copy,
// then one word flips which copy is live. The programs are attached through
// BPF links owned by wfpd: they go when wfpd stops or dies.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "events/recorder.hpp"
#include "live/authorize_compiler.hpp"
#include "openwfp/engine.hpp"

namespace openwfp::live {

// Where the cgroup v2 hierarchy is mounted (hybrid systems: .../unified);
// empty when it is not.
std::string cgroup2_root();

struct KernelAuthorizerConfig {
  std::string cgroup;  // a cgroup v2 directory; empty: the cgroup v2 root
  events::RecorderConfig recorder;
  uint32_t maxRules = OWFP_MAX_RULES;  // per layer
};

struct KernelLayerStatus {
  std::string layer;
  bool decided = true;
  std::string reason;
  uint32_t rules = 0;
};

struct KernelAuthorizerStatus {
  std::string cgroup;
  uint64_t generation = 0;  // the engine generation the kernel's rules come from
  uint64_t publishes = 0;
  std::array<KernelLayerStatus, OWFP_SLOTS> layers;
  std::array<uint64_t, OWFP_STATS> counters{};  // OWFP_STAT_*, summed over CPUs
  uint32_t apps = 0;          // executables the rules name
  uint32_t appsResolved = 0;  // of them, found on disk (a path that is not there matches no process)
  uint64_t events = 0;        // refusals read from the kernel's ring
  uint64_t eventsDropped = 0; // events the recorder's ring had no room for
};

class KernelAuthorizer {
 public:
  // Loads the programs, publishes the engine's current generation and
  // attaches. False with `error` (naming what is missing) otherwise;
  // nothing stays attached then.
  static bool open(Engine& engine, const KernelAuthorizerConfig& config, std::unique_ptr<KernelAuthorizer>* out,
                   std::string* error);
  ~KernelAuthorizer();  // stop(), detach
  KernelAuthorizer(const KernelAuthorizer&) = delete;
  KernelAuthorizer& operator=(const KernelAuthorizer&) = delete;

  // A thread that publishes each new generation and reads the kernel's events.
  void start();
  void stop();
  KernelAuthorizerStatus status() const;
  events::Recorder* recorder() noexcept { return &recorder_; }

 private:
  struct Bpf;
  explicit KernelAuthorizer(Engine& engine, const KernelAuthorizerConfig& config);
  bool publish(std::string* error);
  void run();
  void on_event(const void* data, size_t size);
  // (dev, ino) -> stable index of the listed executables.
  using AppFiles = std::map<std::pair<uint64_t, uint64_t>, uint32_t>;
  uint32_t stable_app(const std::string& path);
  // The files of `paths` (each already given a stable index): a path names a
  // process's executable only as the kernel writes it (/proc/PID/exe), so a
  // path that is not canonical, or not there, has none. Counts those found.
  AppFiles files_of(const std::vector<std::string>& paths, uint32_t* resolved) const;
  bool files_changed() const;

  Engine& engine_;
  KernelAuthorizerConfig config_;
  events::Recorder recorder_;
  std::unique_ptr<Bpf> bpf_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  uint32_t active_ = 0;
  uint64_t netnsCookie_ = 0;
  // Apps get one index for wfpd's life, so a flip never renames one.
  std::map<std::string, uint32_t> appIndex_;
  AppFiles appFiles_;                                            // as published
  std::vector<std::string> appPaths_;                            // index - 1 -> path
  std::vector<std::string> publishedApps_;                       // the paths the live rules name
  uint64_t publishedGeneration_ = 0;                             // the generation the live rules come from
  mutable std::mutex mutex_;  // status_
  KernelAuthorizerStatus status_;
  friend int authorizer_ring_callback(void* context, void* data, size_t size);
};

}  // namespace openwfp::live
