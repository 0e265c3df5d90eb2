#include "engine/arbitrate.hpp"

#include "openwfp/constants.hpp"

namespace openwfp::engine {
namespace {

// What one filter yielded.
struct Outcome {
  uint32_t answer = FWP_ACTION_CONTINUE;  // PERMIT, BLOCK or CONTINUE
  bool hard = false;                      // clears the write right
  bool fromCallout = false;
  uint32_t flags = 0;
  uint64_t outContext = 0;
};

Outcome evaluate(const CompiledFilter& f, const CalloutRegistry& callouts, const IncomingValues& values,
                 const ClassifyInput& input, uint32_t rights, TraceEntry* trace) noexcept {
  Outcome o;
  const bool clear_right = (f.flags & FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT) != 0;
  switch (f.actionType) {
    case FWP_ACTION_PERMIT:
      o.answer = FWP_ACTION_PERMIT;
      o.hard = clear_right;  // a plain permit is soft unless flagged
      return o;
    case FWP_ACTION_BLOCK:
      o.answer = FWP_ACTION_BLOCK;
      o.hard = true;  // a plain block is hard
      return o;
    default: break;
  }

  const CalloutRegistration* callout = callouts.lookup(f.calloutId);
  if (callout == nullptr) {
    // The callout is not registered: a terminating callout filter acts as
    // Block (Permit with PERMIT_IF_CALLOUT_UNREGISTERED), an inspection one
    // is passed over, an unknown one blocks.
    if (trace != nullptr) trace->calloutMissing = true;
    switch (f.actionType) {
      case FWP_ACTION_CALLOUT_INSPECTION: return o;
      case FWP_ACTION_CALLOUT_TERMINATING:
        o.answer = (f.flags & FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED) != 0 ? FWP_ACTION_PERMIT
                                                                                      : FWP_ACTION_BLOCK;
        o.hard = clear_right || o.answer == FWP_ACTION_BLOCK;
        return o;
      default:
        o.answer = FWP_ACTION_BLOCK;
        o.hard = true;
        return o;
    }
  }

  uint64_t flow_context = 0;
  if ((callout->flags & FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW) != 0) {
    // Only called for flows that carry its context.
    if (input.flowContexts == nullptr || !input.flowContexts->find(f.calloutId, &flow_context)) return o;
  } else if (input.flowContexts != nullptr) {
    input.flowContexts->find(f.calloutId, &flow_context);
  }

  ClassifyOut out;
  out.actionType = FWP_ACTION_CONTINUE;
  out.rights = rights;
  out.filterId = f.filterId;
  {
    if (input.timer != nullptr) {
      dispatch::ClassifyCall call(*input.timer, f.calloutId);
      callout->classifyFn(&values, input.metadata, input.layerData, input.classifyContext, &f.view, flow_context,
                          &out);
    } else {
      dispatch::ClassifyScope scope;
      callout->classifyFn(&values, input.metadata, input.layerData, input.classifyContext, &f.view, flow_context,
                          &out);
    }
  }
  if (input.afterCallout != nullptr) input.afterCallout(input.afterCalloutContext, f.view, out);
  if (trace != nullptr) trace->calloutCalled = true;

  o.fromCallout = true;
  o.flags = out.flags;
  o.outContext = out.outContext;
  const bool decided = out.actionType == FWP_ACTION_PERMIT || out.actionType == FWP_ACTION_BLOCK;
  Outcome passed;  // the callout ran and the evaluation goes on
  passed.fromCallout = true;
  switch (f.actionType) {
    case FWP_ACTION_CALLOUT_INSPECTION:
      return passed;  // never changes the action
    case FWP_ACTION_CALLOUT_TERMINATING:
      o.answer = decided ? out.actionType : FWP_ACTION_BLOCK;  // anything else counts as Block
      break;
    default:  // CALLOUT_UNKNOWN: a decision, or on to the next filter
      if (!decided) return passed;
      o.answer = out.actionType;
      break;
  }
  // Soft by default; hard when the callout cleared the right it was given,
  // or the filter says so.
  o.hard = clear_right || ((rights & FWPS_RIGHT_ACTION_WRITE) != 0 && (out.rights & FWPS_RIGHT_ACTION_WRITE) == 0);
  return o;
}

}  // namespace

void arbitrate(const Generation& gen, const CalloutRegistry& callouts, const IncomingValues& values,
               const ClassifyInput& input, ClassifyResult* result) noexcept {
  *result = ClassifyResult{};
  ClassifyTrace* trace = input.trace;
  const LayerTable* table = gen.table(values.layerId);
  if (table == nullptr) return;  // no filters at this layer: NONE_NO_MATCH, permit

  uint32_t action = FWP_ACTION_NONE;
  uint32_t rights = FWPS_RIGHT_ACTION_WRITE;
  const classify::Classifier& classifier = *table->classifier;

  for (uint32_t s = 0; s < table->sublayers.size(); ++s) {
    const SublayerSpan& span = table->sublayers[s];
    if (trace != nullptr) {
      trace->sublayers.push_back(
          SublayerTrace{span.subLayerKey, span.weight, s, static_cast<uint32_t>(trace->entries.size()), 0});
    }
    Outcome decision;
    const CompiledFilter* decider = nullptr;
    size_t decider_entry = 0;
    for (uint32_t pos = span.begin; pos < span.end;) {
      const uint32_t hit = classifier.first_match(values, pos, span.end);
      if (hit == classify::kNoMatch) break;
      pos = hit + 1;
      const CompiledFilter& f = table->filters[hit];
      ++result->filtersMatched;
      TraceEntry* entry = nullptr;
      if (trace != nullptr) {
        trace->entries.push_back(TraceEntry{});
        entry = &trace->entries.back();
        entry->filterId = f.filterId;
        entry->sublayerIndex = static_cast<uint16_t>(trace->sublayers.size() - 1);
        entry->filterAction = f.actionType;
        entry->rightsIn = rights;
        trace->sublayers.back().entryCount++;
      }
      const Outcome o = evaluate(f, callouts, values, input, rights, entry);
      if (entry != nullptr) {
        if (entry->calloutCalled) ++result->calloutsCalled;
        entry->answer = o.answer;
        entry->hard = o.hard;
        entry->absorbed = (o.flags & FWPS_CLASSIFY_OUT_FLAG_ABSORB) != 0;
      } else if (o.fromCallout) {
        ++result->calloutsCalled;
      }
      if (o.answer == FWP_ACTION_CONTINUE) continue;
      decision = o;
      decider = &f;
      if (trace != nullptr) decider_entry = trace->entries.size() - 1;
      break;  // the first Permit or Block ends the sublayer
    }
    if (decider == nullptr) continue;

    TraceEntry::Effect effect = TraceEntry::Effect::OVERRIDDEN;
    if ((rights & FWPS_RIGHT_ACTION_WRITE) != 0) {
      // Soft so far (or nothing yet): this sublayer's decision takes over.
      action = decision.answer;
      rights = decision.hard ? 0u : FWPS_RIGHT_ACTION_WRITE;
      result->filterId = decider->filterId;
      result->flags = decision.flags;
      result->outContext = decision.outContext;
      effect = TraceEntry::Effect::DECIDED;
    } else if (action == FWP_ACTION_PERMIT && decision.answer == FWP_ACTION_BLOCK && decision.fromCallout) {
      // A callout Block against a hard permit: a veto.
      action = FWP_ACTION_BLOCK;
      result->filterId = decider->filterId;
      result->flags = decision.flags;
      result->outContext = decision.outContext;
      result->veto = true;
      result->vetoFilterId = decider->filterId;
      effect = TraceEntry::Effect::VETO;
    }
    if (trace != nullptr) trace->entries[decider_entry].effect = effect;
  }

  if (action == FWP_ACTION_NONE) {
    result->noMatch = true;
    result->actionType = FWP_ACTION_PERMIT;
    result->rights = FWPS_RIGHT_ACTION_WRITE;
    return;
  }
  result->noMatch = false;
  result->actionType = action;
  result->rights = rights;
}

}  // namespace openwfp::engine
