// Every capture of tcpdump's test corpus (pcaps/tcpdump/tests in the shared
// data, pcap and pcapng) through the whole stack with the sample policy
// (examples/policy.json): decoding of every link layer and malformed packet
// the corpus holds, reassembly, flows, streams and the layer walk. Nothing may
// crash, hang or leak (the clang ASan build runs this too); each file either
// replays or is reported as an unsupported link type or as unreadable by
// libpcap; every frame gets exactly one verdict, every drop one named reason,
// and at the end of input every flow is ended and every held byte released.
// The counts are printed and recorded as test properties.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "capture.hpp"
#include "corpus.hpp"
#include "decode/packet.hpp"
#include "openwfp/policy.hpp"
#include "recorder.hpp"
#include "stack/stack.hpp"

namespace openwfp::pipeline {
namespace {

// Like `wfpctl replay` without --local: per IP version, the address seen in
// the most packets (ties: the one seen first) is this host's.
stack::Locality busiest_addresses(const Capture& c) {
  struct Seen {
    uint64_t count = 0;
    uint64_t first = 0;
  };
  std::map<std::pair<uint8_t, std::array<uint8_t, 16>>, Seen> seen;
  uint64_t order = 0;
  for (const CapturedFrame& f : c.frames) {
    decode::DecodedPacket p;
    const decode::DropReason d =
        decode::decode_frame(c.linkType, f.bytes.data(), static_cast<uint32_t>(f.bytes.size()), f.wireLength, &p);
    if (d != decode::DropReason::NONE && p.ipHeaderLength == 0) continue;
    if (p.ipVersion != 4 && p.ipVersion != 6) continue;
    for (int side = 0; side < 2; ++side) {
      std::array<uint8_t, 16> a{};
      if (p.ipVersion == 4) {
        const uint32_t v = side == 0 ? p.v4Source : p.v4Destination;
        for (int i = 0; i < 4; ++i) a[static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (24 - 8 * i));
      } else {
        std::memcpy(a.data(), (side == 0 ? p.v6Source : p.v6Destination).byteArray16, 16);
      }
      Seen& s = seen[{p.ipVersion, a}];
      if (s.count == 0) s.first = order++;
      ++s.count;
    }
  }
  stack::Locality out;
  for (const uint8_t version : {uint8_t{4}, uint8_t{6}}) {
    const std::pair<const std::pair<uint8_t, std::array<uint8_t, 16>>, Seen>* best = nullptr;
    for (const auto& e : seen) {
      if (e.first.first != version) continue;
      if (best == nullptr || e.second.count > best->second.count ||
          (e.second.count == best->second.count && e.second.first < best->second.first)) {
        best = &e;
      }
    }
    if (best == nullptr) continue;
    stack::Prefix p;
    p.ipVersion = version;
    std::memcpy(p.address.byteArray16, best->first.second.data(), 16);
    p.length = version == 4 ? 32 : 128;
    out.add(p);
  }
  return out;
}

stack::Config corpus_config(const Capture& c) {
  stack::Config config = corpus_stack_config();
  config.local = busiest_addresses(c);
  return config;
}

struct Totals {
  uint64_t files = 0, replayed = 0, unsupportedLinkType = 0, unreadable = 0, readErrors = 0;
  uint64_t packets = 0, bytes = 0;
  uint64_t verdicts[4] = {};
  uint64_t flows = 0, reassembled = 0, streamBytes = 0, missedBytes = 0, classified = 0;
  std::map<std::string, uint64_t> drops;
  std::map<uint32_t, uint64_t> unsupportedLinkTypes;  // link type -> files
  std::vector<std::string> unreadableFiles;
};

// The files the shared data's manifest lists for the corpus.
uint64_t manifest_count() {
  std::ifstream in(openwfp::test::shared_data_dir() + "/pcaps/MANIFEST.tsv");
  std::string line;
  uint64_t n = 0;
  while (std::getline(in, line)) {
    const std::string path = line.substr(0, line.find('\t'));
    const std::string ext = std::filesystem::path(path).extension().string();
    // Paths there are relative to pcaps/.
    if (path.rfind("tcpdump/tests/", 0) == 0 && (ext == ".pcap" || ext == ".pcapng")) ++n;
  }
  return n;
}

TEST(PipelineTcpdumpCorpus, EveryCaptureThroughTheSamplePolicy) {
  const std::vector<std::string> files = corpus_files();
  if (files.empty()) GTEST_SKIP() << "tcpdump corpus not in the shared data";
  EXPECT_EQ(files.size(), manifest_count());

  policy::Policy pol;
  policy::PolicyError perr;
  ASSERT_TRUE(policy::load_policy_file(sample_policy(), &pol, &perr)) << perr.to_string();
  Engine engine;
  ASSERT_TRUE(policy::apply_policy(engine, pol, &perr)) << perr.to_string();

  Totals t;
  for (const std::string& path : corpus_share(files)) {
    const std::string name = std::filesystem::path(path).filename().string();
    SCOPED_TRACE(name);
    ++t.files;
    Capture c;
    std::string error;
    const ReadStatus status = read_capture(path, &c, &error);
    if (status == ReadStatus::CANNOT_OPEN) {
      ++t.unreadable;
      t.unreadableFiles.push_back(name + ": " + error);
      continue;
    }
    if (status == ReadStatus::READ_ERROR) ++t.readErrors;  // the frames before the error are replayed
    const bool supported = decode::link_type_supported(c.linkType);
    if (supported) {
      ++t.replayed;
    } else {
      ++t.unsupportedLinkType;
      ++t.unsupportedLinkTypes[c.linkType];
    }

    Recorder recorder;
    stack::Stack s(engine, corpus_config(c), &recorder);
    replay(s, c);

    const stack::Counters& k = s.counters();
    const uint64_t frames = c.frames.size();
    EXPECT_EQ(k.packets, frames);
    EXPECT_EQ(k.verdicts[0] + k.verdicts[1] + k.verdicts[2] + k.verdicts[3], frames);
    if (!supported) {
      EXPECT_EQ(k.unsupportedLinkType, frames);
      EXPECT_EQ(k.verdicts[static_cast<size_t>(stack::Verdict::DROP)], frames);
    }
    // Every drop has one named reason.
    uint64_t drops = 0;
    for (const auto& [reason, n] : recorder.drops) {
      drops += n;
      t.drops[reason] += n;
    }
    EXPECT_EQ(k.verdicts[static_cast<size_t>(stack::Verdict::DROP)], drops);
    // At the end of input every flow is ended (ALE_ENDPOINT_CLOSURE for each)
    // and nothing is held by the stream reassembly.
    const flow::Stats& fs = s.flows().stats();
    EXPECT_EQ(fs.active, 0u);
    uint64_t ended = 0;
    for (const auto& [reason, n] : recorder.ends) ended += n;
    EXPECT_EQ(ended, fs.created);
    EXPECT_EQ(recorder.classified["ALE_ENDPOINT_CLOSURE_V4"] + recorder.classified["ALE_ENDPOINT_CLOSURE_V6"],
              fs.created);
    EXPECT_EQ(s.streams().stats().heldBytes, 0u);
    EXPECT_EQ(k.reassembled, recorder.reassembled.size());

    t.packets += k.packets;
    t.bytes += k.bytes;
    for (size_t v = 0; v < 4; ++v) t.verdicts[v] += k.verdicts[v];
    t.flows += fs.created;
    t.reassembled += k.reassembled;
    t.streamBytes += s.streams().stats().bytesDelivered;
    t.missedBytes += s.streams().stats().bytesMissed;
    for (const auto& [layer, n] : recorder.classified) t.classified += n;
  }

  EXPECT_EQ(t.replayed + t.unsupportedLinkType + t.unreadable, t.files);
  EXPECT_GT(t.replayed, t.files / 2);

  std::cout << "tcpdump corpus: " << t.files << " files: " << t.replayed << " replayed, " << t.unsupportedLinkType
            << " unsupported link type, " << t.unreadable << " unreadable (" << t.readErrors
            << " more with a read error part way)\n";
  std::cout << "  packets " << t.packets << " (" << t.bytes << " bytes): " << t.verdicts[0] << " permitted, "
            << t.verdicts[1] << " blocked, " << t.verdicts[2] << " dropped, " << t.verdicts[3] << " held\n";
  std::cout << "  flows " << t.flows << ", datagrams reassembled " << t.reassembled << ", stream bytes "
            << t.streamBytes << " (" << t.missedBytes << " missed), classifications " << t.classified << "\n";
  std::cout << "  unsupported link types:";
  for (const auto& [lt, n] : t.unsupportedLinkTypes) std::cout << " " << lt << " (" << n << " files)";
  std::cout << "\n  unreadable:\n";
  for (const std::string& u : t.unreadableFiles) std::cout << "    " << u << "\n";
  std::cout << "  drops by reason:\n";
  for (const auto& [reason, n] : t.drops) std::cout << "    " << reason << ": " << n << "\n";

  RecordProperty("files", std::to_string(t.files));
  RecordProperty("files_replayed", std::to_string(t.replayed));
  RecordProperty("files_unsupported_link_type", std::to_string(t.unsupportedLinkType));
  RecordProperty("files_unreadable", std::to_string(t.unreadable));
  RecordProperty("files_read_error_part_way", std::to_string(t.readErrors));
  RecordProperty("packets", std::to_string(t.packets));
  RecordProperty("verdict_permit", std::to_string(t.verdicts[0]));
  RecordProperty("verdict_block", std::to_string(t.verdicts[1]));
  RecordProperty("verdict_drop", std::to_string(t.verdicts[2]));
  RecordProperty("verdict_held", std::to_string(t.verdicts[3]));
  for (const auto& [reason, n] : t.drops) {
    std::string key = "drop_" + reason;
    for (char& ch : key) {
      if (std::isalnum(static_cast<unsigned char>(ch)) == 0) ch = '_';
    }
    RecordProperty(key, std::to_string(n));
  }
}

}  // namespace
}  // namespace openwfp::pipeline
