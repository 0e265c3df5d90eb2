// The rules wfpd installs, as iptables-restore input (no root needed).
#include <gtest/gtest.h>

#include <string>

#include "live/ruleset.hpp"

namespace openwfp::live {
namespace {

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(Ruleset, OneQueueFailOpenSkipsMarkedAndLoopbackPackets) {
  RulesetConfig c;
  const std::string s = Ruleset(c).script();
  EXPECT_TRUE(s.starts_with("*mangle\n")) << s;
  EXPECT_TRUE(s.ends_with("COMMIT\n")) << s;
  EXPECT_TRUE(has(s, ":OPENWFP_INPUT - [0:0]")) << s;
  EXPECT_TRUE(has(s, "-A OPENWFP_INPUT -m mark --mark 0x40000000/0x40000000 -j RETURN")) << s;
  EXPECT_TRUE(has(s, "-A OPENWFP_INPUT -i lo -j RETURN")) << s;
  EXPECT_TRUE(has(s, "-A OPENWFP_OUTPUT -o lo -j RETURN")) << s;
  EXPECT_TRUE(has(s, "-A OPENWFP_INPUT -j NFQUEUE --queue-num 0 --queue-bypass")) << s;
  EXPECT_TRUE(has(s, "-A OPENWFP_FORWARD -j NFQUEUE --queue-num 0 --queue-bypass")) << s;
  // First in each built-in chain, after the chains and their rules exist.
  EXPECT_TRUE(has(s, "-I INPUT 1 -j OPENWFP_INPUT")) << s;
  EXPECT_TRUE(has(s, "-I OUTPUT 1 -j OPENWFP_OUTPUT")) << s;
  EXPECT_TRUE(has(s, "-I FORWARD 1 -j OPENWFP_FORWARD")) << s;
  EXPECT_LT(s.find("-A OPENWFP_INPUT -j NFQUEUE"), s.find("-I INPUT 1"));
}

TEST(Ruleset, WorkersBalanceOverTheirQueuesAndFailClosedHasNoBypass) {
  RulesetConfig c;
  c.firstQueue = 10;
  c.queues = 4;
  c.failMode = FailMode::CLOSED;
  c.mark = 0x100;
  c.loopback = true;
  c.forward = false;
  const std::string s = Ruleset(c).script();
  EXPECT_TRUE(has(s, "-A OPENWFP_INPUT -j NFQUEUE --queue-balance 10:13")) << s;
  EXPECT_EQ(s.find("--queue-bypass"), std::string::npos) << s;
  EXPECT_TRUE(has(s, "-A OPENWFP_OUTPUT -m mark --mark 0x100/0x100 -j RETURN")) << s;
  EXPECT_EQ(s.find("-i lo"), std::string::npos) << s;
  EXPECT_EQ(s.find("FORWARD"), std::string::npos) << s;
}

TEST(Ruleset, NamesItsModes) {
  EXPECT_STREQ(backend_name(Backend::NFT), "nft");
  EXPECT_STREQ(backend_name(Backend::LEGACY), "legacy");
  EXPECT_STREQ(fail_mode_name(FailMode::OPEN), "open");
  EXPECT_STREQ(fail_mode_name(FailMode::CLOSED), "closed");
}

}  // namespace
}  // namespace openwfp::live
