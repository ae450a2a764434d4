// Simulator: the clock, the pending-event set and the loop. One per simulation; any number per
// process (no singletons, no mutable statics).
//
// Events are dispatched to an EventHandler (bound once, by pointer) with a kind and a 64-bit
// argument: no std::function and no allocation per event.
// Timers give O(1) cancellation: a timer slot remembers the sequence number of its one live event;
// re-arming or cancelling makes earlier records stale, and stale records are skipped when popped.
// Invariants: now() never decreases; events at equal times run in scheduling order.
// Thread safety: none; a Simulator is driven by one thread.
#pragma once

#include <csignal>
#include <cstdint>
#include <vector>

#include "core/event_queue.hpp"
#include "core/units.hpp"

namespace rocesim {

class Simulator;

class EventHandler {
 public:
  virtual void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) = 0;

 protected:
  ~EventHandler() = default;
};

struct TimerId {
  std::uint32_t slot = UINT32_MAX;
  bool valid() const { return slot != UINT32_MAX; }
};

class Simulator {
 public:
  static constexpr std::uint32_t kTimerKind = UINT32_MAX;  // reserved for timer firings

  Time now() const { return now_; }
  std::uint64_t events_executed() const { return executed_; }
  std::size_t pending() const { return queue_.size(); }

  // REQUIRES: at >= now(). Schedules a plain (non-cancellable) event.
  // REQUIRES: kind != kTimerKind.
  void schedule_at(Time at, EventHandler* target, std::uint32_t kind, std::uint64_t arg = 0) {
    queue_.push(at, target, kind, arg);
  }
  void schedule_in(Time delay, EventHandler* target, std::uint32_t kind, std::uint64_t arg = 0) {
    schedule_at(now_ + delay, target, kind, arg);
  }

  // Timers: a slot made once per component (e.g. a QP's retransmission timer).
  TimerId make_timer(EventHandler* target, std::uint32_t kind, std::uint64_t arg = 0);
  // (Re)arms the timer to fire at `at`; an earlier pending firing is cancelled.
  void arm(TimerId id, Time at);
  void cancel(TimerId id) { timers_[id.slot].live_seq = 0; }
  bool armed(TimerId id) const { return timers_[id.slot].live_seq != 0; }
  Time expiry(TimerId id) const { return timers_[id.slot].at; }

  // Runs events with time <= limit (or until stop()); the clock ends at the last event run, or at
  // `limit` if the queue still holds later events. Returns the number of events run.
  std::uint64_t run_until(Time limit);
  std::uint64_t run() { return run_until(Time::max()); }
  // Makes the running loop return after the current event.
  void stop() { stop_requested_ = true; }
  bool stopped() const { return stop_requested_; }
  // Watchdog: after `events` consecutive events at one instant the loop stops and stalled() turns
  // true (0, the default, disables it). A live model advances its clock; a clock stuck for
  // millions of events is a livelock (e.g. a wrapped time sum), not work.
  void set_stall_limit(std::uint64_t events) { stall_limit_ = events; }
  bool stalled() const { return stalled_; }
  // Polled every 1024 events: non-zero stops the loop (a SIGINT/SIGTERM flag, core/interrupt.hpp).
  void set_interrupt_flag(const volatile std::sig_atomic_t* flag) { interrupt_ = flag; }

 private:
  struct TimerSlot {
    EventHandler* target;
    std::uint64_t arg;
    std::uint32_t kind;
    std::uint64_t live_seq;  // 0: not armed
    Time at;
  };

  Time now_{};
  std::uint64_t executed_ = 0;
  bool stop_requested_ = false;
  bool stalled_ = false;
  const volatile std::sig_atomic_t* interrupt_ = nullptr;
  std::uint64_t stall_limit_ = 0;
  std::uint64_t same_instant_ = 0;  // events run since the clock last moved
  EventQueue queue_;
  std::vector<TimerSlot> timers_;
};

}  // namespace rocesim
