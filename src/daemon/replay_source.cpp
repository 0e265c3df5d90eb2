#include "daemon/replay_source.hpp"

#include <algorithm>
#include <span>

namespace openwfp::daemon {

namespace {
constexpr size_t kSlice = 8192;  // frames replayed between looks at stop()
}

ReplaySource::ReplaySource(const ReplayConfig& config) : config_(config) {}

bool ReplaySource::open(Engine& engine, const ReplayConfig& config, std::unique_ptr<ReplaySource>* out,
                        std::string* error) {
  std::unique_ptr<ReplaySource> s(new ReplaySource(config));
  if (!shard::load_capture(config.capture, &s->capture_, error)) return false;
  stack::Config sc = config.stack;
  if (!stack::add_prefixes(config.local, &sc.local, &s->status_.local, error)) return false;
  if (config.local.empty()) shard::busiest_addresses(s->capture_, &sc.local, &s->status_.local);
  const uint32_t n = std::max<uint32_t>(1, config.workers);
  std::vector<stack::Observer*> observers;
  for (uint32_t i = 0; i < n; ++i) {
    s->recorders_.push_back(std::make_unique<events::Recorder>(config.recorder));
    observers.push_back(s->recorders_.back().get());
  }
  s->workers_ = std::make_unique<shard::Workers>(engine, sc, shard::WorkersConfig{n, false}, observers);
  s->status_.capture = config.capture;
  s->status_.framesPerRound = s->capture_.frames.size();
  *out = std::move(s);
  return true;
}

ReplaySource::~ReplaySource() { stop(); }

std::vector<events::Recorder*> ReplaySource::recorders() {
  std::vector<events::Recorder*> out;
  for (auto& r : recorders_) out.push_back(r.get());
  return out;
}

void ReplaySource::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    status_.running = true;
  }
  thread_ = std::thread([this] { run(); });
}

void ReplaySource::stop() {
  stopping_ = true;
  done_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReplaySource::wait_done() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return !status_.running; });
}

void ReplaySource::run() {
  std::vector<shard::FrameRef> frames = capture_.frames;
  const uint64_t step = capture_.span_us() + 1'000'000;
  auto snapshot = [this](uint64_t taken, bool roundDone) {
    const stack::Counters c = workers_->counters();
    std::lock_guard lock(mutex_);
    status_.counters = c;
    status_.framesDone += taken;
    if (roundDone) ++status_.roundsDone;
  };
  for (uint64_t round = 0; config_.rounds == 0 || round < config_.rounds; ++round) {
    if (round > 0) {
      for (shard::FrameRef& f : frames) f.timestampUs += step;
      if (config_.pause.count() > 0) {
        std::unique_lock lock(mutex_);
        done_.wait_for(lock, config_.pause, [this] { return stopping_.load(); });
      }
    }
    if (stopping_) break;
    const std::span<const shard::FrameRef> all(frames);
    bool stopped = false;
    for (size_t at = 0; at < all.size(); at += kSlice) {
      const size_t n = std::min(kSlice, all.size() - at);
      const bool last = at + n == all.size();
      workers_->replay(capture_.linkType, all.subspan(at, n), nullptr, last);
      snapshot(n, last);
      if (stopping_ && !last) {
        stopped = true;
        break;
      }
    }
    if (stopped) {
      workers_->replay(capture_.linkType, {}, nullptr, true);  // end the flows
      snapshot(0, false);
      break;
    }
    if (all.empty()) {  // nothing to replay: one round is all of them
      snapshot(0, true);
      break;
    }
  }
  std::lock_guard lock(mutex_);
  status_.running = false;
  done_.notify_all();
}

ReplayStatus ReplaySource::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::vector<events::FilterCount> ReplaySource::filter_counts(uint64_t* uncounted) const {
  std::vector<const events::FilterCounters*> counters;
  for (const auto& r : recorders_) counters.push_back(&r->counters());
  return events::sum_counts(counters, uncounted);
}

}  // namespace openwfp::daemon
