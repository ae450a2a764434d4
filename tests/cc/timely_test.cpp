// TIMELY driven directly with synthetic RTT samples: the branches of Algorithm 1 (timely.hpp).
// Fixture: line 100 Gb/s, defaults: min_rtt 20 us, t_low 50 us, t_high 500 us, delta auto =
// line / 1000 = 100 Mb/s, beta 0.8, alpha 0.875.
#include <doctest/doctest.h>

#include "cc/timely.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using rocesim::cc::testing::qp_info;

namespace {

struct Rig {
  Timely cc;
  net::CcControl ctl;
  explicit Rig(TimelyParams p = {}) : cc(p) { cc.on_qp_start(qp_info(0), ctl); }
};

}  // namespace

TEST_CASE("timely: below t_low the rate grows by delta; above t_high it falls by beta(1 - t_high/rtt)") {
  Rig r;
  r.cc.update(0, Time::from_us(30));  // first sample: prev_rtt only
  CHECK(r.cc.rate_bps(0) == doctest::Approx(100e9));
  // From 100 Gb/s a +delta would clamp at line: bring it down first with a 1000 us RTT:
  // R = 100e9 · (1 − 0.8·(1 − 500/1000)) = 60 Gb/s.
  r.cc.update(0, Time::from_us(1000));
  CHECK(r.cc.rate_bps(0) == doctest::Approx(60e9));
  r.cc.update(0, Time::from_us(30));  // 30 us < t_low: +100 Mb/s
  CHECK(r.cc.rate_bps(0) == doctest::Approx(60.1e9));
}

TEST_CASE("timely: positive gradient → multiplicative decrease by beta · gradient") {
  // prev 100 us, new 110 us: rtt_diff = 0.875 · 10 us = 8.75 us (EWMA from 0); gradient =
  // 8.75/20 = 0.4375; R = 100 · (1 − 0.8 · 0.4375) = 65 Gb/s.
  Rig r;
  r.cc.update(0, Time::from_us(100));
  r.cc.update(0, Time::from_us(110));
  CHECK(r.cc.rtt_diff_ps(0) == doctest::Approx(8.75e6));
  CHECK(r.cc.rate_bps(0) == doctest::Approx(65e9));
}

TEST_CASE("timely: negative gradients add delta, and 5 in a row enter HAI (5 · delta)") {
  // Start at 65 Gb/s (previous case), then RTTs falling 110 → 100 → 98 → ... keep the EWMA
  // negative (first step: 0.125 · 8.75 us − 0.875 · 10 us < 0; then −2 us steps): increments
  // 100, 100, 100, 100, then 500 Mb/s from the fifth consecutive negative gradient (HAI).
  Rig r;
  r.cc.update(0, Time::from_us(100));
  r.cc.update(0, Time::from_us(110));
  double expect = 65e9;
  const double deltas[] = {100e6, 100e6, 100e6, 100e6, 500e6, 500e6};
  for (int i = 0; i < 6; ++i) {
    r.cc.update(0, Time::from_us(100 - i * 2));
    CHECK(r.cc.rtt_diff_ps(0) < 0);
    expect += deltas[i];
    CHECK(r.cc.rate_bps(0) == doctest::Approx(expect));
  }
  CHECK(r.cc.in_hai(0));
  r.cc.update(0, Time::from_us(300));  // a positive gradient leaves HAI
  CHECK_FALSE(r.cc.in_hai(0));
}

TEST_CASE("timely: one update per RTT, rate within [min_rate, line]") {
  // An RTT ends with the first ACK for a packet sent after the previous update. ACKs every 1 us
  // with a 5 ms RTT (above t_high) carry packets sent before the last update for 5 ms, so only
  // one update per 5 ms happens: each decreases by 0.8 · (1 − 0.1) = 72 %:
  // 100 → 28 → 7.84 → … ≥ the 100 Mb/s floor.
  Rig r;
  Time now{};
  auto ack = [&](Time rtt) {
    now += Time::from_us(1);
    r.cc.on_ack(net::AckSample{0, now, rtt, Bytes{4096}, false, {}}, r.ctl);
  };
  ack(Time::from_us(30));                            // first sample at t = 1 us: prev_rtt only
  for (int i = 0; i < 5000; ++i) ack(Time::from_ms(5));  // sent before t = 1 us until t = 5.001 ms
  CHECK(r.ctl.rate.bps == doctest::Approx(100e9));
  ack(Time::from_ms(5));  // t = 5.002 ms: sent at 2 us, after the update at 1 us
  CHECK(static_cast<double>(r.ctl.rate.bps) == doctest::Approx(28e9));
  ack(Time::from_ms(5));  // the next ACK is within the new RTT: no change
  CHECK(static_cast<double>(r.ctl.rate.bps) == doctest::Approx(28e9));
  for (int i = 0; i < 5000 * 20; ++i) ack(Time::from_ms(5));
  CHECK(r.ctl.rate == Rate::mbps(100));
}
