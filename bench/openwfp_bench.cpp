// openwfp-bench: measured speed, beside a peer in the same run.
//
//   openwfp-bench classify  ClassBench rules and trace (classify_bench.cpp)
//   openwfp-bench replay    a generated capture through the stack (replay_bench.cpp)
//   openwfp-bench callout   what a classifyFn call costs (callout_bench.cpp)
//   openwfp-bench memory    bytes per flow and per filter (memory_bench.cpp)
#include <CLI/CLI.hpp>

#include "callout_bench.hpp"
#include "classify_bench.hpp"
#include "memory_bench.hpp"
#include "replay_bench.hpp"

int main(int argc, char** argv) {
  CLI::App app{"openwfp-bench: benchmarks beside their peers"};
  app.require_subcommand(1);
  int status = 0;
  bench::add_classify_command(app, &status);
  bench::add_replay_command(app, &status);
  bench::add_callout_command(app, &status);
  bench::add_memory_command(app, &status);
  CLI11_PARSE(app, argc, argv);
  return status;
}
