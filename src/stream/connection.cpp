// Connection: owns its two directions' state (from the Budget's pool, taken
// at the first segment that carries anything) and guards against a Sink
// calling back into it.
#include <new>

#include "stream/budget_state.hpp"
#include "stream/direction_state.hpp"
#include "stream/held_data.hpp"
#include "stream/reassembler.hpp"
#include "stream/tcp_flags.hpp"
#include "stream/tcp_rules.hpp"

namespace openwfp::stream {

struct Connection::Side : detail::DirectionState {};

Connection::Connection(Budget& budget) noexcept : budget_(budget) {}

Connection::~Connection() {
  detail::BudgetState& b = *budget_.impl_;
  for (Side*& side : sides_) {
    if (side == nullptr) continue;
    detail::drop_all_pieces(*side, b);
    detail::SideSlot* slot = side->slot;
    side->~Side();
    b.sides.release(slot);
    side = nullptr;
  }
}

bool Connection::acquire_sides() noexcept {
  static_assert(sizeof(Side) <= detail::kSideSlotBytes);
  static_assert(alignof(Side) <= alignof(detail::SideSlot));
  detail::BudgetState& b = *budget_.impl_;
  detail::SideSlot* slots[2] = {b.sides.acquire(), nullptr};
  if (slots[0] == nullptr) return false;
  slots[1] = b.sides.acquire();
  if (slots[1] == nullptr) {
    b.sides.release(slots[0]);
    return false;
  }
  for (std::size_t i = 0; i < 2; ++i) {
    Side* side = new (slots[i]->bytes) Side();
    side->slot = slots[i];
    side->history = b.history_of(slots[i]);
    side->historyCapacity = b.config.overlapHistoryBytes;
    sides_[i] = side;
  }
  return true;
}

SegmentOutcome Connection::on_segment(Direction direction, const Segment& segment, Sink& sink) noexcept {
  detail::BudgetState& b = *budget_.impl_;
  ++b.stats.segments;
  if (busy_) return SegmentOutcome::IGNORED;  // fed from inside our own callback
  if (!ended_ && sides_[0] == nullptr) {
    const bool carries = (segment.payload != nullptr && segment.length > 0) ||
                         (segment.flags & (detail::kSyn | detail::kFin | detail::kRst)) != 0;
    if (!carries) return SegmentOutcome::IGNORED;
    if (!acquire_sides()) {
      ++b.stats.noState;
      return SegmentOutcome::NO_BUFFER;
    }
  }
  busy_ = true;
  detail::ConnectionView view{b, {sides_[0], sides_[1]}, ended_};
  const SegmentOutcome outcome = detail::process_segment(view, direction, segment, sink);
  busy_ = false;
  if (deferredClose_) {
    deferredClose_ = false;
    close(sink);
  }
  return outcome;
}

void Connection::close(Sink& sink) noexcept {
  if (busy_) {  // asked from a callback: done when the current call returns
    deferredClose_ = true;
    return;
  }
  busy_ = true;
  detail::ConnectionView view{*budget_.impl_, {sides_[0], sides_[1]}, ended_};
  detail::close_connection(view, sink);
  busy_ = false;
  deferredClose_ = false;
}

uint64_t Connection::delivered(Direction d) const noexcept {
  const Side* side = sides_[d == Direction::CLIENT_TO_SERVER ? 0 : 1];
  return side != nullptr ? side->delivered : 0;
}

uint64_t Connection::missed(Direction d) const noexcept {
  const Side* side = sides_[d == Direction::CLIENT_TO_SERVER ? 0 : 1];
  return side != nullptr ? side->missed : 0;
}

bool Connection::finished(Direction d) const noexcept {
  const Side* side = sides_[d == Direction::CLIENT_TO_SERVER ? 0 : 1];
  return side != nullptr ? side->finished : ended_;
}

}  // namespace openwfp::stream
