// ProgressLine: one self-overwriting status line on a terminal while a long run goes on.
//
// Shows simulated time, wall time, events per wall second and, when a done fraction f is known
// (DAG nodes completed / nodes), an ETA from the pace of the last kEtaWindowSeconds:
//   ETA = (1 − f) · (w − w₀) / (f − f₀)   for the oldest redraw (w₀, f₀) inside that window,
// not wall · (1 − f) / f over the whole run: a contended all-to-all completes its cheap
// scale-up pieces first (20 % of its nodes in 3 s) and then slows down 10×, so the whole-run
// pace promised 11 s for a 170 s run. No progress inside the window: no ETA. It stays silent for the first
// kQuietSeconds of wall time (short runs print nothing) and redraws at most every
// kRefreshSeconds. The caller decides whether it is enabled (stderr is a terminal and not
// --quiet) and calls update() between simulation chunks, so it costs nothing per event.
// Thread safety: none.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "core/units.hpp"

namespace rocesim::app {

inline constexpr double kQuietSeconds = 2.0;
inline constexpr double kRefreshSeconds = 0.25;
inline constexpr double kEtaWindowSeconds = 20.0;

// True if file descriptor 2 is a terminal.
bool stderr_is_terminal();

// "sim 1.234 ms | wall 3.2 s | 12.30 M events/s | 45% | ETA 4 s" (f < 0: no percentage or ETA); the
// rate in M (>= 10^6), k (>= 10^3) or plain events per second.
// eta_s < 0: ETA = wall · (1 − f) / f; eta_s = +inf: none shown.
std::string format_progress(Time sim_now, double wall_s, std::uint64_t events, double done_fraction,
                            double eta_s = -1.0);

// The recent pace of a done fraction: the (wall, fraction) of the last redraws, kept for
// kEtaWindowSeconds (a fixed ring: nothing allocated while a run goes on).
class EtaWindow {
 public:
  void add(double wall_s, double fraction);
  // ETA from the oldest sample still inside the window (+inf if the fraction did not grow since);
  // with no sample yet, from the start of the run (wall 0, fraction 0).
  double eta(double wall_s, double fraction) const;

 private:
  static constexpr std::size_t kSlots = 128;  // > kEtaWindowSeconds / kRefreshSeconds
  double wall_[kSlots] = {}, fraction_[kSlots] = {};
  std::size_t head_ = 0, size_ = 0;  // oldest at head_
};

class ProgressLine {
 public:
  // quiet_s / refresh_s: the silent start and the minimum redraw period (tests pass 0).
  ProgressLine(std::ostream& out, bool enabled, double quiet_s = kQuietSeconds, double refresh_s = kRefreshSeconds);
  bool enabled() const { return enabled_; }
  void update(Time sim_now, std::uint64_t events, double done_fraction);
  // Erases the line if one was drawn.
  void finish();

 private:
  std::ostream& out_;
  bool enabled_;
  double quiet_s_, refresh_s_;
  bool drawn_ = false;
  std::size_t width_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  EtaWindow eta_;
};

}  // namespace rocesim::app
