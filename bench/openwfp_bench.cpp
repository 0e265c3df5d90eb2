// openwfp-bench: measured speed, beside a peer in the same run.
//
//   openwfp-bench classify --rules FILE --trace FILE --expected FILE [--shuffle]
//                          [--peer linear] [--seconds S] [--json]
//
// Loads a ClassBench rule set as filters (first rule highest weight), then
// classifies every trace header through the whole engine (arbitration
// included), one at a time, with the compiled classifier and with the peer.
// Exits non-zero when any answer differs from the expected rule.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "callout_bench.hpp"
#include "classbench/classbench.hpp"
#include "replay_bench.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/fwps_fields.hpp"
#include "openwfp/model.hpp"

namespace {

using namespace openwfp;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Figures {
  std::string classifier;
  double buildSeconds = 0;
  double lookupsPerSecond = 0;
  double updateMicros = 0;
  size_t memoryBytes = 0;
  size_t mismatches = 0;
};

Figures measure(ClassifierKind kind, const std::vector<Filter>& filters, const classbench::Trace& trace,
                const std::vector<uint32_t>& expected, const std::vector<size_t>& order, double min_seconds) {
  Figures fig;
  EngineOptions options;
  options.classifier = kind;
  Engine engine(options);
  std::map<uint64_t, uint32_t> rule_of;
  const auto t0 = Clock::now();
  Transaction txn;
  engine.begin(&txn);
  for (uint32_t i = 0; i < filters.size(); ++i) {
    uint64_t id = 0;
    txn.add_filter(filters[i], &id);
    rule_of[id] = i;
  }
  txn.commit();
  fig.buildSeconds = seconds_since(t0);
  const auto stats = engine.layer_stats(classbench::layer());
  fig.classifier = stats.classifier;
  fig.memoryBytes = stats.classifierBytes;

  Engine::Reader reader(engine);
  // Correctness first, over every header.
  for (size_t i = 0; i < trace.size(); ++i) {
    ClassifyResult r;
    reader.classify(trace.values(i), {}, &r);
    const uint32_t got = r.filterId == 0 ? UINT32_MAX : rule_of[r.filterId];
    if (got != expected[i]) ++fig.mismatches;
  }
  // Then speed: whole passes over the trace (in `order`) for at least min_seconds.
  size_t lookups = 0;
  uint64_t sink = 0;
  const auto t1 = Clock::now();
  do {
    for (size_t i : order) {
      ClassifyResult r;
      reader.classify(trace.values(i), {}, &r);
      sink += r.filterId;
    }
    lookups += order.size();
  } while (seconds_since(t1) < min_seconds);
  fig.lookupsPerSecond = static_cast<double>(lookups) / seconds_since(t1);
  if (sink == 42) std::fputc(' ', stderr);  // keep the loop

  // Update: add one filter and delete it again, each its own commit.
  Filter extra = filters.front();
  extra.filterKey = Guid::random();
  extra.name = "extra";
  const int rounds = 5;
  const auto t2 = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    uint64_t id = 0;
    engine.add_filter(extra, &id);
    engine.delete_filter_by_id(id);
  }
  fig.updateMicros = seconds_since(t2) * 1e6 / (2.0 * rounds);
  return fig;
}

nlohmann::json to_json(const Figures& f) {
  return {{"classifier", f.classifier},
          {"mlookups_per_s", f.lookupsPerSecond / 1e6},
          {"memory_bytes", f.memoryBytes},
          {"build_s", f.buildSeconds},
          {"update_us", f.updateMicros},
          {"mismatches", f.mismatches}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"openwfp-bench: benchmarks beside their peers"};
  app.require_subcommand(1);
  std::string rules_path, trace_path, expected_path, peer = "linear";
  bool shuffle = false, json = false;
  double seconds = 1.0;
  CLI::App* cls = app.add_subcommand("classify", "ClassBench rules and trace through the engine");
  cls->add_option("--rules", rules_path, "ClassBench rule file")->required();
  cls->add_option("--trace", trace_path, "ClassBench trace")->required();
  cls->add_option("--expected", expected_path, "expected first-match rule per trace line")->required();
  cls->add_flag("--shuffle", shuffle, "classify the trace in a shuffled order (seed 1)");
  cls->add_option("--peer", peer, "peer to measure beside openwfp: linear (a plain linear scan)")
      ->check(CLI::IsMember({"linear"}));
  cls->add_option("--seconds", seconds, "minimum measuring time per classifier");
  cls->add_flag("--json", json, "print one JSON object");
  int replay_status = 0;
  bench::add_replay_command(app, &replay_status);
  int callout_status = 0;
  bench::add_callout_command(app, &callout_status);
  CLI11_PARSE(app, argc, argv);
  if (!cls->parsed()) return replay_status != 0 ? replay_status : callout_status;

  std::vector<classbench::Rule> rules;
  std::vector<classbench::Header> headers;
  std::vector<uint32_t> expected;
  std::string error;
  if (!classbench::read_rules(rules_path, &rules, &error) || !classbench::read_trace(trace_path, &headers, &error) ||
      !classbench::read_expected(expected_path, &expected, &error)) {
    std::fprintf(stderr, "openwfp-bench: %s\n", error.c_str());
    return 2;
  }
  if (expected.size() != headers.size()) {
    std::fprintf(stderr, "openwfp-bench: %zu expected answers for %zu trace lines\n", expected.size(), headers.size());
    return 2;
  }
  const std::vector<Filter> filters = classbench::to_filters(rules, Guid{});
  const classbench::Trace trace(headers);
  std::vector<size_t> order(trace.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (shuffle) std::shuffle(order.begin(), order.end(), std::mt19937_64(1));

  const Figures ours = measure(ClassifierKind::LINEAR, filters, trace, expected, order, seconds);
  const Figures theirs = measure(ClassifierKind::REFERENCE, filters, trace, expected, order, seconds);
  const size_t mismatches = ours.mismatches;

  if (json) {
    nlohmann::json out = {{"rules", rules.size()},
                          {"lookups", headers.size()},
                          {"shuffled", shuffle},
                          {"openwfp", to_json(ours)},
                          {peer, to_json(theirs)},
                          {"mismatches", mismatches}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%zu rules, %zu trace headers%s\n", rules.size(), headers.size(), shuffle ? " (shuffled)" : "");
    std::printf("%-22s %14s %12s %10s %12s %11s\n", "", "Mlookups/s", "memory", "build s", "update us", "mismatches");
    for (const auto& [name, f] : {std::pair<std::string, const Figures&>{"openwfp (" + ours.classifier + ")", ours},
                                  {"peer: " + theirs.classifier + " scan", theirs}}) {
      std::printf("%-22s %14.3f %12zu %10.3f %12.1f %11zu\n", name.c_str(), f.lookupsPerSecond / 1e6, f.memoryBytes,
                  f.buildSeconds, f.updateMicros, f.mismatches);
    }
  }
  return mismatches == 0 && theirs.mismatches == 0 ? 0 : 1;
}
