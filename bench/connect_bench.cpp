// openwfp-connect-bench: what a TCP connect costs through `wfpd --live`
// (every packet of the connection through the queue and the stack) and
// through `wfpd --live --ebpf` (the connect also judged in the kernel
// against the rules compiled from the filters), beside no filtering at all,
// in the same run, between two network namespaces the benchmark makes
// (and removes). Root only.
//
// A client in one namespace (and in a cgroup the benchmark makes, the one
// --ebpf judges) connects to a listener in the other and closes, as fast as
// it can for --seconds: connects per second and the median time of one.
// wfpd's policy has --filters filters at ALE_AUTH_CONNECT_V4, none matching
// (the worst case: every rule is looked at), and one refusing port 9 below
// them all. With --ebpf, refused connects (port 9) are timed too: the
// kernel's answer, EPERM, before any packet. Without --ebpf the queue drops
// the SYN instead and the caller waits for its connect timeout (about 127 s
// with Linux's default SYN retries), so that case has no rate to show.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "live/kernel_authorizer.hpp"
#include "support/netns.hpp"
#include "wfpd_driver.hpp"

namespace {

using namespace openwfp::live::test;
using nlohmann::json;

constexpr const char* kClient = "10.234.0.1";
constexpr const char* kServer = "10.234.0.2";
constexpr uint16_t kPort = 8080;
constexpr uint16_t kRefusedPort = 9;

// Accepts and closes at once, with a deep backlog, so the client never
// waits for the server.
int accept_loop() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_storage at{};
  socklen_t len = 0;
  address(kServer, kPort, &at, &len);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&at), len) != 0 || ::listen(fd, 4096) != 0) return 3;
  for (;;) {
    const int c = ::accept(fd, nullptr, nullptr);
    if (c >= 0) ::close(c);
  }
}

// Connects and closes (with a reset: no TIME_WAIT to run out of ports) for
// `seconds`; writes "count median_us" to `out`.
int connect_loop(const std::string& cgroup, uint16_t port, double seconds, bool expectRefusal, const std::string& out) {
  if (!cgroup.empty()) {
    std::ofstream procs(cgroup + "/cgroup.procs");
    procs << "0" << std::flush;
    if (!procs.good()) return 3;
  }
  sockaddr_storage to{};
  socklen_t len = 0;
  address(kServer, port, &to, &len);
  std::vector<double> times;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&to), len);
    const int error = rc == 0 ? 0 : errno;
    const auto t1 = std::chrono::steady_clock::now();
    const linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(fd);
    if (expectRefusal ? error != EPERM : rc != 0) return 4;  // not the path being measured
    times.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(times.begin(), times.end());
  std::ofstream(out) << times.size() << " " << (times.empty() ? 0.0 : times[times.size() / 2]) << "\n";
  return 0;
}

std::string policy_json(uint32_t n) {
  std::mt19937 rng(1);
  json filters = json::array();
  for (uint32_t i = 0; i < n; ++i) {
    filters.push_back(
        {{"name", "bench " + std::to_string(i)},
         {"layer", "ALE_AUTH_CONNECT_V4"},
         {"weight", 1 + i},
         {"conditions",
          json::array({{{"field", "IP_REMOTE_ADDRESS"},
                        {"value", "172." + std::to_string(16 + rng() % 16) + "." + std::to_string(rng() % 256) + ".0/24"}},
                       {{"field", "IP_REMOTE_PORT"}, {"value", 1 + rng() % 1023}}})},
         {"action", "BLOCK"}});
  }
  filters.push_back({{"name", "refuse port 9"},
                     {"layer", "ALE_AUTH_CONNECT_V4"},
                     {"weight", 0},
                     {"conditions", json::array({{{"field", "IP_REMOTE_PORT"}, {"value", kRefusedPort}}})},
                     {"action", "BLOCK"}});
  return json{{"filters", filters}}.dump();
}

struct Result {
  std::string mode;
  double connects = 0, medianUs = 0;
  double refusals = 0, refusalUs = 0;  // --ebpf only
  uint64_t kernelRules = 0, kernelJudged = 0, queued = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"openwfp-connect-bench: TCP connects through wfpd --live, with and without --ebpf, beside none (root)"};
  double seconds = 3;
  int repeat = 1;
  uint32_t filters = 4000;
  std::string wfpd = OPENWFP_WFPD;
  bool asJson = false;
  app.add_option("--seconds", seconds, "connecting time per mode (default 3)");
  app.add_option("--filters", filters, "filters at ALE_AUTH_CONNECT_V4 in wfpd's policy (default 4000; the kernel takes 4095)");
  app.add_option("--repeat", repeat, "runs of every mode, interleaved; the best of each is kept (default 1)");
  app.add_option("--wfpd", wfpd, "the wfpd binary");
  app.add_flag("--json", asJson, "print JSON");
  CLI11_PARSE(app, argc, argv);
  if (!is_root()) {
    std::fprintf(stderr, "openwfp-connect-bench: needs root (namespaces, netfilter, NFQUEUE, eBPF)\n");
    return 2;
  }
  const std::string root = openwfp::live::cgroup2_root();
  const std::string cgroup = root + "/openwfp-connect-bench-" + std::to_string(::getpid());
  if (root.empty() || ::mkdir(cgroup.c_str(), 0755) != 0) {
    std::fprintf(stderr, "openwfp-connect-bench: no cgroup v2 hierarchy to make a cgroup in\n");
    return 1;
  }
  Netns c(unique_name("cc")), s(unique_name("cs"));
  if (!c.ok() || !s.ok() || !link(c, "cc0", kClient, "fd00:234::1", s, "cs0", kServer, "fd00:234::2")) {
    std::fprintf(stderr, "openwfp-connect-bench: could not make the namespaces\n");
    return 1;
  }
  char dir[] = "/tmp/openwfp-connect-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  const std::string work = dir;
  std::ofstream(work + "/policy.json") << policy_json(filters);
  Background server(s.name(), [] { return accept_loop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  auto run_loop = [&](uint16_t port, bool refusal, double* rate, double* median) {
    const std::string out = work + "/loop";
    std::remove(out.c_str());
    const int rc = in_netns(c.name(), [&] { return connect_loop(cgroup, port, seconds, refusal, out); },
                            std::chrono::seconds(static_cast<int>(seconds) + 60));
    double n = 0;
    std::ifstream(out) >> n >> *median;
    *rate = rc == 0 ? n / seconds : 0;
    if (rc != 0) std::fprintf(stderr, "openwfp-connect-bench: the connect loop failed (%d)\n", rc);
  };

  auto measure = [&](const std::string& mode) {
    Result res{mode};
    pid_t daemon = -1;
    if (mode != "none") {
      std::vector<std::string> args = {"--live", "--policy", work + "/policy.json"};
      if (mode == "wfpd --ebpf") args.insert(args.end(), {"--ebpf", "--cgroup", cgroup});
      daemon = openwfp::bench::start_wfpd(wfpd, c.name(), work, args);
      for (int i = 0; i < 500 && openwfp::bench::ask(work + "/wfpd.sock", "daemon.status").is_null(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    run_loop(kPort, false, &res.connects, &res.medianUs);
    if (mode == "wfpd --ebpf") run_loop(kRefusedPort, true, &res.refusals, &res.refusalUs);
    if (daemon > 0) {
      const json status = openwfp::bench::ask(work + "/wfpd.sock", "daemon.status");
      res.queued = openwfp::bench::queued(status);
      if (status.contains("live") && status["live"].contains("ebpf")) {
        res.kernelRules = status["live"]["ebpf"]["layers"][0]["rules"].get<uint64_t>();
        res.kernelJudged = status["live"]["ebpf"]["counters"]["evaluated"].get<uint64_t>();
      }
      openwfp::bench::stop_wfpd(daemon);
      std::filesystem::remove_all(work + "/state");
    }
    return res;
  };

  std::vector<Result> best;
  for (int round = 0; round < repeat; ++round) {
    size_t i = 0;
    for (const char* mode : {"none", "wfpd", "wfpd --ebpf"}) {
      const Result x = measure(mode);
      if (round == 0) {
        best.push_back(x);
      } else {
        Result& b = best[i];
        b.connects = std::max(b.connects, x.connects);
        b.medianUs = std::min(b.medianUs, x.medianUs);
        b.refusals = std::max(b.refusals, x.refusals);
        b.refusalUs = std::min(b.refusalUs, x.refusalUs);
        b.queued = std::max(b.queued, x.queued);
        b.kernelJudged = std::max(b.kernelJudged, x.kernelJudged);
      }
      ++i;
    }
  }
  std::filesystem::remove_all(work);
  ::rmdir(cgroup.c_str());
  if (asJson) {
    json out = json::array();
    for (const Result& x : best) {
      out.push_back({{"mode", x.mode}, {"connectsPerSecond", x.connects}, {"medianConnectUs", x.medianUs},
                     {"refusalsPerSecond", x.refusals}, {"medianRefusalUs", x.refusalUs},
                     {"kernelRules", x.kernelRules}, {"kernelJudged", x.kernelJudged}, {"queued", x.queued}});
    }
    std::printf("%s\n", json{{"filters", filters}, {"seconds", seconds}, {"modes", out}}.dump(2).c_str());
  } else {
    std::printf("%-12s %12s %12s %12s %12s %12s %12s\n", "mode", "connects/s", "median us", "refused/s",
                "refusal us", "kernel rules", "wfpd queued");
    for (const Result& x : best) {
      std::printf("%-12s %12.0f %12.1f %12.0f %12.1f %12llu %12llu\n", x.mode.c_str(), x.connects, x.medianUs,
                  x.refusals, x.refusalUs, static_cast<unsigned long long>(x.kernelRules),
                  static_cast<unsigned long long>(x.queued));
    }
  }
  return 0;
}
