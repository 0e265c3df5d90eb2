// `wfpctl explain`: classify one set of incoming values against a policy
// file (callouts simulated) or a running wfpd's live engine, and show the
// decision, the standing filter and the per-sublayer trace.
#pragma once

#include <string>
#include <vector>

namespace wfpctl {

struct ExplainOptions {
  std::string policy;
  std::string socket;  // without a policy: the running wfpd to ask
  std::string layer;
  std::vector<std::string> fields;    // NAME=VALUE
  std::vector<std::string> callouts;  // NAME=PERMIT|BLOCK|CONTINUE[:hard]
  bool json = false;
};

// Returns the process exit status.
int run_explain(const ExplainOptions& options);

}  // namespace wfpctl
