// Runs a program (the iptables tools) and collects what it printed. For the
// control plane only: it forks, and it blocks until the program ends.
#pragma once

#include <string>
#include <vector>

namespace openwfp::live {

struct CommandResult {
  int exitCode = -1;   // -1: it could not be started or was killed by a signal
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (found on PATH, or /usr/sbin and /sbin when PATH lacks them)
// with `input` on its stdin.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {});

// Whether a program of that name is found.
bool program_exists(const std::string& name);

}  // namespace openwfp::live
