// Tuple tables (tuple space search with TupleMerge's relaxed tuples).
//
// Each rule is a box over the layer's most-constrained fields (the hull of
// each field's intervals). Its tuple is, per field, how many leading bits
// every value in the box shares (a prefix length; 0 for a wildcard or a wide
// range). Rules go into hash tables keyed on those leading bits: a table with
// tuple T holds rules whose tuples are at least T in every field, hashed on
// T's bits, so a query probes each table once with its own key masked to T.
// Tuples are rounded down (TupleMerge's relaxation) so that few tables exist;
// a bucket grows to at most kCollisionLimit rules before the rule goes to a
// more specific table. Within a bucket, rules are in evaluation order and
// are checked exactly: the box, then the whole compiled rule when the box is
// not all of it (several intervals, residual conditions, other fields).
//
// A query takes the tables in order of their first rule and stops at the
// first table that cannot hold a rule before the best match so far, so the
// usual answer (an early rule) costs a few probes. A value absent or not of
// its field's type matches no rule that constrains that field: tables hashed
// on the field are skipped, and entries carry which boxed fields they
// constrain. Exact rules keep no compiled form, only their box.
#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "classify/classifier.hpp"
#include "openwfp/value.hpp"

namespace openwfp::classify {
namespace {

constexpr size_t kMaxFields = 8;
constexpr uint32_t kCollisionLimit = 16;

struct Field {
  uint16_t index = 0;
  DataType type = DataType::FWP_EMPTY;
  unsigned bits = 0;  // key width of the field's domain
};

unsigned domain_bits(DataType t) noexcept {
  if (is_signed_integer(t)) return 64;  // keys of signed values are 64-bit with the sign bit flipped (key.hpp)
  const unsigned w = integer_bits(t);
  if (w != 0) return w;
  return t == DataType::FWP_BYTE_ARRAY16_TYPE ? 128 : 0;
}

// The leading bits shared by every key in [low, high] of a `bits`-wide domain.
unsigned common_prefix(Key low, Key high, unsigned bits) noexcept {
  Key diff = low ^ high;
  unsigned used = 0;
  while (diff != 0) {
    diff >>= 1;
    ++used;
  }
  return bits - std::min(used, bits);
}

// TupleMerge's relaxation: prefix lengths rounded down to a coarse grid
// (a quarter of the domain, at least 4 bits), exact values kept exact.
unsigned relax(unsigned len, unsigned bits) noexcept {
  if (len == bits) return len;
  const unsigned step = std::max(4u, bits / 4);
  return len - len % step;
}

template <typename W>
W top_bits_mask(unsigned len, unsigned bits) noexcept {
  if (len == 0) return 0;
  const W domain = bits >= sizeof(W) * 8 ? ~W{0} : (W{1} << bits) - 1;
  const W low_bits = len >= bits ? W{0} : (W{1} << (bits - len)) - 1;
  return domain & ~low_bits;
}

// The hash of a masked key: each field's word times its own odd constant,
// summed (independent multiplies, no chain through the fields), then mixed.
constexpr uint64_t kFieldMultiplier[kMaxFields] = {0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull,
                                                   0xD6E8FEB86659FD93ull, 0xFF51AFD7ED558CCDull, 0xC4CEB9FE1A85EC53ull,
                                                   0x94D049BB133111EBull, 0xBF58476D1CE4E5B9ull};
inline uint64_t word_hash(uint64_t v, size_t f) noexcept { return v * kFieldMultiplier[f]; }
inline uint64_t word_hash(Key v, size_t f) noexcept {
  return (static_cast<uint64_t>(v) ^ (static_cast<uint64_t>(v >> 64) * 0x2545F4914F6CDD1Dull)) * kFieldMultiplier[f];
}
inline uint64_t finish_hash(uint64_t h) noexcept { return h ^ (h >> 31); }

template <typename W>
class TupleClassifier final : public Classifier {
 public:
  TupleClassifier(std::vector<Rule> rules, std::vector<Field> fields) : rules_(std::move(rules)), fields_(std::move(fields)) {
    build();
  }

  std::string_view name() const noexcept override { return "tuple"; }
  size_t rule_count() const noexcept override { return rules_.size(); }

  uint32_t first_match(const IncomingValues& values, uint32_t from, uint32_t end) const noexcept override {
    end = std::min<uint32_t>(end, static_cast<uint32_t>(rules_.size()));
    if (from >= end) return kNoMatch;
    Query q;
    extract(values, &q);
    uint32_t best = end;
    for (const Table& t : tables_) {
      if (t.minRule >= best) break;
      if (t.maxRule < from || (t.hashedFields & q.missing) != 0 || !passes_gate(t, q)) continue;
      const uint64_t h = hash(t, q);
      if (const Slot* slot = find_slot(t, h)) best = match_in_bucket(*slot, q, values, from, best);
    }
    return best < end ? best : kNoMatch;
  }

  // Groups of queries go through the tables together: each step computes
  // every query's slot and prefetches it before any is read, so the memory
  // latency of one query's probe overlaps the others'.
  void first_match_batch(const IncomingValues* const* values, size_t count, uint32_t* out) const noexcept override {
    constexpr size_t kGroup = 16;
    const auto n = static_cast<uint32_t>(rules_.size());
    for (size_t base = 0; base < count; base += kGroup) {
      const size_t m = std::min(kGroup, count - base);
      std::array<Query, kGroup> queries;
      std::array<uint32_t, kGroup> best;
      std::array<uint64_t, kGroup> hashes;
      // Queries still searching, and those that probe the current table.
      std::array<uint8_t, kGroup> live;
      std::array<uint8_t, kGroup> probing;
      std::array<const Slot*, kGroup> found;
      // The next group's values, while this group works.
      for (size_t i = base + kGroup; i < std::min(count, base + 2 * kGroup); ++i) {
        for (const Field& field : fields_) {
          if (field.index < values[i]->valueCount) __builtin_prefetch(&values[i]->incomingValue[field.index]);
        }
      }
      for (size_t i = 0; i < m; ++i) {
        best[i] = n;
        extract(*values[base + i], &queries[i]);
        live[i] = static_cast<uint8_t>(i);
      }
      size_t nLive = m;
      for (const Table& t : tables_) {
        if (nLive == 0) break;
        size_t kept = 0;
        size_t nProbing = 0;
        for (size_t k = 0; k < nLive; ++k) {
          const uint8_t i = live[k];
          if (t.minRule >= best[i]) continue;  // tables come by first rule: nothing further can win
          live[kept++] = i;
          if ((t.hashedFields & queries[i].missing) != 0 || !passes_gate(t, queries[i])) continue;
          hashes[i] = hash(t, queries[i]);
          __builtin_prefetch(slots_.data() + t.firstSlot + (static_cast<uint32_t>(hashes[i]) & t.slotMask));
          probing[nProbing++] = i;
        }
        nLive = kept;
        for (size_t k = 0; k < nProbing; ++k) {
          const uint8_t i = probing[k];
          found[i] = find_slot(t, hashes[i]);
          if (found[i] != nullptr) __builtin_prefetch(entries_.data() + static_cast<size_t>(found[i]->begin) * stride_);
        }
        for (size_t k = 0; k < nProbing; ++k) {
          const uint8_t i = probing[k];
          if (found[i] != nullptr) best[i] = match_in_bucket(*found[i], queries[i], *values[base + i], 0, best[i]);
        }
      }
      for (size_t i = 0; i < m; ++i) out[base + i] = best[i] < n ? best[i] : kNoMatch;
    }
  }

  size_t memory_bytes() const noexcept override {
    size_t bytes = sizeof(*this) + tables_.capacity() * sizeof(Table) + slots_.capacity() * sizeof(Slot) +
                   entries_.capacity() * sizeof(W);
    bytes += rules_.capacity() * sizeof(Rule);
    for (const Rule& r : rules_) {
      bytes += r.groups.capacity() * sizeof(FieldGroup);
      for (const FieldGroup& g : r.groups) {
        bytes += g.intervals.capacity() * sizeof(Interval) + g.residuals.capacity() * sizeof(ResidualCondition);
      }
    }
    return bytes;
  }

  size_t table_count() const noexcept { return tables_.size(); }

 private:
  // A query's keys for the boxed fields; `missing` has bit f when the value
  // of field f is absent or not of the field's type (key 0 then): no rule
  // that constrains f can match it.
  struct Query {
    std::array<W, kMaxFields> key{};
    uint32_t missing = 0;
  };
  struct Table {
    std::array<W, kMaxFields> mask{};
    std::array<uint8_t, kMaxFields> len{};
    uint32_t hashedFields = 0;  // bit f: len[f] > 0 (every rule here constrains f)
    // Up to two gates, 256 bits each, over the top byte of a field every
    // rule here fixes in at least 8 leading bits: a query whose byte is not
    // set in a gate cannot match a rule here, found without touching the
    // slots (the gates of all tables fit in a few cache lines).
    uint8_t gates = 0;
    std::array<uint8_t, 2> gateField{};
    std::array<uint8_t, 2> gateShift{};
    std::array<std::array<uint64_t, 4>, 2> gate{};
    uint32_t minRule = 0, maxRule = 0;
    uint32_t firstSlot = 0, slotMask = 0;
  };
  struct Slot {
    uint64_t hash = 0;
    uint32_t begin = 0;
    uint32_t count = 0;  // 0: empty
  };

  uint64_t hash(const Table& t, const Query& q) const noexcept {
    uint64_t h = 0;
    for (size_t f = 0; f < fields_.size(); ++f) h += word_hash(q.key[f] & t.mask[f], f);
    return finish_hash(h);
  }

  static bool passes_gate(const Table& t, const Query& q) noexcept {
    for (uint8_t g = 0; g < t.gates; ++g) {
      const auto byte = static_cast<uint32_t>(q.key[t.gateField[g]] >> t.gateShift[g]) & 0xFFu;
      if (((t.gate[g][byte >> 6] >> (byte & 63)) & 1) == 0) return false;
    }
    return true;
  }

  // The slot holding hash `h` in table t, or null.
  const Slot* find_slot(const Table& t, uint64_t h) const noexcept {
    for (uint32_t s = static_cast<uint32_t>(h) & t.slotMask;; s = (s + 1) & t.slotMask) {
      const Slot& slot = slots_[t.firstSlot + s];
      if (slot.count == 0) return nullptr;
      if (slot.hash == h) return &slot;
    }
  }

  // The first rule of the bucket in [from, best) that matches, else best.
  // Entry header: the rule (bits 0-31), whether its box is all of it
  // (bit 32), the boxed fields it constrains (bits 40-47).
  static W header(uint32_t rule, bool exact, uint32_t constrains) noexcept {
    return static_cast<W>(rule) | (static_cast<W>(exact ? 1 : 0) << 32) | (static_cast<W>(constrains) << 40);
  }

  uint32_t match_in_bucket(const Slot& slot, const Query& q, const IncomingValues& values, uint32_t from,
                           uint32_t best) const noexcept {
    const size_t nf = fields_.size();
    const W* entry = entries_.data() + static_cast<size_t>(slot.begin) * stride_;
    for (uint32_t e = 0; e < slot.count; ++e, entry += stride_) {
      const auto r = static_cast<uint32_t>(entry[0]);
      if (r >= best) break;
      if (r < from) continue;
      const auto constrains = static_cast<uint32_t>(entry[0] >> 40) & 0xFFu;
      if ((constrains & q.missing) != 0 || !in_box(entry + 1, q.key, nf)) continue;
      if (((entry[0] >> 32) & 1) != 0 || rule_matches(rules_[r], values)) return r;
    }
    return best;
  }

  void extract(const IncomingValues& values, Query* q) const noexcept {
    q->missing = 0;
    for (size_t f = 0; f < fields_.size(); ++f) {
      const Field& field = fields_[f];
      Key k = 0;
      const bool present = field.index < values.valueCount &&
                           values.incomingValue[field.index].value.type == field.type &&
                           key_of(values.incomingValue[field.index].value, &k);
      q->key[f] = present ? static_cast<W>(k) : W{0};
      if (!present) q->missing |= 1u << f;
    }
  }

  static bool in_box(const W* box, const std::array<W, kMaxFields>& key, size_t nf) noexcept {
    for (size_t f = 0; f < nf; ++f) {
      if (key[f] < box[2 * f] || key[f] > box[2 * f + 1]) return false;
    }
    return true;
  }

  void build() {
    const size_t nf = fields_.size();
    const auto n = static_cast<uint32_t>(rules_.size());
    stride_ = 1 + 2 * nf;
    boxes_.assign(static_cast<size_t>(n) * nf * 2, W{0});
    exact_.assign(n, 0);
    constrains_.assign(n, 0);
    std::vector<std::array<uint8_t, kMaxFields>> tuples(n);
    for (uint32_t r = 0; r < n; ++r) box_rule(r, &tuples[r]);

    // Assignment, in evaluation order (buckets stay sorted by rule).
    struct Building {
      std::array<uint8_t, kMaxFields> len{};
      std::array<W, kMaxFields> mask{};
      std::unordered_map<uint64_t, std::vector<uint32_t>> buckets;
      uint32_t minRule = UINT32_MAX, maxRule = 0;
    };
    std::vector<Building> building;
    auto hash_of = [&](const Building& b, uint32_t r) {
      const W* box = boxes_.data() + static_cast<size_t>(r) * nf * 2;
      uint64_t h = 0;
      for (size_t f = 0; f < nf; ++f) h += word_hash(box[2 * f] & b.mask[f], f);
      return finish_hash(h);
    };
    auto find_table = [&](const std::array<uint8_t, kMaxFields>& len) -> Building* {
      for (Building& b : building) {
        if (b.len == len) return &b;
      }
      return nullptr;
    };
    auto make_table = [&](const std::array<uint8_t, kMaxFields>& len) -> Building* {
      Building b;
      b.len = len;
      for (size_t f = 0; f < nf; ++f) b.mask[f] = top_bits_mask<W>(len[f], fields_[f].bits);
      building.push_back(std::move(b));
      return &building.back();
    };
    for (uint32_t r = 0; r < n; ++r) {
      if (rules_[r].never) continue;
      const auto& tr = tuples[r];
      Building* chosen = nullptr;
      unsigned chosenBits = 0;
      for (Building& b : building) {
        bool fits = true;
        unsigned sum = 0;
        for (size_t f = 0; f < nf && fits; ++f) {
          fits = b.len[f] <= tr[f];
          sum += b.len[f];
        }
        if (!fits || (chosen != nullptr && sum <= chosenBits)) continue;
        auto it = b.buckets.find(hash_of(b, r));
        if (it != b.buckets.end() && it->second.size() >= kCollisionLimit) continue;
        chosen = &b;
        chosenBits = sum;
      }
      if (chosen == nullptr) {
        std::array<uint8_t, kMaxFields> relaxed{};
        for (size_t f = 0; f < nf; ++f) relaxed[f] = static_cast<uint8_t>(relax(tr[f], fields_[f].bits));
        chosen = find_table(relaxed);
        if (chosen == nullptr) {
          chosen = make_table(relaxed);
        } else {
          chosen = find_table(tr);
          if (chosen == nullptr) chosen = make_table(tr);  // else: the rule's own tuple, full or not
        }
      }
      chosen->buckets[hash_of(*chosen, r)].push_back(r);
      chosen->minRule = std::min(chosen->minRule, r);
      chosen->maxRule = std::max(chosen->maxRule, r);
    }

    // Freeze: tables by their first rule, open addressing per table.
    std::sort(building.begin(), building.end(),
              [](const Building& a, const Building& b) { return a.minRule < b.minRule; });
    for (const Building& b : building) {
      if (b.buckets.empty()) continue;
      Table t;
      t.mask = b.mask;
      t.len = b.len;
      for (size_t f = 0; f < nf; ++f) t.hashedFields |= b.len[f] > 0 ? 1u << f : 0u;
      // The gates: the two fields this table fixes in the most leading bits
      // (8 at least), the longer first.
      for (uint8_t g = 0; g < 2; ++g) {
        size_t gf = nf;
        for (size_t f = 0; f < nf; ++f) {
          if (g == 1 && t.gates == 1 && f == t.gateField[0]) continue;
          if (b.len[f] >= 8 && (gf == nf || b.len[f] > b.len[gf])) gf = f;
        }
        if (gf == nf) break;
        t.gateField[g] = static_cast<uint8_t>(gf);
        t.gateShift[g] = static_cast<uint8_t>(fields_[gf].bits - 8);
        for (const auto& [h, rulesIn] : b.buckets) {
          for (const uint32_t r : rulesIn) {
            const W low = boxes_[static_cast<size_t>(r) * nf * 2 + 2 * gf];
            const auto byte = static_cast<uint32_t>(low >> t.gateShift[g]) & 0xFFu;
            t.gate[g][byte >> 6] |= uint64_t{1} << (byte & 63);
          }
        }
        t.gates = static_cast<uint8_t>(g + 1);
      }
      t.minRule = b.minRule;
      t.maxRule = b.maxRule;
      uint32_t size = 1;
      while (size < b.buckets.size() * 2) size <<= 1;
      t.firstSlot = static_cast<uint32_t>(slots_.size());
      t.slotMask = size - 1;
      slots_.resize(slots_.size() + size);
      for (const auto& [h, rulesIn] : b.buckets) {
        uint32_t s = static_cast<uint32_t>(h) & t.slotMask;
        while (slots_[t.firstSlot + s].count != 0) s = (s + 1) & t.slotMask;
        Slot& slot = slots_[t.firstSlot + s];
        slot.hash = h;
        slot.begin = static_cast<uint32_t>(entries_.size() / stride_);
        slot.count = static_cast<uint32_t>(rulesIn.size());
        // Each entry: the rule (low 32 bits) and whether its box is all of
        // it (bit 32), then its box: one cache line or two per candidate.
        for (const uint32_t r : rulesIn) {
          entries_.push_back(header(r, exact_[r] != 0, constrains_[r]));
          const W* box = boxes_.data() + static_cast<size_t>(r) * nf * 2;
          entries_.insert(entries_.end(), box, box + 2 * nf);
        }
      }
      tables_.push_back(t);
    }
    slots_.shrink_to_fit();
    entries_.shrink_to_fit();
    // Exact rules are their boxes: only the others keep their compiled form.
    for (uint32_t r = 0; r < n; ++r) {
      if (exact_[r] != 0) rules_[r] = Rule{};
    }
    boxes_ = {};  // copied into the entries
    exact_ = {};
    constrains_ = {};
  }

  // The rule's box and tuple; whether the box is the whole rule.
  void box_rule(uint32_t r, std::array<uint8_t, kMaxFields>* tuple) {
    const Rule& rule = rules_[r];
    const size_t nf = fields_.size();
    W* box = boxes_.data() + static_cast<size_t>(r) * nf * 2;
    bool exact = !rule.never;
    size_t boxedGroups = 0;
    for (size_t f = 0; f < nf; ++f) {
      const Field& field = fields_[f];
      box[2 * f] = 0;
      box[2 * f + 1] = static_cast<W>(field.bits >= sizeof(W) * 8 ? ~W{0} : (W{1} << field.bits) - 1);
      (*tuple)[f] = 0;
      const FieldGroup* g = nullptr;
      for (const FieldGroup& candidate : rule.groups) {
        if (candidate.fieldIndex == field.index) g = &candidate;
      }
      if (g == nullptr) continue;
      ++boxedGroups;
      constrains_[r] |= 1u << f;
      if (g->intervals.empty() || !g->residuals.empty() || g->intervals.size() != 1) exact = false;
      if (g->intervals.empty() || !g->residuals.empty()) continue;  // box stays the whole domain
      const Key low = g->intervals.front().low, high = g->intervals.back().high;
      box[2 * f] = static_cast<W>(low);
      box[2 * f + 1] = static_cast<W>(high);
      (*tuple)[f] = static_cast<uint8_t>(common_prefix(low, high, field.bits));
    }
    if (boxedGroups != rule.groups.size()) exact = false;  // conditions on fields outside the box
    exact_[r] = exact ? 1 : 0;
  }

  std::vector<Rule> rules_;
  std::vector<Field> fields_;
  std::vector<W> boxes_;         // while building: [rule][field][low, high]
  std::vector<uint8_t> exact_;   // while building: [rule] the box is the whole rule
  std::vector<uint32_t> constrains_;  // while building: [rule] bit f: the rule has a condition on boxed field f
  size_t stride_ = 1;            // W words per entry
  std::vector<Table> tables_;    // by first rule
  std::vector<Slot> slots_;      // every table's open-addressing slots
  std::vector<W> entries_;       // bucket contents in evaluation order: [rule | exact << 32][box]
};

// The fields to box: those that rules constrain with intervals most often.
std::vector<Field> choose_fields(const std::vector<Rule>& rules) {
  std::unordered_map<uint16_t, std::pair<size_t, DataType>> counts;
  for (const Rule& r : rules) {
    for (const FieldGroup& g : r.groups) {
      if (g.intervals.empty() || domain_bits(g.fieldType) == 0) continue;
      auto& c = counts[g.fieldIndex];
      ++c.first;
      c.second = g.fieldType;
    }
  }
  std::vector<Field> fields;
  std::vector<std::pair<size_t, uint16_t>> order;
  for (const auto& [index, c] : counts) order.emplace_back(c.first, index);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (size_t i = 0; i < order.size() && i < kMaxFields; ++i) {
    const DataType type = counts[order[i].second].second;
    fields.push_back({order[i].second, type, domain_bits(type)});
  }
  std::sort(fields.begin(), fields.end(), [](const Field& a, const Field& b) { return a.index < b.index; });
  return fields;
}

}  // namespace

std::unique_ptr<Classifier> build_tuple_classifier(std::span<const RuleInput> rules) {
  std::vector<Rule> compiled;
  compiled.reserve(rules.size());
  for (const RuleInput& r : rules) compiled.push_back(compile_rule(r.conditions));
  std::vector<Field> fields = choose_fields(compiled);
  const bool wide = std::any_of(fields.begin(), fields.end(), [](const Field& f) { return f.bits > 64; });
  if (wide) return std::make_unique<TupleClassifier<Key>>(std::move(compiled), std::move(fields));
  return std::make_unique<TupleClassifier<uint64_t>>(std::move(compiled), std::move(fields));
}

}  // namespace openwfp::classify
