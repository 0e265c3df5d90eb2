// An independent opinion on a capture file: Wireshark's tshark validates
// every IP, TCP, UDP and ICMP checksum, runs its TCP sequence analysis and
// reassembles TCP streams. Tests use it to show that what the replay writes
// (edited streams, injected packets) is a conversation a real analyser
// accepts, without trusting openwfp's own decoder.
//
// What tshark 4.0 calls things (found with `tshark -G defaultprefs`,
// `tshark -G fields` and `tshark -G values`):
//   - Checksum validation preferences: ip.check_checksum, tcp.check_checksum,
//     udp.check_checksum (all FALSE by default). ICMP and ICMPv6 have no
//     such preference: their checksums are always verified (there is no
//     icmp.check_checksum, and passing one makes tshark refuse to start).
//   - Per-packet results: ip.checksum.status, tcp.checksum.status,
//     udp.checksum.status, icmp.checksum.status, icmpv6.checksum.status
//     (0 Bad, 1 Good, 2 Unverified, 3 Not present, 4 Illegal). A packet
//     quoted inside an ICMP error is dissected too, so its header checksum
//     is counted like any other.
//   - TCP analysis: tcp.analyze_sequence_numbers (TRUE by default) sets the
//     FT_NONE flags tcp.analysis.<name>; `-T fields` prints "1" for a flag
//     that is present (twice, "1,1", for duplicate_ack, which is both a
//     field and an expert item), so flags are counted once per frame.
//   - Malformed packets carry the _ws.malformed field.
//   - `-z follow,tcp,raw,N` prints one hex line per chunk of stream N;
//     chunks from the second node are indented with a tab, and node 0 is
//     the sender of the stream's first packet. A hole in the stream is
//     printed as a chunk holding the text "[N bytes missing in capture
//     file]" and a NUL, which follow_tcp_stream reports as a gap.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace openwfp::testing {

// tshark runs (`tshark -v` exits 0). Checked once per process.
bool tshark_available();

struct TsharkReport {
  bool ok = false;
  std::string error;  // tshark failed to run or parse: why
  uint64_t packets = 0;
  uint64_t badIpChecksums = 0, badTcpChecksums = 0, badUdpChecksums = 0, badIcmpChecksums = 0;  // ICMP and ICMPv6
  // Frames tshark marks malformed (a length or field it could not dissect).
  uint64_t malformed = 0;
  // Sequence-analysis problems, by Wireshark field name without the
  // "tcp.analysis." prefix, in frames: retransmission,
  // fast_retransmission, spurious_retransmission, out_of_order,
  // lost_segment, ack_lost_segment, duplicate_ack, keep_alive,
  // keep_alive_ack, zero_window, zero_window_probe, zero_window_probe_ack,
  // window_full. A correct stack captured at one point without loss shows
  // none of them. window_full and zero_window count because an edited
  // stream that outgrows the receiver's window is exactly the kind of
  // defect a stream editor can introduce. A frame may count under more than
  // one name (a fast retransmission is also a retransmission).
  std::map<std::string, uint64_t> tcpProblems;
  // Flags that describe a conversation rather than fault it: window_update
  // (a receiver opening its window), reused_ports (a new connection on an
  // old port pair, normal in long captures) and the TCP Fast Open flags
  // tfo_syn, tfo_ack, tfo_ignored.
  std::map<std::string, uint64_t> tcpNotes;
  uint64_t tcpProblemCount() const;  // the sum over tcpProblems
  std::vector<std::string> firstProblems;  // up to 10 "frame N: what" lines for failure messages
};

// Runs tshark with checksum validation switched on and TCP sequence
// analysis over every frame of `pcap`.
TsharkReport analyse_capture(const std::string& pcap);

// The reassembled payload of TCP stream `streamIndex` (tshark's tcp.stream
// numbering, from 0) in one direction: clientToServer is the side that sent
// the stream's first packet. False with `error` set when tshark fails, the
// stream does not exist or the output cannot be decoded.
bool follow_tcp_stream(const std::string& pcap, int streamIndex, bool clientToServer, std::string* payload,
                       std::string* error = nullptr);

}  // namespace openwfp::testing
