#include "tshark_check.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <numeric>
#include <string_view>

#include "run_program.hpp"

namespace openwfp::testing {
namespace {

using namespace std::chrono_literals;

// Generous: tshark takes seconds to start (it loads every dissector) and a
// replay output may hold many thousands of frames.
constexpr auto kRunTimeout = 300s;
constexpr auto kVersionTimeout = 60s;
constexpr size_t kFirstProblemsKept = 10;

struct AnalysisFlag {
  const char* name;  // after "tcp.analysis."
  bool problem;      // else a note
};
constexpr std::array<AnalysisFlag, 18> kAnalysisFlags{{
    {"retransmission", true},
    {"fast_retransmission", true},
    {"spurious_retransmission", true},
    {"out_of_order", true},
    {"lost_segment", true},
    {"ack_lost_segment", true},
    {"duplicate_ack", true},
    {"keep_alive", true},
    {"keep_alive_ack", true},
    {"zero_window", true},
    {"zero_window_probe", true},
    {"zero_window_probe_ack", true},
    {"window_full", true},
    {"window_update", false},
    {"reused_ports", false},
    {"tfo_syn", false},
    {"tfo_ack", false},
    {"tfo_ignored", false},
}};

struct ChecksumField {
  const char* field;
  const char* what;  // for messages
  uint64_t TsharkReport::*counter;
};
constexpr std::array<ChecksumField, 5> kChecksumFields{{
    {"ip.checksum.status", "bad IPv4 header checksum", &TsharkReport::badIpChecksums},
    {"tcp.checksum.status", "bad TCP checksum", &TsharkReport::badTcpChecksums},
    {"udp.checksum.status", "bad UDP checksum", &TsharkReport::badUdpChecksums},
    {"icmp.checksum.status", "bad ICMP checksum", &TsharkReport::badIcmpChecksums},
    {"icmpv6.checksum.status", "bad ICMPv6 checksum", &TsharkReport::badIcmpChecksums},
}};
// Values of the *.checksum.status fields (`tshark -G values`). Illegal is
// what tshark reports for a zero UDP checksum over IPv6, which RFC 8200
// forbids, so it counts as bad.
constexpr std::string_view kChecksumBad = "0", kChecksumIllegal = "4";

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// tshark's standard error without the warning it prints when run as root,
// on one line for a message.
std::string tshark_complaint(const ProgramResult& r) {
  if (!r.failure.empty()) return r.failure;
  std::string text;
  for (std::string_view line : split(r.err, '\n')) {
    if (line.empty() || line.starts_with("Running as user")) continue;
    if (!text.empty()) text += "; ";
    text += line;
  }
  return "tshark exited with status " + std::to_string(r.exitStatus) + (text.empty() ? "" : ": " + text);
}

void note_problem(TsharkReport* report, std::string_view frame, const std::string& what) {
  if (report->firstProblems.size() < kFirstProblemsKept)
    report->firstProblems.push_back("frame " + std::string(frame) + ": " + what);
}

bool hex_decode(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc{} || end != hex.data() + i + 2) return false;
    out->push_back(static_cast<char>(value));
  }
  return true;
}

// The chunk follow prints for a hole in the stream: "[N bytes missing in
// capture file]" with its terminating NUL.
bool is_gap_marker(std::string_view chunk) {
  constexpr std::string_view kTail = " bytes missing in capture file]";
  if (!chunk.empty() && chunk.back() == '\0') chunk.remove_suffix(1);
  if (chunk.size() <= kTail.size() + 1 || chunk.front() != '[' || !chunk.ends_with(kTail)) return false;
  const std::string_view digits = chunk.substr(1, chunk.size() - 1 - kTail.size());
  return digits.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

bool tshark_available() {
  static const bool available = [] {
    const ProgramResult r = run_program({"tshark", "-v"}, kVersionTimeout);
    return r.started && !r.timedOut && r.exitStatus == 0;
  }();
  return available;
}

uint64_t TsharkReport::tcpProblemCount() const {
  return std::accumulate(tcpProblems.begin(), tcpProblems.end(), uint64_t{0},
                         [](uint64_t sum, const auto& entry) { return sum + entry.second; });
}

TsharkReport analyse_capture(const std::string& pcap) {
  TsharkReport report;
  // Checksum checks are off by default in tshark; sequence analysis is on by
  // default but is named too, so a user's own preferences cannot turn it off.
  std::vector<std::string> argv{"tshark", "-n", "-r", pcap,
                                "-o", "ip.check_checksum:TRUE",
                                "-o", "tcp.check_checksum:TRUE",
                                "-o", "udp.check_checksum:TRUE",
                                "-o", "tcp.analyze_sequence_numbers:TRUE",
                                "-T", "fields", "-E", "header=n", "-E", "separator=/t", "-E", "occurrence=a",
                                "-E", "aggregator=,", "-e", "frame.number"};
  for (const ChecksumField& c : kChecksumFields) argv.insert(argv.end(), {"-e", c.field});
  for (const AnalysisFlag& f : kAnalysisFlags) argv.insert(argv.end(), {"-e", std::string("tcp.analysis.") + f.name});
  // Last: its text (the malformed protocol's name) is free-form.
  argv.insert(argv.end(), {"-e", "_ws.malformed"});
  const size_t columns = 1 + kChecksumFields.size() + kAnalysisFlags.size() + 1;

  const ProgramResult r = run_program(argv, kRunTimeout);
  if (!r.started || r.timedOut || r.exitStatus != 0) {
    report.error = tshark_complaint(r);
    return report;
  }
  for (std::string_view line : split(r.out, '\n')) {
    if (line.empty()) continue;
    const std::vector<std::string_view> cells = split(line, '\t');
    if (cells.size() < columns) {
      report.error = "unexpected tshark output line (" + std::to_string(cells.size()) + " columns, expected " +
                     std::to_string(columns) + "): " + std::string(line);
      return report;
    }
    ++report.packets;
    const std::string_view frame = cells[0];
    size_t at = 1;
    for (const ChecksumField& c : kChecksumFields) {
      for (std::string_view status : split(cells[at++], ',')) {
        if (status != kChecksumBad && status != kChecksumIllegal) continue;
        ++(report.*c.counter);
        note_problem(&report, frame, c.what);
      }
    }
    for (const AnalysisFlag& f : kAnalysisFlags) {
      if (cells[at++].empty()) continue;
      if (f.problem) {
        ++report.tcpProblems[f.name];
        note_problem(&report, frame, std::string("TCP ") + f.name);
      } else {
        ++report.tcpNotes[f.name];
      }
    }
    if (!cells[at].empty()) {
      ++report.malformed;
      note_problem(&report, frame, "malformed");
    }
  }
  report.ok = true;
  return report;
}

bool follow_tcp_stream(const std::string& pcap, int streamIndex, bool clientToServer, std::string* payload,
                       std::string* error) {
  std::string ignored;
  std::string& why = error != nullptr ? *error : ignored;
  payload->clear();
  if (streamIndex < 0) {
    why = "stream index " + std::to_string(streamIndex);
    return false;
  }
  const ProgramResult r = run_program(
      {"tshark", "-n", "-q", "-r", pcap, "-z", "follow,tcp,raw," + std::to_string(streamIndex)}, kRunTimeout);
  if (!r.started || r.timedOut || r.exitStatus != 0) {
    why = tshark_complaint(r);
    return false;
  }
  // The report: a line of '=', "Follow: tcp,raw", "Filter: ...", "Node 0:
  // address:port", "Node 1: ...", one hex line per chunk (node 1's indented
  // with a tab), a closing line of '='.
  enum class Part { BEFORE, HEADER, DATA, AFTER } part = Part::BEFORE;
  uint64_t missing_chunks = 0;
  for (std::string_view line : split(r.out, '\n')) {
    if (line.starts_with("=====")) {
      part = part == Part::BEFORE ? Part::HEADER : Part::AFTER;
      continue;
    }
    if (part == Part::HEADER) {
      // A stream that does not exist is reported with empty endpoints.
      if (line == "Node 0: :0") {
        why = pcap + ": no TCP stream " + std::to_string(streamIndex);
        return false;
      }
      if (line.starts_with("Node 1:")) part = Part::DATA;
      continue;
    }
    if (part != Part::DATA || line.empty()) continue;
    const bool fromNode1 = line.front() == '\t';
    if (fromNode1) line.remove_prefix(1);
    std::string chunk;
    if (!hex_decode(line, &chunk)) {
      why = "unexpected tshark follow output: " + std::string(line.substr(0, 80));
      return false;
    }
    if (fromNode1 == clientToServer) continue;
    if (is_gap_marker(chunk)) {
      ++missing_chunks;
      continue;
    }
    *payload += chunk;
  }
  if (part != Part::AFTER) {
    why = "tshark follow output ended early";
    return false;
  }
  if (missing_chunks != 0) {
    why = "stream " + std::to_string(streamIndex) + " has " + std::to_string(missing_chunks) +
          " gap(s) in this direction (segments missing from the capture)";
    return false;
  }
  return true;
}

}  // namespace openwfp::testing
