#include "engine/notify.hpp"

#include "engine/model_ops.hpp"
#include "openwfp/constants.hpp"

namespace openwfp::engine {
namespace {

uint32_t callout_of(const Model& model, const Filter& f) noexcept {
  if ((f.action.type & FWP_ACTION_FLAG_CALLOUT) == 0) return 0;
  const Callout* c = model.find_callout(f.action.calloutKey);
  return c != nullptr ? c->calloutId : 0;
}

void call(const CalloutRegistry& callouts, NotifyType type, NotifiedFilter& n) noexcept {
  CalloutRegistration r;
  if (!callouts.copy_registration(n.calloutId, &r) || r.notifyFn == nullptr) return;
  const Guid* key = type == NotifyType::FWPS_CALLOUT_NOTIFY_DELETE_FILTER ? nullptr : &n.filterKey;
  (void)r.notifyFn(type, key, &n.filter->view);
}

}  // namespace

Status notify_added(const CalloutRegistry& callouts, Model& working, uint64_t filterId, TransactionNotes& notes,
                    std::string* why) {
  auto it = working.filters.find(filterId);
  if (it == working.filters.end()) return Status::SUCCESS;
  Filter& f = it->second;
  const uint32_t calloutId = callout_of(working, f);
  CalloutRegistration r;
  if (calloutId == 0 || !callouts.copy_registration(calloutId, &r) || r.notifyFn == nullptr) return Status::SUCCESS;
  NotifiedFilter n;
  n.calloutId = calloutId;
  n.filterId = filterId;
  n.filterKey = f.filterKey;
  n.filter = std::make_unique<CompiledFilter>();
  if (!compile_filter(working, f, n.filter.get())) return Status::SUCCESS;
  const uint64_t before = n.filter->view.context;
  const Status s = r.notifyFn(NotifyType::FWPS_CALLOUT_NOTIFY_ADD_FILTER, &n.filterKey, &n.filter->view);
  if (!nt_success(s)) {
    if (why != nullptr) {
      *why = "the callout's notifyFn refused filter " + f.filterKey.to_string() + " (status " +
             std::string(status_name(s)) + ")";
    }
    std::string ignored;
    (void)model_delete_filter(working, filterId, &ignored);  // `f` is gone after this
    return Status::FWP_CALLOUT_NOTIFICATION_FAILED;
  }
  if (n.filter->view.context != before) {
    f.calloutContextSet = true;
    f.calloutContext = n.filter->view.context;
  }
  notes.added.push_back(std::move(n));
  return Status::SUCCESS;
}

void note_deleted(const CalloutRegistry& callouts, const Model& working, uint64_t filterId, TransactionNotes& notes) {
  const Filter* f = working.find_filter(filterId);
  if (f == nullptr) return;
  const uint32_t calloutId = callout_of(working, *f);
  CalloutRegistration r;
  if (calloutId == 0 || !callouts.copy_registration(calloutId, &r) || r.notifyFn == nullptr) return;
  NotifiedFilter n;
  n.calloutId = calloutId;
  n.filterId = filterId;
  n.filterKey = f->filterKey;
  n.filter = std::make_unique<CompiledFilter>();
  if (!compile_filter(working, *f, n.filter.get())) return;
  notes.deleted.push_back(std::move(n));
}

void notify_aborted(const CalloutRegistry& callouts, TransactionNotes& notes) noexcept {
  for (NotifiedFilter& n : notes.added) call(callouts, NotifyType::FWPS_CALLOUT_NOTIFY_DELETE_FILTER, n);
  notes.added.clear();
  notes.deleted.clear();
}

void notify_committed(const CalloutRegistry& callouts, TransactionNotes& notes) noexcept {
  for (NotifiedFilter& n : notes.deleted) call(callouts, NotifyType::FWPS_CALLOUT_NOTIFY_DELETE_FILTER, n);
  for (NotifiedFilter& n : notes.added) {
    // A filter added and deleted in the same transaction was told both already.
    bool deleted = false;
    for (const NotifiedFilter& d : notes.deleted) deleted = deleted || d.filterId == n.filterId;
    if (deleted) continue;
    CalloutRegistration r;
    if (!callouts.copy_registration(n.calloutId, &r)) continue;
    if ((r.flags & FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY) == 0) continue;
    call(callouts, NotifyType::FWPS_CALLOUT_NOTIFY_ADD_FILTER_POST_COMMIT, n);
  }
  notes.added.clear();
  notes.deleted.clear();
}

}  // namespace openwfp::engine
