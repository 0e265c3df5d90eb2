// Management objects (FWPM_PROVIDER0, FWPM_SUBLAYER0, FWPM_CALLOUT0,
// FWPM_FILTER0) as the management API and policy files create them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "openwfp/guid.hpp"
#include "openwfp/layers.hpp"
#include "openwfp/value.hpp"

namespace openwfp {

// How long an object lives. An object may only reference objects that live at
// least as long (FWP_LIFETIME_MISMATCH otherwise).
enum class Lifetime : uint8_t {
  DYNAMIC = 0,     // removed when the session that added it ends
  STATIC = 1,      // until the engine (daemon) stops
  PERSISTENT = 2,  // stored, back after a restart
  BUILTIN = 3,     // part of the engine; cannot be deleted
};
std::string_view lifetime_name(Lifetime lifetime) noexcept;

struct Provider {
  Guid providerKey;
  std::string name;
  std::string description;
  uint32_t flags = 0;
  Lifetime lifetime = Lifetime::STATIC;
};

struct Sublayer {
  Guid subLayerKey;
  std::string name;
  std::string description;
  uint32_t flags = 0;
  Guid providerKey;  // nil: none
  uint16_t weight = 0;
  Lifetime lifetime = Lifetime::STATIC;
};

// The management side of a callout: which layer it applies to. Its run-time
// functions are registered separately (Engine::register_callout).
struct Callout {
  Guid calloutKey;
  std::string name;
  std::string description;
  uint32_t flags = 0;
  Guid providerKey;
  LayerId applicableLayer = 0;
  uint32_t calloutId = 0;  // assigned by the engine
  std::string plugin;      // policy: which plugin implements it (loaded by later stages)
  std::string options;     // policy: the plugin's options, as JSON text
  Lifetime lifetime = Lifetime::STATIC;
};

struct FilterCondition {
  FieldId fieldKey = 0;  // catalog field (FWPM_CONDITION_*)
  MatchType matchType = MatchType::FWP_MATCH_EQUAL;
  ConditionValue conditionValue;
  friend bool operator==(const FilterCondition&, const FilterCondition&) = default;
};

// FWPM_FILTER0.weight: FWP_EMPTY (automatic), FWP_UINT8 0..15 (a range: the
// top 4 bits; the engine fills the low 60) or FWP_UINT64 (used as is).
struct FilterWeight {
  enum class Kind : uint8_t { AUTOMATIC, RANGE, EXPLICIT } kind = Kind::AUTOMATIC;
  uint64_t value = 0;
  static FilterWeight automatic() { return {}; }
  static FilterWeight range(uint8_t r) { return {Kind::RANGE, r}; }
  static FilterWeight exact(uint64_t w) { return {Kind::EXPLICIT, w}; }
};

struct FilterAction {
  uint32_t type = 0;  // FWP_ACTION_BLOCK, _PERMIT, _CALLOUT_TERMINATING, _CALLOUT_INSPECTION, _CALLOUT_UNKNOWN
  Guid calloutKey;    // for callout actions
};

struct Filter {
  Guid filterKey;
  std::string name;
  std::string description;
  uint32_t flags = 0;  // FWPM_FILTER_FLAG_*
  Guid providerKey;
  LayerId layerKey = 0;
  Guid subLayerKey;  // nil: FWPM_SUBLAYER_UNIVERSAL
  FilterWeight weight;
  std::vector<FilterCondition> filterCondition;
  FilterAction action;
  uint64_t rawContext = 0;
  Lifetime lifetime = Lifetime::STATIC;
  // Set by the engine when the callout's notifyFn changed FWPS_FILTER's
  // context on FWPS_CALLOUT_NOTIFY_ADD_FILTER: what classifyFn then receives
  // instead of rawContext.
  bool calloutContextSet = false;
  uint64_t calloutContext = 0;
  // Assigned by the engine when the filter is added:
  uint64_t filterId = 0;
  uint64_t effectiveWeight = 0;
};

// FWPM_SUBLAYER_UNIVERSAL: the built-in sublayer (weight 0) of filters added
// without a sublayer.
extern const Guid FWPM_SUBLAYER_UNIVERSAL;

}  // namespace openwfp
