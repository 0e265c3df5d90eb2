#include "dpi-block/matcher.hpp"

#include <hs.h>

#include <algorithm>
#include <climits>
#include <new>

#include "dpi-block/expression.hpp"

namespace openwfp::callouts::dpi {
namespace {

// Where a scan's callback leaves the first match.
struct FirstMatch {
  Match match{0, 0};
  bool found = false;
};

int on_match(unsigned int id, unsigned long long /*from*/, unsigned long long to, unsigned int /*flags*/,
             void* context) {
  auto* first = static_cast<FirstMatch*>(context);
  first->match = Match{id, to};
  first->found = true;
  return 1;  // stop: the connection is dropped on the first match
}

std::string hyperscan_status(hs_error_t status) {
  switch (status) {
    case HS_NOMEM: return "out of memory";
    case HS_ARCH_ERROR: return "this CPU lacks the instructions Hyperscan needs (SSSE3)";
    default: return "Hyperscan error " + std::to_string(status);
  }
}

}  // namespace

Matcher::Matcher(std::vector<Pattern> patterns, uint32_t maxStreams)
    : patterns_(std::move(patterns)), slot_(std::make_unique<Slot[]>(maxStreams)), slots_(maxStreams) {}

Matcher::~Matcher() {
  for (uint32_t i = 0; i < slots_.capacity(); ++i) {
    // No callback: end-of-stream matches of a torn-down matcher are moot.
    if (slot_[i].stream != nullptr) hs_close_stream(slot_[i].stream, nullptr, nullptr, nullptr);
  }
  hs_free_scratch(prototype_);
  hs_free_database(database_);
}

std::unique_ptr<Matcher> Matcher::create(const std::vector<Pattern>& patterns, const MatcherConfig& config,
                                         std::string* error) {
  if (config.maxStreams == 0 || config.maxStreams > kMaxStreamsLimit) {
    *error = "/max_streams: must be 1.." + std::to_string(kMaxStreamsLimit) + ", not " +
             std::to_string(config.maxStreams);
    return nullptr;
  }
  if (patterns.empty()) {
    *error = "/patterns: at least one pattern is needed";
    return nullptr;
  }
  if (const hs_error_t platform = hs_valid_platform(); platform != HS_SUCCESS) {
    *error = hyperscan_status(platform);
    return nullptr;
  }
  // Each pattern alone first: Hyperscan's multi-pattern compile names the
  // failing index too, but these checks also catch what it accepts and the
  // matcher cannot honour (empty, end-of-stream only).
  std::vector<std::string> texts;
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  texts.reserve(patterns.size());
  for (size_t i = 0; i < patterns.size(); ++i) {
    std::string problem;
    if (!check_pattern(patterns[i], &problem)) {
      *error = pattern_path(i, patterns[i]) + ": " + problem;
      return nullptr;
    }
    texts.push_back(hyperscan_expression(patterns[i]));
    flags.push_back(hyperscan_flags(patterns[i]));
    ids.push_back(static_cast<unsigned>(i));
  }
  for (const std::string& t : texts) expressions.push_back(t.c_str());

  std::unique_ptr<Matcher> m(new Matcher(patterns, config.maxStreams));
  hs_compile_error_t* compileError = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                       HS_MODE_STREAM, nullptr, &m->database_, &compileError) != HS_SUCCESS) {
    const std::string message =
        compileError != nullptr && compileError->message != nullptr ? compileError->message : "compile failed";
    const int index = compileError != nullptr ? compileError->expression : -1;
    *error = index >= 0 && static_cast<size_t>(index) < patterns.size()
                 ? pattern_path(static_cast<size_t>(index), patterns[static_cast<size_t>(index)]) + ": " + message
                 : "/patterns: " + message;
    hs_free_compile_error(compileError);
    return nullptr;
  }
  if (const hs_error_t s = hs_alloc_scratch(m->database_, &m->prototype_); s != HS_SUCCESS) {
    *error = "scratch space: " + hyperscan_status(s);
    return nullptr;
  }
  if (const hs_error_t s = hs_stream_size(m->database_, &m->streamStateBytes_); s != HS_SUCCESS) {
    *error = "stream state size: " + hyperscan_status(s);
    return nullptr;
  }
  // Every state is opened now, so open_stream() on the data path never
  // allocates; close_stream() resets a state in place for its next use.
  for (uint32_t i = 0; i < config.maxStreams; ++i) {
    if (const hs_error_t s = hs_open_stream(m->database_, 0, &m->slot_[i].stream); s != HS_SUCCESS) {
      *error = "opening stream state " + std::to_string(i + 1) + " of " + std::to_string(config.maxStreams) +
               ": " + hyperscan_status(s);
      return nullptr;
    }
  }
  return m;
}

Matcher::Scratch::~Scratch() { hs_free_scratch(scratch_); }

std::unique_ptr<Matcher::Scratch> Matcher::make_scratch() const {
  hs_scratch_t* clone = nullptr;
  if (hs_clone_scratch(prototype_, &clone) != HS_SUCCESS) return nullptr;
  std::unique_ptr<Scratch> s(new (std::nothrow) Scratch(this, clone));
  if (s == nullptr) hs_free_scratch(clone);
  return s;
}

Matcher::Slot* Matcher::slot_of(uint32_t stream) noexcept {
  if (stream == 0 || stream > slots_.capacity()) return nullptr;
  return &slot_[stream - 1];
}

uint32_t Matcher::open_stream() noexcept {
  const uint32_t id = slots_.acquire();
  if (id == 0) {
    refusedNoState_.add(1);
    return 0;
  }
  slot_[id - 1].state.store(OPEN, std::memory_order_relaxed);
  streamsOpened_.add(1);
  return id;
}

bool Matcher::scan(uint32_t stream, const uint8_t* data, size_t length, Scratch& scratch, Match* first) noexcept {
  Slot* slot = slot_of(stream);
  if (slot == nullptr || scratch.owner_ != this) {
    badStreamIds_.add(1);
    return false;
  }
  const uint8_t state = slot->state.load(std::memory_order_relaxed);
  if (state != OPEN) {
    if (state == FREE) badStreamIds_.add(1);
    return false;  // FINISHED: the stream already matched; its connection is being dropped
  }
  FirstMatch found;
  while (length > 0) {
    // hs_scan_stream takes an unsigned int length.
    const size_t piece = std::min<size_t>(length, UINT_MAX);
    const hs_error_t s = hs_scan_stream(slot->stream, reinterpret_cast<const char*>(data),
                                        static_cast<unsigned int>(piece), 0, scratch.scratch_, on_match, &found);
    bytesScanned_.add(piece);
    if (s == HS_SCAN_TERMINATED && found.found) {
      slot->state.store(FINISHED, std::memory_order_relaxed);
      matches_.add(1);
      if (first != nullptr) *first = found.match;
      return true;
    }
    if (s != HS_SUCCESS) {
      scanErrors_.add(1);
      return false;
    }
    data += piece;
    length -= piece;
  }
  return false;
}

void Matcher::close_stream(uint32_t stream, Scratch& scratch) noexcept {
  Slot* slot = slot_of(stream);
  if (slot == nullptr || slot->state.exchange(FREE, std::memory_order_relaxed) == FREE) {
    badStreamIds_.add(1);
    return;
  }
  // Without a callback nothing is reported and Hyperscan leaves the scratch
  // alone; the state starts over at offset 0 for whoever opens this id next.
  // Resetting fails only for a null stream, which a pool slot never holds.
  hs_reset_stream(slot->stream, 0, scratch.scratch_, nullptr, nullptr);
  streamsClosed_.add(1);
  slots_.release(stream);
}

MatcherStats Matcher::stats() const noexcept {
  return MatcherStats{bytesScanned_.get(), matches_.get(),     streamsOpened_.get(), streamsClosed_.get(),
                      refusedNoState_.get(), scanErrors_.get(), badStreamIds_.get()};
}

size_t Matcher::database_bytes() const noexcept {
  size_t bytes = 0;
  return hs_database_size(database_, &bytes) == HS_SUCCESS ? bytes : 0;
}

}  // namespace openwfp::callouts::dpi
