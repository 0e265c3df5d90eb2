#include "explain.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "openwfp/constants.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/model.hpp"
#include "openwfp/policy.hpp"
#include "daemon_client.hpp"
#include "explain/explain.hpp"
#include "openwfp/layers.hpp"

namespace wfpctl {
namespace {

using namespace openwfp;
using nlohmann::json;

// Simulated callout answers, by run-time callout id.
struct SimulatedAnswer {
  uint32_t action = FWP_ACTION_CONTINUE;
  bool hard = false;
};
std::map<uint32_t, SimulatedAnswer>& simulated() {
  static std::map<uint32_t, SimulatedAnswer> answers;
  return answers;
}

void simulated_classify(const IncomingValues*, const IncomingMetadata*, void*, const void*, const FilterView* filter,
                        uint64_t, ClassifyOut* out) {
  auto it = simulated().find(filter->action.calloutId);
  if (it == simulated().end()) return;
  const bool may_write = (out->rights & FWPS_RIGHT_ACTION_WRITE) != 0;
  // A well-behaved callout changes the action only with the write right,
  // except to veto with a Block.
  if (!may_write && it->second.action != FWP_ACTION_BLOCK) return;
  out->actionType = it->second.action;
  if (it->second.hard && may_write) out->rights &= ~FWPS_RIGHT_ACTION_WRITE;
}

Status simulated_notify(NotifyType, const Guid*, FilterView*) { return Status::SUCCESS; }

int usage_error(const std::string& message) {
  std::fprintf(stderr, "wfpctl explain: %s\n", message.c_str());
  return 2;
}

// --field NAME=VALUE texts as the fields object of explain::explain.
bool fields_object(const std::vector<std::string>& specs, json* out, std::string* error) {
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      *error = "--field takes NAME=VALUE, not '" + spec + "'";
      return false;
    }
    (*out)[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  return true;
}

std::string field_error(const explain::ExplainError& e) {
  return e.field.empty() ? e.message : "--field " + e.field.substr(1) + ": " + e.message;
}

void print_result(const json& result, bool as_json) {
  if (as_json) {
    std::printf("%s\n", result.dump(2).c_str());
  } else {
    std::fputs(explain::explain_text(result).c_str(), stdout);
  }
}

// Against a running wfpd: its live engine and its registered callouts.
int explain_live(const ExplainOptions& options) {
  if (!options.callouts.empty()) return usage_error("--callout simulates callouts of a policy file; not with --socket");
  json fields = json::object();
  std::string error;
  if (!fields_object(options.fields, &fields, &error)) return usage_error(error);
  DaemonClient c;
  json result;
  if (!c.connect(options.socket, &error)) {
    std::fprintf(stderr, "wfpctl explain: %s; or explain against a policy file with --policy FILE\n", error.c_str());
    return 1;
  }
  if (!c.call("engine.explain", {{"layer", options.layer}, {"fields", fields}}, &result, &error)) {
    std::fprintf(stderr, "wfpctl explain: %s\n", error.c_str());
    return 1;
  }
  print_result(result, options.json);
  return 0;
}

}  // namespace

int run_explain(const ExplainOptions& options) {
  if (!options.socket.empty()) return explain_live(options);
  policy::Policy pol;
  policy::PolicyError perr;
  if (!policy::load_policy_file(options.policy, &pol, &perr)) {
    std::fprintf(stderr, "wfpctl explain: %s\n", perr.to_string().c_str());
    return 1;
  }
  Engine engine;
  if (!policy::apply_policy(engine, pol, &perr)) {
    std::fprintf(stderr, "wfpctl explain: %s\n", perr.to_string().c_str());
    return 1;
  }
  if (find_layer(options.layer) == nullptr) return usage_error("unknown layer '" + options.layer + "'");
  auto model = engine.snapshot();
  std::string error;

  // Simulated callouts.
  for (const std::string& spec : options.callouts) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos) return usage_error("--callout takes NAME=PERMIT|BLOCK|CONTINUE[:hard], not '" + spec + "'");
    const std::string name = spec.substr(0, eq);
    std::string answer = spec.substr(eq + 1);
    SimulatedAnswer a;
    if (answer.ends_with(":hard")) {
      a.hard = true;
      answer.resize(answer.size() - 5);
    }
    if (answer == "PERMIT") {
      a.action = FWP_ACTION_PERMIT;
    } else if (answer == "BLOCK") {
      a.action = FWP_ACTION_BLOCK;
    } else if (answer == "CONTINUE") {
      a.action = FWP_ACTION_CONTINUE;
    } else {
      return usage_error("callout answer '" + answer + "' is not PERMIT, BLOCK or CONTINUE");
    }
    bool found = false;
    for (const auto& [key, c] : model->callouts) {
      if (c.name != name) continue;
      found = true;
      simulated()[c.calloutId] = a;
      CalloutRegistration reg;
      reg.calloutKey = c.calloutKey;
      reg.classifyFn = simulated_classify;
      reg.notifyFn = simulated_notify;
      if (Status s = engine.register_callout(reg); s != Status::SUCCESS) {
        return usage_error(fmt::format("cannot register callout '{}': {}", name, status_name(s)));
      }
    }
    if (!found) return usage_error("the policy declares no callout named '" + name + "' that a filter uses");
  }

  json fields = json::object();
  if (!fields_object(options.fields, &fields, &error)) return usage_error(error);
  json result;
  explain::ExplainError e;
  if (!explain::explain(engine, options.layer, fields, &result, &e)) return usage_error(field_error(e));
  print_result(result, options.json);
  return 0;
}

}  // namespace wfpctl
