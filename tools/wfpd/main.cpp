// wfpd: the management daemon. It hosts the filter engine, keeps persistent
// objects in a store under its state directory (back after a restart or a
// crash, with their keys and ids), records net events (a memory ring and a
// bounded table in the store), drives a data source (a capture replayed
// through the modelled stack, or none), and answers management requests on
// a Unix socket (docs/API.md). Options come from the command line and a
// config file (`--config`, default /etc/openwfp/wfpd.conf when present;
// the command line wins). It stops cleanly on SIGTERM or SIGINT.
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "daemon/apply_policy.hpp"
#include "daemon/event_hub.hpp"
#include "daemon/persistence.hpp"
#include "daemon/replay_source.hpp"
#include "daemon/service.hpp"
#include "daemon/unix_server.hpp"
#include "live/live_source.hpp"
#include "openwfp/policy.hpp"
#include "plugin/builtins.hpp"
#include "plugin/callout_host.hpp"
#include "plugin/registry.hpp"
#ifdef OPENWFP_HAVE_SAMPLE_CALLOUTS
#include "samples.hpp"
#endif
#include "openwfp/engine.hpp"
#include "store/event_table.hpp"
#include "store/persistent_store.hpp"

namespace {

using namespace openwfp;

// A group by name or number; -1 when empty. False when unknown.
bool group_id(const std::string& text, int64_t* out) {
  *out = -1;
  if (text.empty()) return true;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    *out = std::stoll(text);
    return true;
  }
  const group* g = ::getgrnam(text.c_str());
  if (g == nullptr) return false;
  *out = g->gr_gid;
  return true;
}

// Creates a directory (and its parents) with `mode` when missing; an
// existing directory keeps its mode.
bool make_dir(const std::string& path, mode_t mode, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return true;
  std::filesystem::create_directories(path, ec);
  if (ec || ::chmod(path.c_str(), mode) != 0) {
    *error = path + ": " + (ec ? ec.message() : std::strerror(errno));
    return false;
  }
  return true;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "wfpd: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wfpd: the openwfp management daemon"};
  daemon::ServerConfig server;
  std::string stateDir = "/var/lib/openwfp";
  std::string adminGroup, readGroup;
  size_t maxClients = server.maxClients;
  size_t memoryEvents = 16384, storedEvents = 100000;
  bool recordAllows = false;
  daemon::ReplayConfig replay;
  app.set_config("--config", "/etc/openwfp/wfpd.conf",
                 "config file: one `option = value` per line (the long option names; TOML syntax)");
  app.allow_config_extras(false);
  app.add_option("--socket", server.socketPath, "Unix socket to listen on (default /run/openwfp/wfpd.sock)");
  app.add_option("--state-dir", stateDir, "where the store lives (default /var/lib/openwfp)");
  app.add_option("--admin-group", adminGroup, "group (name or gid) whose members may change state besides root (with --read-group, also put them in that group: it owns the socket)");
  app.add_option("--read-group", readGroup, "group whose members may read state (default: everyone)");
  app.add_option("--max-clients", maxClients, "clients connected at once (default 64)");
  app.add_option("--events-memory", memoryEvents, "net events kept in memory (default 16384)")->check(CLI::Range(1, 10000000));
  app.add_option("--events-stored", storedEvents, "net events kept in the store (default 100000)")->check(CLI::Range(1, 100000000));
  app.add_flag("--record-allows", recordAllows, "record CLASSIFY_ALLOW events too (default: drops only)");
  app.add_option("--replay", replay.capture, "data source: replay this capture (pcap or pcapng) through the stack");
  app.add_option("--replay-rounds", replay.rounds, "times to replay it (default 1; 0: until stopped)");
  int64_t pauseMs = 0;
  app.add_option("--replay-pause-ms", pauseMs, "pause between rounds in milliseconds (default 0)")->check(CLI::Range(0, 3600000));
  app.add_option("--workers", replay.workers, "data-path workers (default 1)")->check(CLI::Range(1, 256));
  app.add_option("--local", replay.local, "this host's addresses as CIDR (repeatable; default: the capture's busiest; live: besides the interfaces')");
  bool live = false;
  std::string policyFile, failMode = "open", backend = "auto";
  live::LiveConfig liveConfig;
  app.add_flag("--live", live, "data source: this machine's traffic, through NFQUEUE (root; installs its own iptables chains, removed on stop)");
  app.add_option("--policy", policyFile, "a policy file applied at start as one transaction (PERSISTENT objects persist, the rest last until wfpd stops)");
  app.add_option("--queue", liveConfig.rules.firstQueue, "live: the first NFQUEUE queue number (one queue per worker from it; default 0)");
  app.add_option("--fail-mode", failMode, "live: when wfpd is not answering, traffic passes (open, the default) or is dropped (closed)")
      ->check(CLI::IsMember({"open", "closed"}));
  app.add_option("--iptables", backend, "live: iptables backend: auto (nft, else legacy), nft or legacy")
      ->check(CLI::IsMember({"auto", "nft", "legacy"}));
  app.add_option("--mark", liveConfig.rules.mark, "live: the packet mark (a bit) that injected packets carry and the rules skip (default 0x40000000)");
  app.add_flag("--queue-loopback", liveConfig.rules.loopback, "live: classify traffic on lo too");
  app.add_flag("--ebpf", liveConfig.ebpf, "live: also decide ALE_AUTH_CONNECT and ALE_RESOURCE_ASSIGNMENT in the kernel, at connect, send and bind (cgroup eBPF programs; a refusal is EPERM)");
  app.add_option("--cgroup", liveConfig.authorizer.cgroup, "live --ebpf: the cgroup v2 directory whose processes are judged (default: the cgroup v2 root, every process)");
  app.add_option("--max-queued", liveConfig.queue.maxQueued, "live: packets each queue holds in the kernel (default 4096)")->check(CLI::Range(16, 1 << 20));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ConfigError& e) {
    // A line of the config file: name the file (CLI11 names the option).
    std::fprintf(stderr, "wfpd: %s: %s\n", app.get_config_ptr()->as<std::string>().c_str(), e.what());
    return 2;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (live && !replay.capture.empty()) {
    std::fprintf(stderr, "wfpd: --live and --replay are two data sources: choose one\n");
    return 2;
  }
  server.maxClients = maxClients;
  replay.recorder.recordAllows = recordAllows;
  replay.pause = std::chrono::milliseconds(pauseMs);

  daemon::AccessConfig access;
  if (!group_id(adminGroup, &access.adminGroup)) return fail("--admin-group: no group '" + adminGroup + "'");
  if (!group_id(readGroup, &access.readGroup)) return fail("--read-group: no group '" + readGroup + "'");
  // The socket belongs to the group that reads (with both groups set, the
  // admin group's members are expected in the read group too: changing
  // implies reading), else to the admin group.
  server.socketGroup = access.readGroup >= 0 ? access.readGroup : access.adminGroup;
  if (access.readGroup < 0) server.socketMode = 0666;  // everyone may read: access is checked per request

  std::string error;
  if (!make_dir(stateDir, 0750, &error)) return fail(error);
  // One daemon per state directory: a lock held while it runs (the kernel
  // lets it go however the process ends).
  const std::string lockPath = (std::filesystem::path(stateDir) / "wfpd.lock").string();
  const int lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lockFd < 0) return fail(lockPath + ": " + std::strerror(errno));
  if (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
    return fail(errno == EWOULDBLOCK ? "another wfpd uses the state directory " + stateDir
                                     : lockPath + ": " + std::strerror(errno));
  }
  const std::string socketDir = std::filesystem::path(server.socketPath).parent_path().string();
  if (!socketDir.empty() && !make_dir(socketDir, 0755, &error)) return fail(error);

  // Signals are taken by sigwait below, on this thread only (threads
  // started later inherit the mask).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<store::PersistentStore> st;
  const std::string dbPath = (std::filesystem::path(stateDir) / "wfpd.db").string();
  store::StoreOptions storeOptions;
  storeOptions.maxEvents = storedEvents;
  if (store::PersistentStore::open(dbPath, storeOptions, &st, &error) != Status::SUCCESS) return fail(error);
  std::unique_ptr<store::EventTable> eventTable;
  if (store::EventTable::open(dbPath, storeOptions, &eventTable, &error) != Status::SUCCESS) return fail(error);
  Engine engine;
  {
    std::vector<store::StoredObject> objects;
    if (st->load(&objects, &error) != Status::SUCCESS) return fail(dbPath + ": " + error);
    Transaction txn;
    if (engine.begin(&txn, &error) != Status::SUCCESS) return fail(error);
    if (daemon::restore_persistent(txn, objects, &error) != Status::SUCCESS) return fail(dbPath + ": " + error);
    if (txn.commit(&error) != Status::SUCCESS) return fail(error);
    std::fprintf(stderr, "wfpd: %zu persistent objects restored from %s\n", objects.size(), dbPath.c_str());
  }

  daemon::EventHubConfig hubConfig;
  hubConfig.memoryEvents = memoryEvents;
  hubConfig.storedEvents = storedEvents;
  daemon::EventHub hub(hubConfig, eventTable.get());
  std::unique_ptr<daemon::ReplaySource> source;
  if (!replay.capture.empty()) {
    if (!daemon::ReplaySource::open(engine, replay, &source, &error)) return fail("--replay: " + error);
    hub.attach(source->recorders());
  }

  daemon::Service service(engine, st.get(), access);
  // The policy's callouts that name a plugin (a built-in sample or a shared
  // object) are registered before its filters are added, as a WFP driver
  // registers its callouts before the filters that use them.
  plugin::PluginRegistry plugins;
  std::unique_ptr<plugin::CalloutHost> callouts;
  if (!policyFile.empty()) {
    policy::Policy pol;
    policy::PolicyError perr;
    if (!policy::load_policy_file(policyFile, &pol, &perr)) return fail("--policy: " + perr.to_string());
    if (plugin::add_standard_plugins(plugins, &error) != Status::SUCCESS) return fail(error);
#ifdef OPENWFP_HAVE_SAMPLE_CALLOUTS
    if (!openwfp::callouts::register_sample_callouts(plugins, &error)) return fail(error);
#endif
    callouts = std::make_unique<plugin::CalloutHost>(engine, plugins);
    if (!callouts->load(pol, &perr)) return fail("--policy: " + perr.to_string());
    if (!daemon::apply_policy(service, pol, policyFile, &error)) return fail("--policy: " + error);
    std::fprintf(stderr, "wfpd: applied %s\n", policyFile.c_str());
  }
  // Live traffic after the policy: the first packet meets it whole.
  std::unique_ptr<live::LiveSource> liveSource;
  if (live) {
    liveConfig.workers = replay.workers;
    liveConfig.local = replay.local;
    liveConfig.recorder = replay.recorder;
    liveConfig.rules.failMode = failMode == "closed" ? live::FailMode::CLOSED : live::FailMode::OPEN;
    liveConfig.rules.backend = backend == "nft" ? live::Backend::NFT : backend == "legacy" ? live::Backend::LEGACY : live::Backend::AUTO;
    if (!live::LiveSource::open(engine, liveConfig, &liveSource, &error)) return fail("--live: " + error);
    hub.attach(liveSource->recorders());
  }
  hub.start();
  service.set_data_path({&hub, source.get(), liveSource.get()});
  daemon::UnixServer listener(service, server);
  if (!listener.start(&error)) return fail(error);
  std::fprintf(stderr, "wfpd: listening on %s\n", server.socketPath.c_str());
  if (source != nullptr) {
    const daemon::ReplayStatus rs = source->status();
    std::string locals;
    for (const std::string& l : rs.local) locals += (locals.empty() ? "" : ", ") + l;
    std::fprintf(stderr, "wfpd: replaying %s (%llu frames a round, local %s) with %u workers\n",
                 replay.capture.c_str(), static_cast<unsigned long long>(rs.framesPerRound),
                 locals.empty() ? "none" : locals.c_str(), replay.workers);
    source->start();
  }
  if (liveSource != nullptr) {
    const live::LiveStatus ls = liveSource->status();
    std::fprintf(stderr, "wfpd: live on NFQUEUE %u..%u (iptables-%s, fail-%s) with %u workers\n",
                 liveConfig.rules.firstQueue, liveConfig.rules.firstQueue + liveConfig.workers - 1, ls.backend.c_str(),
                 live::fail_mode_name(ls.failMode), liveConfig.workers);
    if (ls.ebpf) {
      std::string kernel;
      for (const live::KernelLayerStatus& l : ls.authorizer.layers) {
        kernel += (kernel.empty() ? "" : ", ") + l.layer + (l.decided ? "" : " (left to the queue: " + l.reason + ")");
      }
      std::fprintf(stderr, "wfpd: connects, sends and binds of %s judged in the kernel: %s\n",
                   ls.authorizer.cgroup.c_str(), kernel.c_str());
    }
    liveSource->start();
  }

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "wfpd: %s, stopping\n", received == SIGTERM ? "SIGTERM" : "SIGINT");
  listener.stop();
  if (source != nullptr) source->stop();
  if (liveSource != nullptr) liveSource->stop();  // the rules go first
  hub.stop();
  return 0;
}
