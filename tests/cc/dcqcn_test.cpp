// DCQCN reaction point driven directly with synthetic CNPs and sends (no fabric): the equations
// of dcqcn.hpp, number by number.
#include <doctest/doctest.h>

#include <cmath>

#include "cc/dcqcn.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using rocesim::cc::testing::qp_info;
using rocesim::cc::testing::RecordingHost;

namespace {

struct Rig {
  Simulator sim;
  RecordingHost host;
  Dcqcn cc;
  net::CcControl ctl;
  explicit Rig(DcqcnParams p = {}) : cc(p) {
    host.ctl = &ctl;
    cc.attach(sim, host);
    cc.on_qp_start(qp_info(0), ctl);
  }
  double gbps() const { return static_cast<double>(ctl.rate.bps) * 1e-9; }
};

}  // namespace

TEST_CASE("dcqcn: a QP starts at line rate, no window") {
  Rig r;
  CHECK(r.ctl.rate == Rate::gbps(100));
  CHECK(r.ctl.window == Bytes{0});
}

TEST_CASE("dcqcn: the first CNP (alpha = 1) halves the rate and keeps the target at line rate") {
  // Rc = Rc·(1 − alpha/2) with alpha = alpha_init = 1: 100 → 50 Gb/s; Rt stays 100 Gb/s
  // (rate_on_first_cnp = 1 and no clamping at the first decrease).
  Rig r;
  r.cc.on_cnp(0, Time{}, r.ctl);
  CHECK(r.gbps() == doctest::Approx(50.0));
  CHECK(r.cc.target_rate_bps(0) == doctest::Approx(100e9));
  CHECK(r.cc.alpha_at(0, Time{}) == doctest::Approx(1.0));
}

TEST_CASE("dcqcn: alpha decays by (1 - g) per alpha tick without CNPs and rises by g with one") {
  DcqcnParams p;
  p.g = 1.0 / 16;
  Rig r(p);
  const Time k = p.alpha_interval;
  r.cc.on_cnp(0, Time{}, r.ctl);  // alpha = 1, flag cleared: the first tick only decays
  // Three silent ticks: alpha = (1 − g)^3.
  CHECK(r.cc.alpha_at(0, k * 3) == doctest::Approx(std::pow(15.0 / 16, 3)));
  CHECK(r.cc.alpha_at(0, k * 3 - Time{1}) == doctest::Approx(std::pow(15.0 / 16, 2)));
  // A CNP between ticks 3 and 4: tick 4 gives (1 − g)·alpha3 + g; tick 5 decays again.
  r.cc.on_cnp(0, k * 3 + Time::from_us(1), r.ctl);
  const double a4 = (15.0 / 16) * std::pow(15.0 / 16, 3) + 1.0 / 16;
  CHECK(r.cc.alpha_at(0, k * 4) == doctest::Approx(a4));
  CHECK(r.cc.alpha_at(0, k * 5) == doctest::Approx(a4 * 15.0 / 16));
}

TEST_CASE("dcqcn: later CNPs act at the next rate-decrease check, once per check") {
  // First CNP at 0 → 50 Gb/s. CNPs at 1 us and 2 us: the check at 4 us (Mellanox 4 us period)
  // applies one decrease with alpha still 1 (no alpha tick before 55 us): 50 → 25 Gb/s.
  Rig r;
  r.cc.on_cnp(0, Time{}, r.ctl);
  r.sim.run_until(Time::from_us(1));
  r.cc.on_cnp(0, Time::from_us(1), r.ctl);
  r.sim.run_until(Time::from_us(2));
  r.cc.on_cnp(0, Time::from_us(2), r.ctl);
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(50e9));
  r.sim.run_until(Time::from_us(3));
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(50e9));
  r.sim.run_until(Time::from_us(4));
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(25e9));
  // The timer-driven decrease reaches the NIC's control block at the check itself (CcHost::
  // control), not at the QP's next send, and the NIC is told to re-pace (one cc_changed).
  CHECK(r.gbps() == doctest::Approx(25.0));
  CHECK(r.host.changed.size() == 1);
  // No decrease without a CNP at the next checks.
  r.sim.run_until(Time::from_us(12));
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(25e9));
  CHECK(r.host.changed.size() == 1);
}

TEST_CASE("dcqcn: timer-driven fast recovery, additive and hyper increase") {
  // rate_on_first_cnp = 0.5: Rc = Rt = 50, then the decrease gives Rc = 25, Rt = 50 (Gb/s).
  // F = 1, T = 10 us, byte counter off (timer-only model, BC ≡ T):
  //   event 1 (T = 0 < F) fast recovery : Rc = (25 + 50)/2 = 37.5
  //   event 2 (T = 1 = F) additive      : Rt = 50 + 1 = 51,  Rc = (37.5 + 51)/2 = 44.25
  //   event 3 (T = 2 > F) hyper         : Rt = 51 + 5 = 56,  Rc = (44.25 + 56)/2 = 50.125
  DcqcnParams p;
  p.rate_on_first_cnp = 0.5;
  p.fast_recovery_steps = 1;
  p.increase_interval = Time::from_us(10);
  p.byte_counter = Bytes{0};
  p.rate_ai = Rate::gbps(1);
  p.rate_hai = Rate::gbps(5);
  Rig r(p);
  r.cc.on_cnp(0, Time{}, r.ctl);
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(25e9));
  CHECK(r.cc.target_rate_bps(0) == doctest::Approx(50e9));
  r.sim.run_until(Time::from_us(10));
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(37.5e9));
  r.sim.run_until(Time::from_us(20));
  CHECK(r.cc.target_rate_bps(0) == doctest::Approx(51e9));
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(44.25e9));
  r.sim.run_until(Time::from_us(30));
  CHECK(r.cc.target_rate_bps(0) == doctest::Approx(56e9));
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(50.125e9));
  // Each increase told the NIC (the QP never sent, so its next packet is due at once).
  CHECK(r.host.changed.size() == 3);
}

TEST_CASE("dcqcn: a decrease after an increase clamps the target to the current rate") {
  // After one fast-recovery step Rc = 75, Rt = 100. A CNP at 12 us is applied at the 12 us check
  // (grid 0, 4, 8, 12 us) with alpha 1: Rt = 75 (an increase happened since the last
  // decrease), Rc = 37.5.
  DcqcnParams p;
  p.increase_interval = Time::from_us(10);
  Rig r(p);
  r.cc.on_cnp(0, Time{}, r.ctl);
  r.sim.run_until(Time::from_us(11));
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(75e9));
  r.cc.on_cnp(0, Time::from_us(11), r.ctl);
  r.sim.run_until(Time::from_us(12));
  CHECK(r.cc.target_rate_bps(0) == doctest::Approx(75e9));
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(37.5e9));
}

TEST_CASE("dcqcn: the byte counter drives increase events from sent bytes") {
  // B = 1 MB and a 1 s timer: after the first CNP (Rc = 50, Rt = 100), 1 MB of sends triggers one
  // fast-recovery step: Rc = 75 Gb/s, seen by the NIC in the very on_send that crossed B.
  DcqcnParams p;
  p.byte_counter = Bytes{1'000'000};
  p.increase_interval = Time::from_ms(1000);
  Rig r(p);
  r.cc.on_cnp(0, Time{}, r.ctl);
  r.cc.on_send(0, Bytes{600'000}, Time::from_us(1), r.ctl);
  CHECK(r.gbps() == doctest::Approx(50.0));
  r.cc.on_send(0, Bytes{400'000}, Time::from_us(2), r.ctl);
  CHECK(r.gbps() == doctest::Approx(75.0));
}

TEST_CASE("dcqcn: the rate never drops below min_rate and recovers to exactly the line rate") {
  // Twenty decreases with alpha ≈ 1 would reach 100 Gb/s / 2^20 ≈ 95 kb/s; min_rate = 100 Mb/s
  // floors it. Then, with no CNPs, the increase timer brings Rc back to exactly 100 Gb/s and
  // stops, so the simulator runs dry (a bounded number of events).
  Rig r;
  Time t{};
  for (int i = 0; i < 20; ++i) {
    r.cc.on_cnp(0, t, r.ctl);
    t += Time::from_us(4);
    r.sim.run_until(t);
  }
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(100e6));
  const std::uint64_t events = r.sim.run();
  CHECK(events < 10000);
  CHECK(r.cc.current_rate_bps(0) == 100e9);
  CHECK(r.sim.pending() == 0);
}

TEST_CASE("dcqcn: a finished QP ignores CNPs and its timers stop") {
  Rig r;
  r.cc.on_cnp(0, Time{}, r.ctl);
  r.cc.on_qp_done(0);
  r.cc.on_cnp(0, Time::from_us(1), r.ctl);
  r.sim.run();
  CHECK(r.cc.current_rate_bps(0) == doctest::Approx(50e9));
  CHECK(r.host.changed.empty());
}
