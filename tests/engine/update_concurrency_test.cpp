// A filter is added and deleted, one transaction each, while other threads
// classify ClassBench headers against a ClassBench rule set. Every answer a
// reader gets must be the answer of the generation without the toggled filter
// (A) or of the one with it (B), never a mix of the two and never anything
// else; both must be seen, so the readers did cross generations. Under
// ThreadSanitizer (scripts/test --tsan) this is also the check that nothing a
// reader holds is written or freed under it.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "classbench/classbench.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/engine.hpp"
#include "support/engine_fixture.hpp"
#include "support/shared_data.hpp"

namespace openwfp::test {
namespace {

// acl1_1k (940 rules): every commit copies the model and compiles the layer,
// and many generations matter more here than a large table (with acl1_10k a
// commit takes about 0.8 s under ThreadSanitizer, ten times acl1_1k's).
constexpr const char* kRuleSet = "classbench/acl1_1k";
constexpr size_t kSampleSize = 2000;
// Add + delete pairs at least: 100 generations, each classified against
// thousands of times by both readers. A commit costs about 250 ms in the
// Debug ASan build, so more pairs would cost CI minutes there.
constexpr int kToggles = 50;
constexpr int kMaxToggles = 80 * kToggles;  // then give up waiting for the readers to see both
constexpr int kReaders = 2;

constexpr uint32_t kNoFilter = UINT32_MAX;     // no filter decided
constexpr uint32_t kToggled = UINT32_MAX - 1;  // the filter the writer adds and deletes
constexpr uint32_t kUnknown = UINT32_MAX - 2;  // a filter id neither generation has

// One classification with the deciding filter named in a way that is stable
// across generations: its rule number in the set, or kToggled (the toggled
// filter gets a new id on every add).
struct Answer {
  uint32_t decider = kNoFilter;
  uint32_t actionType = 0;
  bool noMatch = true;
  bool operator==(const Answer& other) const = default;
};

std::string describe(uint32_t decider) {
  switch (decider) {
    case kNoFilter: return "no filter";
    case kToggled: return "the toggled filter";
    case kUnknown: return "an unknown filter";
    default: return "rule " + std::to_string(decider);
  }
}

class UpdateConcurrency : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!shared_data_present(kRuleSet)) GTEST_SKIP() << "shared data not found at " << shared_data_dir();
    const std::string base = shared_data_dir() + "/" + kRuleSet;
    std::string error;
    ASSERT_TRUE(classbench::read_rules(base, &rules_, &error)) << error;
    std::vector<classbench::Header> headers;
    ASSERT_TRUE(classbench::read_trace(base + "_trace", &headers, &error)) << error;
    ASSERT_GE(headers.size(), kSampleSize);
    // An even spread over the trace.
    std::vector<classbench::Header> sample;
    for (size_t k = 0; k < kSampleSize; ++k) sample.push_back(headers[k * headers.size() / kSampleSize]);
    sample_ = sample;
    trace_ = std::make_unique<classbench::Trace>(sample);

    Transaction txn;
    OPENWFP_ASSERT_OK(engine_.begin(&txn));
    const std::vector<Filter> filters = classbench::to_filters(rules_, Guid{});
    for (uint32_t i = 0; i < filters.size(); ++i) {
      uint64_t id = 0;
      ASSERT_EQ(txn.add_filter(filters[i], &id, &error), Status::SUCCESS) << error;
      rule_of_[id] = i;
      if (id > maxRuleId_) maxRuleId_ = id;
    }
    OPENWFP_ASSERT_OK(txn.commit());
  }

  Answer answer_of(const ClassifyResult& r) const {
    Answer a;
    a.actionType = r.actionType;
    a.noMatch = r.noMatch;
    if (r.filterId == 0) {
      a.decider = kNoFilter;
    } else if (auto it = rule_of_.find(r.filterId); it != rule_of_.end()) {
      a.decider = it->second;
    } else {
      // Ids only grow, so every id the toggled filter gets is above the rules'.
      a.decider = r.filterId > maxRuleId_ ? kToggled : kUnknown;
    }
    return a;
  }

  std::vector<Answer> classify_sample() {
    Engine::Reader reader(engine_);
    std::vector<Answer> out;
    for (size_t i = 0; i < trace_->size(); ++i) {
      ClassifyResult r;
      reader.classify(trace_->values(i), {}, &r);
      out.push_back(answer_of(r));
    }
    return out;
  }

  // The headers of the sample the toggled filter is written to match: those
  // sent to the /8 of the first sample header, over TCP.
  std::vector<FilterCondition> toggled_conditions() const {
    const uint32_t network = sample_[0].dst & 0xFF000000u;
    return {cond("IP_REMOTE_ADDRESS", MatchType::FWP_MATCH_EQUAL, ConditionValue::of_v4_prefix(network, 8)),
            cond("IP_PROTOCOL", MatchType::FWP_MATCH_EQUAL, ConditionValue::of_uint(DataType::FWP_UINT8, 6))};
  }

  // Precomputes A and B single-threaded, then toggles `toggled` while
  // kReaders threads classify the sample, and checks every answer.
  void run(const Filter& toggled) {
    const std::vector<Answer> a = classify_sample();
    uint64_t id = 0;
    OPENWFP_ASSERT_OK(engine_.add_filter(toggled, &id));
    const std::vector<Answer> b = classify_sample();
    OPENWFP_ASSERT_OK(engine_.delete_filter_by_id(id));
    ASSERT_EQ(classify_sample(), a) << "deleting the filter did not restore the first answers";

    // The toggle must matter: some headers change, each to the toggled filter.
    size_t changed = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_NE(a[i].decider, kUnknown) << "header " << i;
      if (a[i] == b[i]) continue;
      ++changed;
      ASSERT_EQ(b[i].decider, kToggled) << "header " << i;
      ASSERT_EQ(b[i].actionType, FWP_ACTION_PERMIT) << "header " << i;
    }
    ASSERT_GT(changed, 0u) << "the toggled filter changes no answer of the sample";
    ASSERT_LT(changed, a.size()) << "the toggled filter changes every answer of the sample";

    // Readers keep their tallies in atomics so the writer can see when both
    // generations have been observed; each counter has one writer.
    struct alignas(64) Tally {
      std::atomic<uint64_t> unchanged{0}, asA{0}, asB{0}, wrong{0};
      size_t firstWrongHeader = 0;  // read after join
      Answer firstWrongAnswer;
      bool slotFree = true;
    };
    std::vector<Tally> tallies(kReaders);
    std::atomic<bool> stop{false};
    auto reader = [&](Tally* t) {
      Engine::Reader r(engine_);
      if (!r.valid()) {
        t->slotFree = false;
        return;
      }
      while (!stop.load(std::memory_order_relaxed)) {
        for (size_t i = 0; i < trace_->size() && !stop.load(std::memory_order_relaxed); ++i) {
          ClassifyResult res;
          r.classify(trace_->values(i), {}, &res);
          const Answer got = answer_of(res);
          if (got == a[i] && got == b[i]) {
            t->unchanged.fetch_add(1, std::memory_order_relaxed);
          } else if (got == a[i]) {
            t->asA.fetch_add(1, std::memory_order_relaxed);
          } else if (got == b[i]) {
            t->asB.fetch_add(1, std::memory_order_relaxed);
          } else if (t->wrong.fetch_add(1, std::memory_order_relaxed) == 0) {
            t->firstWrongHeader = i;
            t->firstWrongAnswer = got;
          }
        }
      }
    };
    auto total = [&](std::atomic<uint64_t> Tally::*field) {
      uint64_t sum = 0;
      for (const Tally& t : tallies) sum += (t.*field).load(std::memory_order_relaxed);
      return sum;
    };

    const uint64_t firstGeneration = engine_.generation();
    std::vector<std::thread> threads;
    for (Tally& t : tallies) threads.emplace_back(reader, &t);
    int toggles = 0;
    Status failed = Status::SUCCESS;
    for (; toggles < kToggles || ((total(&Tally::asA) == 0 || total(&Tally::asB) == 0) && toggles < kMaxToggles);
         ++toggles) {
      uint64_t toggledId = 0;
      failed = engine_.add_filter(toggled, &toggledId);
      if (failed != Status::SUCCESS) break;
      failed = engine_.delete_filter_by_id(toggledId);
      if (failed != Status::SUCCESS) break;
    }
    stop = true;
    for (std::thread& t : threads) t.join();

    ASSERT_EQ(failed, Status::SUCCESS) << status_name(failed) << " at toggle " << toggles;
    EXPECT_EQ(engine_.generation(), firstGeneration + 2 * static_cast<uint64_t>(toggles));
    for (size_t k = 0; k < tallies.size(); ++k) {
      ASSERT_TRUE(tallies[k].slotFree) << "reader " << k << " found no free slot";
      const size_t h = tallies[k].firstWrongHeader;
      EXPECT_EQ(tallies[k].wrong.load(), 0u)
          << "reader " << k << ": header " << h << " decided by " << describe(tallies[k].firstWrongAnswer.decider)
          << " (action " << tallies[k].firstWrongAnswer.actionType << "); A: " << describe(a[h].decider)
          << ", B: " << describe(b[h].decider);
    }
    EXPECT_GT(total(&Tally::asA), 0u) << "no reader saw a generation without the filter";
    EXPECT_GT(total(&Tally::asB), 0u) << "no reader saw a generation with the filter";
    EXPECT_GT(total(&Tally::unchanged), 0u);
    // Back to A once the writer is done.
    EXPECT_EQ(classify_sample(), a);
    RecordProperty("toggles", toggles);
    RecordProperty("answers_as_A", std::to_string(total(&Tally::asA)));
    RecordProperty("answers_as_B", std::to_string(total(&Tally::asB)));
  }

  Engine engine_;
  std::vector<classbench::Rule> rules_;
  std::vector<classbench::Header> sample_;
  std::unique_ptr<classbench::Trace> trace_;
  std::unordered_map<uint64_t, uint32_t> rule_of_;  // filter id -> rule number
  uint64_t maxRuleId_ = 0;
};

// The toggled filter sits above every rule in the rules' own sublayer: a
// permit that wins over the rules' blocks for the headers it matches.
TEST_F(UpdateConcurrency, FilterAboveTheRulesInTheirSublayer) {
  Filter f = make_filter("toggled", classbench::layer(), FWP_ACTION_PERMIT, Guid{},
                         FilterWeight::exact(rules_.size() + 1), toggled_conditions());
  run(f);
}

// The toggled filter sits in a sublayer of its own, evaluated before the
// rules' sublayer: a hard permit (the write right cleared) that the rules'
// blocks cannot override. The rules' sublayer is unchanged between the two
// generations; only arbitration across sublayers differs.
TEST_F(UpdateConcurrency, HardPermitInAnotherSublayer) {
  const Sublayer sublayer = make_sublayer("toggled", 0xFFFF);
  OPENWFP_ASSERT_OK(engine_.add_sublayer(sublayer));
  Filter f = make_filter("toggled", classbench::layer(), FWP_ACTION_PERMIT, sublayer.subLayerKey,
                         FilterWeight::automatic(), toggled_conditions(), FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT);
  run(f);
}

}  // namespace
}  // namespace openwfp::test
