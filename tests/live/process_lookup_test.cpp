// Who owns a local endpoint: sock_diag and /proc on this process's own
// sockets on loopback (no root needed).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "live/process_lookup.hpp"

namespace openwfp::live {
namespace {

uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

flow::FlowKey key(uint8_t protocol, uint16_t localPort, uint16_t remotePort, uint32_t remote = 0x7f000001) {
  flow::FlowKey k;
  k.ipVersion = 4;
  k.protocol = protocol;
  flow::put_v4(&k.local, 0x7f000001);
  flow::put_v4(&k.remote, remote);
  k.localPort = localPort;
  k.remotePort = remotePort;
  return k;
}

std::string self_exe() {
  char path[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

std::string app_of(const stack::EndpointOwner& o) {
  return o.appId == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(o.appId->data), o.appId->size);
}

class ProcessLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessLookupConfig c;
    c.rescanIntervalUs = 0;  // every miss may scan
    lookup_ = std::make_unique<ProcessLookup>(c);
    std::string error;
    ASSERT_TRUE(lookup_->open(&error)) << error;
  }
  void TearDown() override {
    for (int fd : fds_) ::close(fd);
  }
  int keep(int fd) {
    fds_.push_back(fd);
    return fd;
  }
  // A TCP connection on loopback; its client's and server's ports.
  void connection(uint16_t* client, uint16_t* server) {
    const int listener = keep(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    *server = port_of(listener);
    a.sin_port = htons(*server);
    const int c = keep(::socket(AF_INET, SOCK_STREAM, 0));
    ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    *client = port_of(c);
  }
  std::unique_ptr<ProcessLookup> lookup_;
  std::vector<int> fds_;
};

TEST_F(ProcessLookupTest, FindsThisProcessBehindATcpConnectionAndItsListener) {
  uint16_t client = 0, server = 0;
  connection(&client, &server);
  const uint32_t i = lookup_->find(key(6, client, server), true);
  ASSERT_NE(i, stack::EndpointOwners::kUnknown);
  const stack::EndpointOwner& o = lookup_->owner(i);
  EXPECT_EQ(o.processId, static_cast<uint64_t>(::getpid()));
  EXPECT_EQ(app_of(o), self_exe());
  ASSERT_NE(o.user, nullptr);
  EXPECT_EQ(o.user->uid, ::getuid());
  EXPECT_EQ(o.user->gid, ::getgid());
  // The listener answers for a connection it has not accepted yet (a SYN's
  // owner at ALE_AUTH_RECV_ACCEPT): another remote port, same local one.
  const uint32_t l = lookup_->find(key(6, server, 50999), false);
  ASSERT_NE(l, stack::EndpointOwners::kUnknown);
  EXPECT_EQ(l, i) << "one owner entry per process, executable and user";
  EXPECT_EQ(lookup_->stats().found, 2u);
}

TEST_F(ProcessLookupTest, FindsAnUnconnectedUdpSocketForAnyRemote) {
  const int u = keep(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const uint32_t i = lookup_->find(key(17, port_of(u), 5353, 0x7f000002), true);
  ASSERT_NE(i, stack::EndpointOwners::kUnknown);
  EXPECT_EQ(lookup_->owner(i).processId, static_cast<uint64_t>(::getpid()));
}

TEST_F(ProcessLookupTest, NoSocketIsUnknownAndAClosedSocketIsNoticed) {
  EXPECT_EQ(lookup_->find(key(6, 1, 2), true), stack::EndpointOwners::kUnknown);
  EXPECT_EQ(lookup_->stats().noSocket, 1u);
  uint16_t client = 0, server = 0;
  connection(&client, &server);
  ASSERT_NE(lookup_->find(key(6, client, server), true), stack::EndpointOwners::kUnknown);
  const uint64_t scans = lookup_->stats().scans;
  // Asked again: the cached holder is checked, not scanned for.
  ASSERT_NE(lookup_->find(key(6, client, server), true), stack::EndpointOwners::kUnknown);
  EXPECT_EQ(lookup_->stats().scans, scans);
  for (int fd : fds_) ::close(fd);
  fds_.clear();
  EXPECT_EQ(lookup_->find(key(6, client, server), true), stack::EndpointOwners::kUnknown);
}

}  // namespace
}  // namespace openwfp::live
