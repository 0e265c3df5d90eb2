// Runs a program directly (fork and exec, no shell, so paths need no
// quoting), collecting its standard output and standard error, and kills it
// when it runs past a deadline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace openwfp::testing {

struct ProgramResult {
  bool started = false;   // the program could be executed at all
  bool timedOut = false;  // killed at the deadline
  int exitStatus = -1;    // exit code; -1 when killed by a signal or not started
  std::string out, err;
  std::string failure;    // why it did not start or finish, for messages
};

// `argv[0]` is looked up in PATH unless it holds a '/'. Standard input is
// /dev/null.
ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace openwfp::testing
