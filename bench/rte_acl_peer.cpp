#include "rte_acl_peer.hpp"

#include <arpa/inet.h>
#include <rte_acl.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

#include "timed_passes.hpp"

namespace bench {
namespace {

using openwfp::classbench::Header;
using openwfp::classbench::Rule;

// One header as rte_acl reads it, in network byte order. rte_acl takes the
// first field as one byte, then reads every further input in groups of four
// consecutive bytes: the protocol alone, each address, both ports together.
struct AclInput {
  uint8_t proto;
  uint8_t pad[3];
  uint32_t src;
  uint32_t dst;
  uint16_t sport;
  uint16_t dport;
};
static_assert(sizeof(AclInput) == 16);

enum Field : uint8_t { kProto, kSrc, kDst, kSport, kDport, kFieldCount };

RTE_ACL_RULE_DEF(AclRule, kFieldCount);

// Rule capacity beyond the rule set: the extra rules the update adds.
constexpr uint32_t kUpdateRounds = 5;

rte_acl_config acl_config() {
  rte_acl_config c{};
  c.num_categories = 1;
  c.num_fields = kFieldCount;
  c.defs[kProto] = {RTE_ACL_FIELD_TYPE_BITMASK, sizeof(uint8_t), kProto, 0, offsetof(AclInput, proto)};
  c.defs[kSrc] = {RTE_ACL_FIELD_TYPE_MASK, sizeof(uint32_t), kSrc, 1, offsetof(AclInput, src)};
  c.defs[kDst] = {RTE_ACL_FIELD_TYPE_MASK, sizeof(uint32_t), kDst, 2, offsetof(AclInput, dst)};
  c.defs[kSport] = {RTE_ACL_FIELD_TYPE_RANGE, sizeof(uint16_t), kSport, 3, offsetof(AclInput, sport)};
  c.defs[kDport] = {RTE_ACL_FIELD_TYPE_RANGE, sizeof(uint16_t), kDport, 3, offsetof(AclInput, dport)};
  c.max_size = 0;  // no limit on the run-time tables
  return c;
}

uint32_t prefix_bits(uint32_t addr, uint8_t len) { return len == 0 ? 0 : addr & (~uint32_t{0} << (32 - len)); }

// Rule `index` in file order: the higher the priority the earlier the rule,
// so the first matching rule wins as in ClassBench. rte_acl answers 0 for
// "no match", hence userdata index + 1.
AclRule acl_rule(const Rule& r, uint32_t index) {
  AclRule a{};
  a.data.category_mask = 1;
  a.data.priority = static_cast<int32_t>(RTE_ACL_MAX_PRIORITY - index);
  a.data.userdata = index + 1;
  a.field[kProto].value.u8 = r.proto & r.protoMask;
  a.field[kProto].mask_range.u8 = r.protoMask;
  a.field[kSrc].value.u32 = prefix_bits(r.src, r.srcLen);
  a.field[kSrc].mask_range.u32 = r.srcLen;
  a.field[kDst].value.u32 = prefix_bits(r.dst, r.dstLen);
  a.field[kDst].mask_range.u32 = r.dstLen;
  a.field[kSport].value.u16 = r.sportLo;
  a.field[kSport].mask_range.u16 = r.sportHi;
  a.field[kDport].value.u16 = r.dportLo;
  a.field[kDport].mask_range.u16 = r.dportHi;
  return a;
}

AclInput acl_input(const Header& h) {
  AclInput in{};
  in.proto = h.proto;
  in.src = htonl(h.src);
  in.dst = htonl(h.dst);
  in.sport = htons(h.sport);
  in.dport = htons(h.dport);
  return in;
}

const rte_acl_rule* as_rules(const AclRule* rules) { return reinterpret_cast<const rte_acl_rule*>(rules); }

std::string dpdk_error(const char* what, int code) {
  return std::string(what) + ": " + rte_strerror(code < 0 ? -code : code);
}

// Bytes held in DPDK's heaps; rte_acl takes all its lasting memory there
// (its build scratch comes from malloc and is freed when the build ends).
size_t heap_bytes() {
  size_t total = 0;
  for (unsigned i = 0; i < rte_socket_count(); ++i) {
    rte_malloc_socket_stats s{};
    if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &s) == 0) total += s.heap_allocsz_bytes;
  }
  return total;
}

// The search rte_acl uses by default is its widest one the CPU and EAL's
// SIMD limit allow; it does not say which, so ask for each in the same order.
std::string choose_algorithm(rte_acl_ctx* ctx) {
  // `enum` spelled out: rte_acl_classify_alg also names a function.
  struct Named {
    enum rte_acl_classify_alg alg;
    const char* name;
  };
  const Named algorithms[] = {{RTE_ACL_CLASSIFY_AVX512X32, "avx512x32"},
                              {RTE_ACL_CLASSIFY_AVX512X16, "avx512x16"},
                              {RTE_ACL_CLASSIFY_AVX2, "avx2"},
                              {RTE_ACL_CLASSIFY_SSE, "sse"},
                              {RTE_ACL_CLASSIFY_SCALAR, "scalar"}};
  for (const Named& a : algorithms) {
    if (rte_acl_set_ctx_classify(ctx, a.alg) == 0) return a.name;
  }
  return "default";
}

struct ContextFree {
  void operator()(rte_acl_ctx* ctx) const noexcept { rte_acl_free(ctx); }
};
using Context = std::unique_ptr<rte_acl_ctx, ContextFree>;

uint32_t answer(uint32_t userdata) { return userdata == 0 ? kNoRule : userdata - 1; }

void measure_lookups(const ClassifyWork& work, const rte_acl_ctx* ctx, std::vector<const uint8_t*>& inputs,
                     ClassifierFigures* out) {
  const size_t count = inputs.size();
  std::vector<uint32_t> results(count);
  for (size_t k = 0; k < count; ++k) rte_acl_classify(ctx, &inputs[k], &results[k], 1, 1);
  for (size_t k = 0; k < count; ++k) {
    if (answer(results[k]) != work.expected[work.order[k]]) ++out->mismatches;
  }
  std::fill(results.begin(), results.end(), 0);
  for (size_t k = 0; k < count; k += kBatch) {
    rte_acl_classify(ctx, &inputs[k], &results[k], static_cast<uint32_t>(std::min(kBatch, count - k)), 1);
  }
  for (size_t k = 0; k < count; ++k) {
    if (answer(results[k]) != work.expected[work.order[k]]) ++out->mismatches;
  }

  out->lookupsPerSecond = lookups_per_second(count, work.minSeconds, [&] {
    uint64_t sum = 0;
    for (size_t k = 0; k < count; ++k) {
      uint32_t r = 0;
      rte_acl_classify(ctx, &inputs[k], &r, 1, 1);
      sum += r;
    }
    return sum;
  });
  out->batchLookupsPerSecond = lookups_per_second(count, work.minSeconds, [&] {
    uint32_t found[kBatch];
    uint64_t sum = 0;
    for (size_t k = 0; k < count; k += kBatch) {
      const auto n = static_cast<uint32_t>(std::min(kBatch, count - k));
      rte_acl_classify(ctx, &inputs[k], found, n, 1);
      for (uint32_t j = 0; j < n; ++j) sum += found[j];
    }
    return sum;
  });
}

// rte_acl has no incremental update: a change is the rule added, then the
// whole context built again. Rounds go on while under the minimum time.
bool measure_update(const ClassifyWork& work, rte_acl_ctx* ctx, const rte_acl_config& config,
                    const std::vector<AclRule>& rules, ClassifierFigures* out, std::string* error) {
  const auto n = static_cast<uint32_t>(rules.size());
  const auto t = Clock::now();
  uint32_t rounds = 0;
  do {
    // The first rule again, below every other: a change that alters no answer.
    const AclRule extra = acl_rule(work.rules.front(), n + rounds);
    int rc = rte_acl_add_rules(ctx, as_rules(&extra), 1);
    if (rc == 0) rc = rte_acl_build(ctx, &config);
    if (rc != 0) {
      *error = dpdk_error("rte_acl rebuild", rc);
      return false;
    }
    ++rounds;
  } while (rounds < kUpdateRounds && seconds_since(t) < work.minSeconds);
  out->updateMicros = seconds_since(t) * 1e6 / rounds;
  return true;
}

}  // namespace

bool start_rte_acl(unsigned memory_mb, std::string* error) {
  static bool started = false;
  static std::vector<std::string> args;  // EAL may keep pointers into its arguments
  if (started) return true;
  // No hugepages, no devices, no shared configuration files (--in-memory
  // cannot go with --no-huge), no telemetry socket.
  args = {"openwfp-bench", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0",
          "-m", std::to_string(memory_mb), "--log-level=error"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    *error = dpdk_error("rte_eal_init", rte_errno);
    return false;
  }
  started = true;
  return true;
}

void stop_rte_acl() { rte_eal_cleanup(); }

bool measure_rte_acl(const ClassifyWork& work, ClassifierFigures* out, std::string* error) {
  if (work.rules.empty() || work.rules.size() + kUpdateRounds >= RTE_ACL_MAX_PRIORITY) {
    *error = "rte_acl takes 1 to " + std::to_string(RTE_ACL_MAX_PRIORITY - kUpdateRounds - 1) + " rules";
    return false;
  }
  const auto n = static_cast<uint32_t>(work.rules.size());
  std::vector<AclRule> rules(n);
  for (uint32_t i = 0; i < n; ++i) rules[i] = acl_rule(work.rules[i], i);
  const rte_acl_config config = acl_config();

  rte_acl_param param{};
  param.name = "classbench";
  param.socket_id = SOCKET_ID_ANY;
  param.rule_size = RTE_ACL_RULE_SZ(kFieldCount);
  param.max_rule_num = n + kUpdateRounds;

  const auto t0 = Clock::now();
  Context ctx(rte_acl_create(&param));
  if (ctx == nullptr) {
    *error = dpdk_error("rte_acl_create", rte_errno);
    return false;
  }
  int rc = rte_acl_add_rules(ctx.get(), as_rules(rules.data()), n);
  if (rc != 0) {
    *error = dpdk_error("rte_acl_add_rules", rc);
    return false;
  }
  const size_t heap_before_build = heap_bytes();
  const auto t1 = Clock::now();
  rc = rte_acl_build(ctx.get(), &config);
  out->classifierBuildSeconds = seconds_since(t1);
  out->buildSeconds = seconds_since(t0);
  if (rc != 0) {
    *error = dpdk_error("rte_acl_build", rc) + " (more memory: --rte-acl-mb)";
    return false;
  }
  // The run-time tables the build left in DPDK's heap.
  out->memoryBytes = heap_bytes() - heap_before_build;
  out->name = "rte_acl " + choose_algorithm(ctx.get());

  std::vector<AclInput> inputs(work.headers.size());
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = acl_input(work.headers[i]);
  std::vector<const uint8_t*> ordered(work.order.size());
  for (size_t k = 0; k < ordered.size(); ++k) {
    ordered[k] = reinterpret_cast<const uint8_t*>(&inputs[work.order[k]]);
  }
  measure_lookups(work, ctx.get(), ordered, out);
  return measure_update(work, ctx.get(), config, rules, out, error);
}

}  // namespace bench
