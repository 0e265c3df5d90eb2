// The matching engine of the dpi-block callout: one Hyperscan streaming
// database for all patterns, and a preallocated pool of stream states, one
// per direction of a TCP connection being scanned.
//
// Threads. The control plane creates the Matcher and one Scratch per
// data-path thread (make_scratch). On the data path, each stream is used by
// one thread at a time (open_stream, scan, close_stream), and different
// streams may be used from different threads at once: the pool's free list
// is lock-free and the counters are atomic. A Scratch is used by one thread
// at a time (Hyperscan refuses a scratch that is already in use; that scan
// fails and is counted in scanErrors).
//
// Nothing on the data path allocates or throws: every stream state is opened
// when the Matcher is created, and closing a stream resets its state for the
// next connection.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dpi-block/pattern.hpp"
#include "dpi-block/stream_slots.hpp"

// Hyperscan's handle types (hs_common.h, hs_runtime.h), declared here so that
// users of the matcher do not need Hyperscan's headers.
struct hs_database;
struct hs_scratch;
struct hs_stream;

namespace openwfp::callouts::dpi {

// The largest pool a Matcher accepts: ids are dense and every state is
// opened up front, so the bound keeps a typo from costing gigabytes.
inline constexpr uint32_t kMaxStreamsLimit = 1u << 20;

struct MatcherConfig {
  uint32_t maxStreams = 16384;  // concurrent stream states, all opened by create()
};

struct Match {
  uint32_t patternIndex;  // index into patterns()
  uint64_t endOffset;     // offset just past the match's last byte, from the start of the stream
};

struct MatcherStats {
  uint64_t bytesScanned;    // bytes handed to Hyperscan
  uint64_t matches;         // scans that found a match
  uint64_t streamsOpened;
  uint64_t streamsClosed;
  uint64_t refusedNoState;  // open_stream() calls that found the pool exhausted
  uint64_t scanErrors;      // scans Hyperscan failed (e.g. a scratch in use by another thread)
  uint64_t badStreamIds;    // scan/close with an id that is not open, or a Scratch of another Matcher
};

class Matcher {
 public:
  class Scratch;

  // Compiles the patterns into one Hyperscan streaming database (HS_MODE_STREAM,
  // no start of match) and opens config.maxStreams stream states. Returns
  // nullptr with `error` set on failure; a bad pattern is named by its path,
  // "/patterns/<index>/regex: <Hyperscan's message>" (or ".../literal").
  static std::unique_ptr<Matcher> create(const std::vector<Pattern>& patterns, const MatcherConfig& config,
                                         std::string* error);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Scratch space for one data-path thread (a clone of the Matcher's own);
  // nullptr if memory runs out. It may outlive the Matcher.
  std::unique_ptr<Scratch> make_scratch() const;

  // A stream id in 1..maxStreams whose state starts at offset 0, or 0 when
  // every state is in use (counted in refusedNoState). What to do with a
  // stream that gets no state is the caller's policy; the dpi-block callout
  // lets it through unscanned.
  uint32_t open_stream() noexcept;

  // Scans the next `length` bytes of the stream. On a match, returns true and
  // sets *first (if not null) to the first match Hyperscan reports in these
  // bytes, which is the one ending earliest (Hyperscan reports in order of
  // end offset, except for rare patterns with assertions). The scan stops
  // there and the stream is finished: later scans of it return false without
  // scanning, until it is closed. Returns false on no match, on a bad id
  // (counted in badStreamIds) and on a Hyperscan failure (scanErrors).
  bool scan(uint32_t stream, const uint8_t* data, size_t length, Scratch& scratch, Match* first) noexcept;

  // Returns the stream's state to the pool. Matches that Hyperscan could
  // only report at the end of the stream (e.g. `$`) are not reported.
  // Closing an id that is not open is counted in badStreamIds and ignored.
  void close_stream(uint32_t stream, Scratch& scratch) noexcept;

  const std::vector<Pattern>& patterns() const noexcept { return patterns_; }
  MatcherStats stats() const noexcept;
  // The compiled database's size.
  size_t database_bytes() const noexcept;
  // The memory of one stream state, and of the whole pool.
  size_t stream_state_bytes() const noexcept { return streamStateBytes_; }
  size_t pool_bytes() const noexcept { return streamStateBytes_ * slots_.capacity(); }
  uint32_t max_streams() const noexcept { return slots_.capacity(); }

 private:
  enum SlotState : uint8_t { FREE, OPEN, FINISHED };
  struct Slot {
    hs_stream* stream = nullptr;
    // Guards against misuse only (a stale or doubled id): the free list's
    // acquire/release ordering is what hands a stream between threads.
    std::atomic<uint8_t> state{FREE};
  };
  // A counter on its own cache line: data-path threads bump them at once.
  struct alignas(64) Counter {
    std::atomic<uint64_t> value{0};
    void add(uint64_t n) noexcept { value.fetch_add(n, std::memory_order_relaxed); }
    uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
  };

  Matcher(std::vector<Pattern> patterns, uint32_t maxStreams);
  Slot* slot_of(uint32_t stream) noexcept;

  std::vector<Pattern> patterns_;
  hs_database* database_ = nullptr;
  hs_scratch* prototype_ = nullptr;  // sized for the database; cloned by make_scratch()
  std::unique_ptr<Slot[]> slot_;      // slot_[id - 1]
  StreamSlots slots_;
  size_t streamStateBytes_ = 0;
  Counter bytesScanned_, matches_, streamsOpened_, streamsClosed_, refusedNoState_, scanErrors_, badStreamIds_;
};

class Matcher::Scratch {
 public:
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

 private:
  friend class Matcher;
  Scratch(const Matcher* owner, hs_scratch* scratch) : owner_(owner), scratch_(scratch) {}
  const Matcher* owner_;  // scans check it: another Matcher's scratch may be too small
  hs_scratch* scratch_;
};

}  // namespace openwfp::callouts::dpi
