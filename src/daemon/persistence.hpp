// Persistent objects between the engine and the store (WFP's
// FWPM_*_FLAG_PERSISTENT objects): after each commit the daemon writes what
// changed among them in one store apply, and at start it adds them back in
// one transaction with the keys and ids they had.
#pragma once

#include <string>
#include <vector>

#include "openwfp/engine.hpp"
#include "openwfp/model.hpp"
#include "store/persistent_store.hpp"

namespace openwfp::daemon {

// The store change that takes the persistent objects of `before` to those
// of `after`: added and changed ones upserted (their JSON is
// policy::object_json's), removed ones deleted. Objects of other lifetimes
// are ignored. False (with `error`) when an object cannot be written.
bool persistent_changes(const engine::Model& before, const engine::Model& after, store::StoreChange* out,
                        std::string* error);

// One stored object as the store keeps it.
bool stored_object(const Provider& p, store::StoredObject* out, std::string* error);
bool stored_object(const Sublayer& s, store::StoredObject* out, std::string* error);
bool stored_object(const Callout& c, store::StoredObject* out, std::string* error);
bool stored_object(const Filter& f, store::StoredObject* out, std::string* error);

// Adds the stored objects (in the store's dependency order) to an open
// transaction: callouts and filters with the ids they had. The first
// failure is returned with `why` naming the object.
Status restore_persistent(Transaction& txn, const std::vector<store::StoredObject>& objects, std::string* why);

}  // namespace openwfp::daemon
