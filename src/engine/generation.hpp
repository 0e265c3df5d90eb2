// One published, immutable state of the data path: per layer, the filters
// in evaluation order, the sublayer spans and the compiled classifier.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "classify/classifier.hpp"
#include "openwfp/classify.hpp"
#include "openwfp/engine.hpp"
#include "openwfp/model.hpp"

namespace openwfp::engine {

struct CompiledFilter {
  uint64_t filterId = 0;
  Guid filterKey;
  std::string name;
  uint64_t weight = 0;
  uint32_t actionType = 0;
  uint32_t calloutId = 0;
  uint32_t flags = 0;  // FWPM_FILTER_FLAG_*
  std::vector<ConditionValue> values;
  std::vector<FilterConditionView> conditionViews;
  std::vector<classify::RuleCondition> ruleConditions;
  FilterView view;  // what a callout sees; points into this object
};

struct SublayerSpan {
  Guid subLayerKey;
  std::string name;
  uint16_t weight = 0;
  uint32_t begin = 0;  // positions in LayerTable::filters
  uint32_t end = 0;
};

struct LayerTable {
  const LayerInfo* layer = nullptr;
  std::vector<CompiledFilter> filters;  // evaluation order
  std::vector<SublayerSpan> sublayers;  // by weight, highest first
  std::unique_ptr<classify::Classifier> classifier;
  bool hasCallouts = false;  // some filter's action is a callout (the stack then builds layer data)
};

struct Generation {
  uint64_t number = 0;
  std::vector<std::unique_ptr<LayerTable>> layers;  // by LayerId; null: no filters
  std::shared_ptr<const Model> model;

  const LayerTable* table(LayerId id) const noexcept {
    return id < layers.size() ? layers[id].get() : nullptr;
  }
};

// One filter as the data path and callouts see it (false: its layer or
// sublayer is unknown). `out` must not move afterwards: its view points into it.
bool compile_filter(const Model& model, const Filter& f, CompiledFilter* out);

// Builds the tables of a model. Throws only std::bad_alloc.
std::unique_ptr<Generation> build_generation(std::shared_ptr<const Model> model, uint64_t number,
                                             ClassifierKind kind);

}  // namespace openwfp::engine
