#include "openwfp/engine.hpp"

#include <utility>

#include "engine/arbitrate.hpp"
#include "engine/callout_registry.hpp"
#include "engine/epoch.hpp"
#include "engine/generation.hpp"
#include "engine/model_ops.hpp"
#include "engine/notify.hpp"

namespace openwfp {

using engine::Model;

// ---- Transaction ----

Transaction::Transaction(Engine* engine, std::unique_lock<std::timed_mutex> lock, std::unique_ptr<Model> working)
    : engine_(engine),
      lock_(std::move(lock)),
      working_(std::move(working)),
      notes_(std::make_unique<engine::TransactionNotes>()) {}

Transaction::Transaction(Transaction&& other) noexcept
    : engine_(std::exchange(other.engine_, nullptr)),
      lock_(std::move(other.lock_)),
      working_(std::move(other.working_)),
      notes_(std::move(other.notes_)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    abort();
    engine_ = std::exchange(other.engine_, nullptr);
    lock_ = std::move(other.lock_);
    working_ = std::move(other.working_);
    notes_ = std::move(other.notes_);
  }
  return *this;
}

Transaction::Transaction() = default;
Transaction::~Transaction() { abort(); }

namespace {
Status no_transaction(std::string* why) {
  if (why != nullptr) *why = "no transaction in progress";
  return Status::FWP_NO_TXN_IN_PROGRESS;
}
}  // namespace

Status Transaction::add_provider(const Provider& p, std::string* why) {
  if (!is_open()) return no_transaction(why);
  return engine::model_add_provider(*working_, p, why);
}
Status Transaction::add_sublayer(const Sublayer& s, std::string* why) {
  if (!is_open()) return no_transaction(why);
  return engine::model_add_sublayer(*working_, s, why);
}
Status Transaction::add_callout(const Callout& c, uint32_t* calloutId, std::string* why) {
  if (!is_open()) return no_transaction(why);
  return engine::model_add_callout(*working_, *engine_->callouts_, c, calloutId, why);
}
Status Transaction::add_filter(const Filter& f, uint64_t* filterId, std::string* why) {
  if (!is_open()) return no_transaction(why);
  uint64_t id = 0;
  if (Status s = engine::model_add_filter(*working_, f, &id, why); s != Status::SUCCESS) return s;
  if (Status s = engine::notify_added(*engine_->callouts_, *working_, id, *notes_, why); s != Status::SUCCESS) return s;
  if (filterId != nullptr) *filterId = id;
  return Status::SUCCESS;
}
Status Transaction::restore_callout(const Callout& c, std::string* why) {
  if (!is_open()) return no_transaction(why);
  return engine::model_add_callout(*working_, *engine_->callouts_, c, nullptr, why, true);
}
Status Transaction::restore_filter(const Filter& f, std::string* why) {
  if (!is_open()) return no_transaction(why);
  if (Status s = engine::model_add_filter(*working_, f, nullptr, why, true); s != Status::SUCCESS) return s;
  return engine::notify_added(*engine_->callouts_, *working_, f.filterId, *notes_, why);
}
Status Transaction::delete_filter_by_id(uint64_t filterId, std::string* why) {
  if (!is_open()) return no_transaction(why);
  if (working_->find_filter(filterId) == nullptr) return engine::model_delete_filter(*working_, filterId, why);
  engine::TransactionNotes pending;
  engine::note_deleted(*engine_->callouts_, *working_, filterId, pending);
  const Status s = engine::model_delete_filter(*working_, filterId, why);
  if (s == Status::SUCCESS) {
    for (auto& n : pending.deleted) notes_->deleted.push_back(std::move(n));
  }
  return s;
}
Status Transaction::delete_filter_by_key(const Guid& key, std::string* why) {
  if (!is_open()) return no_transaction(why);
  const Filter* f = working_->find_filter(key);
  if (f == nullptr) {
    if (why != nullptr) *why = "filter " + key.to_string() + " does not exist";
    return Status::FWP_FILTER_NOT_FOUND;
  }
  return delete_filter_by_id(f->filterId, why);
}
Status Transaction::delete_sublayer(const Guid& key, std::string* why) {
  if (!is_open()) return no_transaction(why);
  return engine::model_delete_sublayer(*working_, key, why);
}
Status Transaction::delete_callout(const Guid& key, std::string* why) {
  if (!is_open()) return no_transaction(why);
  return engine::model_delete_callout(*working_, key, why);
}
Status Transaction::delete_provider(const Guid& key, std::string* why) {
  if (!is_open()) return no_transaction(why);
  return engine::model_delete_provider(*working_, key, why);
}

Status Transaction::commit(std::string* why) {
  if (!is_open()) return no_transaction(why);
  Engine* engine = std::exchange(engine_, nullptr);
  const Status s = engine->commit_model(std::move(working_), why);
  if (s == Status::SUCCESS) {
    engine::notify_committed(*engine->callouts_, *notes_);
  } else {
    engine::notify_aborted(*engine->callouts_, *notes_);
  }
  lock_.unlock();
  return s;
}

void Transaction::abort() noexcept {
  if (engine_ == nullptr) return;
  if (notes_ != nullptr) engine::notify_aborted(*engine_->callouts_, *notes_);
  engine_ = nullptr;
  working_.reset();
  if (lock_.owns_lock()) lock_.unlock();
}

// ---- Engine ----

Engine::Engine(EngineOptions options)
    : options_(options),
      epochs_(std::make_unique<engine::EpochDomain>()),
      callouts_(std::make_unique<engine::CalloutRegistry>(options.maxCallouts, *epochs_)) {
  auto model = std::make_shared<const Model>(engine::builtin_model());
  committed_ = model;
  current_.store(engine::build_generation(model, 1, options_.classifier).release(), std::memory_order_release);
  generationNumber_.store(1, std::memory_order_release);
}

Engine::~Engine() {
  epochs_->drain();
  delete current_.load(std::memory_order_acquire);
  callouts_.reset();
  epochs_.reset();
}

Status Engine::begin(Transaction* out, std::string* why) {
  std::unique_lock lock(transaction_lock_, std::defer_lock);
  if (!lock.try_lock_for(options_.transactionWait)) {
    if (why != nullptr) {
      *why = "timed out after " + std::to_string(options_.transactionWait.count()) +
             " ms waiting for the transaction lock";
    }
    return Status::FWP_TIMEOUT;
  }
  auto working = std::make_unique<Model>(*snapshot());
  *out = Transaction(this, std::move(lock), std::move(working));
  return Status::SUCCESS;
}

Status Engine::commit_model(std::unique_ptr<Model> working, std::string* why) {
  (void)why;
  std::shared_ptr<const Model> model(std::move(working));
  const engine::Generation* old = current_.load(std::memory_order_acquire);
  std::unique_ptr<engine::Generation> gen = engine::build_generation(model, old->number + 1, options_.classifier);
  // Cannot fail after this point: publish the generation and the snapshot.
  const uint64_t number = gen->number;
  const engine::Generation* retired = current_.exchange(gen.release(), std::memory_order_seq_cst);
  generationNumber_.store(number, std::memory_order_release);
  {
    std::lock_guard lock(snapshot_mutex_);
    committed_ = std::move(model);
  }
  epochs_->retire([retired] { delete retired; });
  return Status::SUCCESS;
}

template <typename Op>
Status Engine::implicit(Op op, std::string* why) {
  Transaction txn;
  if (Status s = begin(&txn, why); s != Status::SUCCESS) return s;
  if (Status s = op(txn); s != Status::SUCCESS) return s;  // txn aborts on destruction
  return txn.commit(why);
}

Status Engine::add_provider(const Provider& p, std::string* why) {
  return implicit([&](Transaction& t) { return t.add_provider(p, why); }, why);
}
Status Engine::add_sublayer(const Sublayer& s, std::string* why) {
  return implicit([&](Transaction& t) { return t.add_sublayer(s, why); }, why);
}
Status Engine::add_callout(const Callout& c, uint32_t* calloutId, std::string* why) {
  return implicit([&](Transaction& t) { return t.add_callout(c, calloutId, why); }, why);
}
Status Engine::add_filter(const Filter& f, uint64_t* filterId, std::string* why) {
  return implicit([&](Transaction& t) { return t.add_filter(f, filterId, why); }, why);
}
Status Engine::delete_filter_by_id(uint64_t filterId, std::string* why) {
  return implicit([&](Transaction& t) { return t.delete_filter_by_id(filterId, why); }, why);
}
Status Engine::delete_filter_by_key(const Guid& key, std::string* why) {
  return implicit([&](Transaction& t) { return t.delete_filter_by_key(key, why); }, why);
}

std::shared_ptr<const Model> Engine::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return committed_;
}

uint64_t Engine::generation() const noexcept { return generationNumber_.load(std::memory_order_acquire); }

Status Engine::register_callout(const CalloutRegistration& callout, uint32_t* calloutId) {
  return callouts_->register_callout(callout, calloutId);
}
Status Engine::unregister_callout_by_key(const Guid& key) { return callouts_->unregister_by_key(key); }
Status Engine::unregister_callout_by_id(uint32_t id) { return callouts_->unregister_by_id(id); }
bool Engine::callout_registration(uint32_t id, CalloutRegistration* out) const {
  return callouts_->copy_registration(id, out);
}
bool Engine::acquire_flow_context(uint32_t id) noexcept { return callouts_->acquire_flow_context(id); }
void Engine::release_flow_context(uint32_t id) noexcept { callouts_->release_flow_context(id); }
int64_t Engine::flow_contexts(uint32_t id) const noexcept { return callouts_->flow_contexts(id); }

bool Engine::Reader::layer_has_callouts(LayerId layer) const noexcept {
  if (slot_ < 0) return false;
  engine::EpochGuard guard(*engine_.epochs_, slot_);
  const engine::LayerTable* t = engine_.current_.load(std::memory_order_seq_cst)->table(layer);
  return t != nullptr && t->hasCallouts;
}

bool Engine::Reader::layer_has_filters(LayerId layer) const noexcept {
  if (slot_ < 0) return false;
  engine::EpochGuard guard(*engine_.epochs_, slot_);
  const engine::LayerTable* t = engine_.current_.load(std::memory_order_seq_cst)->table(layer);
  return t != nullptr && !t->filters.empty();
}

void Engine::Reader::flow_delete(uint16_t layerId, uint32_t calloutId, uint64_t flowContext) const noexcept {
  if (slot_ < 0) return;
  engine::EpochGuard guard(*engine_.epochs_, slot_);
  const CalloutRegistration* r = engine_.callouts_->lookup(calloutId);
  if (r != nullptr && r->flowDeleteFn != nullptr) r->flowDeleteFn(layerId, calloutId, flowContext);
}

Engine::LayerStats Engine::layer_stats(LayerId layer) const {
  LayerStats stats;
  Reader reader(*this);
  if (!reader.valid()) return stats;
  engine::EpochGuard guard(*epochs_, reader.slot_);
  const engine::Generation* gen = current_.load(std::memory_order_seq_cst);
  const engine::LayerTable* table = gen->table(layer);
  if (table == nullptr) return stats;
  stats.filters = table->filters.size();
  stats.sublayers = table->sublayers.size();
  stats.classifier = std::string(table->classifier->name());
  stats.classifierBytes = table->classifier->memory_bytes();
  return stats;
}

Engine::Reader::Reader(const Engine& engine) : engine_(engine), slot_(engine.epochs_->acquire_slot()) {}

Engine::Reader::~Reader() {
  if (slot_ >= 0) engine_.epochs_->release_slot(slot_);
}

void Engine::Reader::classify(const IncomingValues& values, const ClassifyInput& input,
                              ClassifyResult* result) const noexcept {
  if (slot_ < 0) {
    // Every reader slot is taken: fail closed.
    *result = ClassifyResult{};
    result->actionType = FWP_ACTION_BLOCK;
    result->noMatch = false;
    return;
  }
  engine::EpochGuard guard(*engine_.epochs_, slot_);
  const engine::Generation* gen = engine_.current_.load(std::memory_order_seq_cst);
  engine::arbitrate(*gen, *engine_.callouts_, values, input, result);
}

void Engine::classify(const IncomingValues& values, const ClassifyInput& input, ClassifyResult* result) const noexcept {
  Reader reader(*this);
  reader.classify(values, input, result);
}

}  // namespace openwfp
