// The netfilter rules wfpd installs to see live traffic: chains of its own
// in the mangle table (before the filter table's rules, so openwfp sees
// every packet another firewall would drop), for IPv4 and IPv6, jumped to
// first from INPUT, OUTPUT and FORWARD, each sending its packets to the
// NFQUEUE queues of the workers (balanced across them by the kernel, both
// directions of a connection to one queue). Packets openwfp injects carry a
// mark and are not queued again.
//
// Installed with iptables-nft (nft's own `queue` statement needs
// CONFIG_NFT_QUEUE, which kernels may lack; the iptables NFQUEUE target
// through nft's compatibility layer does not), falling back to the legacy
// tools. Install and removal are one iptables-restore transaction per
// family. Whatever a previous wfpd left (after a crash) is removed, from
// both backends, before the rules go in.
//
// Fail-open (the default): with --queue-bypass, packets pass when no wfpd
// listens on the queue (wfpd stopped, crashed or not yet started), and the
// queues accept what they cannot hold; fail-closed: such packets are
// dropped until wfpd answers again or its rules are removed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace openwfp::live {

enum class Backend : uint8_t { AUTO, NFT, LEGACY };
enum class FailMode : uint8_t { OPEN, CLOSED };
const char* backend_name(Backend b) noexcept;
const char* fail_mode_name(FailMode f) noexcept;

struct RulesetConfig {
  Backend backend = Backend::AUTO;
  uint16_t firstQueue = 0;
  uint16_t queues = 1;            // one per worker
  FailMode failMode = FailMode::OPEN;
  uint32_t mark = 0x40000000;     // the bit injected packets carry (SO_MARK); never zero
  bool loopback = false;          // queue traffic on `lo` too
  bool ipv6 = true;
  bool forward = true;            // queue forwarded traffic (FORWARD)
  std::string injectInterface;    // packets arriving on it (openwfp's inbound injections) are not queued
};

// The chains, by hook, as named in the tables.
inline constexpr const char* kChainInput = "OPENWFP_INPUT";
inline constexpr const char* kChainOutput = "OPENWFP_OUTPUT";
inline constexpr const char* kChainForward = "OPENWFP_FORWARD";

// A rule as `iptables -S` prints it, with the tool that shows it.
struct InstalledRule {
  std::string tool;  // iptables-nft, ip6tables-legacy, ...
  std::string rule;  // "-A OPENWFP_INPUT -j NFQUEUE --queue-num 0 --queue-bypass"
};

class Ruleset {
 public:
  explicit Ruleset(const RulesetConfig& config);
  ~Ruleset();  // remove()
  Ruleset(const Ruleset&) = delete;
  Ruleset& operator=(const Ruleset&) = delete;

  // Removes leftovers, then installs. False with `error` saying what failed
  // (not root, no iptables, the kernel lacking NFQUEUE): nothing is left
  // installed then.
  bool install(std::string* error);
  // Removes what install() put in (and anything else of openwfp's). Safe to
  // call twice.
  void remove();
  bool installed() const noexcept { return installed_; }
  // The backend in use ("nft" or "legacy"; empty before install()).
  const std::string& backend() const noexcept { return backend_; }
  // The iptables-restore input (the same rules for IPv4 and IPv6).
  std::string script() const;
  // openwfp's rules as the kernel holds them now (for `show state`).
  std::vector<InstalledRule> rules() const;

  // Removes every openwfp chain and jump from both backends and families;
  // returns how many jumps and chains went.
  static size_t remove_leftovers();
  // openwfp's rules, from every backend and family (tests: none after stop).
  static std::vector<InstalledRule> list_all();

 private:
  RulesetConfig config_;
  std::string backend_;
  bool installed_ = false;
};

}  // namespace openwfp::live
