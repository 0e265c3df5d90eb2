// wfpctl: the openwfp command line.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "explain.hpp"
#include "completion.hpp"
#include "manage.hpp"
#include "replay.hpp"

int main(int argc, char** argv) {
  CLI::App app{"wfpctl: manage and query the openwfp filter engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wfpctl 0.1.0");

  wfpctl::ExplainOptions explain;
  CLI::App* ex = app.add_subcommand("explain", "Classify one set of incoming values and show why it was permitted or blocked");
  ex->add_option("--policy", explain.policy, "Policy file (JSON); without it, wfpd's live engine (--socket) is asked");
  ex->add_option("--layer", explain.layer, "Layer, e.g. ALE_AUTH_CONNECT_V4")->required();
  ex->add_option("--field", explain.fields, "Incoming value NAME=VALUE (repeatable); fields not given are absent");
  ex->add_option("--callout", explain.callouts,
                 "Simulate a callout's answer: NAME=PERMIT|BLOCK|CONTINUE[:hard] (repeatable); callouts not "
                 "simulated are unregistered");
  ex->add_flag("--json", explain.json, "Print one JSON object");

  wfpctl::ReplayOptions replay;
  CLI::App* rp = app.add_subcommand("replay", "Replay a capture through the modelled stack and a policy");
  rp->add_option("capture", replay.capture, "Capture file (pcap or pcapng)")->required();
  rp->add_option("--policy", replay.policy, "Policy file (JSON)")->required();
  rp->add_option("--local", replay.local,
                 "This host's addresses, as CIDR (repeatable). Default: the address seen in the most packets, per IP "
                 "version");
  rp->add_option("--out", replay.out, "Write the permitted packets to this pcap file");
  rp->add_option("--report", replay.report, "Write a JSON report (layers, filters, flows, drops, streams)");
  rp->add_option("--dump-streams", replay.dumpStreams, "Write each TCP flow direction's reassembled bytes to DIR");
  rp->add_option("--defrag-policy", replay.defragPolicy,
                 "IPv4 overlapping-fragment policy: first, last, bsd, bsd-right, linux (default), windows, solaris");
  rp->add_option("--max-flows", replay.maxFlows, "Flow table capacity (default 65536)");
  rp->add_option("--verifier", replay.verifier,
                 "Check the programming considerations: off, report (default) or strict (exit 3 on any finding)")
      ->check(CLI::IsMember({"off", "report", "strict"}));
  rp->add_option("--budget-us", replay.budgetUs, "classifyFn time budget per call in microseconds (default 50)");
  rp->add_flag("--quiet", replay.quiet, "No summary on the terminal");

  // Against a running wfpd (docs/API.md).
  wfpctl::ManageOptions manage;
  app.add_option("--socket", manage.socket, "wfpd's socket (default /run/openwfp/wfpd.sock)");
  CLI::App* ap = app.add_subcommand("apply", "Apply a policy file to wfpd in one transaction (all or nothing)");
  ap->add_option("policy", manage.policy, "Policy file (JSON)")->required();
  ap->add_flag("--json", manage.json, "Print one JSON object");
  CLI::App* ex2 = app.add_subcommand("export", "Write wfpd's objects as a policy file that apply takes back");
  ex2->add_option("--out", manage.out, "Write to this file (default: standard output)");
  // provider | sublayer | callout | filter, each with list / add / delete.
  struct Kind {
    const char* name;
    CLI::App* list = nullptr;
    CLI::App* add = nullptr;
    CLI::App* del = nullptr;
  };
  Kind kinds[] = {{"provider"}, {"sublayer"}, {"callout"}, {"filter"}};
  for (Kind& k : kinds) {
    const std::string name = k.name;
    CLI::App* sub = app.add_subcommand(name, name + "s in wfpd");
    sub->require_subcommand(1);
    k.list = sub->add_subcommand("list", "List " + name + "s");
    k.list->add_flag("--json", manage.json, "Print JSON");
    if (name == "filter" || name == "sublayer" || name == "callout")
      k.list->add_option("--provider", manage.provider, "Only this provider's (key)");
    if (name == "filter" || name == "callout") k.list->add_option("--layer", manage.layer, "Only this layer");
    if (name == "filter") k.list->add_option("--sublayer", manage.sublayer, "Only this sublayer's (key)");
    if (name == "callout") continue;  // callouts come with policies (apply), with their plugins
    k.add = sub->add_subcommand("add", "Add a " + name + " (the API's object form, docs/API.md)");
    k.add->add_option("--file", manage.file, "A file holding one JSON object");
    k.add->add_option("--object", manage.object, "The JSON object inline");
    k.add->add_flag("--json", manage.json, "Print JSON");
    k.del = sub->add_subcommand("delete", "Delete a " + name);
    k.del->add_option("--key", manage.key, name + " key (GUID)");
    if (name == "filter") k.del->add_option("--id", manage.id, "Filter id");
    k.del->add_flag("--json", manage.json, "Print nothing on success");
  }
  CLI::App* ev = app.add_subcommand("events", "Net events recorded by wfpd (drops, vetoes, findings, pend timeouts)");
  ev->add_flag("--follow,-f", manage.follow, "Stream new events as they happen until interrupted");
  ev->add_option("--type", manage.type,
                 "Only CLASSIFY_DROP, CLASSIFY_ALLOW, CLASSIFY_VETO, VERIFIER_FINDING or PEND_TIMEOUT");
  ev->add_option("--layer", manage.layer, "Only this layer");
  ev->add_option("--filter", manage.filter, "Only this filter id");
  ev->add_option("--limit", manage.limit, "At most this many (default 1000)");
  ev->add_flag("--stored", manage.stored, "From the store's table (older events, and from before a restart)")
      ->excludes("--follow");
  ev->add_flag("--json", manage.json, "Print JSON (one event per line with --follow)");
  CLI::App* sh = app.add_subcommand("show", "Show wfpd's state");
  sh->require_subcommand(1);
  CLI::App* shs = sh->add_subcommand("state", "Every provider, sublayer, callout and filter, with counters");
  shs->add_flag("--json", manage.json, "Print JSON");
  CLI::App* co = app.add_subcommand("completion", "Print a shell completion script (bash)");
  std::string shell = "bash";
  co->add_option("shell", shell, "bash")->check(CLI::IsMember({"bash"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (ex->parsed()) {
    if (explain.policy.empty()) explain.socket = manage.socket;  // the live engine
    return wfpctl::run_explain(explain);
  }
  if (rp->parsed()) return wfpctl::run_replay(replay);
  if (ap->parsed()) return wfpctl::run_apply(manage);
  if (ex2->parsed()) return wfpctl::run_export(manage);
  for (const Kind& k : kinds) {
    const std::string name = k.name;
    if (k.list->parsed()) return name == "filter" ? wfpctl::run_filter_list(manage) : wfpctl::run_list(name, manage);
    if (k.add != nullptr && k.add->parsed()) return wfpctl::run_add(name, manage);
    if (k.del != nullptr && k.del->parsed()) {
      return name == "filter" ? wfpctl::run_filter_delete(manage) : wfpctl::run_delete(name, manage);
    }
  }
  if (ev->parsed()) return wfpctl::run_events(manage);
  if (shs->parsed()) return wfpctl::run_show_state(manage);
  if (co->parsed()) {
    std::fputs(wfpctl::bash_completion(app).c_str(), stdout);
    return 0;
  }
  return 2;
}
