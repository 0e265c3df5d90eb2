// notifyFn calls around a transaction (FWPS_CALLOUT_NOTIFY_TYPE).
//
// - ADD_FILTER: when a filter whose action uses a registered callout is added
//   inside the transaction. A notifyFn that fails refuses the add (the filter
//   is not added; FWP_CALLOUT_NOTIFICATION_FAILED). The context the callout
//   writes into FWPS_FILTER.context is what its classifyFn receives.
// - DELETE_FILTER (filterKey NULL, as WFP passes it): after the commit that
//   deleted the filter is published; and for each filter notified as added
//   when its transaction aborts instead of committing, so a callout never
//   keeps state for a filter that does not exist.
// - ADD_FILTER_POST_COMMIT: after the commit, for callouts registered with
//   FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY.
// A callout registered after its filters were added is not told about them
// (WFP behaves the same; it may enumerate them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/callout_registry.hpp"
#include "engine/generation.hpp"
#include "openwfp/model.hpp"

namespace openwfp::engine {

struct NotifiedFilter {
  uint32_t calloutId = 0;
  uint64_t filterId = 0;
  Guid filterKey;
  std::unique_ptr<CompiledFilter> filter;  // the view the callout was shown
};

struct TransactionNotes {
  std::vector<NotifiedFilter> added;
  std::vector<NotifiedFilter> deleted;
};

// After model_add_filter succeeded for `filterId`: calls the callout's
// notifyFn; on failure removes the filter again and returns the status.
Status notify_added(const CalloutRegistry& callouts, Model& working, uint64_t filterId, TransactionNotes& notes,
                    std::string* why);
// Before model_delete_filter removes `filterId`: remembers what to tell.
void note_deleted(const CalloutRegistry& callouts, const Model& working, uint64_t filterId, TransactionNotes& notes);
// The transaction aborted: DELETE_FILTER for every filter told as added.
void notify_aborted(const CalloutRegistry& callouts, TransactionNotes& notes) noexcept;
// The transaction committed: DELETE_FILTER for the deleted filters,
// ADD_FILTER_POST_COMMIT where asked for.
void notify_committed(const CalloutRegistry& callouts, TransactionNotes& notes) noexcept;

}  // namespace openwfp::engine
