// ClassBench rule sets as filters: the engine's first match equals the
// brute-force answers shipped with the sets, for every header of the traces.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "classbench/classbench.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/model.hpp"
#include "support/shared_data.hpp"

namespace openwfp::test {
namespace {

class ClassBench : public ::testing::TestWithParam<std::tuple<std::string, ClassifierKind>> {};

TEST_P(ClassBench, FirstMatchEqualsTheExpectedRule) {
  const std::string set = std::get<0>(GetParam());
  const std::string dir = "classbench/";
  if (!shared_data_present(dir + set)) GTEST_SKIP() << "shared data not found at " << shared_data_dir();
  const std::string base = shared_data_dir() + "/" + dir + set;
  std::vector<classbench::Rule> rules;
  std::vector<classbench::Header> headers;
  std::vector<uint32_t> expected;
  std::string error;
  ASSERT_TRUE(classbench::read_rules(base, &rules, &error)) << error;
  ASSERT_TRUE(classbench::read_trace(base + "_trace", &headers, &error)) << error;
  ASSERT_TRUE(classbench::read_expected(base + "_trace.expected", &expected, &error)) << error;
  ASSERT_EQ(headers.size(), expected.size());

  EngineOptions options;
  options.classifier = std::get<1>(GetParam());
  Engine engine(options);
  Transaction txn;
  ASSERT_EQ(engine.begin(&txn), Status::SUCCESS);
  std::vector<uint64_t> ids;
  for (const Filter& f : classbench::to_filters(rules, Guid{})) {
    uint64_t id = 0;
    ASSERT_EQ(txn.add_filter(f, &id, &error), Status::SUCCESS) << error;
    ids.push_back(id);
  }
  ASSERT_EQ(txn.commit(), Status::SUCCESS);
  std::map<uint64_t, uint32_t> rule_of;
  for (uint32_t i = 0; i < ids.size(); ++i) rule_of[ids[i]] = i;

  classbench::Trace trace(headers);
  Engine::Reader reader(engine);
  size_t mismatches = 0;
  for (size_t i = 0; i < trace.size(); ++i) {
    ClassifyResult r;
    reader.classify(trace.values(i), {}, &r);
    const uint32_t got = r.filterId == 0 ? UINT32_MAX : rule_of[r.filterId];
    if (got != expected[i] && ++mismatches <= 5) {
      ADD_FAILURE() << set << " header " << i << ": rule " << got << ", expected " << expected[i];
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << trace.size();
}

INSTANTIATE_TEST_SUITE_P(Sets, ClassBench,
                         ::testing::Combine(::testing::Values("acl1_1k", "fw1_1k", "ipc1_1k"),
                                            ::testing::Values(ClassifierKind::TUPLE, ClassifierKind::LINEAR,
                                                              ClassifierKind::REFERENCE)),
                         [](const auto& row) {
                           const ClassifierKind k = std::get<1>(row.param);
                           return std::get<0>(row.param) + (k == ClassifierKind::TUPLE    ? "_tuple"
                                                            : k == ClassifierKind::LINEAR ? "_linear"
                                                                                          : "_reference");
                         });

// The larger sets, with the default classifier only (a scan of 10K rules
// per header is the slow peer the benchmark measures, not a test).
INSTANTIATE_TEST_SUITE_P(Large, ClassBench,
                         ::testing::Combine(::testing::Values("acl1_10k", "fw1_10k", "ipc1_10k", "acl1_100k"),
                                            ::testing::Values(ClassifierKind::TUPLE)),
                         [](const auto& row) { return std::get<0>(row.param) + "_tuple"; });

TEST(ClassBenchFiles, BadInputIsAnErrorWithTheLine) {
  const std::string path = ::testing::TempDir() + "/bad_rules";
  {
    std::ofstream out(path);
    out << "@1.2.3.4/32\t5.6.7.8/32\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000\n";
    out << "@1.2.3.4/33\t5.6.7.8/32\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000\n";
  }
  std::vector<classbench::Rule> rules;
  std::string error;
  EXPECT_FALSE(classbench::read_rules(path, &rules, &error));
  EXPECT_EQ(error, path + ":2: not a ClassBench rule");
}

}  // namespace
}  // namespace openwfp::test
