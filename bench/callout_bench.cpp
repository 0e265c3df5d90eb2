// openwfp-bench callout: the cost of calling a callout, and of timing the
// call, per classification at ALE_AUTH_CONNECT_V4, in one run:
//   plain            one PERMIT filter (the baseline: no callout)
//   callout untimed  one CALLOUT_TERMINATING filter whose classifyFn only
//                    answers Permit, classified without a timer (the call
//                    runs inside a ClassifyScope)
//   callout timed    the same with a timer (ClassifyCall: the scope, two
//                    clock reads and a histogram update)
//   chain            K CALLOUT_INSPECTION filters, then a PERMIT filter,
//                    untimed and timed
// and the parts of a timed call on their own. Every figure is a batch of
// classifications between two steady_clock reads, never a clock read per
// call; each configuration is measured once per repetition, the
// configurations interleaved, and the median repetition is reported.
//
// The run checks itself and exits 1 when a check fails: every
// classification matches every filter and ends in the expected filter's
// Permit, a traced one calls every callout, each timing table counts exactly
// the timed calls, and no IRQL rule was broken.
#include "callout_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "openwfp/callout.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/dispatch.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/fwps_fields.hpp"
#include "openwfp/layers.hpp"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace bench {
namespace {

using namespace openwfp;
using Clock = std::chrono::steady_clock;

constexpr const char* kLayerName = "ALE_AUTH_CONNECT_V4";

struct CalloutArgs {
  uint64_t calls = 100'000;  // classifications per timed batch
  uint32_t callouts = 4;     // inspection callouts in the chain
  double seconds = 0.2;      // at least this long per configuration and repetition
  uint32_t repeat = 5;
  bool json = false;
};

// The callout under measurement: it answers Permit and does nothing else, so
// what is measured is the engine's side of the call.
void permit_classify(const IncomingValues*, const IncomingMetadata*, void*, const void*, const FilterView*, uint64_t,
                     ClassifyOut* classifyOut) {
  classifyOut->actionType = FWP_ACTION_PERMIT;
}

// notifyFn is required; the callout keeps no per-filter state.
Status accept_notify(NotifyType, const Guid*, FilterView*) { return Status::SUCCESS; }

// One engine with one policy, the timing table its timed classifications
// write to, and what its classifications have done so far.
struct Scenario {
  explicit Scenario(const dispatch::CalloutTimingConfig& timingConfig)
      : timing(timingConfig), timer(timing.timer(0)), reader(engine) {}

  Engine engine;
  dispatch::CalloutTimingTable timing;
  dispatch::CalloutTimer timer;
  Engine::Reader reader;
  std::vector<uint32_t> calloutIds;  // the callouts every classification calls
  uint64_t deciderId = 0;            // the filter whose Permit every classification ends in
  uint32_t filtersMatched = 0;       // by every classification: every filter
  uint64_t classifications = 0;
  uint64_t timedClassifications = 0;
  uint64_t wrongDecisions = 0;       // classifications that matched or decided otherwise
};

// Adds `inspections` inspection callout filters (highest weight first), then
// the deciding filter: a terminating callout filter when `terminating`, else
// a PERMIT filter. Filters have no conditions: each matches every packet.
bool build(Scenario& s, const LayerInfo& layer, uint32_t inspections, bool terminating, std::string* why) {
  const uint32_t callouts = inspections + (terminating ? 1u : 0u);
  std::vector<Guid> keys;
  for (uint32_t i = 0; i < callouts; ++i) {
    Callout c;
    c.name = "bench callout " + std::to_string(i);
    c.calloutKey = Guid::from_name(Guid{}, "openwfp-bench-callout:" + std::to_string(i));
    c.applicableLayer = layer.id;
    if (s.engine.add_callout(c, nullptr, why) != Status::SUCCESS) return false;
    uint32_t id = 0;
    const CalloutRegistration reg{c.calloutKey, 0, permit_classify, accept_notify, nullptr};
    const Status st = s.engine.register_callout(reg, &id);
    if (st != Status::SUCCESS) {
      *why = "register_callout: " + std::string(status_name(st));
      return false;
    }
    keys.push_back(c.calloutKey);
    s.calloutIds.push_back(id);
  }
  Transaction txn;
  if (s.engine.begin(&txn, why) != Status::SUCCESS) return false;
  for (uint32_t i = 0; i < callouts; ++i) {
    Filter f;
    f.name = "bench callout filter " + std::to_string(i);
    f.layerKey = layer.id;
    f.weight = FilterWeight::exact(1000u + callouts - i);
    f.action.type = i < inspections ? FWP_ACTION_CALLOUT_INSPECTION : FWP_ACTION_CALLOUT_TERMINATING;
    f.action.calloutKey = keys[i];
    uint64_t id = 0;
    if (txn.add_filter(f, &id, why) != Status::SUCCESS) return false;
    if (!terminating || i < inspections) continue;
    s.deciderId = id;
  }
  if (!terminating) {
    Filter f;
    f.name = "bench permit";
    f.layerKey = layer.id;
    f.weight = FilterWeight::exact(1);
    f.action.type = FWP_ACTION_PERMIT;
    if (txn.add_filter(f, &s.deciderId, why) != Status::SUCCESS) return false;
  }
  s.filtersMatched = callouts + (terminating ? 0u : 1u);
  return txn.commit(why) == Status::SUCCESS;
}

// Incoming values of an outbound TCP connect (the filters match any).
class ConnectValues {
 public:
  explicit ConnectValues(const LayerInfo& layer) : storage_(layer.fields.size()) {
    storage_[FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_PROTOCOL].value = Value::u8(6);
    storage_[FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_LOCAL_ADDRESS].value = Value::u32(0x0A000002);
    storage_[FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_LOCAL_PORT].value = Value::u16(40000);
    storage_[FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_ADDRESS].value = Value::u32(0xC6336401);
    storage_[FWPS_FIELD_ALE_AUTH_CONNECT_V4_IP_REMOTE_PORT].value = Value::u16(443);
    view_ = IncomingValues{layer.id, static_cast<uint32_t>(storage_.size()), storage_.data()};
  }
  const IncomingValues& values() const noexcept { return view_; }

 private:
  std::vector<IncomingValue> storage_;
  IncomingValues view_;
};

// Runs `n` operations and returns something that depends on them (so the
// compiler keeps them).
using Operations = std::function<uint64_t(uint64_t n)>;

// `n` classifications of one scenario, with or without its timer.
Operations classifications(Scenario& s, const IncomingValues& values, bool timed) {
  return [&s, &values, timed](uint64_t n) {
    ClassifyInput input;
    if (timed) input.timer = &s.timer;
    ClassifyResult r;
    uint64_t wrong = 0;
    for (uint64_t i = 0; i < n; ++i) {
      s.reader.classify(values, input, &r);
      wrong += r.filterId != s.deciderId || r.actionType != FWP_ACTION_PERMIT || r.filtersMatched != s.filtersMatched;
    }
    s.classifications += n;
    if (timed) s.timedClassifications += n;
    s.wrongDecisions += wrong;
    return n - wrong;
  };
}

struct Measurement {
  std::string name;
  std::string key;  // in the JSON output (parts only)
  Operations run;
  std::vector<double> nsPerOp;  // one per repetition

  double median() const {
    std::vector<double> v = nsPerOp;
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }
  double min() const { return *std::min_element(nsPerOp.begin(), nsPerOp.end()); }
  double max() const { return *std::max_element(nsPerOp.begin(), nsPerOp.end()); }
};

// Batches of `calls` operations until at least `seconds` have passed; ns per
// operation.
double time_batches(const Operations& run, uint64_t calls, double seconds, uint64_t* sink) {
  uint64_t done = 0;
  double elapsed = 0;
  const auto t0 = Clock::now();
  do {
    *sink += run(calls);
    done += calls;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < seconds);
  return elapsed * 1e9 / static_cast<double>(done);
}

// Every measurement once per repetition, interleaved, so that a slow moment
// of the machine spreads over all of them instead of one.
void measure_all(std::vector<Measurement>& ms, const CalloutArgs& a, uint64_t* sink) {
  for (uint32_t rep = 0; rep < a.repeat; ++rep) {
    for (Measurement& m : ms) m.nsPerOp.push_back(time_batches(m.run, a.calls, a.seconds, sink));
  }
}

struct Check {
  std::vector<std::string> failures;
  void expect(bool ok, const std::string& what) {
    if (!ok) failures.push_back(what);
  }
};

// A scenario's classifications all matched every filter and ended in the
// expected Permit; a traced one called every callout; its table counted each
// callout once per timed classification (so every timed classification
// called every callout, and no untimed one was counted).
void check_scenario(Check& c, const char* name, const Scenario& s, const IncomingValues& values) {
  c.expect(s.wrongDecisions == 0, std::string(name) + ": " + std::to_string(s.wrongDecisions) + " of " +
                                      std::to_string(s.classifications) +
                                      " classifications did not match every filter and end in the expected Permit");
  ClassifyTrace trace;
  ClassifyInput input;
  input.trace = &trace;
  ClassifyResult r;
  s.reader.classify(values, input, &r);
  size_t called = 0;
  for (const TraceEntry& e : trace.entries) called += e.calloutCalled ? 1u : 0u;
  c.expect(called == s.calloutIds.size(), std::string(name) + ": a traced classification called " +
                                              std::to_string(called) + " callouts, expected " +
                                              std::to_string(s.calloutIds.size()));
  for (uint32_t id : s.calloutIds) {
    const uint64_t count = s.timing.stats(id).count;
    c.expect(count == s.timedClassifications, std::string(name) + ": timing table counts " + std::to_string(count) +
                                                  " calls of callout " + std::to_string(id) + ", expected " +
                                                  std::to_string(s.timedClassifications));
  }
  const dispatch::CalloutTimingCounters counters = s.timing.counters();
  c.expect(counters.untimedIdOutOfRange == 0 && counters.untimedNoSlot == 0,
           std::string(name) + ": calls left untimed by the table");
}

int run(const CalloutArgs& a) {
  const LayerInfo& layer = *find_layer(kLayerName);
  const uint32_t k = a.callouts;
  dispatch::CalloutTimingConfig timingConfig;
  timingConfig.maxWorkers = 1;
  timingConfig.calloutsPerWorker = std::max<uint32_t>(timingConfig.calloutsPerWorker, k);

  // Control plane: the three policies.
  auto plain = std::make_unique<Scenario>(timingConfig);
  auto single = std::make_unique<Scenario>(timingConfig);
  auto chain = std::make_unique<Scenario>(timingConfig);
  std::string why;
  if (!build(*plain, layer, 0, false, &why) || !build(*single, layer, 0, true, &why) ||
      !build(*chain, layer, k, false, &why)) {
    std::fprintf(stderr, "openwfp-bench: building the policies: %s\n", why.c_str());
    return 2;
  }
  const ConnectValues connect(layer);
  const IncomingValues& values = connect.values();

  // The parts of a timed call, each on its own: a clock read, the scope, the
  // histogram update, and the whole ClassifyCall (the scope, two clock reads
  // and the update). Their own table keeps the scenarios' counts exact.
  dispatch::CalloutTimingTable partsTable(timingConfig);
  const dispatch::CalloutTimer partsTimer = partsTable.timer(0);
  constexpr uint32_t kCallId = 0, kRecordId = 1;
  uint64_t calls_timed = 0, records = 0;

  std::vector<Measurement> ms;
  ms.push_back({"plain permit filter", "", classifications(*plain, values, false), {}});
  ms.push_back({"1 callout, untimed", "", classifications(*single, values, false), {}});
  ms.push_back({"1 callout, timed", "", classifications(*single, values, true), {}});
  ms.push_back({std::to_string(k) + " callouts, untimed", "", classifications(*chain, values, false), {}});
  ms.push_back({std::to_string(k) + " callouts, timed", "", classifications(*chain, values, true), {}});
  const size_t kParts = ms.size();
  ms.push_back({"part: steady_clock read", "steady_clock_read_ns", [](uint64_t n) {
                  uint64_t sum = 0;
                  for (uint64_t i = 0; i < n; ++i) sum += dispatch::steady_clock_ns(nullptr);
                  return sum;
                }, {}});
#if defined(__x86_64__)
  // Not used by openwfp: the bare time-stamp counter read, without the
  // ordering and conversion to nanoseconds the steady clock adds, for scale.
  ms.push_back({"peer: bare rdtsc", "bare_rdtsc_ns", [](uint64_t n) {
                  uint64_t sum = 0;
                  for (uint64_t i = 0; i < n; ++i) sum += __rdtsc();
                  return sum;
                }, {}});
#endif
  ms.push_back({"part: ClassifyScope", "classify_scope_ns", [](uint64_t n) {
                  for (uint64_t i = 0; i < n; ++i) {
                    dispatch::ClassifyScope scope;
                  }
                  return uint64_t{dispatch::KeGetCurrentIrql()};
                }, {}});
  ms.push_back({"part: histogram record", "histogram_record_ns", [&partsTimer, &records](uint64_t n) {
                  for (uint64_t i = 0; i < n; ++i) partsTimer.record(kRecordId, i, i + 40);
                  records += n;
                  return n;
                }, {}});
  ms.push_back({"part: ClassifyCall", "classify_call_ns", [&partsTimer, &calls_timed](uint64_t n) {
                  for (uint64_t i = 0; i < n; ++i) {
                    dispatch::ClassifyCall call(partsTimer, kCallId);
                  }
                  calls_timed += n;
                  return n;
                }, {}});

  // Warm up (and check) every configuration once before measuring.
  uint64_t sink = 0;
  for (Measurement& m : ms) sink += m.run(std::min<uint64_t>(a.calls, 10'000));
  measure_all(ms, a, &sink);

  Check check;
  check_scenario(check, "plain", *plain, values);
  check_scenario(check, "1 callout", *single, values);
  check_scenario(check, "chain", *chain, values);
  check.expect(partsTable.stats(kCallId).count == calls_timed, "parts: the table missed ClassifyCall calls");
  check.expect(partsTable.stats(kRecordId).count == records, "parts: the table missed recorded calls");
  check.expect(dispatch::KeGetCurrentIrql() == dispatch::PASSIVE_LEVEL && !dispatch::in_classify(),
               "the thread did not return to PASSIVE_LEVEL");
  check.expect(dispatch::irql_violations().empty(), "IRQL violations were recorded");

  const double plain_ns = ms[0].median(), untimed_ns = ms[1].median(), timed_ns = ms[2].median();
  const double chain_untimed_ns = ms[3].median(), chain_timed_ns = ms[4].median();
  const double timing_per_call = timed_ns - untimed_ns;
  const double scope_per_call = untimed_ns - plain_ns;
  const double chain_timing_per_call = (chain_timed_ns - chain_untimed_ns) / k;
  const double chain_call = (chain_untimed_ns - plain_ns) / k;
  const dispatch::CalloutTimingStats recorded = single->timing.stats(single->calloutIds[0]);

  if (a.json) {
    nlohmann::json parts;
    for (size_t i = kParts; i < ms.size(); ++i) parts[ms[i].key] = ms[i].median();
    nlohmann::json j = {
        {"layer", kLayerName},
        {"calls", a.calls},
        {"repetitions", a.repeat},
        {"seconds", a.seconds},
        {"plain_ns", plain_ns},
        {"callout_untimed_ns", untimed_ns},
        {"callout_timed_ns", timed_ns},
        {"timing_overhead_ns_per_call", timing_per_call},
        {"scope_overhead_ns_per_call", scope_per_call},
        {"chain",
         {{"callouts", k},
          {"untimed_ns", chain_untimed_ns},
          {"timed_ns", chain_timed_ns},
          {"timing_overhead_ns_per_call", chain_timing_per_call},
          {"call_overhead_ns_per_call", chain_call}}},
        {"parts_ns", parts},
        {"recorded_call", {{"count", recorded.count}, {"p50_ns", recorded.p50Ns}, {"mean_ns", recorded.meanNs}}},
        {"timed_classifications", single->timedClassifications},
        {"failures", check.failures}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s, median of %u repetitions, each at least %.2f s in batches of %llu\n", kLayerName, a.repeat,
                a.seconds, static_cast<unsigned long long>(a.calls));
    std::printf("%-28s %12s %20s\n", "", "ns/op", "min .. max");
    for (size_t i = 0; i < ms.size(); ++i) {
      if (i == kParts) std::printf("\n");
      std::printf("%-28s %12.1f %9.1f .. %-9.1f\n", ms[i].name.c_str(), ms[i].median(), ms[i].min(), ms[i].max());
    }
    std::printf("\nper callout call: untimed call over a plain filter %.1f ns, timing %.1f ns\n", scope_per_call,
                timing_per_call);
    std::printf("in a chain of %u: call (with its filter's match) %.1f ns, timing %.1f ns\n", k, chain_call,
                chain_timing_per_call);
    std::printf("the table's view of the empty call: p50 %llu ns, mean %llu ns over %llu calls\n",
                static_cast<unsigned long long>(recorded.p50Ns), static_cast<unsigned long long>(recorded.meanNs),
                static_cast<unsigned long long>(recorded.count));
  }
  if (sink == 42) std::fputc(' ', stderr);  // keeps the measured loops
  for (const std::string& f : check.failures) std::fprintf(stderr, "openwfp-bench callout: %s\n", f.c_str());
  return check.failures.empty() ? 0 : 1;
}

}  // namespace

void add_callout_command(CLI::App& app, int* status) {
  auto args = std::make_shared<CalloutArgs>();
  CLI::App* cmd = app.add_subcommand("callout", "The cost of a classifyFn call and of timing it, per call");
  cmd->add_option("--calls", args->calls, "classifications per timed batch (default 100,000)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000}));
  cmd->add_option("--callouts", args->callouts, "inspection callouts in the chain (default 4)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--seconds", args->seconds, "minimum time per configuration and repetition (default 0.2)")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--repeat", args->repeat, "repetitions; the median is reported (default 5)")
      ->check(CLI::Range(1u, 101u));
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, status] { *status = run(*args); });
}

}  // namespace bench
