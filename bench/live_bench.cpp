// openwfp-live-bench: packets per second and added latency through
// `wfpd --live` with N filters, beside the raw accept-everything NFQUEUE
// loop and no queue at all, measured in the same run between two network
// namespaces the benchmark makes (and removes). Root only.
//
// Each mode: a sender in one namespace sends 64-byte UDP datagrams as fast
// as it can for --seconds; a receiver in the other counts what arrives
// (rate = received / seconds); then a UDP ping-pong of --pings round trips
// gives the median and 99th percentile round-trip time. The queue modes run
// fail-closed, so a packet the queue cannot take is dropped, not passed
// uninspected, and every packet counted went through the queue.
//
//   raw    the peer: openwfp's queue reader (live/nfqueue.hpp: recvmmsg,
//          batched verdicts) accepting everything, nothing classified, on
//          the same hooks as wfpd (INPUT and OUTPUT, one queue)
//   wfpd   wfpd --live, the same reader, every packet through the stack
//          and the engine with --filters filters (none matching the traffic,
//          the worst case), 90% at the ALE layers, the rest at packet layers

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "live/nfqueue.hpp"
#include "wfpd_driver.hpp"
#include "support/netns.hpp"

namespace {

using namespace openwfp::live;
using namespace openwfp::live::test;
using nlohmann::json;

constexpr const char* kSender = "10.233.0.1";
constexpr const char* kReceiver = "10.233.0.2";
constexpr uint16_t kPort = 7000;

// Sends 64-byte datagrams from `flows` source ports for `seconds`.
int blast(double seconds, int flows) {
  std::vector<int> fds;
  sockaddr_storage to{};
  socklen_t len = 0;
  address(kReceiver, kPort, &to, &len);
  for (int i = 0; i < flows; ++i) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&to), len);
    fds.push_back(fd);
  }
  char payload[64] = {};
  constexpr unsigned kBurst = 32;
  mmsghdr msgs[kBurst];
  iovec iov[kBurst];
  for (unsigned i = 0; i < kBurst; ++i) {
    iov[i] = {payload, sizeof payload};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  size_t k = 0;
  while (std::chrono::steady_clock::now() < end) {
    for (int j = 0; j < 16; ++j) (void)::sendmmsg(fds[k++ % fds.size()], msgs, kBurst, MSG_DONTWAIT);
  }
  return 0;
}

// Counts datagrams for `seconds` after the first; writes the count to `out`.
int count(double seconds, const std::string& out) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int size = 8 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  sockaddr_storage at{};
  socklen_t len = 0;
  address("0.0.0.0", kPort, &at, &len);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&at), len) != 0) return 3;
  constexpr unsigned kBurst = 64;
  char buffers[kBurst][128];
  mmsghdr msgs[kBurst];
  iovec iov[kBurst];
  for (unsigned i = 0; i < kBurst; ++i) {
    iov[i] = {buffers[i], sizeof buffers[i]};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t n = 0;
  timespec wait{2, 0};
  std::chrono::steady_clock::time_point end{};
  for (;;) {
    const int got = ::recvmmsg(fd, msgs, kBurst, 0, &wait);
    const auto now = std::chrono::steady_clock::now();
    if (got > 0) {
      if (n == 0) end = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
      n += static_cast<uint64_t>(got);
    }
    if (n > 0 && now >= end) break;
    if (got <= 0 && n == 0) break;  // nothing came
    wait = {0, 100'000'000};
  }
  std::ofstream(out) << n;
  return 0;
}

// Round trips of one datagram; writes their times (us) to `out`.
int ping(int rounds, const std::string& out) {
  sockaddr_storage to{};
  socklen_t len = 0;
  address(kReceiver, kPort + 1, &to, &len);
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ::connect(fd, reinterpret_cast<sockaddr*>(&to), len);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::ofstream times(out);
  char b[64] = {}, answer[128];  // the answer is "echo:" and the datagram (udp_echo_on)
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (::send(fd, b, sizeof b, 0) < 0 || ::recv(fd, answer, sizeof answer, 0) < 0) continue;
    times << std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() << "\n";
  }
  return 0;
}

// The peer: accept everything, batched verdicts, nothing else.
int raw_loop(uint16_t queueNumber) {
  QueueConfig c;
  c.number = queueNumber;
  c.failOpen = false;
  std::unique_ptr<Queue> q;
  std::string error;
  if (!Queue::open(c, &q, &error)) {
    std::fprintf(stderr, "raw loop: %s\n", error.c_str());
    return 4;
  }
  QueuedPacket pkts[64];
  for (;;) {
    const size_t n = q->receive(pkts, 64, 1000);
    if (n == 0) continue;
    q->verdict_up_to(pkts[n - 1].id, kVerdictAccept);
    q->flush();
  }
}

std::string policy_json(uint32_t n) {
  static const char* ale[] = {"ALE_AUTH_CONNECT_V4", "ALE_AUTH_RECV_ACCEPT_V4"};
  static const char* packet[] = {"OUTBOUND_TRANSPORT_V4", "INBOUND_TRANSPORT_V4", "INBOUND_IPPACKET_V4",
                                 "OUTBOUND_IPPACKET_V4"};
  std::mt19937 rng(1);
  json filters = json::array();
  for (uint32_t i = 0; i < n; ++i) {
    const bool atAle = i % 10 != 0;
    const std::string layer = atAle ? ale[i % 2] : packet[i % 4];
    json conditions = json::array();
    conditions.push_back({{"field", "IP_REMOTE_ADDRESS"},
                          {"value", "172." + std::to_string(16 + rng() % 16) + "." + std::to_string(rng() % 256) + ".0/24"}});
    if (layer.find("IPPACKET") == std::string::npos) {
      conditions.push_back({{"field", "IP_REMOTE_PORT"}, {"value", 1 + rng() % 1023}});
    }
    filters.push_back({{"name", "bench " + std::to_string(i)},
                       {"layer", layer},
                       {"weight", i},
                       {"conditions", conditions},
                       {"action", "BLOCK"}});
  }
  return json{{"filters", filters}}.dump();
}

struct Result {
  std::string mode;
  double pps = 0;
  double medianUs = 0, p99Us = 0;
  uint64_t queued = 0;  // wfpd: packets its queues took (the check that traffic went through it)
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"openwfp-live-bench: wfpd --live beside the raw NFQUEUE loop, between two namespaces (root)"};
  double seconds = 3;
  int flows = 16, pings = 2000, repeat = 1;
  uint32_t filters = 10000;
  std::string wfpd = OPENWFP_WFPD;
  bool asJson = false;
  app.add_option("--seconds", seconds, "sending time per mode (default 3)");
  app.add_option("--flows", flows, "UDP flows (source ports) the sender uses (default 16)");
  app.add_option("--pings", pings, "round trips for the latency (default 2000)");
  app.add_option("--filters", filters, "filters in wfpd's policy (default 10000)");
  app.add_option("--repeat", repeat, "runs of every mode, interleaved; the best rate and latency are kept (default 1)");
  app.add_option("--wfpd", wfpd, "the wfpd binary");
  app.add_flag("--json", asJson, "print JSON");
  CLI11_PARSE(app, argc, argv);
  if (!is_root()) {
    std::fprintf(stderr, "openwfp-live-bench: needs root (namespaces, netfilter, NFQUEUE)\n");
    return 2;
  }
  Netns s(unique_name("bs")), r(unique_name("br"));
  if (!s.ok() || !r.ok() || !link(s, "bs0", kSender, "fd00:233::1", r, "br0", kReceiver, "fd00:233::2")) {
    std::fprintf(stderr, "openwfp-live-bench: could not make the namespaces\n");
    return 1;
  }
  char dir[] = "/tmp/openwfp-live-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  const std::string work = dir;
  std::ofstream(work + "/policy.json") << policy_json(filters);
  Background pongServer(r.name(), [] { return udp_echo_on(kReceiver, kPort + 1); });

  auto measure = [&](const std::string& mode) {
    Result res{mode};
    std::unique_ptr<Background> consumer;
    pid_t daemon = -1;
    if (mode == "raw") {
      // The same hooks as wfpd's (in and out), so each round trip crosses the queue twice in both modes.
      r.run("iptables-nft -w -t mangle -A INPUT ! -i lo -j NFQUEUE --queue-num 5");
      r.run("iptables-nft -w -t mangle -A OUTPUT ! -o lo -j NFQUEUE --queue-num 5");
      consumer = std::make_unique<Background>(r.name(), [] { return raw_loop(5); });
    } else if (mode == "wfpd") {
      daemon = openwfp::bench::start_wfpd(wfpd, r.name(), work,
                                          {"--live", "--policy", work + "/policy.json", "--fail-mode", "closed"});
    }
    // Until traffic flows through this mode's path.
    for (int i = 0; i < 300 && in_netns(s.name(), [] { return udp_ok(kReceiver, kPort + 1, "x"); }) != 0;
         ++i) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(mode == "wfpd" ? 1500 : 300));
    const std::string counted = work + "/count";
    {
      Background receiver(r.name(), [&] { return count(seconds, counted); });
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      in_netns(s.name(), [&] { return blast(seconds + 0.5, flows); }, std::chrono::seconds(static_cast<int>(seconds) + 30));
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      // the receiver has written its count by now (it stops `seconds` after the first datagram)
      for (int i = 0; i < 100 && !std::ifstream(counted).good(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    uint64_t n = 0;
    std::ifstream(counted) >> n;
    std::remove(counted.c_str());
    res.pps = static_cast<double>(n) / seconds;
    const std::string times = work + "/times";
    in_netns(s.name(), [&] { return ping(pings, times); }, std::chrono::seconds(120));
    std::vector<double> rtts;
    std::ifstream in(times);
    for (double t; in >> t;) rtts.push_back(t);
    res.medianUs = percentile(rtts, 0.5);
    res.p99Us = percentile(rtts, 0.99);
    if (daemon > 0) {
      res.queued = openwfp::bench::queued(openwfp::bench::ask(work + "/wfpd.sock", "daemon.status"));
      openwfp::bench::stop_wfpd(daemon);
    }
    consumer.reset();
    if (mode == "raw") {
      r.run("iptables-nft -w -t mangle -F INPUT");
      r.run("iptables-nft -w -t mangle -F OUTPUT");
    }
    return res;
  };

  std::vector<Result> best;
  for (int round = 0; round < repeat; ++round) {
    size_t i = 0;
    for (const char* mode : {"none", "raw", "wfpd"}) {
      const Result x = measure(mode);
      if (round == 0) {
        best.push_back(x);
      } else {
        best[i].pps = std::max(best[i].pps, x.pps);
        best[i].medianUs = std::min(best[i].medianUs, x.medianUs);
        best[i].p99Us = std::min(best[i].p99Us, x.p99Us);
        best[i].queued = std::max(best[i].queued, x.queued);
      }
      ++i;
    }
  }
  std::filesystem::remove_all(work);
  const double raw = best[1].pps, base = best[0].medianUs;
  if (asJson) {
    json out = json::array();
    for (const Result& x : best) {
      out.push_back({{"mode", x.mode}, {"pps", x.pps}, {"medianRttUs", x.medianUs}, {"p99RttUs", x.p99Us},
                     {"ofRaw", raw > 0 ? x.pps / raw : 0}, {"addedUs", x.medianUs - base}, {"queued", x.queued}});
    }
    std::printf("%s\n", json{{"filters", filters}, {"seconds", seconds}, {"flows", flows}, {"modes", out}}.dump(2).c_str());
  } else {
    std::printf("%-6s %14s %10s %14s %12s %12s %14s\n", "mode", "packets/s", "of raw", "median RTT us", "p99 RTT us",
                "added us", "wfpd queued");
    for (const Result& x : best) {
      std::printf("%-6s %14.0f %9.0f%% %14.1f %12.1f %12.1f %14llu\n", x.mode.c_str(), x.pps,
                  raw > 0 ? 100 * x.pps / raw : 0, x.medianUs, x.p99Us, x.medianUs - base,
                  static_cast<unsigned long long>(x.queued));
    }
  }
  return 0;
}
