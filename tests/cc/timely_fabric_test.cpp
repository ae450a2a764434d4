// TIMELY inside the packet fabric (issue 5, test 4): it reacts to a growing queue and converges.
#include <doctest/doctest.h>

#include "cc/timely.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using namespace rocesim::cc::testing;

TEST_CASE("timely fabric: two flows cut their rate as the queue grows, then settle near line rate") {
  // Star, hosts 0 and 1 → host 2, 60 MB each at once. Paper thresholds (t_low 50 us, t_high
  // 500 us, D_minRTT 20 us, beta 0.8), delta auto = 100 Mb/s at 100 Gb/s, one update per RTT.
  // Reaction: both start at 100 Gb/s into one 100 Gb/s port, so the queue and the RTT grow; the
  // positive RTT gradient must cut each rate below half the line within the first 300 us. With
  // per-RTT updates the first cut is deep: the RTT grows by ~100 us between two updates, so
  // gradient = rtt_diff / 20 us ≫ 1/beta and R = R·max(0, 1 − beta·gradient) hits min_rate.
  // Recovery: +delta per update, 5·delta in HAI, one update per RTT — at 0.1 Gb/s an RTT is a
  // 4 KB packet gap of ~330 us — so the pair needs ~4 ms to climb back to ~48 Gb/s each.
  // Steady state (5–8 ms): a sawtooth — rates grow until the queue passes t_low · line
  // (625 KB), the gradient cuts them by ~20 %, the queue drains. The pair fills > 85 of 97.99 Gb/s
  // goodput (the sawtooth's troughs cost the rest), the queue stays well under t_high · line =
  // 6.25 MB (we require < 1.5 MB) without PFC pauses, and the shares are close (Jain > 0.95;
  // TIMELY has no fairness guarantee — Zhu et al., CoNEXT'16 — so this is what this run shows).
  auto owned = std::make_unique<Timely>(TimelyParams{});
  Timely* timely = owned.get();
  CcHarness h(net::testing::leaf_spine(1, 3, 0), net::NetParams{}, std::move(owned));
  const auto port = net::testing::port_to(h.fabric, 3, 2);
  h.send(0, 2, 60'000'000, 0);
  h.send(1, 2, 60'000'000, 1);
  double min_rate = 100e9;
  std::int64_t early_peak = 0;
  for (Time t{}; t <= Time::from_us(300); t += Time::from_us(5)) {
    h.sim.run_until(t);
    min_rate = std::min({min_rate, timely->rate_bps(0), timely->rate_bps(1)});
    early_peak = std::max(early_peak, h.net.buffered_bytes());
  }
  MESSAGE("first 300 us: queue peaked at " << early_peak << " B, lowest rate " << min_rate / 1e9 << " Gb/s");
  CHECK(early_peak > 100000);  // the queue did grow
  CHECK(min_rate < 50e9);
  const Trace tr = run_sampled(h, Time::from_us(20), Time::from_ms(8), port);
  const std::size_t i = tr.at(Time::from_ms(5)), j = tr.at(Time::from_ms(8));
  const double r0 = tr.rate(0, i, j), r1 = tr.rate(1, i, j);
  MESSAGE("5-8 ms: " << r0 / 1e9 << " / " << r1 / 1e9 << " Gb/s, peak queue " << tr.max_buffered(i, j) << " B");
  CHECK(r0 + r1 > 85e9);
  CHECK(tr.max_buffered(i, j) < 1'500'000);
  CHECK(jain({r0, r1}) > 0.95);
  CHECK(h.net.counters().pause_frames == 0);
  h.sim.run();
  net::testing::check_conservation(h.net, true);
}
