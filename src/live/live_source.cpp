#include "live/live_source.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "live/local_addresses.hpp"
#include "shard/workers.hpp"

namespace openwfp::live {

namespace {

constexpr size_t kMaxBatch = 256;
constexpr size_t kMaxEmitted = 64;                 // packets the stack may send while one packet is processed
constexpr size_t kEmitBytes = kMaxEmitted * 2048;  // their bytes (larger ones go out at once)
constexpr uint64_t kSnapshotUs = 50'000;           // how often a busy worker publishes its counters
constexpr int kIdleWaitMs = 20;                    // an idle worker looks up (ticks, publishes) this often

uint64_t wall_us() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

// FNV-1a over a packet: how a released packet is matched to the queued one.
uint64_t packet_hash(const uint8_t* data, uint32_t length) noexcept {
  uint64_t h = 1469598103934665603ull;
  for (uint32_t i = 0; i < length; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h ^ length;
}

// Whether two IP packets have the same version, source and destination.
bool same_addresses(const uint8_t* a, uint32_t alen, const uint8_t* b, uint32_t blen) noexcept {
  if (alen < 20 || blen < 20 || (a[0] >> 4) != (b[0] >> 4)) return false;
  if ((a[0] >> 4) == 4) return std::memcmp(a + 12, b + 12, 8) == 0;
  return alen >= 40 && blen >= 40 && std::memcmp(a + 8, b + 8, 32) == 0;
}

// Whether this process may do what live traffic needs: CAP_NET_ADMIN (12)
// and CAP_NET_RAW (13) in its effective set.
bool has_network_capabilities() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("CapEff:", 0) == 0) {
      const uint64_t caps = std::strtoull(line.c_str() + 7, nullptr, 16);
      return (caps & (uint64_t{1} << 12)) != 0 && (caps & (uint64_t{1} << 13)) != 0;
    }
  }
  return ::geteuid() == 0;
}

}  // namespace

struct LiveSource::Worker final : events::Recorder {
  enum class Decision : uint8_t { ACCEPT, DROP, REPLACE, KEEP };
  struct Emitted {
    uint32_t offset = 0, length = 0;
    bool outbound = false, used = false;
  };
  struct Held {
    uint32_t id = 0;
    uint64_t key = 0;  // the fragment group, or the packet's hash (absorbed)
    uint64_t deadlineUs = 0;
    bool absorbed = false;
  };

  Worker(Engine& engine, const stack::Config& sc, const LiveConfig& config)
      : events::Recorder(config.recorder), config_(config), lookup_(config.processes) {
    stack::Config own = sc;
    own.inlinePath = true;
    if (config.lookupProcesses) own.owners = &lookup_;
    stack_ = std::make_unique<stack::Stack>(engine, own, this);
    emitBytes_.resize(kEmitBytes);
    emitted_.reserve(kMaxEmitted);
    held_.reserve(config.maxHeld);
  }

  void on_inject(const uint8_t* ip, uint32_t length, bool outbound) override {
    // The packet of a pended classification, released: the queued one goes on.
    if (const size_t i = held_absorbed(packet_hash(ip, length)); i < held_.size()) {
      queue_->verdict(held_[i].id, kVerdictAccept);
      unhold(i);
      ++status_.released;
      return;
    }
    if (processing_ && emitted_.size() < kMaxEmitted && emitUsed_ + length <= emitBytes_.size()) {
      std::memcpy(emitBytes_.data() + emitUsed_, ip, length);
      emitted_.push_back({static_cast<uint32_t>(emitUsed_), length, outbound, false});
      emitUsed_ += length;
      return;
    }
    send(ip, length, outbound);
  }

  void on_held_dropped(const uint8_t* ip, uint32_t length) override {
    // A pended packet whose pend ended with a Block: dropped now, not at
    // the end of its hold.
    const uint64_t h = packet_hash(ip, length);
    if (const size_t i = held_absorbed(h); i < held_.size()) {
      queue_->verdict(held_[i].id, kVerdictDrop);
      unhold(i);
      ++status_.pendsRefused;
      return;
    }
    // Completed while its own packet is being processed: not held yet.
    if (processing_ && droppedNowCount_ < kMaxDroppedNow) droppedNow_[droppedNowCount_++] = h;
  }

  // The held packet (pended or absorbed) with this hash; held_.size() if none.
  size_t held_absorbed(uint64_t h) const noexcept {
    for (size_t i = 0; i < held_.size(); ++i) {
      if (held_[i].absorbed && held_[i].key == h) return i;
    }
    return held_.size();
  }

  bool dropped_now(uint64_t h) const noexcept {
    return std::find(droppedNow_, droppedNow_ + droppedNowCount_, h) != droppedNow_ + droppedNowCount_;
  }

  void send(const uint8_t* ip, uint32_t length, bool outbound) noexcept {
    if (outbound) {
      injector_.send_outbound(ip, length);
    } else {
      injector_.send_inbound(ip, length);
    }
  }

  bool sent_in_direction(bool outbound) const noexcept {
    return std::any_of(emitted_.begin(), emitted_.end(), [outbound](const Emitted& e) { return e.outbound == outbound; });
  }

  void unhold(size_t i) noexcept {
    held_[i] = held_.back();
    held_.pop_back();
  }

  void hold(uint32_t id, uint64_t key, uint64_t deadline, bool absorbed) noexcept {
    if (held_.size() >= config_.maxHeld) {
      // Full: the one closest to its deadline goes now.
      const auto oldest = std::min_element(held_.begin(), held_.end(),
                                           [](const Held& a, const Held& b) { return a.deadlineUs < b.deadlineUs; });
      queue_->verdict(oldest->id, kVerdictDrop);
      unhold(static_cast<size_t>(oldest - held_.begin()));
      ++status_.holdsRefused;
    }
    held_.push_back({id, key, deadline, absorbed});
    status_.heldPeak = std::max<uint64_t>(status_.heldPeak, held_.size());
  }

  bool held_below(uint32_t id) const noexcept {
    return std::any_of(held_.begin(), held_.end(), [id](const Held& h) { return h.id < id; });
  }

  void expire(uint64_t now) noexcept {
    for (size_t i = 0; i < held_.size();) {
      if (held_[i].deadlineUs <= now) {
        queue_->verdict(held_[i].id, kVerdictDrop);
        unhold(i);
        ++status_.holdsExpired;
      } else {
        ++i;
      }
    }
  }

  // One packet through the stack; its decision in decisions_[i].
  void process(const QueuedPacket& p, size_t i, uint64_t now) noexcept {
    emitted_.clear();
    emitUsed_ = 0;
    droppedNowCount_ = 0;
    processing_ = true;
    const stack::Result r =
        stack_->process(now, static_cast<uint32_t>(decode::LinkType::RAW), p.data, p.length, p.length);
    processing_ = false;
    const bool outbound = p.hook != kHookLocalIn;
    Decision d = Decision::ACCEPT;
    if (r.verdict == stack::Verdict::BLOCK || r.verdict == stack::Verdict::DROP ||
        r.verdict == stack::Verdict::ABSORBED) {
      // What the stack sent in this packet's place (an edited segment, a
      // callout's changed copy, a reset) goes back as this packet.
      for (Emitted& e : emitted_) {
        const uint8_t* bytes = emitBytes_.data() + e.offset;
        if (e.outbound == outbound && same_addresses(bytes, e.length, p.data, p.length)) {
          e.used = true;
          d = Decision::REPLACE;
          queue_->verdict(p.id, kVerdictAccept, bytes, e.length);  // sent now: the bytes are reused
          ++status_.replaced;
          break;
        }
      }
    }
    if (d != Decision::REPLACE) {
      switch (r.verdict) {
        case stack::Verdict::PERMIT: d = Decision::ACCEPT; break;
        case stack::Verdict::BLOCK:
        case stack::Verdict::DROP: d = Decision::DROP; break;
        case stack::Verdict::HELD:
          d = Decision::KEEP;
          hold(p.id, r.fragmentGroup, now + config_.fragmentHoldUs, false);
          break;
        case stack::Verdict::ABSORBED:
          if (r.absorbedBy == stack::AbsorbedBy::REWRITER) {
            d = Decision::DROP;  // the edited stream's segments come out as the rewriter makes them
          } else if (r.absorbedBy == stack::AbsorbedBy::PEND && dropped_now(packet_hash(p.data, p.length))) {
            d = Decision::DROP;  // its pend completed with a Block already
            ++status_.pendsRefused;
          } else if (r.absorbedBy == stack::AbsorbedBy::CALLOUT && sent_in_direction(outbound)) {
            d = Decision::DROP;  // the callout sent something else in its place (sent below)
          } else {
            // Pended (released as it was when the pend completes with a
            // permit) or taken by a callout (which may inject it back).
            d = Decision::KEEP;
            const uint64_t wait = r.absorbedBy == stack::AbsorbedBy::PEND ? config_.stack.pendTimeoutUs + 1'000'000
                                                                          : config_.absorbedHoldUs;
            hold(p.id, packet_hash(p.data, p.length), now + wait, true);
          }
          break;
      }
    }
    if (r.groupDone && r.fragmentGroup != 0) {
      const uint32_t v = r.verdict == stack::Verdict::PERMIT ? kVerdictAccept : kVerdictDrop;
      for (size_t k = 0; k < held_.size();) {
        if (!held_[k].absorbed && held_[k].key == r.fragmentGroup) {
          queue_->verdict(held_[k].id, v);
          unhold(k);
        } else {
          ++k;
        }
      }
    }
    for (const Emitted& e : emitted_) {
      if (!e.used) send(emitBytes_.data() + e.offset, e.length, e.outbound);
    }
    decisions_[i] = d;
  }

  // The batch's verdicts: runs of accepts as one batch verdict when nothing
  // older is kept in the queue, the rest one by one (run() sends them all,
  // with the expired holds', in one flush).
  void answer(const QueuedPacket* pkts, size_t n) noexcept {
    size_t runStart = 0, runLength = 0;
    auto end_run = [&] {
      if (runLength == 0) return;
      const uint32_t last = pkts[runStart + runLength - 1].id;
      if (runLength > 1 && !held_below(last)) {
        queue_->verdict_up_to(last, kVerdictAccept);
      } else {
        for (size_t k = runStart; k < runStart + runLength; ++k) queue_->verdict(pkts[k].id, kVerdictAccept);
      }
      runLength = 0;
    };
    for (size_t i = 0; i < n; ++i) {
      if (decisions_[i] == Decision::ACCEPT) {
        if (runLength == 0) runStart = i;
        ++runLength;
        continue;
      }
      end_run();
      if (decisions_[i] == Decision::DROP) queue_->verdict(pkts[i].id, kVerdictDrop);
    }
    end_run();
  }

  void snapshot(uint64_t now, bool force) {
    if (!force && now - lastSnapshotUs_ < kSnapshotUs) return;
    lastSnapshotUs_ = now;
    std::lock_guard lock(statusMutex_);
    published_ = status_;
    published_.queue = queue_->number();
    published_.queueStats = queue_->stats();
    published_.injector = injector_.stats();
    published_.held = held_.size();
    published_.processes = lookup_.stats();
    counters_ = stack_->counters();
  }

  void run(const std::atomic<bool>& stopping) {
    QueuedPacket pkts[kMaxBatch];
    const size_t batch = std::min<size_t>(kMaxBatch, std::max<uint32_t>(1, config_.queue.batch));
    bool dirty = false;  // packets since the last idle snapshot
    for (;;) {
      const bool stop = stopping.load(std::memory_order_acquire);
      if (const uint64_t v = local_->version.load(std::memory_order_acquire); v != localSeen_) {
        std::shared_ptr<const stack::Locality> l;
        {
          std::lock_guard lock(local_->mutex);
          l = local_->locality;
        }
        stack_->set_local(*l);
        localSeen_ = v;
      }
      const size_t n = queue_->receive(pkts, batch, stop ? 0 : kIdleWaitMs);
      const uint64_t now = wall_us();
      if (n == 0 && stop) break;
      if (n == 0) {
        // Idle: completions from other threads, timeouts. What the stack
        // sends now (a pended packet released) goes out as it comes.
        stack_->tick(now);
      }
      for (size_t i = 0; i < n; ++i) process(pkts[i], i, now);
      answer(pkts, n);
      expire(now);
      queue_->flush();
      snapshot(now, n == 0 && dirty);  // idle: what is published is up to date
      dirty = n != 0;
    }
    // The rules are gone: what is still kept was never decided.
    for (const Held& h : held_) queue_->verdict(h.id, kVerdictDrop);
    held_.clear();
    queue_->flush();
    stack_->finish();
    snapshot(wall_us(), true);
  }

  LiveConfig config_;
  LocalAddresses* local_ = nullptr;  // the source's
  uint64_t localSeen_ = 0;
  ProcessLookup lookup_;  // before stack_, which uses it
  std::unique_ptr<Queue> queue_;
  Injector injector_;
  std::unique_ptr<stack::Stack> stack_;
  std::thread thread_;
  bool processing_ = false;
  static constexpr size_t kMaxDroppedNow = 8;
  uint64_t droppedNow_[kMaxDroppedNow] = {};  // held packets dropped while processing one packet
  size_t droppedNowCount_ = 0;
  std::vector<uint8_t> emitBytes_;
  size_t emitUsed_ = 0;
  std::vector<Emitted> emitted_;
  std::vector<Held> held_;
  Decision decisions_[kMaxBatch] = {};
  WorkerStatus status_;
  uint64_t lastSnapshotUs_ = 0;
  mutable std::mutex statusMutex_;
  WorkerStatus published_;
  stack::Counters counters_;
};

bool LiveSource::open(Engine& engine, const LiveConfig& config, std::unique_ptr<LiveSource>* out,
                      std::string* error) {
  if (!has_network_capabilities()) {
    *error = "live traffic needs CAP_NET_ADMIN and CAP_NET_RAW (netfilter rules, NFQUEUE, raw sockets, a TUN device): "
             "run wfpd --live as root";
    return false;
  }
  std::unique_ptr<LiveSource> s(new LiveSource());
  s->config_ = config;
  LiveConfig& c = s->config_;
  c.workers = std::max<uint32_t>(1, c.workers);
  c.rules.queues = static_cast<uint16_t>(c.workers);
  c.queue.failOpen = c.rules.failMode == FailMode::OPEN;
  stack::Config sc = c.stack;
  if (!add_interface_addresses(&sc.local, &s->local_->names)) {
    *error = "cannot read the interfaces' addresses";
    return false;
  }
  if (!stack::add_prefixes(c.local, &sc.local, &s->local_->names, error)) return false;
  s->local_->locality = std::make_shared<const stack::Locality>(sc.local);
  if (!s->addresses_.open(error)) return false;
  s->tun_ = Injector::open_inbound(kInjectInterface, error);
  if (s->tun_ < 0) return false;
  c.rules.injectInterface = kInjectInterface;
  for (uint32_t i = 0; i < c.workers; ++i) {
    stack::Config wc = sc;
    wc.workerIndex = i;
    auto w = std::make_unique<Worker>(engine, wc, c);
    w->local_ = s->local_.get();
    QueueConfig qc = c.queue;
    qc.number = static_cast<uint16_t>(c.rules.firstQueue + i);
    if (!Queue::open(qc, &w->queue_, error)) return false;
    w->published_.queue = qc.number;  // (status before the worker's first snapshot)
    if (!w->injector_.open(c.rules.mark, error)) return false;
    w->injector_.set_inbound(s->tun_);
    if (c.lookupProcesses && !w->lookup_.open(error)) return false;
    s->workers_.push_back(std::move(w));
  }
  if (c.ebpf) {
    KernelAuthorizerConfig ac = c.authorizer;
    ac.recorder = c.recorder;
    if (!KernelAuthorizer::open(engine, ac, &s->authorizer_, error)) return false;
  }
  s->rules_ = std::make_unique<Ruleset>(c.rules);
  if (!s->rules_->install(error)) return false;
  *out = std::move(s);
  return true;
}

LiveSource::~LiveSource() {
  stop();
  workers_.clear();
  if (tun_ >= 0) ::close(tun_);  // the device goes with it
}

std::vector<events::Recorder*> LiveSource::recorders() {
  std::vector<events::Recorder*> out;
  for (auto& w : workers_) out.push_back(w.get());
  if (authorizer_ != nullptr) out.push_back(authorizer_->recorder());
  return out;
}

void LiveSource::start() {
  if (started_) return;
  started_ = true;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->thread_ = std::thread([this, worker] { worker->run(stopping_); });
  }
  if (authorizer_ != nullptr) authorizer_->start();
  addressThread_ = std::thread([this] {
    while (!stopping_.load(std::memory_order_acquire)) {
      if (addresses_.changed(100)) refresh_local();
    }
  });
}

void LiveSource::refresh_local() {
  stack::Locality locality;
  std::vector<std::string> names;
  std::string error;
  if (!add_interface_addresses(&locality, &names) || !stack::add_prefixes(config_.local, &locality, &names, &error)) {
    return;  // the set in use stays (the --local prefixes were checked at the start)
  }
  std::lock_guard lock(local_->mutex);
  local_->locality = std::make_shared<const stack::Locality>(std::move(locality));
  local_->names = std::move(names);
  ++local_->changes;
  local_->version.fetch_add(1, std::memory_order_release);
}

void LiveSource::stop() {
  if (rules_ != nullptr) rules_->remove();
  if (authorizer_ != nullptr) authorizer_->stop();
  stopping_.store(true, std::memory_order_release);
  for (auto& w : workers_) {
    if (w->thread_.joinable()) w->thread_.join();
  }
  if (addressThread_.joinable()) addressThread_.join();
}

LiveStatus LiveSource::status() const {
  LiveStatus s;
  s.running = started_ && !stopping_.load();
  s.backend = rules_ != nullptr ? rules_->backend() : "";
  s.failMode = config_.rules.failMode;
  {
    std::lock_guard lock(local_->mutex);
    s.local = local_->names;
    s.localChanges = local_->changes;
  }
  if (rules_ != nullptr) s.rules = rules_->rules();
  for (const auto& w : workers_) {
    std::lock_guard lock(w->statusMutex_);
    s.workers.push_back(w->published_);
    shard::operator+=(s.counters, w->counters_);
  }
  s.ebpf = authorizer_ != nullptr;
  if (authorizer_ != nullptr) s.authorizer = authorizer_->status();
  return s;
}

std::vector<events::FilterCount> LiveSource::filter_counts(uint64_t* uncounted) const {
  std::vector<const events::FilterCounters*> counters;
  for (const auto& w : workers_) counters.push_back(&w->counters());
  if (authorizer_ != nullptr) counters.push_back(&authorizer_->recorder()->counters());
  return events::sum_counts(counters, uncounted);
}

}  // namespace openwfp::live
