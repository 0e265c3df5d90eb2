#include "manage.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "daemon_client.hpp"
#include "openwfp/policy.hpp"
#include "policy/object_json.hpp"

namespace wfpctl {
namespace {

using nlohmann::json;

int fail(const std::string& message) {
  std::fprintf(stderr, "wfpctl: %s\n", message.c_str());
  return 1;
}

bool open(const ManageOptions& o, DaemonClient* c, std::string* error) { return c->connect(o.socket, error); }

std::string action_text(const json& f) {
  const json& a = f.value("action", json::object());
  std::string t = a.value("type", std::string("?"));
  return t;
}

void print_filters(const json& filters) {
  std::printf("%-6s %-32s %-28s %-20s %-10s\n", "id", "name", "layer", "action", "lifetime");
  for (const json& f : filters) {
    std::printf("%-6llu %-32s %-28s %-20s %-10s\n", static_cast<unsigned long long>(f.value("id", uint64_t{0})),
                f.value("name", std::string()).c_str(), f.value("layer", std::string()).c_str(),
                action_text(f).c_str(), f.value("lifetime", std::string()).c_str());
  }
}

}  // namespace

int run_apply(const ManageOptions& o) {
  openwfp::policy::Policy pol;
  openwfp::policy::PolicyError perr;
  if (!openwfp::policy::load_policy_file(o.policy, &pol, &perr)) return fail(perr.to_string());
  DaemonClient c;
  std::string error;
  json r;
  if (!open(o, &c, &error)) return fail(error);
  if (!c.call("transaction.begin", json::object(), &r, &error)) return fail(error);
  // One transaction: the first refusal aborts it and nothing changes.
  auto add = [&](const char* kind, const json& object, const std::string& where) {
    if (c.call(std::string(kind) + ".add", {{kind, object}}, &r, &error)) return true;
    error = o.policy + ": " + where + ": " + error;
    return false;
  };
  bool ok = true;
  for (size_t i = 0; ok && i < pol.providers.size(); ++i)
    ok = add("provider", openwfp::policy::to_json(pol.providers[i]), "/providers/" + std::to_string(i));
  for (size_t i = 0; ok && i < pol.sublayers.size(); ++i)
    ok = add("sublayer", openwfp::policy::to_json(pol.sublayers[i]), "/sublayers/" + std::to_string(i));
  for (size_t i = 0; ok && i < pol.callouts.size(); ++i)
    ok = add("callout", openwfp::policy::to_json(pol.callouts[i]), "callout '" + pol.callouts[i].name + "'");
  for (size_t i = 0; ok && i < pol.filters.size(); ++i) {
    json j;
    openwfp::policy::ObjectError e;
    if (!openwfp::policy::to_json(pol.filters[i], &j, &e)) {
      error = o.policy + ": " + pol.filterPaths[i] + e.field + ": " + e.message;
      ok = false;
      break;
    }
    ok = add("filter", j, pol.filterPaths[i]);
  }
  if (!ok) {
    std::string ignored;
    c.call("transaction.abort", json::object(), &r, &ignored);
    return fail(error + " (nothing was applied)");
  }
  if (!c.call("transaction.commit", json::object(), &r, &error)) return fail(error + " (nothing was applied)");
  if (o.json) {
    std::printf("%s\n", json{{"applied", {{"providers", pol.providers.size()},
                                           {"sublayers", pol.sublayers.size()},
                                           {"callouts", pol.callouts.size()},
                                           {"filters", pol.filters.size()}}},
                             {"generation", r.value("generation", uint64_t{0})}}
                            .dump(2)
                            .c_str());
  } else {
    std::printf("applied %s: %zu providers, %zu sublayers, %zu callouts, %zu filters (generation %llu)\n",
                o.policy.c_str(), pol.providers.size(), pol.sublayers.size(), pol.callouts.size(), pol.filters.size(),
                static_cast<unsigned long long>(r.value("generation", uint64_t{0})));
  }
  return 0;
}

int run_filter_list(const ManageOptions& o) {
  DaemonClient c;
  std::string error;
  json r;
  json tmpl = json::object();
  if (!o.layer.empty()) tmpl["layer"] = o.layer;
  if (!open(o, &c, &error) || !c.call("filter.enum", tmpl, &r, &error)) return fail(error);
  if (o.json) {
    std::printf("%s\n", r["filters"].dump(2).c_str());
  } else {
    print_filters(r["filters"]);
  }
  return 0;
}

int run_filter_delete(const ManageOptions& o) {
  if ((o.id == 0) == o.key.empty()) return fail("filter delete: give --id or --key");
  DaemonClient c;
  std::string error;
  json r;
  const json params = o.key.empty() ? json{{"id", o.id}} : json{{"key", o.key}};
  if (!open(o, &c, &error) || !c.call("filter.delete", params, &r, &error)) return fail(error);
  if (!o.json) std::printf("deleted\n");
  return 0;
}

int run_show_state(const ManageOptions& o) {
  DaemonClient c;
  std::string error;
  json state = json::object();
  if (!open(o, &c, &error)) return fail(error);
  for (const char* kind : {"provider", "sublayer", "callout", "filter"}) {
    json r;
    if (!c.call(std::string(kind) + ".enum", json::object(), &r, &error)) return fail(error);
    state.update(r);
  }
  if (o.json) {
    std::printf("%s\n", state.dump(2).c_str());
    return 0;
  }
  std::printf("providers (%zu)\n", state["providers"].size());
  for (const json& p : state["providers"])
    std::printf("  %s  %s  %s\n", p["key"].get<std::string>().c_str(), p["name"].get<std::string>().c_str(),
                p.value("lifetime", std::string()).c_str());
  std::printf("sublayers (%zu)\n", state["sublayers"].size());
  for (const json& s : state["sublayers"])
    std::printf("  %s  %-24s weight %-5d %s\n", s["key"].get<std::string>().c_str(), s["name"].get<std::string>().c_str(),
                s.value("weight", 0), s.value("lifetime", std::string()).c_str());
  std::printf("callouts (%zu)\n", state["callouts"].size());
  for (const json& co : state["callouts"])
    std::printf("  %-6llu %-24s %s\n", static_cast<unsigned long long>(co.value("id", uint64_t{0})),
                co["name"].get<std::string>().c_str(), co.value("layer", std::string()).c_str());
  std::printf("filters (%zu)\n", state["filters"].size());
  print_filters(state["filters"]);
  return 0;
}

}  // namespace wfpctl
