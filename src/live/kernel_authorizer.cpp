#include "live/kernel_authorizer.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/generation.hpp"
#include "events/net_event.hpp"
#include "openwfp/constants.hpp"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace openwfp::live {

extern const uint8_t authorize_bpf_object[];
extern const size_t authorize_bpf_object_size;

namespace {

constexpr const char* kPrograms[] = {"owfp_connect4", "owfp_connect6", "owfp_sendmsg4",
                                     "owfp_sendmsg6", "owfp_post_bind4", "owfp_post_bind6"};

// libbpf's messages: kept for the error a failed load reports.
thread_local std::string* libbpf_log = nullptr;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int libbpf_print(libbpf_print_level level, const char* format, va_list args) {
  if (libbpf_log == nullptr || level == LIBBPF_DEBUG) return 0;
  char line[1024];
  const int n = std::vsnprintf(line, sizeof line, format, args);
  if (n > 0 && libbpf_log->size() < 16384) libbpf_log->append(line);
  return n;
}
#pragma GCC diagnostic pop

std::string errno_text(int error) { return std::strerror(error < 0 ? -error : error); }

// The kernel's device number of a file (MKDEV: 12 bits major, 20 bits minor).
uint64_t kernel_dev(dev_t dev) { return (uint64_t{major(dev)} << 20) | minor(dev); }

}  // namespace

std::string cgroup2_root() {
  std::ifstream in("/proc/self/mounts");
  std::string device, path, type;
  std::string rest;
  while (in >> device >> path >> type && std::getline(in, rest)) {
    if (type == "cgroup2") return path;
  }
  return {};
}

struct KernelAuthorizer::Bpf {
  bpf_object* object = nullptr;
  std::vector<bpf_link*> links;
  ring_buffer* ring = nullptr;
  int cgroup = -1;
  int rules = -1, settings = -1, active = -1, apps = -1, stats = -1, events = -1;
  ~Bpf() {
    if (ring != nullptr) ring_buffer__free(ring);
    for (bpf_link* l : links) bpf_link__destroy(l);
    if (object != nullptr) bpf_object__close(object);
    if (cgroup >= 0) ::close(cgroup);
  }
};

int authorizer_ring_callback(void* context, void* data, size_t size) {
  static_cast<KernelAuthorizer*>(context)->on_event(data, size);
  return 0;
}

KernelAuthorizer::KernelAuthorizer(Engine& engine, const KernelAuthorizerConfig& config)
    : engine_(engine), config_(config), recorder_(config.recorder) {}

KernelAuthorizer::~KernelAuthorizer() { stop(); }

bool KernelAuthorizer::open(Engine& engine, const KernelAuthorizerConfig& config,
                            std::unique_ptr<KernelAuthorizer>* out, std::string* error) {
  std::unique_ptr<KernelAuthorizer> a(new KernelAuthorizer(engine, config));
  a->bpf_ = std::make_unique<Bpf>();
  Bpf& b = *a->bpf_;

  std::string cgroup = config.cgroup.empty() ? cgroup2_root() : config.cgroup;
  if (cgroup.empty()) {
    *error = "eBPF: no cgroup v2 hierarchy is mounted (mount -t cgroup2 none /sys/fs/cgroup)";
    return false;
  }
  a->status_.cgroup = cgroup;
  b.cgroup = ::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct statfs fs {};
  if (b.cgroup < 0 || ::fstatfs(b.cgroup, &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
    *error = "eBPF: " + cgroup + " is not a cgroup v2 directory" + (b.cgroup < 0 ? " (" + errno_text(errno) + ")" : "");
    return false;
  }
  const int probe = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  socklen_t length = sizeof a->netnsCookie_;
  const bool cookie = probe >= 0 && ::getsockopt(probe, SOL_SOCKET, SO_NETNS_COOKIE, &a->netnsCookie_, &length) == 0;
  if (probe >= 0) ::close(probe);
  if (!cookie) {
    *error = "eBPF: the kernel does not tell a network namespace's cookie (SO_NETNS_COOKIE needs Linux 5.14)";
    return false;
  }

  std::string log;
  libbpf_log = &log;
  libbpf_set_print(libbpf_print);
  bpf_object_open_opts options{};
  options.sz = sizeof options;
  options.object_name = "openwfp_authorize";
  b.object = bpf_object__open_mem(authorize_bpf_object, authorize_bpf_object_size, &options);
  if (b.object == nullptr) {
    *error = "eBPF: the programs could not be opened: " + errno_text(errno) + "\n" + log;
    libbpf_log = nullptr;
    return false;
  }
  if (const int rc = bpf_object__load(b.object); rc != 0) {
    *error = "eBPF: the kernel refused the programs (" + errno_text(rc) +
             "; they need CAP_BPF and CAP_PERFMON or root, BTF at /sys/kernel/btf/vmlinux, Linux 5.17 or later)\n" +
             log;
    libbpf_log = nullptr;
    return false;
  }
  libbpf_log = nullptr;
  auto map_fd = [&](const char* name) { return bpf_map__fd(bpf_object__find_map_by_name(b.object, name)); };
  b.rules = map_fd("rules");
  b.settings = map_fd("settings");
  b.active = map_fd("active_copy");
  b.apps = map_fd("apps");
  b.stats = map_fd("stats");
  b.events = map_fd("events");
  if (b.rules < 0 || b.settings < 0 || b.active < 0 || b.apps < 0 || b.stats < 0 || b.events < 0) {
    *error = "eBPF: the program object lacks a map";
    return false;
  }
  b.ring = ring_buffer__new(b.events, authorizer_ring_callback, a.get(), nullptr);
  if (b.ring == nullptr) {
    *error = "eBPF: the event ring could not be opened: " + errno_text(errno);
    return false;
  }
  // The first rules are in place before any program runs.
  if (!a->publish(error)) return false;
  for (const char* name : kPrograms) {
    bpf_program* p = bpf_object__find_program_by_name(b.object, name);
    bpf_link* link = p != nullptr ? bpf_program__attach_cgroup(p, b.cgroup) : nullptr;
    if (link == nullptr) {
      *error = std::string("eBPF: attaching ") + name + " to " + cgroup + " failed: " + errno_text(errno);
      return false;  // the links made so far go with `a`
    }
    b.links.push_back(link);
  }
  *out = std::move(a);
  return true;
}

uint32_t KernelAuthorizer::stable_app(const std::string& path) {
  const auto it = appIndex_.find(path);
  if (it != appIndex_.end()) return it->second;
  appPaths_.push_back(path);
  const uint32_t index = static_cast<uint32_t>(appPaths_.size());
  appIndex_.emplace(path, index);
  return index;
}

bool KernelAuthorizer::publish(std::string* error) {
  Bpf& b = *bpf_;
  const uint64_t number = engine_.generation();
  const std::unique_ptr<engine::Generation> gen =
      engine::build_generation(engine_.snapshot(), number, ClassifierKind::LINEAR);
  AuthorizeProgram program = compile_authorization(*gen, config_.maxRules);

  // Apps: stable indices, and the files of those found (files_of); a path
  // with no file is listed and matches nothing.
  std::vector<uint32_t> remap(program.apps.size() + 1, OWFP_APP_ANY);
  for (size_t i = 0; i < program.apps.size(); ++i) remap[i + 1] = stable_app(program.apps[i]);
  uint32_t resolved = 0;
  AppFiles files = files_of(program.apps, &resolved);
  for (const auto& [file, index] : files) {
    const owfp_app_key key{file.first, file.second};
    if (bpf_map_update_elem(b.apps, &key, &index, BPF_ANY) != 0) {
      *error = "eBPF: the apps map is full (" + errno_text(errno) + ")";
      return false;
    }
  }

  const uint32_t next = active_ ^ 1u;
  owfp_settings settings{};
  const uint32_t zero = 0;
  if (bpf_map_lookup_elem(b.settings, &zero, &settings) != 0) settings = owfp_settings{};
  settings.netns_cookie = netnsCookie_;
  KernelAuthorizerStatus layers;
  for (uint32_t slot = 0; slot < OWFP_SLOTS; ++slot) {
    AuthorizeLayer& l = program.layers[slot];
    for (size_t i = 0; i < l.rules.size(); ++i) {
      owfp_rule r = l.rules[i];
      r.app = remap[r.app];
      const uint32_t index = (next * OWFP_SLOTS + slot) * OWFP_MAX_RULES + static_cast<uint32_t>(i);
      if (bpf_map_update_elem(b.rules, &index, &r, BPF_ANY) != 0) {
        *error = "eBPF: writing a rule failed: " + errno_text(errno);
        return false;
      }
    }
    settings.count[next][slot] = static_cast<uint32_t>(l.rules.size());
    settings.decided[next][slot] = l.decided ? 1u : 0u;
    layers.layers[slot] = KernelLayerStatus{std::string(authorize_layer(slot).name), l.decided, l.reason,
                                            static_cast<uint32_t>(l.rules.size())};
  }
  if (bpf_map_update_elem(b.settings, &zero, &settings, BPF_ANY) != 0 ||
      bpf_map_update_elem(b.active, &zero, &next, BPF_ANY) != 0) {
    *error = "eBPF: publishing the rules failed: " + errno_text(errno);
    return false;
  }
  active_ = next;
  // Files no rule names any more go after the flip.
  for (const auto& [file, index] : appFiles_) {
    if (files.count(file) == 0) {
      const owfp_app_key key{file.first, file.second};
      (void)bpf_map_delete_elem(b.apps, &key);
    }
  }
  appFiles_ = std::move(files);
  publishedApps_ = program.apps;
  publishedGeneration_ = number;

  std::lock_guard<std::mutex> lock(mutex_);
  status_.generation = number;
  ++status_.publishes;
  status_.layers = layers.layers;
  status_.apps = static_cast<uint32_t>(program.apps.size());
  status_.appsResolved = resolved;
  return true;
}

void KernelAuthorizer::on_event(const void* data, size_t size) {
  if (size < sizeof(owfp_event)) return;
  owfp_event k;
  std::memcpy(&k, data, sizeof k);
  events::NetEvent e;
  e.type = events::NetEventType::CLASSIFY_DROP;
  const uint32_t slot = k.slot % OWFP_SLOTS;
  const bool v6 = slot == OWFP_SLOT_CONNECT_V6 || slot == OWFP_SLOT_BIND_V6;
  const bool bind = slot >= OWFP_SLOT_BIND_V4;
  e.ipVersion = v6 ? 6 : 4;
  e.ipProtocol = k.protocol;
  e.timeUs = events::wall_clock_us();
  e.layerId = authorize_layer(slot).id;
  e.filterId = k.filter_id;
  e.userId = k.uid;
  e.flags = events::NET_EVENT_FLAG_IP_VERSION_SET | events::NET_EVENT_FLAG_IP_PROTOCOL_SET |
            events::NET_EVENT_FLAG_USER_ID_SET;
  if (bind) {
    std::memcpy(e.localAddr, k.addr, sizeof e.localAddr);
    e.localPort = k.port;
    e.flags |= events::NET_EVENT_FLAG_LOCAL_ADDR_SET | events::NET_EVENT_FLAG_LOCAL_PORT_SET;
  } else {
    std::memcpy(e.remoteAddr, k.addr, sizeof e.remoteAddr);
    e.remotePort = k.port;
    e.direction = FWP_DIRECTION_OUTBOUND;
    e.flags |= events::NET_EVENT_FLAG_REMOTE_ADDR_SET | events::NET_EVENT_FLAG_REMOTE_PORT_SET |
               events::NET_EVENT_FLAG_DIRECTION_SET;
  }
  // The executable: one the rules name, else what /proc says of the process.
  std::string application;
  const auto it = appFiles_.find({k.exe_dev, k.exe_ino});
  if (it != appFiles_.end()) {
    application = appPaths_[it->second - 1];
  } else {
    char path[PATH_MAX];
    const std::string link = "/proc/" + std::to_string(k.pid) + "/exe";
    const ssize_t n = ::readlink(link.c_str(), path, sizeof path - 1);
    if (n > 0) application.assign(path, static_cast<size_t>(n));
  }
  if (!application.empty()) {
    std::snprintf(e.application, sizeof e.application, "%s", application.c_str());
    e.flags |= events::NET_EVENT_FLAG_APP_ID_SET;
  }
  recorder_.count_decision(k.filter_id, false);
  const bool kept = recorder_.ring().push(e);
  std::lock_guard<std::mutex> lock(mutex_);
  ++status_.events;
  if (!kept) ++status_.eventsDropped;
}

void KernelAuthorizer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void KernelAuthorizer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (bpf_ == nullptr) return;
  // The links go: the programs are detached (the maps stay for status()).
  for (bpf_link* l : bpf_->links) bpf_link__destroy(l);
  bpf_->links.clear();
}

KernelAuthorizer::AppFiles KernelAuthorizer::files_of(const std::vector<std::string>& paths,
                                                      uint32_t* resolved) const {
  AppFiles files;
  for (const std::string& path : paths) {
    char real[PATH_MAX];
    struct stat st {};
    if (::realpath(path.c_str(), real) != nullptr && path == real && ::stat(real, &st) == 0) {
      files[{kernel_dev(st.st_dev), uint64_t{st.st_ino}}] = appIndex_.at(path);
      ++*resolved;
    }
  }
  return files;
}

bool KernelAuthorizer::files_changed() const {
  uint32_t resolved = 0;
  return files_of(publishedApps_, &resolved) != appFiles_;
}

void KernelAuthorizer::run() {
  auto last_files = std::chrono::steady_clock::now();
  while (!stopping_) {
    (void)ring_buffer__poll(bpf_->ring, 50);
    const auto now = std::chrono::steady_clock::now();
    // A new generation, or once a second (an executable may have been
    // installed or replaced: its file is another).
    bool due = engine_.generation() != publishedGeneration_;
    if (now - last_files >= std::chrono::seconds(1)) {
      last_files = now;
      due = due || files_changed();
    }
    if (due) {
      std::string error;
      if (!publish(&error)) std::fprintf(stderr, "wfpd: %s\n", error.c_str());
    }
  }
  (void)ring_buffer__consume(bpf_->ring);
}

KernelAuthorizerStatus KernelAuthorizer::status() const {
  KernelAuthorizerStatus s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s = status_;
  }
  if (bpf_ == nullptr) return s;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return s;
  std::vector<uint64_t> values(static_cast<size_t>(cpus));
  for (uint32_t i = 0; i < OWFP_STATS; ++i) {
    if (bpf_map_lookup_elem(bpf_->stats, &i, values.data()) != 0) continue;
    uint64_t sum = 0;
    for (const uint64_t v : values) sum += v;
    s.counters[i] = sum;
  }
  return s;
}

}  // namespace openwfp::live
