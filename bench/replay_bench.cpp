// openwfp-bench replay: generates a capture (TCP flows between a local host
// and many peers, interleaved so that all are open at once), then replays it
//   - read and decode only (the floor: what any replay costs),
//   - through the whole stack with a policy of N filters, with 1 worker and
//     with more (--workers: each a stack of its own on its own core, fed by
//     flow hash, src/shard),
// in the same run, and reports packets/s and ns/packet for each.
#include "replay_bench.hpp"

#include "generated_policy.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "craft/craft.hpp"
#include "decode/packet.hpp"
#include "io/pcap_file.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/layers.hpp"
#include "shard/capture.hpp"
#include "shard/workers.hpp"
#include "stack/stack.hpp"

namespace bench {
namespace {

using namespace openwfp;
using Clock = std::chrono::steady_clock;

struct ReplayArgs {
  uint64_t packets = 1'000'000;
  uint32_t flows = 10'000;
  uint32_t filters = 1'000;
  std::string capture;  // reuse or keep the generated capture here
  std::string workers = "1,cores";
  bool json = false;
};

// Writes `packets` packets of `flows` interleaved TCP connections.
bool generate(const ReplayArgs& a, const std::string& path, std::string* error) {
  io::CaptureWriter w;
  if (!w.open(path, 1, 65535, error)) return false;
  const uint32_t host = craft::v4(10, 0, 0, 2);
  const uint64_t per_flow = std::max<uint64_t>(8, a.packets / a.flows);
  const craft::Bytes payload(200, 'p');
  uint64_t t = 1'700'000'000'000'000'000ull;
  uint64_t written = 0;
  for (uint64_t step = 0; step < per_flow && written < a.packets; ++step) {
    for (uint32_t f = 0; f < a.flows && written < a.packets; ++f) {
      const uint32_t peer = craft::v4(100, static_cast<int>(f >> 16) & 0xFF, static_cast<int>(f >> 8) & 0xFF, static_cast<int>(f & 0xFF));
      const auto sport = static_cast<uint16_t>(20000 + (f % 40000));
      const uint16_t dport = 443;
      const uint32_t cseq = 1000, sseq = 50000;
      const uint32_t k = static_cast<uint32_t>(step);
      craft::Bytes ip;
      bool from_host = true;
      const uint32_t data_steps = static_cast<uint32_t>(per_flow - 6);
      if (step == 0) {
        ip = craft::ipv4(host, peer, 6, craft::tcp(sport, dport, cseq, 0, 0x02));
      } else if (step == 1) {
        ip = craft::ipv4(peer, host, 6, craft::tcp(dport, sport, sseq, cseq + 1, 0x12));
        from_host = false;
      } else if (step == 2) {
        ip = craft::ipv4(host, peer, 6, craft::tcp(sport, dport, cseq + 1, sseq + 1, 0x10));
      } else if (step < per_flow - 3) {
        const uint32_t i = k - 3;  // data packets alternate: host sends, peer answers
        const uint32_t sent_c = (i + 1) / 2 * 200, sent_s = i / 2 * 200;
        if (i % 2 == 0) {
          ip = craft::ipv4(host, peer, 6, craft::tcp(sport, dport, cseq + 1 + sent_c, sseq + 1 + sent_s, 0x18, payload));
        } else {
          ip = craft::ipv4(peer, host, 6, craft::tcp(dport, sport, sseq + 1 + sent_s, cseq + 1 + sent_c, 0x18, payload));
          from_host = false;
        }
      } else {
        const uint32_t dc = (data_steps + 1) / 2 * 200, ds = data_steps / 2 * 200;
        if (step == per_flow - 3) {
          ip = craft::ipv4(host, peer, 6, craft::tcp(sport, dport, cseq + 1 + dc, sseq + 1 + ds, 0x11));
        } else if (step == per_flow - 2) {
          ip = craft::ipv4(peer, host, 6, craft::tcp(dport, sport, sseq + 1 + ds, cseq + 2 + dc, 0x11));
          from_host = false;
        } else {
          ip = craft::ipv4(host, peer, 6, craft::tcp(sport, dport, cseq + 2 + dc, sseq + 2 + ds, 0x10));
        }
      }
      const craft::Bytes frame = craft::ethernet(ip, from_host);
      t += 1000;
      io::Frame fr;
      fr.timestampNs = t;
      fr.caplen = fr.wireLength = static_cast<uint32_t>(frame.size());
      fr.data = frame.data();
      w.write(fr);
      ++written;
    }
  }
  return w.close(error);
}

struct Run {
  uint32_t workers = 0;
  uint64_t packets = 0;
  double seconds = 0;
  uint64_t permitted = 0;
  uint64_t flows = 0;
  std::vector<uint64_t> taken;  // packets per worker
  double pps() const { return seconds > 0 ? static_cast<double>(packets) / seconds : 0; }
  double ns() const { return packets > 0 ? seconds * 1e9 / static_cast<double>(packets) : 0; }
};

Run run_workers(Engine& engine, const stack::Config& config, const shard::LoadedCapture& c, uint32_t workers) {
  shard::WorkersConfig wc;
  wc.workers = workers;
  wc.pinToCores = true;
  shard::Workers w(engine, config, wc);
  Run run;
  run.workers = workers;
  const auto t0 = Clock::now();
  w.replay(c.linkType, c.frames, nullptr);
  run.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  run.packets = c.frames.size();
  run.permitted = w.counters().verdicts[static_cast<size_t>(stack::Verdict::PERMIT)];
  run.flows = w.flow_stats().created;
  for (uint32_t i = 0; i < w.size(); ++i) run.taken.push_back(w.frames_taken(i));
  return run;
}

std::vector<uint32_t> worker_counts(const std::string& list) {
  std::vector<uint32_t> out;
  size_t at = 0;
  while (at < list.size()) {
    const size_t comma = std::min(list.find(',', at), list.size());
    const std::string item = list.substr(at, comma - at);
    const unsigned long n = item == "cores" ? std::max(1u, std::thread::hardware_concurrency()) : std::stoul(item);
    if (n >= 1 && n <= 64) out.push_back(static_cast<uint32_t>(n));
    at = comma + 1;
  }
  return out;
}

int run(const ReplayArgs& a) {
  std::string path = a.capture;
  bool remove_after = false;
  if (path.empty()) {
    path = (std::filesystem::temp_directory_path() / "openwfp-bench-replay.pcap").string();
    remove_after = true;
  }
  std::string error;
  if (!std::filesystem::exists(path) && !generate(a, path, &error)) {
    std::fprintf(stderr, "openwfp-bench: %s\n", error.c_str());
    return 2;
  }
  shard::LoadedCapture c;
  if (!shard::load_capture(path, &c, &error)) {
    std::fprintf(stderr, "openwfp-bench: %s\n", error.c_str());
    return 2;
  }
  if (remove_after) std::filesystem::remove(path);
  std::vector<uint32_t> counts;
  try {
    counts = worker_counts(a.workers);
  } catch (const std::exception&) {
    counts.clear();
  }
  if (counts.empty()) {
    std::fprintf(stderr, "openwfp-bench: --workers: a list of counts from 1 to 64 (or 'cores'), e.g. 1,2\n");
    return 2;
  }

  Run decode_only;
  {
    const auto t0 = Clock::now();
    uint64_t ok = 0;
    for (const shard::FrameRef& fr : c.frames) {
      decode::DecodedPacket p;
      ok += decode::decode_frame(c.linkType, fr.data, fr.caplen, &p) == decode::DropReason::NONE;
    }
    decode_only.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    decode_only.packets = c.frames.size();
    if (ok == 0) std::fprintf(stderr, "no packet decoded\n");
  }

  Engine engine;
  add_filters(engine, a.filters);
  stack::Config config;
  stack::Prefix local;
  stack::parse_prefix("10.0.0.2/32", &local);
  config.local.add(local);
  config.flows.maxFlows = std::max<uint32_t>(65536, a.flows * 2);
  config.stream.maxConnections = config.flows.maxFlows;
  std::vector<Run> runs;
  for (uint32_t n : counts) runs.push_back(run_workers(engine, config, c, n));

  const double cores = static_cast<double>(std::max(1u, std::thread::hardware_concurrency()));
  bool all_permitted = true;
  for (const Run& r : runs) all_permitted = all_permitted && r.permitted == c.frames.size();
  if (a.json) {
    nlohmann::json runs_json = nlohmann::json::array();
    for (const Run& r : runs)
      runs_json.push_back({{"workers", r.workers},
                           {"packets_per_s", r.pps()},
                           {"ns_per_packet", r.ns()},
                           {"packets_per_worker", r.taken},
                           {"flows", r.flows},
                           {"permitted", r.permitted}});
    nlohmann::json j = {{"packets", c.frames.size()},
                        {"filters", a.filters},
                        {"cores", cores},
                        {"stack", runs_json},
                        {"decode_only", {{"packets_per_s", decode_only.pps()}, {"ns_per_packet", decode_only.ns()}}}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%zu packets, %llu flows, %u filters, %.0f cores\n", c.frames.size(),
                static_cast<unsigned long long>(runs.empty() ? 0 : runs.front().flows), a.filters, cores);
    std::printf("%-32s %14s %12s %10s\n", "", "packets/s", "ns/packet", "scaling");
    for (const Run& r : runs) {
      const std::string name = "openwfp stack, " + std::to_string(r.workers) + (r.workers == 1 ? " worker" : " workers");
      std::printf("%-32s %14.0f %12.1f %9.2fx\n", name.c_str(), r.pps(), r.ns(), r.pps() / runs.front().pps());
    }
    std::printf("%-32s %14.0f %12.1f\n", "floor: decode only (1 thread)", decode_only.pps(), decode_only.ns());
    if (!all_permitted) std::printf("NOT every packet permitted: the policy matched traffic it must not\n");
  }
  return all_permitted ? 0 : 1;
}

}  // namespace

void add_replay_command(CLI::App& app, int* status) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand("replay", "A generated capture through the whole stack, beside decode alone");
  cmd->add_option("--packets", args->packets, "packets to generate (default 1,000,000)");
  cmd->add_option("--flows", args->flows, "TCP flows, interleaved (default 10,000)");
  cmd->add_option("--filters", args->filters, "filters in the policy, none matching (default 1,000)");
  cmd->add_option("--capture", args->capture, "keep/reuse the generated capture at this path");
  cmd->add_option("--workers", args->workers, "worker counts to run, comma-separated, 'cores' for one per core (default 1,cores)");
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, status] { *status = run(*args); });
}

}  // namespace bench
