// openwfp-bench memory: what flows and filters cost in memory.
//
// Flows: a stack sized for N flows (--flows, default 1,000,000) takes N TCP
// connections (SYN, SYN-ACK, ACK, a request and its answer), all open at
// once. Reported: the flow entry's size, the flow table's bytes per flow
// (entries, hash buckets, free list), and the process's resident memory
// grown by the stack and its flows, per flow: first as WFP runs with no
// STREAM filter (no stream state), then with every flow reassembled
// (stack::StreamReassembly::ALWAYS: per-direction stream state from the
// stream pool).
// Filters: an engine with M generated filters (--filters, default 10,000):
// resident memory grown, per filter, and the compiled classifiers' bytes.
#include "memory_bench.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "craft/craft.hpp"
#include "generated_policy.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/layers.hpp"
#include "stack/stack.hpp"

namespace bench {
namespace {

using namespace openwfp;

struct MemoryArgs {
  uint32_t flows = 1'000'000;
  uint32_t filters = 10'000;
  bool json = false;
};

// Resident set size of this process, bytes.
uint64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

struct FlowFigures {
  uint64_t flows = 0;          // created and still open
  uint64_t tableBytes = 0;     // FlowTable::memory_bytes()
  uint64_t residentBytes = 0;  // growth: stack made and every flow open
};

// N open TCP connections through a stack; the frames are built one at a
// time into one buffer (the benchmark itself keeps no per-flow memory).
FlowFigures open_flows(Engine& engine, uint32_t n, stack::StreamReassembly streams) {
  stack::Config config;
  stack::Prefix local;
  stack::parse_prefix("10.0.0.2/32", &local);
  config.local.add(local);
  config.flows.maxFlows = n;
  config.streams = streams;
  if (streams == stack::StreamReassembly::ALWAYS) config.stream.maxConnections = n;
  const uint64_t before = resident_bytes();
  FlowFigures out;
  {
    auto s = std::make_unique<stack::Stack>(engine, config);
    const uint32_t host = craft::v4(10, 0, 0, 2);
    const craft::Bytes request(100, 'q'), answer(100, 'a');
    uint64_t t = 1'000'000;
    auto send = [&](const craft::Bytes& ip, bool from_host) {
      const craft::Bytes frame = craft::ethernet(ip, from_host);
      s->process(++t, 1, frame.data(), static_cast<uint32_t>(frame.size()));
    };
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t peer = craft::v4(100, static_cast<int>(i >> 16) & 0xFF, static_cast<int>(i >> 8) & 0xFF,
                                      static_cast<int>(i & 0xFF));
      const auto sport = static_cast<uint16_t>(1024 + (i >> 24));
      send(craft::ipv4(host, peer, 6, craft::tcp(sport, 443, 100, 0, 0x02)), true);
      send(craft::ipv4(peer, host, 6, craft::tcp(443, sport, 900, 101, 0x12)), false);
      send(craft::ipv4(host, peer, 6, craft::tcp(sport, 443, 101, 901, 0x10)), true);
      send(craft::ipv4(host, peer, 6, craft::tcp(sport, 443, 101, 901, 0x18, request)), true);
      send(craft::ipv4(peer, host, 6, craft::tcp(443, sport, 901, 201, 0x18, answer)), false);
    }
    out.flows = s->flows().stats().active;
    out.tableBytes = s->flows().memory_bytes();
    out.residentBytes = resident_bytes() - before;
  }
  return out;
}

double per(uint64_t bytes, uint64_t n) { return n > 0 ? static_cast<double>(bytes) / static_cast<double>(n) : 0; }

int run(const MemoryArgs& a) {
  // Filters first, in a fresh heap (freed stacks would lend them memory).
  const uint64_t before = resident_bytes();
  auto engine = std::make_unique<Engine>();
  add_filters(*engine, a.filters);
  const uint64_t filterResident = resident_bytes() - before;
  uint64_t classifierBytes = 0;
  for (const LayerInfo& l : all_layers()) classifierBytes += engine->layer_stats(l.id).classifierBytes;

  Engine idle;
  const FlowFigures plain = open_flows(idle, a.flows, stack::StreamReassembly::WHEN_FILTERED);
  const FlowFigures streams = open_flows(idle, a.flows, stack::StreamReassembly::ALWAYS);

  const bool within = plain.flows == a.flows && sizeof(flow::Flow) <= 256;
  if (a.json) {
    nlohmann::json j = {
        {"flows",
         {{"flows", plain.flows},
          {"flow_entry_bytes", sizeof(flow::Flow)},
          {"table_bytes_per_flow", per(plain.tableBytes, a.flows)},
          {"resident_bytes_per_flow", per(plain.residentBytes, plain.flows)},
          {"resident_bytes", plain.residentBytes},
          {"with_streams", {{"resident_bytes_per_flow", per(streams.residentBytes, streams.flows)},
                            {"resident_bytes", streams.residentBytes}}}}},
        {"filters",
         {{"filters", a.filters},
          {"resident_bytes_per_filter", per(filterResident, a.filters)},
          {"classifier_bytes_per_filter", per(classifierBytes, a.filters)}}}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%u TCP flows open at once (%llu in the table)\n", a.flows, static_cast<unsigned long long>(plain.flows));
    std::printf("  flow entry                        %8zu bytes\n", sizeof(flow::Flow));
    std::printf("  flow table per flow               %8.1f bytes (entries, buckets, free list)\n",
                per(plain.tableBytes, a.flows));
    std::printf("  stack with every flow open, no STREAM filter: %.1f MB resident (%.1f bytes per flow; flow table %.1f MB,\n"
                "    the rest the stack's fixed pools)\n",
                static_cast<double>(plain.residentBytes) / 1e6, per(plain.residentBytes, plain.flows),
                static_cast<double>(plain.tableBytes) / 1e6);
    std::printf("  the same with every stream reassembled: %.1f MB resident (%.1f bytes per flow)\n",
                static_cast<double>(streams.residentBytes) / 1e6, per(streams.residentBytes, streams.flows));
    std::printf("%u filters (generated policy)\n", a.filters);
    std::printf("  resident per filter               %8.1f bytes\n", per(filterResident, a.filters));
    std::printf("  compiled classifiers per filter   %8.1f bytes\n", per(classifierBytes, a.filters));
  }
  return within ? 0 : 1;
}

}  // namespace

void add_memory_command(CLI::App& app, int* status) {
  auto args = std::make_shared<MemoryArgs>();
  CLI::App* cmd = app.add_subcommand("memory", "Bytes per flow (N TCP flows open at once) and per filter");
  cmd->add_option("--flows", args->flows, "TCP flows open at once (default 1,000,000)");
  cmd->add_option("--filters", args->filters, "filters in the generated policy (default 10,000)");
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, status] { *status = run(*args); });
}

}  // namespace bench
