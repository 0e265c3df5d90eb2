#include "live/authorize_compiler.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "classify/rule.hpp"

namespace openwfp::live {
namespace {

constexpr std::string_view kSlotLayers[OWFP_SLOTS] = {"ALE_AUTH_CONNECT_V4", "ALE_AUTH_CONNECT_V6",
                                                       "ALE_RESOURCE_ASSIGNMENT_V4", "ALE_RESOURCE_ASSIGNMENT_V6"};

struct Range {
  classify::Key low;
  classify::Key high;
};

// The values one filter matches, field by field (each a union of ranges).
struct Alternatives {
  std::vector<Range> protocol{{0, 0xff}};
  std::vector<Range> port{{0, 0xffff}};
  std::vector<Range> address{{0, ~classify::Key{0}}};
  std::vector<Range> uid{{0, 0xffffffffu}};
  std::vector<uint32_t> app{OWFP_APP_ANY};
};

std::string describe(const engine::CompiledFilter& f) {
  return "filter " + std::to_string(f.filterId) + (f.name.empty() ? "" : " (" + f.name + ")");
}

std::vector<Range> ranges_of(const classify::FieldGroup& g) {
  std::vector<Range> out;
  for (const classify::Interval& i : g.intervals) out.push_back({i.low, i.high});
  return out;
}

// The uids a security descriptor of user entries grants; false when it names a group.
bool granted_uids(const SecurityDescriptor& sd, std::set<uint32_t>* out) {
  std::set<uint32_t> allowed, denied;
  for (const AccessEntry& e : sd.entries) {
    if (e.kind != AccessEntry::Kind::USER) return false;
    (e.allow ? allowed : denied).insert(e.id);
  }
  for (const uint32_t uid : allowed) {
    if (denied.count(uid) == 0) out->insert(uid);
  }
  return true;
}

class Compiler {
 public:
  Compiler(AuthorizeProgram* program, uint32_t maxRules) : program_(program), maxRules_(maxRules) {}

  void layer(const engine::LayerTable* table, uint32_t slot) {
    AuthorizeLayer& out = program_->layers[slot];
    out = AuthorizeLayer{};
    if (table == nullptr) return;  // no filters: everything is permitted
    const bool bind = slot >= OWFP_SLOT_BIND_V4;
    for (uint32_t s = 0; s < table->sublayers.size(); ++s) {
      const engine::SublayerSpan& span = table->sublayers[s];
      for (uint32_t pos = span.begin; pos < span.end; ++pos) {
        const engine::CompiledFilter& f = table->filters[pos];
        std::string why;
        if (!filter(*table->layer, f, s, bind, &out.rules, &why)) {
          out.decided = false;
          out.reason = describe(f) + ": " + why;
          out.rules.clear();
          return;
        }
      }
    }
  }

 private:
  bool filter(const LayerInfo& layer, const engine::CompiledFilter& f, uint32_t sublayer, bool bind,
              std::vector<owfp_rule>* rules, std::string* why) {
    if (f.actionType != FWP_ACTION_PERMIT && f.actionType != FWP_ACTION_BLOCK) {
      *why = "its action calls a callout";
      return false;
    }
    const classify::Rule rule = classify::compile_rule(f.ruleConditions);
    if (rule.never) return true;  // matches nothing
    Alternatives a;
    for (const classify::FieldGroup& g : rule.groups) {
      const std::string_view field = field_info(layer.field_at(g.fieldIndex)).name;
      const bool scalar = field == "IP_PROTOCOL" || field == (bind ? "IP_LOCAL_PORT" : "IP_REMOTE_PORT") ||
                          field == (bind ? "IP_LOCAL_ADDRESS" : "IP_REMOTE_ADDRESS");
      if (scalar) {
        if (!g.residuals.empty()) {
          *why = "a condition on " + std::string(field) + " without a range form";
          return false;
        }
        (field == "IP_PROTOCOL" ? a.protocol : field.ends_with("PORT") ? a.port : a.address) = ranges_of(g);
        continue;
      }
      if (field == "ALE_APP_ID") {
        if (!g.intervals.empty()) return unsupported(field, why);
        a.app.clear();
        for (const classify::ResidualCondition& c : g.residuals) {
          if (c.match != MatchType::FWP_MATCH_EQUAL) {
            *why = "ALE_APP_ID is matched other than by equality";
            return false;
          }
          std::string path(c.value->bytes.begin(), c.value->bytes.end());
          while (!path.empty() && path.back() == '\0') path.pop_back();
          a.app.push_back(app_index(path));
        }
        continue;
      }
      if (field == "ALE_USER_ID") {
        if (!g.intervals.empty()) return unsupported(field, why);
        std::set<uint32_t> uids;
        for (const classify::ResidualCondition& c : g.residuals) {
          if (c.match != MatchType::FWP_MATCH_EQUAL || c.value->type != DataType::FWP_SECURITY_DESCRIPTOR_TYPE ||
              !granted_uids(c.value->securityDescriptor, &uids)) {
            *why = "ALE_USER_ID names a group or is not an access check (the kernel knows the uid only)";
            return false;
          }
        }
        if (uids.empty()) return true;  // grants nobody: matches nothing
        a.uid.clear();
        for (const uint32_t u : uids) a.uid.push_back({u, u});
        continue;
      }
      return unsupported(field, why);
    }
    const uint64_t n = uint64_t{a.protocol.size()} * a.port.size() * a.address.size() * a.uid.size() * a.app.size();
    if (rules->size() + n > maxRules_) {
      *why = "the layer needs more than " + std::to_string(maxRules_) + " kernel rules";
      return false;
    }
    owfp_rule r{};
    r.filter_id = f.filterId;
    r.sublayer = sublayer;
    r.action = f.actionType == FWP_ACTION_PERMIT ? OWFP_PERMIT : OWFP_BLOCK;
    // As in arbitrate.cpp: a block is hard, a permit only with CLEAR_ACTION_RIGHT.
    r.hard = f.actionType == FWP_ACTION_BLOCK || (f.flags & FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT) != 0 ? 1 : 0;
    for (const Range& protocol : a.protocol) {
      r.protocol_low = static_cast<uint8_t>(protocol.low);
      r.protocol_high = static_cast<uint8_t>(protocol.high);
      for (const Range& port : a.port) {
        r.port_low = static_cast<uint16_t>(port.low);
        r.port_high = static_cast<uint16_t>(port.high);
        for (const Range& address : a.address) {
          r.addr_low_hi = static_cast<uint64_t>(address.low >> 64);
          r.addr_low_lo = static_cast<uint64_t>(address.low);
          r.addr_high_hi = static_cast<uint64_t>(address.high >> 64);
          r.addr_high_lo = static_cast<uint64_t>(address.high);
          for (const Range& uid : a.uid) {
            r.uid_low = static_cast<uint32_t>(uid.low);
            r.uid_high = static_cast<uint32_t>(uid.high);
            for (const uint32_t app : a.app) {
              r.app = app;
              rules->push_back(r);
            }
          }
        }
      }
    }
    return true;
  }

  static bool unsupported(std::string_view field, std::string* why) {
    *why = "a condition on " + std::string(field) + ", which the kernel does not see there";
    return false;
  }

  uint32_t app_index(const std::string& path) {
    auto& apps = program_->apps;
    const auto it = std::find(apps.begin(), apps.end(), path);
    if (it != apps.end()) return static_cast<uint32_t>(it - apps.begin()) + 1;
    apps.push_back(path);
    return static_cast<uint32_t>(apps.size());
  }

  AuthorizeProgram* program_;
  uint32_t maxRules_;
};

}  // namespace

const LayerInfo& authorize_layer(uint32_t slot) { return *find_layer(kSlotLayers[slot % OWFP_SLOTS]); }

AuthorizeProgram compile_authorization(const engine::Generation& gen, uint32_t maxRules) {
  AuthorizeProgram program;
  Compiler compiler(&program, maxRules);
  for (uint32_t slot = 0; slot < OWFP_SLOTS; ++slot) compiler.layer(gen.table(authorize_layer(slot).id), slot);
  return program;
}

uint32_t evaluate_authorization(const AuthorizeLayer& layer, const owfp_tuple& tuple, uint64_t* filterId) {
  owfp_state state;
  owfp_state_init(&state);
  for (const owfp_rule& r : layer.rules) {
    if (owfp_step(&state, &r, &tuple) != 0) break;
  }
  *filterId = state.filter_id;
  return state.action == OWFP_BLOCK ? OWFP_BLOCK : OWFP_PERMIT;
}

}  // namespace openwfp::live
