#include "live/ruleset.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "live/command.hpp"

namespace openwfp::live {

namespace {

constexpr const char* kPrefix = "OPENWFP_";

struct Tools {
  std::string list, restore;
};

// The listing and restore tools of a backend ("nft" or "legacy") and family.
Tools tools_of(const std::string& backend, int family) {
  const std::string base = family == 6 ? "ip6tables" : "iptables";
  return {base + "-" + backend, base + "-" + backend + "-restore"};
}

std::string hex(uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%x", v);
  return text;
}

// The lines of `tool -t mangle -S` (empty when the tool is absent or fails).
std::vector<std::string> listing(const std::string& tool) {
  std::vector<std::string> out;
  if (!program_exists(tool)) return out;
  const CommandResult r = run_command({tool, "-w", "-t", "mangle", "-S"});
  if (r.exitCode != 0) return out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

bool ours(const std::string& line) { return line.find(kPrefix) != std::string::npos; }

// Whether the legacy mangle table of a family exists (listing it with the
// legacy tool would otherwise create it, loading ip_tables).
bool legacy_table_exists(int family) {
  std::ifstream names(family == 6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names");
  for (std::string line; std::getline(names, line);) {
    if (line == "mangle") return true;
  }
  return false;
}

// Removes openwfp's jumps and chains from one backend and family in one
// restore transaction; returns how many went.
size_t remove_from(const std::string& backend, int family) {
  if (backend == "legacy" && !legacy_table_exists(family)) return 0;
  const Tools t = tools_of(backend, family);
  std::string script = "*mangle\n";
  std::vector<std::string> chains;
  size_t n = 0;
  for (const std::string& line : listing(t.list)) {
    if (!ours(line)) continue;
    if (line.rfind("-N ", 0) == 0) {
      chains.push_back(line.substr(3));
    } else if (line.rfind("-A ", 0) == 0 && line.rfind(std::string("-A ") + kPrefix, 0) != 0) {
      script += "-D " + line.substr(3) + "\n";  // a jump from a built-in chain
      ++n;
    }
  }
  for (const std::string& c : chains) script += "-F " + c + "\n";
  for (const std::string& c : chains) script += "-X " + c + "\n";
  n += chains.size();
  if (n == 0) return 0;
  script += "COMMIT\n";
  const CommandResult r = run_command({t.restore, "-w", "--noflush"}, script);
  if (r.exitCode != 0) {
    std::fprintf(stderr, "wfpd: could not remove openwfp's rules with %s: %s", t.restore.c_str(), r.output.c_str());
    return 0;
  }
  return n;
}

}  // namespace

const char* backend_name(Backend b) noexcept {
  switch (b) {
    case Backend::AUTO: return "auto";
    case Backend::NFT: return "nft";
    case Backend::LEGACY: return "legacy";
  }
  return "?";
}

const char* fail_mode_name(FailMode f) noexcept { return f == FailMode::OPEN ? "open" : "closed"; }

Ruleset::Ruleset(const RulesetConfig& config) : config_(config) {}

Ruleset::~Ruleset() { remove(); }

std::string Ruleset::script() const {
  std::string queue;
  if (config_.queues <= 1) {
    queue = "-j NFQUEUE --queue-num " + std::to_string(config_.firstQueue);
  } else {
    queue = "-j NFQUEUE --queue-balance " + std::to_string(config_.firstQueue) + ":" +
            std::to_string(config_.firstQueue + config_.queues - 1);
  }
  if (config_.failMode == FailMode::OPEN) queue += " --queue-bypass";
  const std::string mark = "-m mark --mark " + hex(config_.mark) + "/" + hex(config_.mark) + " -j RETURN";
  std::string s = "*mangle\n";
  struct Hook {
    const char* builtin;
    const char* chain;
    const char* loopback;  // the match for traffic on lo
  };
  std::vector<Hook> hooks = {{"INPUT", kChainInput, "-i lo"}, {"OUTPUT", kChainOutput, "-o lo"}};
  if (config_.forward) hooks.push_back({"FORWARD", kChainForward, nullptr});
  for (const Hook& h : hooks) s += std::string(":") + h.chain + " - [0:0]\n";
  for (const Hook& h : hooks) {
    s += std::string("-A ") + h.chain + " " + mark + "\n";
    if (!config_.injectInterface.empty() && std::string(h.chain) != kChainOutput) {
      s += std::string("-A ") + h.chain + " -i " + config_.injectInterface + " -j RETURN\n";
    }
    if (!config_.loopback && h.loopback != nullptr) s += std::string("-A ") + h.chain + " " + h.loopback + " -j RETURN\n";
    s += std::string("-A ") + h.chain + " " + queue + "\n";
  }
  for (const Hook& h : hooks) s += std::string("-I ") + h.builtin + " 1 -j " + h.chain + "\n";
  s += "COMMIT\n";
  return s;
}

bool Ruleset::install(std::string* error) {
  if (::geteuid() != 0) {
    *error = "live traffic needs root (netfilter rules and NFQUEUE): run wfpd --live as root";
    return false;
  }
  if (config_.mark == 0) {
    *error = "the mark for injected packets must not be zero";
    return false;
  }
  remove_leftovers();
  std::vector<std::string> candidates;
  if (config_.backend != Backend::LEGACY) candidates.push_back("nft");
  if (config_.backend != Backend::NFT) candidates.push_back("legacy");
  std::string why;
  for (const std::string& backend : candidates) {
    std::vector<int> families = {4};
    if (config_.ipv6) families.push_back(6);
    bool ok = true;
    for (int family : families) {
      const Tools t = tools_of(backend, family);
      if (!program_exists(t.restore)) {
        why += t.restore + ": not found (Debian's iptables package has it); ";
        ok = false;
        break;
      }
      const CommandResult r = run_command({t.restore, "-w", "--noflush"}, script());
      if (r.exitCode != 0) {
        why += t.restore + ": " + r.output;
        ok = false;
        break;
      }
    }
    if (ok) {
      backend_ = backend;
      installed_ = true;
      return true;
    }
    remove_leftovers();  // a family that went in before another failed
  }
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ' || why.back() == ';')) why.pop_back();
  *error = "could not install the NFQUEUE rules (" + why +
           "); the kernel needs netfilter's NFQUEUE target (xt_NFQUEUE / nft_compat)";
  return false;
}

void Ruleset::remove() {
  if (!installed_) return;
  remove_from(backend_, 4);
  if (config_.ipv6) remove_from(backend_, 6);
  installed_ = false;
}

std::vector<InstalledRule> Ruleset::rules() const {
  std::vector<InstalledRule> out;
  if (!installed_) return out;
  for (int family : {4, 6}) {
    if (family == 6 && !config_.ipv6) continue;
    const Tools t = tools_of(backend_, family);
    for (const std::string& line : listing(t.list)) {
      if (ours(line) && line.rfind("-N ", 0) != 0) out.push_back({t.list, line});
    }
  }
  return out;
}

size_t Ruleset::remove_leftovers() {
  size_t n = 0;
  for (const char* backend : {"nft", "legacy"}) {
    for (int family : {4, 6}) n += remove_from(backend, family);
  }
  return n;
}

std::vector<InstalledRule> Ruleset::list_all() {
  std::vector<InstalledRule> out;
  for (const std::string backend : {"nft", "legacy"}) {
    for (int family : {4, 6}) {
      if (backend == "legacy" && !legacy_table_exists(family)) continue;
      const Tools t = tools_of(backend, family);
      for (const std::string& line : listing(t.list)) {
        if (ours(line)) out.push_back({t.list, line});
      }
    }
  }
  return out;
}

}  // namespace openwfp::live
