#include "engine/generation.hpp"

#include <algorithm>

#include "openwfp/constants.hpp"

namespace openwfp::engine {
namespace {

void fill_filter(const LayerInfo& layer, const Model& model, const Filter& f, const Sublayer& s, CompiledFilter* out) {
  out->filterId = f.filterId;
  out->filterKey = f.filterKey;
  out->name = f.name;
  out->weight = f.effectiveWeight;
  out->actionType = f.action.type;
  out->flags = f.flags;
  if ((f.action.type & FWP_ACTION_FLAG_CALLOUT) != 0) {
    const Callout* c = model.find_callout(f.action.calloutKey);
    out->calloutId = c != nullptr ? c->calloutId : 0;
  }
  out->values.reserve(f.filterCondition.size());
  for (const FilterCondition& c : f.filterCondition) out->values.push_back(c.conditionValue);
  for (size_t i = 0; i < f.filterCondition.size(); ++i) {
    const FilterCondition& c = f.filterCondition[i];
    const uint16_t index = *layer.index_of(c.fieldKey);
    out->conditionViews.push_back(FilterConditionView{index, 0, c.matchType, &out->values[i]});
    out->ruleConditions.push_back({index, layer.data_type(index), c.matchType, &out->values[i]});
  }
  FilterView& v = out->view;
  v.filterId = f.filterId;
  v.weight = Value::u64(f.effectiveWeight);
  v.subLayerWeight = s.weight;
  v.flags = static_cast<uint16_t>(
      ((f.flags & FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT) ? FWPS_FILTER_FLAG_CLEAR_ACTION_RIGHT : 0) |
      ((f.flags & FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED) ? FWPS_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED
                                                                    : 0));
  v.numFilterConditions = static_cast<uint32_t>(out->conditionViews.size());
  v.filterCondition = out->conditionViews.data();
  v.action = ActionView{f.action.type, out->calloutId};
  v.context = f.calloutContextSet ? f.calloutContext : f.rawContext;
}

}  // namespace

bool compile_filter(const Model& model, const Filter& f, CompiledFilter* out) {
  const LayerInfo* layer = find_layer(f.layerKey);
  const Sublayer* s = model.find_sublayer(f.subLayerKey);
  if (layer == nullptr || s == nullptr) return false;
  fill_filter(*layer, model, f, *s, out);
  return true;
}

std::unique_ptr<Generation> build_generation(std::shared_ptr<const Model> model, uint64_t number,
                                             ClassifierKind kind) {
  auto gen = std::make_unique<Generation>();
  gen->number = number;
  gen->model = model;
  gen->layers.resize(layer_id_limit());

  // Filters per layer, with their sublayer.
  struct Entry {
    const Filter* filter;
    const Sublayer* sublayer;
  };
  std::vector<std::vector<Entry>> per_layer(layer_id_limit());
  for (const auto& [id, f] : model->filters) {
    if ((f.flags & FWPM_FILTER_FLAG_DISABLED) != 0) continue;
    const Sublayer* s = model->find_sublayer(f.subLayerKey);
    if (s == nullptr || f.layerKey >= per_layer.size()) continue;  // validated on add; defensive
    per_layer[f.layerKey].push_back({&f, s});
  }

  for (LayerId id = 0; id < per_layer.size(); ++id) {
    auto& entries = per_layer[id];
    if (entries.empty()) continue;
    const LayerInfo* layer = find_layer(id);
    if (layer == nullptr) continue;
    // Sublayers by weight (ties: key order); filters by weight (ties: the
    // earlier-added filter first).
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      if (a.sublayer->weight != b.sublayer->weight) return a.sublayer->weight > b.sublayer->weight;
      if (a.sublayer->subLayerKey != b.sublayer->subLayerKey) return a.sublayer->subLayerKey < b.sublayer->subLayerKey;
      if (a.filter->effectiveWeight != b.filter->effectiveWeight) {
        return a.filter->effectiveWeight > b.filter->effectiveWeight;
      }
      return a.filter->filterId < b.filter->filterId;
    });
    auto table = std::make_unique<LayerTable>();
    table->layer = layer;
    table->filters.resize(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      fill_filter(*layer, *model, *entries[i].filter, *entries[i].sublayer, &table->filters[i]);
      if ((table->filters[i].actionType & FWP_ACTION_FLAG_CALLOUT) != 0) table->hasCallouts = true;
      if (table->sublayers.empty() || table->sublayers.back().subLayerKey != entries[i].sublayer->subLayerKey) {
        SublayerSpan span;
        span.subLayerKey = entries[i].sublayer->subLayerKey;
        span.name = entries[i].sublayer->name;
        span.weight = entries[i].sublayer->weight;
        span.begin = static_cast<uint32_t>(i);
        table->sublayers.push_back(span);
      }
      table->sublayers.back().end = static_cast<uint32_t>(i + 1);
    }
    std::vector<classify::RuleInput> rules;
    rules.reserve(table->filters.size());
    for (const CompiledFilter& f : table->filters) rules.push_back({f.ruleConditions});
    switch (kind) {
      case ClassifierKind::REFERENCE: table->classifier = classify::build_reference_classifier(rules); break;
      case ClassifierKind::LINEAR: table->classifier = classify::build_linear_classifier(rules); break;
      case ClassifierKind::TUPLE: table->classifier = classify::build_tuple_classifier(rules); break;
    }
    gen->layers[id] = std::move(table);
  }
  return gen;
}

}  // namespace openwfp::engine
