#include "explain/explain.hpp"

#include <fmt/format.h>

#include "openwfp/constants.hpp"
#include "openwfp/layers.hpp"
#include "openwfp/model.hpp"
#include "policy/values.hpp"

namespace openwfp::explain {
namespace {

using nlohmann::json;

bool fail(ExplainError* e, Status s, std::string message, std::string field) {
  if (e != nullptr) *e = {s, std::move(message), std::move(field)};
  return false;
}

const char* effect_name(TraceEntry::Effect e) {
  switch (e) {
    case TraceEntry::Effect::PASSED: return "PASSED";
    case TraceEntry::Effect::DECIDED: return "DECIDED";
    case TraceEntry::Effect::VETO: return "VETO";
    case TraceEntry::Effect::OVERRIDDEN: return "OVERRIDDEN";
  }
  return "";
}

std::string effect_text(const std::string& e) {
  if (e == "PASSED") return "passed on";
  if (e == "DECIDED") return "decided";
  if (e == "VETO") return "VETO";
  return "overridden (hard decision above stands)";
}

std::string weight_text(uint64_t w) { return fmt::format("0x{:016x}", w); }

}  // namespace

bool explain(const Engine& engine, const std::string& layerName, const json& fields, json* result,
             ExplainError* error) {
  const LayerInfo* layer = find_layer(layerName);
  if (layer == nullptr) return fail(error, Status::FWP_LAYER_NOT_FOUND, "unknown layer '" + layerName + "'", "");
  if (!fields.is_object()) return fail(error, Status::INVALID_PARAMETER, "fields is an object NAME: VALUE", "");
  policy::IncomingStore store(*layer);
  json given = json::object();
  for (const auto& item : fields.items()) {
    const std::string& name = item.key();
    const std::string pointer = "/" + name;
    const auto field = find_field(name);
    if (!field) return fail(error, Status::FWP_CONDITION_NOT_FOUND, "unknown field '" + name + "'", pointer);
    const auto index = layer->index_of(*field);
    if (!index) {
      return fail(error, Status::FWP_CONDITION_NOT_FOUND, fmt::format("layer {} has no field {}", layer->name, name),
                  pointer);
    }
    std::string text;
    if (item.value().is_string()) {
      text = item.value().get<std::string>();
    } else if (item.value().is_number_unsigned() || item.value().is_number_integer()) {
      text = item.value().dump();
    } else {
      return fail(error, Status::INVALID_PARAMETER, name + ": a value is a string or a number", pointer);
    }
    ConditionValue v;
    policy::ValueError verr;
    if (!policy::parse_value_text(text, *layer, *index, &v, &verr)) {
      return fail(error, Status::INVALID_PARAMETER, name + ": " + verr.message, pointer);
    }
    if (v.type == DataType::FWP_V4_ADDR_MASK || v.type == DataType::FWP_V6_ADDR_MASK ||
        v.type == DataType::FWP_RANGE_TYPE) {
      return fail(error, Status::INVALID_PARAMETER, name + ": give one value, not a prefix or range", pointer);
    }
    store.set(*index, v);
    given[std::string(field_info(layer->field_at(*index)).name)] = text;
  }

  const auto model = engine.snapshot();
  ClassifyTrace trace;
  ClassifyInput input;
  input.trace = &trace;
  ClassifyResult r;
  engine.classify(store.values(), input, &r);
  const Filter* standing = r.filterId != 0 ? model->find_filter(r.filterId) : nullptr;

  json& out = *result;
  out = json::object();
  out["layer"] = std::string(layer->name);
  out["layer_id"] = layer->id;
  out["action"] = std::string(action_type_name(r.actionType));
  out["filter"] = standing != nullptr ? json(standing->name) : json(nullptr);
  out["filter_id"] = standing != nullptr ? json(standing->filterId) : json(nullptr);
  out["no_match"] = r.noMatch;
  out["hard"] = (r.rights & FWPS_RIGHT_ACTION_WRITE) == 0;
  out["veto"] = r.veto;
  out["absorb"] = (r.flags & FWPS_CLASSIFY_OUT_FLAG_ABSORB) != 0;
  out["fields"] = given;
  json sublayers = json::array();
  for (const SublayerTrace& s : trace.sublayers) {
    json sj;
    const Sublayer* sub = model->find_sublayer(s.subLayerKey);
    sj["sublayer"] = sub != nullptr ? json(sub->name) : json(nullptr);
    sj["weight"] = s.weight;
    json filters = json::array();
    for (uint32_t i = s.firstEntry; i < s.firstEntry + s.entryCount; ++i) {
      const TraceEntry& e = trace.entries[i];
      const Filter* f = model->find_filter(e.filterId);
      json fj;
      fj["id"] = e.filterId;
      fj["name"] = f != nullptr ? f->name : "";
      fj["weight"] = f != nullptr ? weight_text(f->effectiveWeight) : "";
      fj["action"] = std::string(action_type_name(e.filterAction));
      if (f != nullptr && (f->action.type & FWP_ACTION_FLAG_CALLOUT) != 0) {
        const Callout* c = model->find_callout(f->action.calloutKey);
        fj["callout"] = c != nullptr ? json(c->name) : json(nullptr);
      }
      fj["answer"] = std::string(action_type_name(e.answer));
      fj["hard"] = e.hard;
      fj["rights_in"] = (e.rightsIn & FWPS_RIGHT_ACTION_WRITE) != 0 ? "WRITE" : "NONE";
      fj["callout_called"] = e.calloutCalled;
      fj["callout_missing"] = e.calloutMissing;
      fj["effect"] = effect_name(e.effect);
      filters.push_back(fj);
    }
    sj["filters"] = filters;
    sublayers.push_back(sj);
  }
  out["trace"] = sublayers;
  return true;
}

std::string explain_text(const json& r) {
  std::string decision = r.value("action", "");
  if (r.value("no_match", false)) {
    decision += "  (no filter decided: the default is PERMIT)";
  } else if (r.contains("filter") && !r["filter"].is_null()) {
    decision += fmt::format("  by filter '{}' (id {}), {}{}", r["filter"].get<std::string>(),
                            r["filter_id"].get<uint64_t>(), r.value("hard", false) ? "hard" : "soft",
                            r.value("veto", false) ? ", by callout VETO of a hard permit" : "");
  }
  std::string out = fmt::format("layer     {} (id {})\n", r.value("layer", ""), r.value("layer_id", 0));
  out += fmt::format("decision  {}\n", decision);
  const json& trace = r.contains("trace") ? r["trace"] : json::array();
  if (trace.empty()) return out + "trace     the layer has no filters\n";
  out += fmt::format("\n{:<4} {:<28} {:<6} {:<20} {:<21} {:<20} {}\n", "", "filter", "id", "weight", "action", "yielded",
                     "effect");
  for (const json& s : trace) {
    const json& filters = s["filters"];
    out += fmt::format("sublayer {} (weight {}){}\n", s["sublayer"].is_string() ? s["sublayer"].get<std::string>() : "?",
                       s.value("weight", 0), filters.empty() ? ": no filter matched" : "");
    for (const json& f : filters) {
      std::string action = f.value("action", "");
      if (f.contains("callout")) action += fmt::format("({})", f["callout"].is_string() ? f["callout"].get<std::string>() : "?");
      const std::string answer = f.value("answer", "");
      std::string yielded = answer == "CONTINUE" ? answer : fmt::format("{} ({})", answer, f.value("hard", false) ? "hard" : "soft");
      if (f.value("callout_missing", false)) yielded += " [callout not registered]";
      const std::string name = f.value("name", "");
      out += fmt::format("{:<4} {:<28} {:<6} {:<20} {:<21} {:<20} {}\n", "", name.empty() ? "?" : name,
                         f.value("id", uint64_t{0}), f.value("weight", ""), action, yielded,
                         effect_text(f.value("effect", "")));
    }
  }
  return out;
}

}  // namespace openwfp::explain
