#include "app/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <limits>

namespace rocesim::app {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

std::string format_progress(Time sim_now, double wall_s, std::uint64_t events, double done_fraction, double eta_s) {
  char buf[160];
  const double rate = wall_s > 0 ? static_cast<double>(events) / wall_s : 0.0;
  // A contended fluid run does a few thousand events per second: "0.00 M events/s" read as a hang.
  const double scale = rate >= 1e6 ? 1e-6 : rate >= 1e3 ? 1e-3 : 1.0;
  const char* unit = rate >= 1e6 ? "M " : rate >= 1e3 ? "k " : "";
  int n = std::snprintf(buf, sizeof buf, rate >= 1e3 ? "sim %.3f ms | wall %.1f s | %.2f %sevents/s" : "sim %.3f ms | wall %.1f s | %.0f %sevents/s",
                        sim_now.us() * 1e-3, wall_s, rate * scale, unit);
  if (done_fraction >= 0.0 && n > 0 && static_cast<std::size_t>(n) < sizeof buf) {
    const double pct = done_fraction * 100.0;
    const double eta = eta_s >= 0.0 ? eta_s : done_fraction > 0.0 ? wall_s * (1.0 - done_fraction) / done_fraction : kInf;
    if (eta < kInf) {
      std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " | %.0f%% | ETA %.0f s", pct, eta);
    } else {
      std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " | %.0f%%", pct);
    }
  }
  return buf;
}

void EtaWindow::add(double wall_s, double fraction) {
  while (size_ > 0 && wall_s - wall_[head_] > kEtaWindowSeconds) {
    head_ = (head_ + 1) % kSlots;
    --size_;
  }
  if (size_ == kSlots) {  // redraws faster than the window assumes: drop the oldest
    head_ = (head_ + 1) % kSlots;
    --size_;
  }
  const std::size_t at = (head_ + size_) % kSlots;
  wall_[at] = wall_s;
  fraction_[at] = fraction;
  ++size_;
}

double EtaWindow::eta(double wall_s, double fraction) const {
  const double w0 = size_ > 0 ? wall_[head_] : 0.0, f0 = size_ > 0 ? fraction_[head_] : 0.0;
  if (!(fraction > f0) || !(wall_s > w0)) return kInf;
  return (1.0 - fraction) * (wall_s - w0) / (fraction - f0);
}

ProgressLine::ProgressLine(std::ostream& out, bool enabled, double quiet_s, double refresh_s)
    : out_(out), enabled_(enabled), quiet_s_(quiet_s), refresh_s_(refresh_s), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressLine::update(Time sim_now, std::uint64_t events, double done_fraction) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double wall = std::chrono::duration<double>(now - start_).count();
  if (wall < quiet_s_ || (drawn_ && std::chrono::duration<double>(now - last_).count() < refresh_s_)) return;
  last_ = now;
  const double eta = done_fraction >= 0.0 ? eta_.eta(wall, done_fraction) : kInf;
  if (done_fraction >= 0.0) eta_.add(wall, done_fraction);
  const std::string line = format_progress(sim_now, wall, events, done_fraction, eta);
  // Pad over a longer previous line instead of relying on terminal escape codes.
  out_ << '\r' << line << std::string(width_ > line.size() ? width_ - line.size() : 0, ' ') << std::flush;
  width_ = line.size();
  drawn_ = true;
}

void ProgressLine::finish() {
  if (!drawn_) return;
  out_ << '\r' << std::string(width_, ' ') << '\r' << std::flush;
  drawn_ = false;
}

}  // namespace rocesim::app
