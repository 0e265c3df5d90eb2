// wfpctl: the openwfp command line.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "explain.hpp"
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
  CLI::App* fl = app.add_subcommand("filter", "Filters in wfpd");
  fl->require_subcommand(1);
  CLI::App* fls = fl->add_subcommand("list", "List filters");
  fls->add_option("--layer", manage.layer, "Only this layer");
  fls->add_flag("--json", manage.json, "Print JSON");
  CLI::App* fld = fl->add_subcommand("delete", "Delete a filter");
  fld->add_option("--id", manage.id, "Filter id");
  fld->add_option("--key", manage.key, "Filter key (GUID)");
  CLI::App* sh = app.add_subcommand("show", "Show wfpd's state");
  sh->require_subcommand(1);
  CLI::App* shs = sh->add_subcommand("state", "Every provider, sublayer, callout and filter");
  shs->add_flag("--json", manage.json, "Print JSON");

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
  if (fls->parsed()) return wfpctl::run_filter_list(manage);
  if (fld->parsed()) return wfpctl::run_filter_delete(manage);
  if (shs->parsed()) return wfpctl::run_show_state(manage);
  return 2;
}
