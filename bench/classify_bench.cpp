// openwfp-bench classify --rules FILE --trace FILE --expected FILE [--shuffle]
//                        [--peer rte_acl|linear]... [--seconds S] [--rte-acl-mb MB] [--json]
//
// Loads a ClassBench rule set as filters (first rule highest weight), checks
// every answer against the expected first-matching rule, then times:
//   openwfp: the compiled classifier of the layer, one header per call
//            (first_match) and kBatch per call (first_match_batch), and the
//            whole engine (arbitration included), one header per call;
//   rte_acl: DPDK's ACL classifier over the same rules, one header and kBatch
//            headers per call (only when built with DPDK);
//   linear:  openwfp's linear scan, one header per call.
// Also build time, memory and update time for each. Exits 1 when any answer
// differs from the expected rule, 2 on bad input or a peer that cannot run.
#include "classify_bench.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "classify_work.hpp"
#include "openwfp_measure.hpp"
#ifdef OPENWFP_HAVE_RTE_ACL
#include "rte_acl_peer.hpp"
#endif

namespace bench {
namespace {

using namespace openwfp;
using Json = nlohmann::ordered_json;

struct ClassifyArgs {
  std::string rules, trace, expected;
  std::vector<std::string> peers;
  bool shuffle = false;
  bool json = false;
  double seconds = 1.0;
  unsigned rteAclMb = 1024;
};

bool load(const ClassifyArgs& a, ClassifyWork* work) {
  std::string error;
  if (!classbench::read_rules(a.rules, &work->rules, &error) ||
      !classbench::read_trace(a.trace, &work->headers, &error) ||
      !classbench::read_expected(a.expected, &work->expected, &error)) {
    std::fprintf(stderr, "openwfp-bench: %s\n", error.c_str());
    return false;
  }
  if (work->expected.size() != work->headers.size()) {
    std::fprintf(stderr, "openwfp-bench: %zu expected answers for %zu trace lines\n", work->expected.size(),
                 work->headers.size());
    return false;
  }
  if (work->rules.empty() || work->headers.empty()) {
    std::fprintf(stderr, "openwfp-bench: no rules or no trace\n");
    return false;
  }
  for (size_t i = 0; i < work->expected.size(); ++i) {
    if (work->expected[i] >= work->rules.size()) {
      std::fprintf(stderr, "openwfp-bench: %s:%zu: rule %u out of range\n", a.expected.c_str(), i + 1,
                   work->expected[i]);
      return false;
    }
  }
  work->order.resize(work->headers.size());
  for (size_t i = 0; i < work->order.size(); ++i) work->order[i] = i;
  if (a.shuffle) std::shuffle(work->order.begin(), work->order.end(), std::mt19937_64(1));
  work->minSeconds = a.seconds;
  return true;
}

bool asked(const ClassifyArgs& a, const std::string& peer) {
  return std::find(a.peers.begin(), a.peers.end(), peer) != a.peers.end();
}

Json to_json(const ClassifierFigures& f) {
  Json j;
  j["mlookups_per_s"] = f.lookupsPerSecond / 1e6;
  if (f.batchLookupsPerSecond > 0) j["mlookups_per_s_batch"] = f.batchLookupsPerSecond / 1e6;
  if (f.engineLookupsPerSecond > 0) j["engine_mlookups_per_s"] = f.engineLookupsPerSecond / 1e6;
  j["memory_bytes"] = f.memoryBytes;
  j["build_s"] = f.buildSeconds;
  j["update_us"] = f.updateMicros;
  return j;
}

std::string rate(double per_second) { return per_second > 0 ? fmt::format("{:.3f}", per_second / 1e6) : "-"; }

struct Row {
  std::string name;
  const ClassifierFigures* figures;
  std::string note;  // what its memory, build and update figures cover
};

void print_table(const ClassifyArgs& a, const ClassifyWork& work, const std::vector<Row>& rows) {
  std::printf("%s: %zu rules, %zu trace headers%s\n", std::filesystem::path(a.rules).filename().c_str(),
              work.rules.size(), work.headers.size(), a.shuffle ? ", shuffled" : "");
  std::printf("%-24s %11s %11s %11s %13s %9s %12s %10s\n", "Mlookups/s:", "one a call", "batch 64", "engine",
              "memory bytes", "build s", "update us", "mismatches");
  for (const Row& r : rows) {
    const ClassifierFigures& f = *r.figures;
    std::printf("%-24s %11s %11s %11s %13zu %9.3f %12.1f %10zu\n", r.name.c_str(), rate(f.lookupsPerSecond).c_str(),
                rate(f.batchLookupsPerSecond).c_str(), rate(f.engineLookupsPerSecond).c_str(), f.memoryBytes,
                f.buildSeconds, f.updateMicros, f.mismatches);
  }
  for (const Row& r : rows) std::printf("%s: %s\n", r.name.c_str(), r.note.c_str());
}

int run(const ClassifyArgs& a) {
  const bool rte_acl = asked(a, "rte_acl");
#ifndef OPENWFP_HAVE_RTE_ACL
  if (rte_acl) {
    std::fprintf(stderr, "openwfp-bench: --peer rte_acl: built without DPDK: install libdpdk-dev "
                         "(scripts/deps.sh --peers) and reconfigure\n");
    return 2;
  }
#endif
  ClassifyWork work;
  if (!load(a, &work)) return 2;
#ifdef OPENWFP_HAVE_RTE_ACL
  std::string error;
  // EAL pins this thread to CPU 0: started first, it does so for every
  // classifier measured, not only for the peer.
  if (rte_acl && !start_rte_acl(a.rteAclMb, &error)) {
    std::fprintf(stderr, "openwfp-bench: rte_acl: %s\n", error.c_str());
    return 2;
  }
  struct EalStop {
    bool on;
    ~EalStop() {
      if (on) stop_rte_acl();
    }
  } eal_stop{rte_acl};
#endif
  const classbench::Trace trace(work.headers);

  ClassifierFigures ours;
  std::string why;
  if (!measure_openwfp(work, trace, EngineOptions{}.classifier, OpenwfpModes{}, &ours, &why)) {
    std::fprintf(stderr, "openwfp-bench: openwfp: %s\n", why.c_str());
    return 2;
  }
  std::vector<Row> rows = {
      {"openwfp (" + ours.name + ")", &ours,
       fmt::format("memory is the compiled classifier's; build is one transaction adding every filter (the "
                   "classifier alone {:.3f} s); update is one filter added or deleted, mean per commit",
                   ours.classifierBuildSeconds)}};
  Json mismatches = {{"openwfp", ours.mismatches}};
  size_t total_mismatches = ours.mismatches;

  ClassifierFigures acl;
#ifdef OPENWFP_HAVE_RTE_ACL
  if (rte_acl) {
    if (!measure_rte_acl(work, &acl, &error)) {
      std::fprintf(stderr, "openwfp-bench: rte_acl: %s\n", error.c_str());
      return 2;
    }
    rows.push_back({acl.name, &acl,
                    fmt::format("memory is the run-time tables (DPDK heap growth across rte_acl_build); build "
                                "is create, add rules, build (rte_acl_build alone {:.3f} s); update is one rule "
                                "added and the context built again",
                                acl.classifierBuildSeconds)});
    mismatches["rte_acl"] = acl.mismatches;
    total_mismatches += acl.mismatches;
  }
#endif
  ClassifierFigures linear;
  if (asked(a, "linear")) {
    if (!measure_openwfp(work, trace, ClassifierKind::LINEAR, OpenwfpModes{false, false}, &linear, &why)) {
      std::fprintf(stderr, "openwfp-bench: linear: %s\n", why.c_str());
      return 2;
    }
    rows.push_back({"openwfp " + linear.name + " scan", &linear, "as openwfp, one header per call only"});
    mismatches["linear"] = linear.mismatches;
    total_mismatches += linear.mismatches;
  }

  if (a.json) {
    Json out;
    out["set"] = std::filesystem::path(a.rules).filename().string();
    out["rules"] = work.rules.size();
    out["trace"] = work.headers.size();
    out["shuffle"] = a.shuffle;
    out["openwfp"] = to_json(ours);
    if (rte_acl) out["rte_acl"] = to_json(acl);
    if (asked(a, "linear")) out["linear"] = to_json(linear);
    out["mismatches"] = mismatches;
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    print_table(a, work, rows);
  }
  return total_mismatches == 0 ? 0 : 1;
}

}  // namespace

void add_classify_command(CLI::App& app, int* status) {
  auto args = std::make_shared<ClassifyArgs>();
  CLI::App* cmd = app.add_subcommand("classify", "ClassBench rules and trace through openwfp and its peers");
  cmd->add_option("--rules", args->rules, "ClassBench rule file")->required();
  cmd->add_option("--trace", args->trace, "ClassBench trace")->required();
  cmd->add_option("--expected", args->expected, "expected first-match rule per trace line")->required();
  cmd->add_flag("--shuffle", args->shuffle, "classify the trace in a shuffled order (seed 1)");
  cmd->add_option("--peer", args->peers,
                  "peer to measure beside openwfp, may repeat: rte_acl (DPDK's ACL library), linear (openwfp's "
                  "linear scan)")
      ->check(CLI::IsMember({"rte_acl", "linear"}));
  cmd->add_option("--seconds", args->seconds, "minimum measuring time per mode (default 1)");
  cmd->add_option("--rte-acl-mb", args->rteAclMb, "memory given to DPDK's heap, MB (default 1024)")
      ->check(CLI::Range(64u, 1u << 20));
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, status] { *status = run(*args); });
}

}  // namespace bench
