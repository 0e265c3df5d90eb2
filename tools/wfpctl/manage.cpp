#include "manage.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
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

// With `counters` (filter.counters' answer): hits, permits and blocks too.
void print_filters(const json& filters, const json* counters = nullptr) {
  std::map<uint64_t, json> byId;
  if (counters != nullptr)
    for (const json& c : (*counters)["counters"]) byId[c["id"].get<uint64_t>()] = c;
  std::printf("%-6s %-32s %-28s %-20s %-10s", "id", "name", "layer", "action", "lifetime");
  if (counters != nullptr) std::printf(" %10s %10s %10s", "hits", "permits", "blocks");
  std::printf("\n");
  for (const json& f : filters) {
    const uint64_t id = f.value("id", uint64_t{0});
    std::printf("%-6llu %-32s %-28s %-20s %-10s", static_cast<unsigned long long>(id),
                f.value("name", std::string()).c_str(), f.value("layer", std::string()).c_str(),
                action_text(f).c_str(), f.value("lifetime", std::string()).c_str());
    if (counters != nullptr) {
      const json c = byId.count(id) ? byId[id] : json{{"hits", 0}, {"permits", 0}, {"blocks", 0}};
      std::printf(" %10llu %10llu %10llu", static_cast<unsigned long long>(c.value("hits", uint64_t{0})),
                  static_cast<unsigned long long>(c.value("permits", uint64_t{0})),
                  static_cast<unsigned long long>(c.value("blocks", uint64_t{0})));
    }
    std::printf("\n");
  }
}

// The live data path: its hooks (the rules wfpd installed), its queues and
// what went through them.
void print_live(const json& live) {
  auto u = [](const json& j, const char* k) { return static_cast<unsigned long long>(j.value(k, uint64_t{0})); };
  std::printf("live: %s, iptables-%s, fail-%s\n", live.value("running", false) ? "running" : "stopped",
              live.value("backend", std::string()).c_str(), live.value("failMode", std::string()).c_str());
  const json& c = live["counters"];
  std::printf("  packets %llu (%llu bytes): %llu permitted, %llu blocked, %llu dropped, %llu held, %llu absorbed\n",
              u(c, "packets"), u(c, "bytes"), u(c, "permit"), u(c, "block"), u(c, "drop"), u(c, "held"),
              u(c, "absorbed"));
  std::printf("  %-6s %12s %12s %10s %10s %9s %8s %8s %9s %9s %10s\n", "queue", "received", "verdicts", "batched",
              "modified", "overruns", "errors", "held", "released", "injected", "processes");
  for (const json& q : live["queues"]) {
    const json& p = q["processLookup"];
    std::printf("  %-6llu %12llu %12llu %10llu %10llu %9llu %8llu %8llu %9llu %9llu %5llu/%-5llu\n", u(q, "queue"),
                u(q, "received"), u(q, "verdicts"), u(q, "batchVerdicts"), u(q, "modified"), u(q, "overruns"),
                u(q, "errors"), u(q, "held"), u(q, "released"), u(q, "injected"), u(p, "found"), u(p, "lookups"));
  }
  std::printf("  hooks:\n");
  for (const json& r : live["rules"]) {
    std::printf("    %-16s %s\n", r.value("tool", std::string()).c_str(), r.value("rule", std::string()).c_str());
  }
  std::string local;
  for (const json& a : live["local"]) local += (local.empty() ? "" : ", ") + a.get<std::string>();
  std::printf("  local addresses: %s\n", local.c_str());
  if (live.contains("ebpf")) {
    const json& k = live["ebpf"];
    const json& kc = k["counters"];
    std::printf("  kernel authorization (eBPF) on %s, generation %llu: %llu judged, %llu permitted, %llu refused, "
                "%llu left to the queue\n",
                k.value("cgroup", std::string()).c_str(), u(k, "generation"), u(kc, "evaluated"), u(kc, "permitted"),
                u(kc, "blocked"), u(kc, "deferred"));
    for (const json& l : k["layers"]) {
      const std::string name = l.value("layer", std::string());
      if (l.value("decided", false)) {
        std::printf("    %-28s in the kernel, %llu rules\n", name.c_str(), u(l, "rules"));
      } else {
        std::printf("    %-28s left to the queue: %s\n", name.c_str(), l.value("reason", std::string()).c_str());
      }
    }
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
  std::vector<openwfp::policy::AddRequest> adds;
  if (!openwfp::policy::add_requests(pol, &adds, &error)) return fail(o.policy + ": " + error + " (nothing was applied)");
  if (!c.call("transaction.begin", json::object(), &r, &error)) return fail(error);
  // One transaction: the first refusal aborts it and nothing changes.
  bool ok = true;
  for (size_t i = 0; ok && i < adds.size(); ++i) {
    ok = c.call(std::string(adds[i].kind) + ".add", {{adds[i].kind, adds[i].object}}, &r, &error);
    if (!ok) error = o.policy + ": " + adds[i].where + ": " + error;
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
  if (!o.sublayer.empty()) tmpl["sublayer"] = o.sublayer;
  if (!o.provider.empty()) tmpl["provider"] = o.provider;
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
  // Counters and the data path's status (a daemon without them: state alone).
  json counters, status;
  std::string ignored;
  if (c.call("filter.counters", json::object(), &counters, &ignored)) state["counters"] = counters;
  if (c.call("daemon.status", json::object(), &status, &ignored)) state["status"] = status;
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
  print_filters(state["filters"], state.contains("counters") ? &state["counters"] : nullptr);
  if (state.contains("status")) {
    const json& st = state["status"];
    std::printf("generation %llu, %llu sessions\n", static_cast<unsigned long long>(st.value("generation", uint64_t{0})),
                static_cast<unsigned long long>(st.value("sessions", uint64_t{0})));
    if (st.contains("events")) {
      const json& e = st["events"];
      std::printf("net events: %llu recorded, %llu lost in the workers' rings, %llu kept in memory (cap %llu), %llu "
                  "deleted from the store by its cap\n",
                  static_cast<unsigned long long>(e.value("collected", uint64_t{0})),
                  static_cast<unsigned long long>(e.value("lostInRings", uint64_t{0})),
                  static_cast<unsigned long long>(e.value("inMemory", uint64_t{0})),
                  static_cast<unsigned long long>(e.value("memoryCap", uint64_t{0})),
                  static_cast<unsigned long long>(e.value("storedDropped", uint64_t{0})));
    }
    if (st.contains("replay")) {
      const json& r = st["replay"];
      std::printf("replay %s: %llu rounds, %llu frames%s\n", r.value("capture", std::string()).c_str(),
                  static_cast<unsigned long long>(r.value("roundsDone", uint64_t{0})),
                  static_cast<unsigned long long>(r.value("framesDone", uint64_t{0})),
                  r.value("running", false) ? ", running" : "");
    }
    if (st.contains("live")) print_live(st["live"]);
  }
  return 0;
}

int run_export(const ManageOptions& o) {
  DaemonClient c;
  std::string error;
  json r;
  if (!open(o, &c, &error) || !c.call("policy.export", json::object(), &r, &error)) return fail(error);
  const std::string text = r["policy"].dump(2) + "\n";
  if (o.out.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return fail(o.out + ": cannot write");
  if (!o.json) std::fprintf(stderr, "exported %zu filters to %s\n", r["policy"]["filters"].size(), o.out.c_str());
  return 0;
}

int run_list(const std::string& kind, const ManageOptions& o) {
  DaemonClient c;
  std::string error;
  json r;
  json tmpl = json::object();
  if (!o.provider.empty()) tmpl["provider"] = o.provider;
  if (!o.layer.empty()) tmpl["layer"] = o.layer;
  if (!open(o, &c, &error) || !c.call(kind + ".enum", tmpl, &r, &error)) return fail(error);
  const json& list = r[kind + "s"];
  if (o.json) {
    std::printf("%s\n", list.dump(2).c_str());
    return 0;
  }
  if (kind == "provider") {
    std::printf("%-36s  %-28s %-10s\n", "key", "name", "lifetime");
    for (const json& p : list)
      std::printf("%-36s  %-28s %-10s\n", p.value("key", "").c_str(), p.value("name", "").c_str(),
                  p.value("lifetime", "").c_str());
  } else if (kind == "sublayer") {
    std::printf("%-36s  %-28s %-6s %-10s\n", "key", "name", "weight", "lifetime");
    for (const json& s : list)
      std::printf("%-36s  %-28s %-6d %-10s\n", s.value("key", "").c_str(), s.value("name", "").c_str(),
                  s.value("weight", 0), s.value("lifetime", "").c_str());
  } else {
    std::printf("%-6s %-28s %-28s %-10s\n", "id", "name", "layer", "lifetime");
    for (const json& co : list)
      std::printf("%-6llu %-28s %-28s %-10s\n", static_cast<unsigned long long>(co.value("id", uint64_t{0})),
                  co.value("name", "").c_str(), co.value("layer", "").c_str(), co.value("lifetime", "").c_str());
  }
  return 0;
}

int run_add(const std::string& kind, const ManageOptions& o) {
  if (o.file.empty() == o.object.empty()) return fail(kind + " add: give --file FILE or --object JSON");
  std::string text = o.object, where = "--object";
  if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) return fail(o.file + ": cannot open");
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    where = o.file;
  }
  const json object = json::parse(text, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return fail(where + ": not a JSON object");
  DaemonClient c;
  std::string error;
  json r;
  if (!open(o, &c, &error)) return fail(error);
  if (!c.call(kind + ".add", {{kind, object}}, &r, &error)) return fail(where + ": " + error);
  if (o.json) {
    std::printf("%s\n", r.dump(2).c_str());
  } else {
    std::printf("added %s %s%s\n", kind.c_str(), r.value("key", "").c_str(),
                r.contains("id") ? (" (id " + std::to_string(r["id"].get<uint64_t>()) + ")").c_str() : "");
  }
  return 0;
}

int run_delete(const std::string& kind, const ManageOptions& o) {
  if (o.key.empty()) return fail(kind + " delete: give --key");
  DaemonClient c;
  std::string error;
  json r;
  if (!open(o, &c, &error) || !c.call(kind + ".delete", {{"key", o.key}}, &r, &error)) return fail(error);
  if (!o.json) std::printf("deleted\n");
  return 0;
}

namespace {

void print_event(const json& e, bool as_json) {
  if (as_json) {
    std::printf("%s\n", e.dump().c_str());
  } else {
    std::string where;
    if (e.contains("localAddress")) {
      where = fmt::format(" {}:{} {} {}:{}", e["localAddress"].get<std::string>(), e.value("localPort", 0),
                          e.value("direction", "") == "INBOUND" ? "<-" : "->", e.value("remoteAddress", ""),
                          e.value("remotePort", 0));
    }
    std::string extra;
    if (e.contains("protocol")) extra += fmt::format(" proto {}", e["protocol"].get<int>());
    if (e.contains("application")) extra += " app " + e["application"].get<std::string>();
    if (e.contains("userId")) extra += fmt::format(" uid {}", e["userId"].get<uint64_t>());
    if (e.contains("consideration")) extra += " " + e["consideration"].get<std::string>() + ": " + e.value("what", "");
    std::printf("%-8llu %s %-16s %-28s filter %-6llu%s%s\n", static_cast<unsigned long long>(e.value("sequence", uint64_t{0})),
                e.value("time", "").c_str(), e.value("type", "").c_str(), e.value("layer", "").c_str(),
                static_cast<unsigned long long>(e.value("filterId", uint64_t{0})), where.c_str(), extra.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int run_events(const ManageOptions& o) {
  json params = json::object();
  if (!o.type.empty()) params["type"] = o.type;
  if (!o.layer.empty()) params["layer"] = o.layer;
  if (o.filter != 0) params["filter"] = o.filter;
  DaemonClient c;
  std::string error;
  json r;
  if (!open(o, &c, &error)) return fail(error);
  if (!o.follow) {
    if (o.limit != 0) params["limit"] = o.limit;
    if (o.stored) params["stored"] = true;
    if (!c.call("events.enum", params, &r, &error)) return fail(error);
    if (o.json) {
      std::printf("%s\n", r.dump(2).c_str());
      return 0;
    }
    for (const json& e : r["events"]) print_event(e, false);
    if (r.value("gap", false)) std::printf("(older events left the memory ring; the store keeps more)\n");
    return 0;
  }
  if (!c.call("events.subscribe", params, &r, &error)) return fail(error);
  // Until the daemon stops or the user interrupts (SIGINT, SIGTERM: their
  // default action; every event is already written out).
  json message;
  while (c.next(&message, &error)) {
    if (message.contains("event")) {
      print_event(message["event"], o.json);
    } else if (message.contains("gap") && !o.json) {
      std::printf("(events were lost: this reader fell behind)\n");
    }
  }
  return fail(error);
}

}  // namespace wfpctl
