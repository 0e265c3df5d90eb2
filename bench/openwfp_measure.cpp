#include "openwfp_measure.hpp"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "engine/generation.hpp"
#include "openwfp/status.hpp"
#include "timed_passes.hpp"

namespace bench {
namespace {

using namespace openwfp;

// Commits every rule as a filter in one transaction; `rule_of` maps each
// filter id back to its rule.
bool load(Engine& engine, const std::vector<Filter>& filters, std::unordered_map<uint64_t, uint32_t>* rule_of,
          std::string* error) {
  Transaction txn;
  std::string why;
  if (engine.begin(&txn, &why) != Status::SUCCESS) {
    *error = "begin: " + why;
    return false;
  }
  for (uint32_t i = 0; i < filters.size(); ++i) {
    uint64_t id = 0;
    if (txn.add_filter(filters[i], &id, &why) != Status::SUCCESS) {
      *error = "rule " + std::to_string(i) + ": " + why;
      return false;
    }
    (*rule_of)[id] = i;
  }
  if (txn.commit(&why) != Status::SUCCESS) {
    *error = "commit: " + why;
    return false;
  }
  return true;
}

void measure_engine(const ClassifyWork& work, const classbench::Trace& trace, const Engine& engine,
                    const std::unordered_map<uint64_t, uint32_t>& rule_of, ClassifierFigures* out) {
  Engine::Reader reader(engine);
  for (size_t i = 0; i < trace.size(); ++i) {
    ClassifyResult r;
    reader.classify(trace.values(i), {}, &r);
    const auto it = rule_of.find(r.filterId);
    const uint32_t got = it == rule_of.end() ? kNoRule : it->second;
    if (got != work.expected[i]) ++out->mismatches;
  }
  out->engineLookupsPerSecond = lookups_per_second(work.order.size(), work.minSeconds, [&] {
    uint64_t sum = 0;
    for (size_t i : work.order) {
      ClassifyResult r;
      reader.classify(trace.values(i), {}, &r);
      sum += r.filterId;
    }
    return sum;
  });
}

void measure_classifier(const ClassifyWork& work, const classbench::Trace& trace, const classify::Classifier& c,
                        const std::vector<uint32_t>& rule_at, bool batch, ClassifierFigures* out) {
  const auto end = static_cast<uint32_t>(c.rule_count());
  auto rule_of_position = [&](uint32_t position) { return position == classify::kNoMatch ? kNoRule : rule_at[position]; };
  for (size_t i = 0; i < trace.size(); ++i) {
    if (rule_of_position(c.first_match(trace.values(i), 0, end)) != work.expected[i]) ++out->mismatches;
  }
  out->lookupsPerSecond = lookups_per_second(work.order.size(), work.minSeconds, [&] {
    uint64_t sum = 0;
    for (size_t i : work.order) sum += c.first_match(trace.values(i), 0, end);
    return sum;
  });
  if (!batch) return;

  std::vector<const IncomingValues*> values(work.order.size());
  for (size_t k = 0; k < values.size(); ++k) values[k] = &trace.values(work.order[k]);
  std::vector<uint32_t> answers(values.size());
  for (size_t k = 0; k < values.size(); k += kBatch) {
    c.first_match_batch(&values[k], std::min(kBatch, values.size() - k), &answers[k]);
  }
  for (size_t k = 0; k < values.size(); ++k) {
    if (rule_of_position(answers[k]) != work.expected[work.order[k]]) ++out->mismatches;
  }
  out->batchLookupsPerSecond = lookups_per_second(values.size(), work.minSeconds, [&] {
    uint32_t found[kBatch];
    uint64_t sum = 0;
    for (size_t k = 0; k < values.size(); k += kBatch) {
      const size_t n = std::min(kBatch, values.size() - k);
      c.first_match_batch(&values[k], n, found);
      for (size_t j = 0; j < n; ++j) sum += found[j];
    }
    return sum;
  });
}

// Adds one filter and deletes it again, each in its own implicit
// transaction: mean time per commit.
double update_micros(Engine& engine, const std::vector<Filter>& filters) {
  Filter extra = filters.front();
  extra.filterKey = Guid::random();
  extra.name = "extra";
  const int rounds = 5;
  const auto t = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    uint64_t id = 0;
    engine.add_filter(extra, &id);
    engine.delete_filter_by_id(id);
  }
  return seconds_since(t) * 1e6 / (2.0 * rounds);
}

}  // namespace

bool measure_openwfp(const ClassifyWork& work, const classbench::Trace& trace, ClassifierKind kind, OpenwfpModes modes,
                     ClassifierFigures* out, std::string* error) {
  const std::vector<Filter> filters = classbench::to_filters(work.rules, Guid{});
  if (filters.empty()) {
    *error = "no rules";
    return false;
  }
  EngineOptions options;
  options.classifier = kind;
  Engine engine(options);
  std::unordered_map<uint64_t, uint32_t> rule_of;
  const auto t0 = Clock::now();
  if (!load(engine, filters, &rule_of, error)) return false;
  out->buildSeconds = seconds_since(t0);
  const Engine::LayerStats stats = engine.layer_stats(classbench::layer());
  out->name = stats.classifier;
  out->memoryBytes = stats.classifierBytes;

  if (modes.engine) measure_engine(work, trace, engine, rule_of, out);

  // The engine keeps a layer's classifier inside its published generation,
  // which it does not hand out; the engine's own generation builder, given
  // the committed model, builds the same classifier over the same filters in
  // the same evaluation order.
  const auto t1 = Clock::now();
  const std::unique_ptr<engine::Generation> generation = engine::build_generation(engine.snapshot(), 0, kind);
  out->classifierBuildSeconds = seconds_since(t1);
  const engine::LayerTable* table = generation->table(classbench::layer());
  if (table == nullptr || table->classifier == nullptr || table->filters.size() != filters.size()) {
    *error = "the layer's classifier does not hold every rule";
    return false;
  }
  std::vector<uint32_t> rule_at(table->filters.size());
  for (size_t p = 0; p < rule_at.size(); ++p) rule_at[p] = rule_of.at(table->filters[p].filterId);
  measure_classifier(work, trace, *table->classifier, rule_at, modes.batch, out);

  out->updateMicros = update_micros(engine, filters);
  return true;
}

}  // namespace bench
