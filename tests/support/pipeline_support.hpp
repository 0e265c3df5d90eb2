// Shared pieces of the sample callouts' pipeline tests: a temporary folder
// per test, HTTP conversations merged into one capture, the real wfpctl run
// on it, and its outputs read back.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "http_capture.hpp"
#include "io/pcap_file.hpp"
#include "support/command.hpp"

namespace openwfp::test {

// The addresses http_capture.hpp gives the client: this host in the replays.
inline const std::string kLocalArgs = " --local 10.0.0.2 --local 2001:db8:1::2";
// The verifier's per-call time budget (C4) measures the machine the test
// runs on (a sanitizer build, a loaded CI host), not the callout: the
// pipeline tests raise it so that strict mode checks everything else.
inline const std::string kStrictArgs = " --verifier strict --budget-us 1000000";

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           (std::string(info->test_suite_name()) + "-" + info->name() + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);  // kept for a look when a test fails
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A conversation as http_capture.hpp builds it; fails the test if it cannot.
  static testing::HttpConversation conversation(const testing::HttpCaptureSpec& spec) {
    testing::HttpConversation c;
    std::string error;
    EXPECT_TRUE(testing::make_http_conversation(spec, &c, &error)) << error;
    return c;
  }

  // Every frame of the conversations in one capture, in time order (they
  // interleave when their start times are closer than their length).
  std::string write_capture(const std::string& name, const std::vector<const testing::HttpConversation*>& all) {
    std::vector<testing::HttpFrame> frames;
    for (const auto* c : all) frames.insert(frames.end(), c->frames.begin(), c->frames.end());
    std::stable_sort(frames.begin(), frames.end(),
                     [](const auto& a, const auto& b) { return a.timestampNs < b.timestampNs; });
    std::string error;
    EXPECT_TRUE(testing::write_frames(path(name), all.front()->linkType, frames, &error)) << error;
    return path(name);
  }

  std::string write_file(const std::string& name, const std::string& text) {
    std::ofstream(path(name)) << text;
    return path(name);
  }

  static CommandResult replay(const std::string& capture, const std::string& policy, const std::string& extra) {
    return run_wfpctl("replay " + capture + " --policy " + policy + kLocalArgs + " " + extra);
  }

  static nlohmann::json read_json(const std::string& file) {
    std::ifstream in(file);
    return nlohmann::json::parse(in, nullptr, false);
  }

  // One parsed JSON value per line.
  static std::vector<nlohmann::json> read_json_lines(const std::string& file) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line, nullptr, false));
    return lines;
  }

  // The frames of a capture, as bytes, in file order.
  static std::vector<craft::Bytes> read_frames(const std::string& file) {
    std::vector<craft::Bytes> frames;
    io::CaptureReader reader;
    std::string error;
    EXPECT_TRUE(reader.open(file, &error)) << error;
    io::Frame frame;
    while (reader.next(&frame) == 1) frames.emplace_back(frame.data, frame.data + frame.caplen);
    return frames;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace openwfp::test
