#include "replay.hpp"
#ifdef OPENWFP_HAVE_SAMPLE_CALLOUTS
#include "samples.hpp"
#endif

#include "plugin/builtins.hpp"
#include "plugin/callout_host.hpp"
#include "plugin/registry.hpp"
#include "openwfp/dispatch.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "decode/packet.hpp"
#include "io/pcap_file.hpp"
#include "openwfp/constants.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/model.hpp"
#include "openwfp/policy.hpp"
#include "shard/capture.hpp"
#include "stack/stack.hpp"

namespace wfpctl {
namespace {

using namespace openwfp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

int fail(const std::string& message) {
  std::fprintf(stderr, "wfpctl replay: %s\n", message.c_str());
  return 1;
}

std::string address_text(uint8_t version, const ByteArray16& a) {
  return version == 4 ? format_ipv4(flow::get_v4(a)) : format_ipv6(a);
}

std::string protocol_text(uint8_t p) {
  switch (p) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "icmpv6";
    default: return std::to_string(p);
  }
}

bool is_ale_layer(std::string_view name) { return name.starts_with("ALE_"); }

// Without --local: the address seen in the most packets (per IP version) is this host's.
bool busiest_addresses(const std::string& path, stack::Locality* out, std::vector<std::string>* chosen,
                       std::string* error) {
  io::CaptureReader reader;
  if (!reader.open(path, error)) return false;
  shard::BusiestAddresses busiest;
  io::Frame frame;
  while (reader.next(&frame) == 1) busiest.count(reader.link_type(), frame.data, frame.caplen, frame.wireLength);
  busiest.choose(out, chosen);
  return true;
}

struct FlowRecord {
  json ale = json::array();
  std::string end;
  bool established = false;
};

struct StreamRecord {
  json info;
  std::ofstream file;
  uint64_t bytes = 0;
  uint64_t missed = 0;
};

class ReplayObserver final : public stack::Observer {
 public:
  explicit ReplayObserver(const engine::Model& model, std::string dump_dir)
      : model_(model), dumpDir_(std::move(dump_dir)) {}

  void on_classify(const LayerInfo& layer, const IncomingValues&, const ClassifyResult& r,
                   const flow::Flow* f) override {
    if (r.filterId != 0) {
      auto& c = filterCounts_[r.filterId];
      (r.actionType == FWP_ACTION_BLOCK ? c.second : c.first)++;
    }
    if (f != nullptr && is_ale_layer(layer.name)) {
      const Filter* filter = r.filterId != 0 ? model_.find_filter(r.filterId) : nullptr;
      flows_[f->flowId].ale.push_back({{"layer", std::string(layer.name)},
                                       {"action", std::string(action_type_name(r.actionType))},
                                       {"filter", filter != nullptr ? json(filter->name) : json(nullptr)}});
    }
  }

  void on_drop(std::string_view module, std::string_view reason) override {
    ++drops_[std::string(module) + ": " + std::string(reason)];
  }

  // Packets the stack sends on after the fact (a pended connect released)
  // go to --out with the current frame's time and, on Ethernet, a header
  // made from the current frame's (the ethertype set from the IP version).
  void on_inject(const uint8_t* ip, uint32_t length, bool) override {
    ++injected_;
    if (writer_ == nullptr || frame_ == nullptr) return;
    std::vector<uint8_t>& out = injectBuffer_;
    out.clear();
    if (linkType_ == 1) {  // DLT_EN10MB
      if (frame_->caplen < 14) return;
      out.assign(frame_->data, frame_->data + 12);
      const bool v6 = length > 0 && (ip[0] >> 4) == 6;
      out.push_back(v6 ? 0x86 : 0x08);
      out.push_back(v6 ? 0xDD : 0x00);
    } else if (linkType_ != 101 && linkType_ != 12 && linkType_ != 228 && linkType_ != 229) {
      ++injectedNotWritten_;  // a link type whose header cannot be made here
      return;
    }
    out.insert(out.end(), ip, ip + length);
    io::Frame f;
    f.timestampNs = frame_->timestampNs;
    f.caplen = static_cast<uint32_t>(out.size());
    f.wireLength = f.caplen;
    f.data = out.data();
    writer_->write(f);
  }
  void on_pend_timeout(const flow::Flow*, uint16_t) override { ++pendTimeouts_; }
  void set_output(io::CaptureWriter* writer, uint32_t link_type) {
    writer_ = writer;
    linkType_ = link_type;
  }
  void set_frame(const io::Frame* frame) { frame_ = frame; }
  uint64_t injected_ = 0, injectedNotWritten_ = 0, pendTimeouts_ = 0;
  io::CaptureWriter* writer_ = nullptr;
  uint32_t linkType_ = 0;
  const io::Frame* frame_ = nullptr;
  std::vector<uint8_t> injectBuffer_;

  void on_stream(const flow::Flow& f, const stream::Chunk& chunk, uint32_t direction) override {
    if (dumpDir_.empty()) return;
    const auto key = std::make_pair(f.flowId, direction);
    auto it = streams_.find(key);
    if (it == streams_.end()) {
      StreamRecord rec;
      const bool out = direction == FWP_DIRECTION_OUTBOUND;
      const std::string src = address_text(f.key.ipVersion, out ? f.key.local : f.key.remote);
      const std::string dst = address_text(f.key.ipVersion, out ? f.key.remote : f.key.local);
      const uint16_t sport = out ? f.key.localPort : f.key.remotePort;
      const uint16_t dport = out ? f.key.remotePort : f.key.localPort;
      std::string name = fmt::format("flow{}-{}-{}_{}-{}_{}.bin", (f.flowId >> 32) & 0xFFFFFFu, out ? "out" : "in", src, sport, dst, dport);
      for (char& ch : name) {
        if (ch == ':') ch = '.';
      }
      const std::string path = (std::filesystem::path(dumpDir_) / name).string();
      rec.file.open(path, std::ios::binary);
      rec.info = {{"src", src}, {"sport", sport}, {"dst", dst}, {"dport", dport},
                  {"direction", out ? "outbound" : "inbound"}, {"file", path}, {"flow", f.flowId}};
      it = streams_.emplace(key, std::move(rec)).first;
    }
    StreamRecord& rec = it->second;
    rec.missed += chunk.missedBytes;
    rec.bytes += chunk.length;
    if (chunk.length != 0) rec.file.write(reinterpret_cast<const char*>(chunk.data), chunk.length);
  }

  void on_flow_end(const flow::Flow& f, flow::EndReason reason) override {
    FlowRecord& rec = flows_[f.flowId];
    rec.end = flow::end_reason_name(reason);
    rec.established = f.established;
    const bool out = f.direction == FWP_DIRECTION_OUTBOUND;
    json j = {{"id", f.flowId},
              {"protocol", protocol_text(f.key.protocol)},
              {"local", address_text(f.key.ipVersion, f.key.local)},
              {"local_port", f.key.localPort},
              {"remote", address_text(f.key.ipVersion, f.key.remote)},
              {"remote_port", f.key.remotePort},
              {"direction", out ? "outbound" : "inbound"},
              {"ale", rec.ale},
              {"decision", f.aleBlocked || f.establishedBlocked ? "BLOCK" : "PERMIT"},
              {"established", f.established},
              {"end", rec.end},
              {"packets", {{"outbound", f.packets[0]}, {"inbound", f.packets[1]}}},
              {"bytes", {{"outbound", f.bytes[0]}, {"inbound", f.bytes[1]}}},
              {"blocked_packets", f.blockedPackets}};
    if (f.stream.has_value()) {
      j["stream"] = {{"outbound_bytes", f.stream->delivered(f.localIsClient ? stream::Direction::CLIENT_TO_SERVER
                                                                             : stream::Direction::SERVER_TO_CLIENT)},
                     {"inbound_bytes", f.stream->delivered(f.localIsClient ? stream::Direction::SERVER_TO_CLIENT
                                                                            : stream::Direction::CLIENT_TO_SERVER)}};
    }
    ended_.push_back(std::move(j));
    ++endReasons_[rec.end];
    flows_.erase(f.flowId);
  }

  json streams_json() {
    json out = json::array();
    for (auto& [key, rec] : streams_) {
      rec.file.close();
      json j = rec.info;
      j["bytes"] = rec.bytes;
      j["missed_bytes"] = rec.missed;
      out.push_back(j);
    }
    return out;
  }

  const engine::Model& model_;
  std::string dumpDir_;
  std::unordered_map<uint64_t, std::pair<uint64_t, uint64_t>> filterCounts_;  // permits, blocks
  std::unordered_map<uint64_t, FlowRecord> flows_;
  std::map<std::pair<uint64_t, uint32_t>, StreamRecord> streams_;
  std::map<std::string, uint64_t> drops_;
  std::map<std::string, uint64_t> endReasons_;
  json ended_ = json::array();
};

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO) != 0), start_(Clock::now()) {}
  void update(uint64_t done, uint64_t total, uint64_t packets) {
    if (!enabled_ || (packets & 0x3FF) != 0) return;
    const auto now = Clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double frac = total == 0 ? 0.0 : static_cast<double>(done) / static_cast<double>(total);
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r[%s%s] %3d%%  %llu packets", std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(width - filled), '.').c_str(), static_cast<int>(frac * 100),
                 static_cast<unsigned long long>(packets));
    shown_ = true;
  }
  void done() {
    if (shown_) std::fprintf(stderr, "\r%60s\r", "");
  }

 private:
  bool enabled_;
  bool shown_ = false;
  Clock::time_point start_;
  Clock::time_point last_{};
};

}  // namespace

int run_replay(const ReplayOptions& options) {
  policy::Policy pol;
  policy::PolicyError perr;
  if (!policy::load_policy_file(options.policy, &pol, &perr)) return fail(perr.to_string());
  Engine engine;
  if (!policy::apply_policy(engine, pol, &perr)) return fail(perr.to_string());
  // The policy's callouts that name a plugin are loaded and registered; the
  // others stay unregistered (their filters act as WFP says).
  plugin::PluginRegistry plugins;
  std::string plugin_error;
  if (plugin::add_standard_plugins(plugins, &plugin_error) != Status::SUCCESS) return fail(plugin_error);
#ifdef OPENWFP_HAVE_SAMPLE_CALLOUTS
  if (!openwfp::callouts::register_sample_callouts(plugins, &plugin_error)) return fail(plugin_error);
#endif
  plugin::CalloutHost callouts(engine, plugins);
  if (!callouts.load(pol, &perr)) return fail(perr.to_string());
  if (options.verifier != "off" && options.verifier != "report" && options.verifier != "strict") {
    return fail("--verifier '" + options.verifier + "' (off, report, strict)");
  }
  dispatch::reset_irql_violations();

  io::CaptureReader reader;
  std::string error;
  if (!reader.open(options.capture, &error)) return fail(error);
  if (!decode::link_type_supported(reader.link_type())) {
    return fail(fmt::format("{}: unsupported link type {} ({})", options.capture, reader.link_type(),
                            decode::link_type_name(reader.link_type())));
  }

  stack::Config config;
  config.flows.maxFlows = options.maxFlows;
  // Streams to dump: every TCP flow is reassembled, filters at STREAM or not.
  if (!options.dumpStreams.empty()) config.streams = stack::StreamReassembly::ALWAYS;
  config.timing.budgetUs = options.budgetUs;
  if (!defrag::parse_overlap_policy(options.defragPolicy, &config.defrag.v4Policy)) {
    return fail("unknown --defrag-policy '" + options.defragPolicy +
                "' (first, last, bsd, bsd-right, linux, windows, solaris)");
  }
  std::vector<std::string> local_text;
  std::string local_origin = "--local";
  for (const std::string& cidr : options.local) {
    stack::Prefix p;
    if (!stack::parse_prefix(cidr, &p)) return fail("--local '" + cidr + "' is not an address or prefix");
    config.local.add(p);
    local_text.push_back(stack::format_prefix(p));
  }
  if (config.local.empty()) {
    local_origin = "the busiest address";
    if (!busiest_addresses(options.capture, &config.local, &local_text, &error)) return fail(error);
  }
  if (!options.dumpStreams.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.dumpStreams, ec);
    if (ec) return fail(options.dumpStreams + ": cannot create the directory: " + ec.message());
  }

  io::CaptureWriter writer;
  if (!options.out.empty() && !writer.open(options.out, reader.link_type(), reader.snaplen(), &error)) {
    return fail(error);
  }

  auto model = engine.snapshot();
  ReplayObserver observer(*model, options.dumpStreams);
  stack::Stack stack(engine, config, &observer);
  if (!options.out.empty()) observer.set_output(&writer, reader.link_type());
  Progress progress(!options.quiet);

  // Fragments wait for their datagram's verdict.
  struct HeldFrame {
    io::Frame frame;
    std::vector<uint8_t> bytes;
  };
  std::unordered_map<uint64_t, std::vector<HeldFrame>> held;

  const auto t0 = Clock::now();
  io::Frame frame;
  int rc = 0;
  while ((rc = reader.next(&frame)) == 1) {
    observer.set_frame(&frame);
    observer.set_frame(&frame);
    const stack::Result r = stack.process(frame.timestampNs / 1000, reader.link_type(), frame.data, frame.caplen, frame.wireLength);
    if (r.fragmentGroup != 0) {
      auto& group = held[r.fragmentGroup];
      HeldFrame h{frame, std::vector<uint8_t>(frame.data, frame.data + frame.caplen)};
      group.push_back(std::move(h));
      if (r.groupDone) {
        if (r.verdict == stack::Verdict::PERMIT && !options.out.empty()) {
          for (HeldFrame& g : group) {
            g.frame.data = g.bytes.data();
            writer.write(g.frame);
          }
        }
        held.erase(r.fragmentGroup);
      } else if (r.verdict == stack::Verdict::BLOCK || r.verdict == stack::Verdict::DROP) {
        group.pop_back();  // this fragment goes no further; the rest of its datagram may still come
      }
    } else if (r.verdict == stack::Verdict::PERMIT && !options.out.empty()) {
      writer.write(frame);
    }
    progress.update(reader.position(), reader.file_size(), stack.counters().packets);
  }
  if (rc < 0) {
    progress.done();
    return fail(reader.error());
  }
  stack.finish();
  observer.set_frame(nullptr);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  progress.done();
  if (!options.out.empty() && !writer.close(&error)) return fail(error);

  const stack::Counters& c = stack.counters();
  json report;
  report["capture"] = options.capture;
  report["policy"] = options.policy;
  report["link_type"] = std::string(decode::link_type_name(reader.link_type()));
  report["local"] = local_text;
  report["local_from"] = local_origin;
  report["packets"] = c.packets;
  report["bytes"] = c.bytes;
  report["verdicts"] = {{"permitted", c.verdicts[0]},
                        {"blocked", c.verdicts[1]},
                        {"dropped", c.verdicts[2]},
                        {"held", c.verdicts[3]},
                        {"absorbed", c.verdicts[4]}};
  report["elapsed_s"] = elapsed;
  report["packets_per_s"] = elapsed > 0 ? static_cast<double>(c.packets) / elapsed : 0.0;
  json layers = json::array();
  for (const LayerInfo& l : all_layers()) {
    const stack::LayerCounters& lc = c.layers[l.id];
    if (lc.classified == 0) continue;
    layers.push_back({{"layer", std::string(l.name)}, {"classified", lc.classified}, {"permits", lc.permits},
                      {"blocks", lc.blocks}, {"bytes", lc.bytes}});
  }
  report["layers"] = layers;
  json filters = json::array();
  for (const auto& [id, f] : model->filters) {
    auto it = observer.filterCounts_.find(id);
    const uint64_t permits = it == observer.filterCounts_.end() ? 0 : it->second.first;
    const uint64_t blocks = it == observer.filterCounts_.end() ? 0 : it->second.second;
    filters.push_back({{"id", id}, {"name", f.name}, {"layer", std::string(find_layer(f.layerKey)->name)},
                       {"permits", permits}, {"blocks", blocks}});
  }
  report["filters"] = filters;
  const flow::Stats& fs = stack.flows().stats();
  report["flows"] = observer.ended_;
  report["flow_table"] = {{"created", fs.created}, {"peak", fs.peak}, {"expired", fs.expired},
                          {"evicted", fs.evicted}, {"capacity", stack.flows().config().maxFlows}};
  const defrag::Stats& ds = stack.reassembler().stats();
  report["reassembly"] = {{"fragments", ds.fragments}, {"reassembled", ds.reassembled}, {"timed_out", ds.timedOut},
                          {"evicted", ds.evicted}, {"overlaps", ds.overlaps}};
  const stream::Stats& ss = stack.streams().stats();
  report["stream"] = {{"segments", ss.segments}, {"bytes", ss.bytesDelivered}, {"missed_bytes", ss.bytesMissed},
                      {"retransmissions", ss.retransmissions}, {"out_of_window", ss.outOfWindow}};
  json drops = json::array();
  for (const auto& [what, n] : observer.drops_) drops.push_back({{"reason", what}, {"count", n}});
  if (c.unsupportedLinkType != 0) drops.push_back({{"reason", "unsupported link type"}, {"count", c.unsupportedLinkType}});
  report["drops"] = drops;
  if (!options.dumpStreams.empty()) report["streams"] = observer.streams_json();

  // The verifier: findings of the stack, IRQL misuse (C4, C6), calls over budget (C4).
  auto callout_name = [&](uint32_t id) -> std::string {
    if (id == 0) return "";
    for (const auto& entry : model->callouts) {
      if (entry.second.calloutId == id) return entry.second.name;
    }
    return "callout " + std::to_string(id);
  };
  json findings = json::array();
  for (const stack::Finding& f : stack.findings().all()) {
    const LayerInfo* l = find_layer(f.layerId);
    findings.push_back({{"consideration", std::string(f.consideration)}, {"what", std::string(f.what)},
                        {"callout", callout_name(f.calloutId)}, {"layer", l != nullptr ? std::string(l->name) : ""},
                        {"count", f.count}, {"first_flow", f.firstFlowId}, {"first_packet", f.firstPacket}});
  }
  for (const dispatch::IrqlViolation& v : dispatch::irql_violations()) {
    const bool in_classify = v.rule == dispatch::IrqlRule::IN_CLASSIFY;
    findings.push_back({{"consideration", in_classify ? "C6" : "C4"},
                        {"what", fmt::format("{}: {}", v.api, dispatch::irql_rule_name(v.rule))},
                        {"callout", ""}, {"layer", ""}, {"count", v.count}, {"first_flow", 0}, {"first_packet", 0}});
  }
  json timing = json::array();
  for (const dispatch::CalloutTimingStats& t : stack.callout_timing().all_stats()) {
    timing.push_back({{"callout", callout_name(t.calloutId)}, {"calls", t.count}, {"p50_ns", t.p50Ns},
                      {"p99_ns", t.p99Ns}, {"max_ns", t.maxNs}, {"mean_ns", t.meanNs}, {"over_budget", t.overBudget},
                      {"budget_ns", t.budgetNs}});
    if (t.overBudget > 0) {
      findings.push_back({{"consideration", "C4"}, {"what", "classifyFn ran past its time budget"},
                          {"callout", callout_name(t.calloutId)}, {"layer", ""}, {"count", t.overBudget},
                          {"first_flow", 0}, {"first_packet", 0}});
    }
  }
  const bool verify = options.verifier != "off";
  if (verify) report["verifier"] = {{"mode", options.verifier}, {"findings", findings}};
  report["callout_timing"] = timing;
  const stack::FlowContextStats& fc = stack.flow_contexts();
  report["callouts"] = {{"flow_contexts", {{"capacity", fc.capacity}, {"peak", fc.peak}, {"associated", fc.associated},
                                           {"refused_full", fc.refusedFull}}},
                        {"stream_indications", c.streamIndications},
                        {"stream_bytes_blocked", c.streamBytesBlocked},
                        {"connections_dropped", c.streamConnectionsDropped},
                        {"flows_aborted", c.flowsAborted},
                        {"flow_delete_calls", c.flowDeleteCalls},
                        {"dpcs_run", c.dpcsRun},
                        {"pends", {{"pended", stack.pends().pended}, {"completed", stack.pends().completed},
                                   {"timed_out", stack.pends().timedOut}, {"refused_full", stack.pends().refusedFull},
                                   {"completed_after_flow_end", stack.pends().completedAfterFlowEnd},
                                   {"packets_dropped_while_pended", stack.pends().packetsDroppedWhilePended}}},
                        {"reauthorizations", c.reauthorizations},
                        {"packets_released", c.packetsReleased},
                        {"injected_written", observer.injected_ - observer.injectedNotWritten_},
                        {"injected_sent", c.injectedSent},
                        {"injected_blocked", c.injectedBlocked},
                        {"connections_rewritten", c.connectionsRewritten},
                        {"stream_bytes_injected", c.streamBytesInjected},
                        {"rewritten_packets", c.rewrittenPacketsSent},
                        {"rewrites_refused", c.rewritesRefused}};

  if (!options.report.empty()) {
    std::ofstream out(options.report);
    out << report.dump(2) << "\n";
    if (!out) return fail(options.report + ": cannot write the report");
  }

  if (!options.quiet) {
    std::string locals;
    for (const auto& l : local_text) locals += (locals.empty() ? "" : ", ") + l;
    std::printf("capture   %s (%s), local %s (%s)\n", options.capture.c_str(),
                std::string(decode::link_type_name(reader.link_type())).c_str(), locals.empty() ? "none" : locals.c_str(),
                local_origin.c_str());
    std::printf("packets   %llu (%llu bytes): %llu permitted, %llu blocked, %llu dropped, %llu held; %.3f s (%.0f packets/s)\n",
                static_cast<unsigned long long>(c.packets), static_cast<unsigned long long>(c.bytes),
                static_cast<unsigned long long>(c.verdicts[0]), static_cast<unsigned long long>(c.verdicts[1]),
                static_cast<unsigned long long>(c.verdicts[2]), static_cast<unsigned long long>(c.verdicts[3]), elapsed,
                elapsed > 0 ? static_cast<double>(c.packets) / elapsed : 0.0);
    std::printf("\n%-36s %10s %10s %8s %12s\n", "layer", "classified", "permits", "blocks", "bytes");
    for (const auto& l : layers) {
      std::printf("%-36s %10llu %10llu %8llu %12llu\n", l["layer"].get<std::string>().c_str(),
                  l["classified"].get<unsigned long long>(), l["permits"].get<unsigned long long>(),
                  l["blocks"].get<unsigned long long>(), l["bytes"].get<unsigned long long>());
    }
    std::printf("\n%-36s %-26s %8s %8s\n", "filter", "layer", "permits", "blocks");
    for (const auto& f : filters) {
      std::printf("%-36s %-26s %8llu %8llu\n", f["name"].get<std::string>().c_str(),
                  f["layer"].get<std::string>().c_str(), f["permits"].get<unsigned long long>(),
                  f["blocks"].get<unsigned long long>());
    }
    std::string ends;
    for (const auto& [why, n] : observer.endReasons_) ends += fmt::format("{}{} {}", ends.empty() ? "" : ", ", why, n);
    std::printf("\nflows     %llu (peak %u of %u; %s)\n", static_cast<unsigned long long>(fs.created), fs.peak,
                stack.flows().config().maxFlows, ends.empty() ? "none ended" : ends.c_str());
    std::printf("reassembly %llu fragments, %llu datagrams reassembled, %llu timed out, %llu evicted\n",
                static_cast<unsigned long long>(ds.fragments), static_cast<unsigned long long>(ds.reassembled),
                static_cast<unsigned long long>(ds.timedOut), static_cast<unsigned long long>(ds.evicted));
    std::printf("streams   %llu bytes in order, %llu missed, %llu retransmitted segments, %llu out of window\n",
                static_cast<unsigned long long>(ss.bytesDelivered), static_cast<unsigned long long>(ss.bytesMissed),
                static_cast<unsigned long long>(ss.retransmissions), static_cast<unsigned long long>(ss.outOfWindow));
    if (drops.empty()) {
      std::printf("drops     none\n");
    } else {
      std::printf("drops\n");
      for (const auto& d : drops) {
        std::printf("  %-60s %llu\n", d["reason"].get<std::string>().c_str(), d["count"].get<unsigned long long>());
      }
    }
    if (!timing.empty()) {
      std::printf("\n%-30s %10s %10s %10s %10s %12s\n", "callout", "calls", "p50 ns", "p99 ns", "max ns", "over budget");
      for (const auto& t : timing) {
        std::printf("%-30s %10llu %10llu %10llu %10llu %12llu\n", t["callout"].get<std::string>().c_str(),
                    t["calls"].get<unsigned long long>(), t["p50_ns"].get<unsigned long long>(),
                    t["p99_ns"].get<unsigned long long>(), t["max_ns"].get<unsigned long long>(),
                    t["over_budget"].get<unsigned long long>());
      }
    }
    if (verify) {
      if (findings.empty()) {
        std::printf("verifier  no findings\n");
      } else {
        std::printf("verifier  %zu finding(s)\n", findings.size());
        for (const auto& f : findings) {
          std::printf("  %-3s %-8llu %s%s%s%s\n", f["consideration"].get<std::string>().c_str(),
                      f["count"].get<unsigned long long>(), f["what"].get<std::string>().c_str(),
                      f["callout"].get<std::string>().empty() ? "" : " [callout ",
                      f["callout"].get<std::string>().c_str(), f["callout"].get<std::string>().empty() ? "" : "]");
        }
      }
    }
    if (!options.out.empty()) std::printf("wrote     %s (%llu packets)\n", options.out.c_str(), static_cast<unsigned long long>(writer.frames()));
    if (!options.report.empty()) std::printf("report    %s\n", options.report.c_str());
  }
  if (options.verifier == "strict" && !findings.empty()) {
    std::fprintf(stderr, "wfpctl: the verifier found %zu problem(s) (--verifier strict)\n", findings.size());
    return 3;
  }
  return 0;
}

}  // namespace wfpctl
