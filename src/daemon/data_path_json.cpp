#include "daemon/data_path_json.hpp"

#include <iterator>

namespace openwfp::daemon {

using nlohmann::json;

json stack_counters_json(const stack::Counters& counters) {
  json c = {{"packets", counters.packets}, {"bytes", counters.bytes}};
  for (size_t v = 0; v < std::size(counters.verdicts); ++v) {
    c[stack::verdict_name(static_cast<stack::Verdict>(v))] = counters.verdicts[v];
  }
  return c;
}

json live_status_json(const live::LiveStatus& s) {
  json rules = json::array();
  for (const live::InstalledRule& r : s.rules) rules.push_back({{"tool", r.tool}, {"rule", r.rule}});
  json queues = json::array();
  for (const live::WorkerStatus& w : s.workers) {
    queues.push_back({{"queue", w.queue},
                      {"received", w.queueStats.received},
                      {"verdicts", w.queueStats.verdicts},
                      {"batchVerdicts", w.queueStats.batchVerdicts},
                      {"modified", w.queueStats.modified},
                      {"overruns", w.queueStats.overruns},
                      {"errors", w.queueStats.errors},
                      {"malformed", w.queueStats.malformed},
                      {"held", w.held},
                      {"heldPeak", w.heldPeak},
                      {"holdsExpired", w.holdsExpired},
                      {"holdsRefused", w.holdsRefused},
                      {"released", w.released},
                      {"pendsRefused", w.pendsRefused},
                      {"replaced", w.replaced},
                      {"injected", w.injector.sent},
                      {"injectFailed", w.injector.failed},
                      {"injectedInbound", w.injector.received},
                      {"injectInboundFailed", w.injector.receiveFailed},
                      {"processLookup",
                       {{"lookups", w.processes.lookups},
                        {"found", w.processes.found},
                        {"noSocket", w.processes.noSocket},
                        {"noProcess", w.processes.noProcess},
                        {"scans", w.processes.scans},
                        {"scansSkipped", w.processes.scansSkipped},
                        {"ownersFull", w.processes.ownersFull},
                        {"diagErrors", w.processes.diagErrors}}}});
  }
  json out = {{"running", s.running}, {"backend", s.backend},     {"failMode", live::fail_mode_name(s.failMode)},
              {"local", s.local},     {"localChanges", s.localChanges}, {"rules", std::move(rules)}, {"queues", std::move(queues)},
              {"counters", stack_counters_json(s.counters)}};
  if (s.ebpf) out["ebpf"] = kernel_authorizer_json(s.authorizer);
  return out;
}

json kernel_authorizer_json(const live::KernelAuthorizerStatus& s) {
  json layers = json::array();
  for (const live::KernelLayerStatus& l : s.layers) {
    json layer = {{"layer", l.layer}, {"decided", l.decided}, {"rules", l.rules}};
    if (!l.decided) layer["reason"] = l.reason;
    layers.push_back(std::move(layer));
  }
  const auto& c = s.counters;
  return {{"cgroup", s.cgroup},
          {"generation", s.generation},
          {"publishes", s.publishes},
          {"layers", std::move(layers)},
          {"apps", s.apps},
          {"appsResolved", s.appsResolved},
          {"counters",
           {{"evaluated", c[OWFP_STAT_EVALUATED]},
            {"permitted", c[OWFP_STAT_PERMITTED]},
            {"blocked", c[OWFP_STAT_BLOCKED]},
            {"deferred", c[OWFP_STAT_DEFERRED]},
            {"otherNamespace", c[OWFP_STAT_OTHER_NETNS]},
            {"noExecutable", c[OWFP_STAT_NO_APP]},
            {"eventsLost", c[OWFP_STAT_EVENTS_LOST] + s.eventsDropped},
            {"events", s.events}}}};
}

}  // namespace openwfp::daemon
