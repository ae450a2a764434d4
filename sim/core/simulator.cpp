#include "core/simulator.hpp"

namespace rocesim {

TimerId Simulator::make_timer(EventHandler* target, std::uint32_t kind, std::uint64_t arg) {
  timers_.push_back(TimerSlot{target, arg, kind, 0, Time{}});
  return TimerId{static_cast<std::uint32_t>(timers_.size() - 1)};
}

void Simulator::arm(TimerId id, Time at) {
  TimerSlot& slot = timers_[id.slot];
  slot.live_seq = queue_.push(at, slot.target, kTimerKind, id.slot);  // seqs start at 1
  slot.at = at;
}

std::uint64_t Simulator::run_until(Time limit) {
  stop_requested_ = false;
  std::uint64_t ran = 0;
  while (!queue_.empty() && !stop_requested_) {
    if (queue_.top_time() > limit) {
      if (limit > now_) now_ = limit;  // a limit behind the clock never moves it backwards
      break;
    }
    const Event e = queue_.pop();
    std::uint32_t kind = e.kind;
    std::uint64_t arg = e.arg;
    if (kind == kTimerKind) {
      TimerSlot& slot = timers_[e.arg];
      if (slot.live_seq != e.seq) continue;  // cancelled or re-armed since
      slot.live_seq = 0;
      kind = slot.kind;
      arg = slot.arg;
    }
    same_instant_ = e.time == now_ ? same_instant_ + 1 : 0;
    now_ = e.time;
    if (same_instant_ >= stall_limit_ && stall_limit_ > 0) {
      stalled_ = true;
      stop_requested_ = true;
    }
    if ((executed_ & 1023) == 0 && interrupt_ != nullptr && *interrupt_ != 0) stop_requested_ = true;
    ++ran;
    ++executed_;
    e.target->on_event(*this, kind, arg);
  }
  return ran;
}

}  // namespace rocesim
