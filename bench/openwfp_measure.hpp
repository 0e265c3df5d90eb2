// openwfp's side of the classify command: the rules loaded as filters into an
// Engine, measured through the whole engine (arbitration included) and through
// the layer's compiled classifier alone, which is what a peer classifier
// compares with.
#pragma once

#include <string>

#include "classify_work.hpp"
#include "openwfp/engine.hpp"

namespace bench {

struct OpenwfpModes {
  bool engine = true;  // Engine::Reader::classify
  bool batch = true;   // Classifier::first_match_batch, kBatch at a time
};

// False (with `error`) when the engine refuses a filter.
bool measure_openwfp(const ClassifyWork& work, const openwfp::classbench::Trace& trace,
                     openwfp::ClassifierKind kind, OpenwfpModes modes, ClassifierFigures* out, std::string* error);

}  // namespace bench
