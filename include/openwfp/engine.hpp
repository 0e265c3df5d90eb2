// The filter engine: management objects, transactions, the callout registry
// and classification with WFP's arbitration.
//
// Control plane: every change runs in a transaction (explicit, or implicit
// around a single call). Operations validate as they go; commit compiles one
// immutable table per layer and publishes the new generation with one atomic
// swap. Data plane: classify() reads the current generation without locks,
// does not allocate (unless a trace is asked for) and does not throw.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "openwfp/callout.hpp"
#include "openwfp/classify.hpp"
#include "openwfp/dispatch.hpp"
#include "openwfp/model.hpp"
#include "openwfp/objects.hpp"
#include "openwfp/status.hpp"

namespace openwfp {

namespace engine {
struct Generation;
class EpochDomain;
class CalloutRegistry;
struct TransactionNotes;
}  // namespace engine

// Which compiled classifier the engine builds for each layer.
enum class ClassifierKind : uint8_t {
  TUPLE,      // tuple tables: hash probes on the bits rules share, exact checks (the default)
  LINEAR,     // compiled interval rules scanned in weight order
  REFERENCE,  // the plain reference evaluation (for checking)
};

struct EngineOptions {
  std::chrono::milliseconds transactionWait{15000};  // bound on waiting for the transaction lock
  ClassifierKind classifier = ClassifierKind::TUPLE;
  uint32_t maxCallouts = 4096;  // run-time callout ids
};

// A source of flow contexts for one classification (the flow's contexts per
// callout). Absent for classifications outside a flow.
class FlowContexts {
 public:
  virtual ~FlowContexts() = default;
  virtual bool find(uint32_t calloutId, uint64_t* flowContext) const noexcept = 0;
};

// What a classify call is given besides the incoming values.
struct ClassifyInput {
  const IncomingMetadata* metadata = nullptr;
  void* layerData = nullptr;
  const void* classifyContext = nullptr;
  const FlowContexts* flowContexts = nullptr;
  ClassifyTrace* trace = nullptr;  // filled when given (allocates)
  // Every classifyFn call runs inside a dispatch::ClassifyScope (DISPATCH_LEVEL,
  // in_classify()); with a timer it is also timed per callout (C4).
  const dispatch::CalloutTimer* timer = nullptr;
  // Called after each classifyFn returns (the verifier's view of the call);
  // may be null.
  void (*afterCallout)(void* context, const FilterView& filter, const ClassifyOut& out) = nullptr;
  void* afterCalloutContext = nullptr;
};

class Engine;

// An open transaction. Holds the engine's transaction lock until commit() or
// abort() (or destruction, which aborts). A failed operation leaves the
// transaction usable; abort leaves nothing behind.
class Transaction {
 public:
  Transaction();  // not open: Engine::begin() opens one
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) noexcept;
  ~Transaction();

  // Each returns SUCCESS or a WFP status; `why` (optional) gets a sentence.
  Status add_provider(const Provider& provider, std::string* why = nullptr);
  Status add_sublayer(const Sublayer& sublayer, std::string* why = nullptr);
  Status add_callout(const Callout& callout, uint32_t* calloutId = nullptr, std::string* why = nullptr);
  Status add_filter(const Filter& filter, uint64_t* filterId = nullptr, std::string* why = nullptr);
  Status delete_filter_by_id(uint64_t filterId, std::string* why = nullptr);
  Status delete_filter_by_key(const Guid& key, std::string* why = nullptr);
  // A persistent object coming back from a store (a daemon's restart): added
  // with the id it carries (Callout::calloutId, Filter::filterId), refused
  // with FWP_ALREADY_EXISTS when that id is taken. Otherwise as add_*.
  Status restore_callout(const Callout& callout, std::string* why = nullptr);
  Status restore_filter(const Filter& filter, std::string* why = nullptr);
  Status delete_sublayer(const Guid& key, std::string* why = nullptr);
  Status delete_callout(const Guid& key, std::string* why = nullptr);
  Status delete_provider(const Guid& key, std::string* why = nullptr);

  // The objects as they stand inside this transaction.
  const engine::Model& model() const noexcept { return *working_; }

  Status commit(std::string* why = nullptr);
  void abort() noexcept;
  bool is_open() const noexcept { return engine_ != nullptr; }

 private:
  friend class Engine;
  Transaction(Engine* engine, std::unique_lock<std::timed_mutex> lock, std::unique_ptr<engine::Model> working);

  Engine* engine_ = nullptr;
  std::unique_lock<std::timed_mutex> lock_;
  std::unique_ptr<engine::Model> working_;
  std::unique_ptr<engine::TransactionNotes> notes_;  // notifyFn calls to finish
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- management ----
  // Begins a transaction; FWP_TIMEOUT when the lock is not free within
  // options.transactionWait.
  Status begin(Transaction* out, std::string* why = nullptr);
  // Single operations, each in an implicit transaction.
  Status add_provider(const Provider& provider, std::string* why = nullptr);
  Status add_sublayer(const Sublayer& sublayer, std::string* why = nullptr);
  Status add_callout(const Callout& callout, uint32_t* calloutId = nullptr, std::string* why = nullptr);
  Status add_filter(const Filter& filter, uint64_t* filterId = nullptr, std::string* why = nullptr);
  Status delete_filter_by_id(uint64_t filterId, std::string* why = nullptr);
  Status delete_filter_by_key(const Guid& key, std::string* why = nullptr);

  // The committed objects (a consistent snapshot).
  std::shared_ptr<const engine::Model> snapshot() const;
  // Generation number of the published tables (increases by one per commit).
  uint64_t generation() const noexcept;

  // ---- run-time callouts (FwpsCalloutRegister / FwpsCalloutUnregister*) ----
  Status register_callout(const CalloutRegistration& callout, uint32_t* calloutId = nullptr);
  Status unregister_callout_by_key(const Guid& calloutKey);
  Status unregister_callout_by_id(uint32_t calloutId);
  // The registered functions of a callout (control plane); false when none.
  bool callout_registration(uint32_t calloutId, CalloutRegistration* out) const;

  // Flow contexts, for the host that keeps flows (FwpsFlowAssociateContext0):
  // a context counts against its callout, which cannot be unregistered
  // (DEVICE_BUSY) while any is left. acquire fails when the callout is not
  // registered.
  bool acquire_flow_context(uint32_t calloutId) noexcept;
  void release_flow_context(uint32_t calloutId) noexcept;
  int64_t flow_contexts(uint32_t calloutId) const noexcept;

  // ---- data plane ----
  // A reader pins one slot of the reclamation domain for a data-path thread.
  class Reader {
   public:
    explicit Reader(const Engine& engine);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    bool valid() const noexcept { return slot_ >= 0; }
    // Classifies at one layer. `values.layerId` names the layer.
    void classify(const IncomingValues& values, const ClassifyInput& input, ClassifyResult* result) const noexcept;
    // Calls the flowDeleteFn of a callout (if registered and it has one) for
    // a context the flow held.
    void flow_delete(uint16_t layerId, uint32_t calloutId, uint64_t flowContext) const noexcept;
    // Whether any filter at the layer uses a callout (in the current generation).
    bool layer_has_callouts(LayerId layer) const noexcept;
    // Whether the layer has any filter (in the current generation): a layer
    // without filters is not classified, so nothing need be built for it.
    bool layer_has_filters(LayerId layer) const noexcept;

   private:
    friend class Engine;
    const Engine& engine_;
    int slot_;
  };
  // One-off classification (acquires a reader slot for the call).
  void classify(const IncomingValues& values, const ClassifyInput& input, ClassifyResult* result) const noexcept;

  const EngineOptions& options() const noexcept { return options_; }

  // What the published tables of a layer hold.
  struct LayerStats {
    size_t filters = 0;
    size_t sublayers = 0;
    std::string classifier;     // implementation name
    size_t classifierBytes = 0;  // memory of the compiled classifier
  };
  LayerStats layer_stats(LayerId layer) const;

 private:
  friend class Transaction;
  Status commit_model(std::unique_ptr<engine::Model> working, std::string* why);
  template <typename Op>
  Status implicit(Op op, std::string* why);

  EngineOptions options_;
  std::unique_ptr<engine::EpochDomain> epochs_;
  std::unique_ptr<engine::CalloutRegistry> callouts_;
  mutable std::timed_mutex transaction_lock_;
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const engine::Model> committed_;
  std::atomic<const engine::Generation*> current_{nullptr};
  // The published generation's number, readable without pinning the
  // generation (a concurrent commit may retire it).
  std::atomic<uint64_t> generationNumber_{0};
};

}  // namespace openwfp
