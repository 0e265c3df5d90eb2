// Who owns a local endpoint on this machine, for ALE_APP_ID, ALE_USER_ID
// and the process metadata: the socket's user and inode from
// NETLINK_SOCK_DIAG (an exact lookup by the flow's 5-tuple, about 10 us),
// then the process holding that inode from /proc (its pid, executable and
// groups). One per worker, used on its thread only; asked once per new flow.
//
// Caches, each with a cap and a counter:
//   inode -> (pid, fd)   filled by a scan of /proc/*/fd when an inode is
//                        missing (at most one scan per `rescanIntervalUs`);
//                        an entry is checked on use (/proc/PID/fd/FD must
//                        still be that socket), so a process that exited or
//                        closed the socket is noticed and scanned for again
//   owners               (pid, executable, user) entries flows refer to by
//                        index; never reused (a flow may outlive its
//                        process), at most maxOwners, then owners are unknown
//   executables, users   interned paths and credentials (maxApps, maxUsers)
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "stack/endpoint_owners.hpp"

namespace openwfp::live {

struct ProcessLookupConfig {
  uint32_t maxOwners = 65536;
  uint32_t maxApps = 4096;
  uint32_t maxUsers = 1024;
  uint32_t maxInodes = 262144;        // inode -> process entries kept from a scan
  uint64_t rescanIntervalUs = 20000;  // /proc scans at most this often
  std::string procRoot = "/proc";
};

struct ProcessLookupStats {
  uint64_t lookups = 0;
  uint64_t found = 0;          // owner known (process and executable)
  uint64_t noSocket = 0;       // sock_diag knows no such socket (it closed, or a raw/other socket)
  uint64_t noProcess = 0;      // the socket has no process (yet) in /proc: the user is still known
  uint64_t scans = 0;          // /proc scans
  uint64_t scansSkipped = 0;   // a scan was due but the last one was too recent
  uint64_t ownersFull = 0;     // the owner table was full
  uint64_t diagErrors = 0;
};

class ProcessLookup final : public stack::EndpointOwners {
 public:
  explicit ProcessLookup(const ProcessLookupConfig& config = {});
  ~ProcessLookup() override;
  ProcessLookup(const ProcessLookup&) = delete;
  ProcessLookup& operator=(const ProcessLookup&) = delete;

  // Opens the sock_diag socket; false with `error`.
  bool open(std::string* error);

  uint32_t find(const flow::FlowKey& key, bool outbound) noexcept override;
  const stack::EndpointOwner& owner(uint32_t index) const noexcept override;
  const ProcessLookupStats& stats() const noexcept { return stats_; }

  // The socket's user and inode from sock_diag (tests).
  bool socket_of(const flow::FlowKey& key, uint32_t* uid, uint64_t* inode) noexcept;

 private:
  struct Holder {
    uint32_t pid = 0;
    uint32_t fd = 0;
  };
  bool diag(const flow::FlowKey& key, bool swapped, uint32_t* uid, uint64_t* inode) noexcept;
  bool holder_of(uint64_t inode, Holder* out, uint64_t nowUs) noexcept;
  bool still_holds(const Holder& h, uint64_t inode) const noexcept;
  void scan() noexcept;
  const ByteBlob* app(const std::string& path) noexcept;
  const TokenAccessInformation* user(uint32_t uid, uint32_t pid) noexcept;

  ProcessLookupConfig config_;
  int socket_ = -1;
  uint32_t sequence_ = 0;
  uint64_t lastScanUs_ = 0;
  std::unordered_map<uint64_t, Holder> inodes_;
  std::deque<stack::EndpointOwner> owners_;
  std::map<std::tuple<uint32_t, const ByteBlob*, const TokenAccessInformation*>, uint32_t> ownerIndex_;
  std::deque<std::string> appPaths_;
  std::deque<ByteBlob> appBlobs_;
  std::unordered_map<std::string, const ByteBlob*> appIndex_;
  std::deque<TokenAccessInformation> users_;
  std::deque<std::vector<uint32_t>> userGroups_;
  std::map<std::pair<uint32_t, uint32_t>, const TokenAccessInformation*> userIndex_;
  ProcessLookupStats stats_;
};

}  // namespace openwfp::live
