// Validated changes to a Model: each checks everything first and changes
// nothing when it fails.
#pragma once

#include <string>

#include "engine/callout_registry.hpp"
#include "openwfp/model.hpp"
#include "openwfp/status.hpp"

namespace openwfp::engine {

Status model_add_provider(Model& m, const Provider& p, std::string* why);
Status model_add_sublayer(Model& m, const Sublayer& s, std::string* why);
// `keepId`: the object comes back with the id it has (c.calloutId,
// f.filterId: a persistent object restored); refused when that id is taken.
Status model_add_callout(Model& m, CalloutRegistry& ids, const Callout& c, uint32_t* calloutId, std::string* why,
                         bool keepId = false);
Status model_add_filter(Model& m, const Filter& f, uint64_t* filterId, std::string* why, bool keepId = false);
Status model_delete_filter(Model& m, uint64_t filterId, std::string* why);
Status model_delete_sublayer(Model& m, const Guid& key, std::string* why);
Status model_delete_callout(Model& m, const Guid& key, std::string* why);
Status model_delete_provider(Model& m, const Guid& key, std::string* why);

}  // namespace openwfp::engine
