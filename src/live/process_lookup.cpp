#include "live/process_lookup.hpp"

// The C library's network headers before the kernel's.
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
extern "C" {
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
}

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace openwfp::live {

namespace {

constexpr uint8_t kTcp = 6, kUdp = 17;

uint64_t monotonic_us() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

// The inode of a "socket:[N]" link, or 0.
uint64_t socket_inode(const char* link, ssize_t n) noexcept {
  if (n < 10 || std::strncmp(link, "socket:[", 8) != 0) return 0;
  return std::strtoull(link + 8, nullptr, 10);
}

bool all_digits(const char* s) noexcept {
  if (*s == '\0') return false;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

}  // namespace

ProcessLookup::ProcessLookup(const ProcessLookupConfig& config) : config_(config) {}

ProcessLookup::~ProcessLookup() {
  if (socket_ >= 0) ::close(socket_);
}

bool ProcessLookup::open(std::string* error) {
  socket_ = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (socket_ < 0) {
    *error = std::string("NETLINK_SOCK_DIAG socket: ") + std::strerror(errno);
    return false;
  }
  timeval timeout{0, 200000};  // an answer comes at once; never wait long on the data path
  (void)::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return true;
}

bool ProcessLookup::diag(const flow::FlowKey& key, bool swapped, uint32_t* uid, uint64_t* inode) noexcept {
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } request{};
  request.nlh.nlmsg_len = sizeof request;
  request.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  request.nlh.nlmsg_flags = NLM_F_REQUEST;
  request.nlh.nlmsg_seq = ++sequence_;
  request.req.sdiag_family = key.ipVersion == 6 ? AF_INET6 : AF_INET;
  request.req.sdiag_protocol = key.protocol;
  request.req.idiag_states = ~0u;
  const size_t bytes = key.ipVersion == 6 ? 16 : 4;
  const ByteArray16& src = swapped ? key.remote : key.local;
  const ByteArray16& dst = swapped ? key.local : key.remote;
  request.req.id.idiag_sport = htons(swapped ? key.remotePort : key.localPort);
  request.req.id.idiag_dport = htons(swapped ? key.localPort : key.remotePort);
  std::memcpy(request.req.id.idiag_src, src.byteArray16, bytes);
  std::memcpy(request.req.id.idiag_dst, dst.byteArray16, bytes);
  request.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  request.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(socket_, &request, sizeof request, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0) {
    ++stats_.diagErrors;
    return false;
  }
  alignas(nlmsghdr) char answer[8192];
  for (;;) {
    const ssize_t n = ::recv(socket_, answer, sizeof answer, 0);
    if (n < 0) {
      ++stats_.diagErrors;
      return false;
    }
    auto left = static_cast<size_t>(n);
    for (size_t at = 0; left >= sizeof(nlmsghdr);) {
      const auto* h = reinterpret_cast<const nlmsghdr*>(answer + at);
      if (h->nlmsg_len < sizeof(nlmsghdr) || h->nlmsg_len > left) break;
      const size_t step = std::min<size_t>(left, (h->nlmsg_len + 3u) & ~size_t{3});
      at += step;
      left -= step;
      if (h->nlmsg_seq != sequence_) continue;  // a late answer to an earlier question
      if (h->nlmsg_type == NLMSG_ERROR) return false;  // ENOENT: no such socket
      if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
        const auto* m = reinterpret_cast<const inet_diag_msg*>(reinterpret_cast<const char*>(h) + NLMSG_HDRLEN);
        *uid = m->idiag_uid;
        *inode = m->idiag_inode;
        return true;
      }
      if (h->nlmsg_type == NLMSG_DONE) return false;
    }
  }
}

bool ProcessLookup::socket_of(const flow::FlowKey& key, uint32_t* uid, uint64_t* inode) noexcept {
  if (socket_ < 0 || (key.protocol != kTcp && key.protocol != kUdp)) return false;
  // TCP's exact lookup takes the local side as the source; UDP's the remote
  // (the kernel's historical order); each is tried the other way too.
  const bool udp = key.protocol == kUdp;
  return diag(key, udp, uid, inode) || diag(key, !udp, uid, inode);
}

bool ProcessLookup::still_holds(const Holder& h, uint64_t inode) const noexcept {
  char path[96], link[64];
  std::snprintf(path, sizeof path, "%s/%u/fd/%u", config_.procRoot.c_str(), h.pid, h.fd);
  const ssize_t n = ::readlink(path, link, sizeof link - 1);
  if (n <= 0) return false;
  link[n] = '\0';
  return socket_inode(link, n) == inode;
}

void ProcessLookup::scan() noexcept {
  ++stats_.scans;
  inodes_.clear();
  DIR* proc = ::opendir(config_.procRoot.c_str());
  if (proc == nullptr) return;
  char path[1024], link[64];
  while (const dirent* p = ::readdir(proc)) {
    if (!all_digits(p->d_name)) continue;
    std::snprintf(path, sizeof path, "%s/%s/fd", config_.procRoot.c_str(), p->d_name);
    DIR* fds = ::opendir(path);
    if (fds == nullptr) continue;  // gone, or not ours to read
    const auto pid = static_cast<uint32_t>(std::strtoul(p->d_name, nullptr, 10));
    while (const dirent* f = ::readdir(fds)) {
      if (!all_digits(f->d_name)) continue;
      std::snprintf(path, sizeof path, "%s/%s/fd/%s", config_.procRoot.c_str(), p->d_name, f->d_name);
      const ssize_t n = ::readlink(path, link, sizeof link - 1);
      if (n <= 0) continue;
      link[n] = '\0';
      const uint64_t inode = socket_inode(link, n);
      if (inode == 0 || inodes_.size() >= config_.maxInodes) continue;
      // The first holder found keeps it (a socket shared after fork: the parent, usually).
      inodes_.emplace(inode, Holder{pid, static_cast<uint32_t>(std::strtoul(f->d_name, nullptr, 10))});
    }
    ::closedir(fds);
  }
  ::closedir(proc);
}

bool ProcessLookup::holder_of(uint64_t inode, Holder* out, uint64_t nowUs) noexcept {
  auto it = inodes_.find(inode);
  if (it != inodes_.end() && still_holds(it->second, inode)) {
    *out = it->second;
    return true;
  }
  if (lastScanUs_ != 0 && nowUs - lastScanUs_ < config_.rescanIntervalUs) {
    ++stats_.scansSkipped;
    return false;
  }
  lastScanUs_ = nowUs;
  scan();
  it = inodes_.find(inode);
  if (it == inodes_.end()) return false;
  *out = it->second;
  return true;
}

const ByteBlob* ProcessLookup::app(const std::string& path) noexcept {
  const auto it = appIndex_.find(path);
  if (it != appIndex_.end()) return it->second;
  if (appPaths_.size() >= config_.maxApps) return nullptr;
  const std::string& kept = appPaths_.emplace_back(path);
  ByteBlob& blob = appBlobs_.emplace_back();
  blob.size = static_cast<uint32_t>(kept.size());
  blob.data = reinterpret_cast<const uint8_t*>(kept.data());
  appIndex_.emplace(kept, &blob);
  return &blob;
}

const TokenAccessInformation* ProcessLookup::user(uint32_t uid, uint32_t pid) noexcept {
  // The process's primary group and groups, from its status file.
  uint32_t gid = 0;
  std::vector<uint32_t> groups;
  if (pid != 0) {
    std::ifstream status(config_.procRoot + "/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("Gid:", 0) == 0) {
        gid = static_cast<uint32_t>(std::strtoul(line.c_str() + 4, nullptr, 10));
      } else if (line.rfind("Groups:", 0) == 0) {
        std::istringstream in(line.substr(7));
        for (uint32_t g; in >> g;) groups.push_back(g);
      }
    }
  }
  const auto it = userIndex_.find({uid, gid});
  if (it != userIndex_.end()) return it->second;
  if (users_.size() >= config_.maxUsers) return nullptr;
  const std::vector<uint32_t>& kept = userGroups_.emplace_back(std::move(groups));
  TokenAccessInformation& t = users_.emplace_back();
  t.uid = uid;
  t.gid = gid;
  t.groupCount = static_cast<uint32_t>(kept.size());
  t.groups = kept.data();
  userIndex_.emplace(std::make_pair(uid, gid), &t);
  return &t;
}

uint32_t ProcessLookup::find(const flow::FlowKey& key, bool /*outbound*/) noexcept {
  ++stats_.lookups;
  uint32_t uid = 0;
  uint64_t inode = 0;
  if (!socket_of(key, &uid, &inode) || inode == 0) {  // none, or orphaned (TIME_WAIT, closing): no owner
    ++stats_.noSocket;
    return kUnknown;
  }
  Holder h;
  const ByteBlob* exe = nullptr;
  if (inode != 0 && holder_of(inode, &h, monotonic_us())) {
    char path[96], target[4096];
    std::snprintf(path, sizeof path, "%s/%u/exe", config_.procRoot.c_str(), h.pid);
    const ssize_t n = ::readlink(path, target, sizeof target - 1);
    if (n > 0) exe = app(std::string(target, static_cast<size_t>(n)));
  } else {
    h = Holder{};
  }
  if (exe == nullptr) {
    ++stats_.noProcess;
  } else {
    ++stats_.found;
  }
  const TokenAccessInformation* u = user(uid, h.pid);
  const auto k = std::make_tuple(h.pid, exe, u);
  const auto it = ownerIndex_.find(k);
  if (it != ownerIndex_.end()) return it->second;
  if (owners_.size() >= config_.maxOwners) {
    ++stats_.ownersFull;
    return kUnknown;
  }
  owners_.push_back(stack::EndpointOwner{h.pid, exe, u});
  const auto index = static_cast<uint32_t>(owners_.size() - 1);
  ownerIndex_.emplace(k, index);
  return index;
}

const stack::EndpointOwner& ProcessLookup::owner(uint32_t index) const noexcept { return owners_[index]; }

}  // namespace openwfp::live
