// HPCC driven directly with synthetic INT records: utilization estimate and window equations of
// hpcc.hpp. Fixture: line 100 Gb/s, base RTT T = 10 us, so W_init = 100e9/8 · 10e-6 = 125000 B
// and the auto W_AI = rate_ai · T with rate_ai = line / 2000 = 50 Mb/s: 50e6 / 8 · 10e-6 = 62.5 B.
#include <doctest/doctest.h>

#include <vector>

#include "cc/hpcc.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using rocesim::cc::testing::qp_info;

namespace {

constexpr double kWinit = 125000.0;
constexpr double kWai = 62.5;

// One bottleneck hop whose counters advance as a link at `util` of 100 Gb/s would.
struct Link {
  Time ts{};
  std::uint64_t tx = 0;
  std::int64_t qlen = 0;
  net::HopTelemetry advance(Time dt, double util, std::int64_t q) {
    ts += dt;
    tx += static_cast<std::uint64_t>(util * 100e9 / 8 * dt.seconds());
    qlen = q;
    return net::HopTelemetry{ts, qlen, tx, Rate::gbps(100)};
  }
};

struct Rig {
  Hpcc cc;
  net::CcControl ctl;
  Link link;
  explicit Rig(HpccParams p = {}) : cc(p) { cc.on_qp_start(qp_info(0), ctl); }
  // An ACK at the link's current time for a packet sent `rtt` before it.
  void ack(Time dt, double util, std::int64_t q, Time rtt = Time::from_us(10)) {
    const net::HopTelemetry h = link.advance(dt, util, q);
    cc.on_ack(net::AckSample{0, h.ts, rtt, Bytes{4000}, false, std::span<const net::HopTelemetry>(&h, 1)}, ctl);
  }
};

}  // namespace

TEST_CASE("hpcc: starts at W_init = line x base RTT and rate = W / T = line rate") {
  Rig r;
  CHECK(r.ctl.window == Bytes{125000});
  CHECK(r.ctl.rate.bps == doctest::Approx(100e9));
  CHECK(r.cc.w_ai_bytes(0) == doctest::Approx(kWai));
  CHECK(r.cc.wants_telemetry());
  CHECK(r.cc.telemetry_bytes_per_hop() == 8);  // one INT record per switch hop
}

TEST_CASE("hpcc: full link, empty queue: U = 1, W = W_init · eta/U + W_AI") {
  // Records 10 us apart (tau = T, so U takes u outright); tx advances at 100 %, qlen 0 → u = 1.
  // W = 125000 / (1 / 0.95) + 62.5 = 118812.5 B; rate = W·8/T = 95.05 Gb/s.
  Rig r;
  r.ack(Time::from_us(10), 1.0, 0);  // reference record only
  CHECK(r.ctl.window == Bytes{125000});
  r.ack(Time::from_us(10), 1.0, 0);
  CHECK(r.cc.utilization(0) == doctest::Approx(1.0));
  CHECK(r.cc.window_bytes(0) == doctest::Approx(kWinit * 0.95 + kWai));
  CHECK(r.ctl.rate.bps == doctest::Approx((kWinit * 0.95 + kWai) * 8 / 10e-6));
}

TEST_CASE("hpcc: a standing queue adds qlen / (B·T) to the utilization") {
  // qlen = 50000 B in both records: 50000·8 / (100e9 · 10e-6) = 0.4, plus tx 100 % → u = 1.4;
  // W = 125000 / (1.4 / 0.95) + 62.5.
  Rig r;
  r.ack(Time::from_us(10), 1.0, 50000);
  r.ack(Time::from_us(10), 1.0, 50000);
  CHECK(r.cc.utilization(0) == doctest::Approx(1.4));
  CHECK(r.cc.window_bytes(0) == doctest::Approx(kWinit / (1.4 / 0.95) + kWai));
}

TEST_CASE("hpcc: U is an EWMA weighted by tau / T") {
  // First update with tau = T: U = 1. Next record only 2.5 us later (tau/T = 1/4) at 50 %:
  // U = 0.75·1 + 0.25·0.5 = 0.875.
  Rig r;
  r.ack(Time::from_us(10), 1.0, 0);
  r.ack(Time::from_us(10), 1.0, 0);
  r.ack(Time::from_us(2) + Time::from_ns(500), 0.5, 0, Time::from_ns(100));
  CHECK(r.cc.utilization(0) == doctest::Approx(0.875));
}

TEST_CASE("hpcc: additive increase below eta, Wc once per RTT, multiplicative after max_stage") {
  // Drive W down with U = 2 (W = 125000/(2/0.95) + 62.5 = 59437.5), then idle-ish links (u = 0.5
  // < eta): each ACK for a packet sent after the last Wc update adds W_AI to Wc; an ACK for an
  // older packet computes W = Wc + W_AI from the unchanged Wc. After max_stage = 5 additive
  // stages the next update is multiplicative even at U < eta: W = Wc / (U/eta) + W_AI.
  // (max_stage = 5 is the paper's setting; the default 0 of the authors' simulator skips the
  // additive-only branch.) The first ACK starts the first RTT, so the second must carry a packet
  // sent after it (RTT 9 us < 10 us) to update Wc.
  HpccParams p;
  p.max_stage = 5;
  Rig r(p);
  r.ack(Time::from_us(10), 1.0, 0);
  r.ack(Time::from_us(10), 2.0, 0, Time::from_us(9));
  const double w0 = kWinit / (2.0 / 0.95) + kWai;
  CHECK(r.cc.window_bytes(0) == doctest::Approx(w0));
  double wc = w0;
  for (int stage = 1; stage <= 5; ++stage) {
    r.ack(Time::from_us(10), 0.5, 0, Time::from_us(9));  // sent 9 us ago: after the update 10 us ago
    wc += kWai;
    CHECK(r.cc.reference_window(0) == doctest::Approx(wc));
    CHECK(r.cc.inc_stage(0) == stage);
    if (stage == 5) break;  // at max_stage even a same-RTT ACK takes the multiplicative branch
    // Same RTT: W from the unchanged Wc, stage unchanged.
    r.ack(Time::from_ns(1), 0.5, 0, Time::from_us(5));
    CHECK(r.cc.window_bytes(0) == doctest::Approx(wc + kWai));
    CHECK(r.cc.reference_window(0) == doctest::Approx(wc));
    CHECK(r.cc.inc_stage(0) == stage);
  }
  r.ack(Time::from_us(10), 0.5, 0, Time::from_us(9));
  const double u = r.cc.utilization(0);
  CHECK(u < 0.95);
  CHECK(r.cc.window_bytes(0) == doctest::Approx(std::min(kWinit, wc / (u / 0.95) + kWai)));
  CHECK(r.cc.inc_stage(0) == 0);
}

TEST_CASE("hpcc: defaults of the authors' simulator: U starts at 1, max_stage 0 means always W = Wc/(U/eta) + W_AI") {
  // U_0 = 1: a first update with tau = T/4 at u = 0.5 gives U = 0.75·1 + 0.25·0.5 = 0.875 (from
  // U_0 = 0 it would be 0.125). max_stage = 0: even at U < eta the update is multiplicative,
  // W = W_init / (0.875/0.95) + W_AI, capped at W_init = 125000 B.
  Rig r;
  CHECK(r.cc.params().max_stage == 0);
  CHECK(r.cc.utilization(0) == doctest::Approx(1.0));
  r.ack(Time::from_us(10), 0.5, 0);
  r.ack(Time::from_us(2) + Time::from_ns(500), 0.5, 0, Time::from_ns(100));
  CHECK(r.cc.utilization(0) == doctest::Approx(0.875));
  CHECK(r.cc.window_bytes(0) == doctest::Approx(kWinit));
  CHECK(r.cc.inc_stage(0) == 0);
  // U = 2 (tau = T): W = 125000 / (2 / 0.95) + 62.5 = 59437.5, whether or not Wc moves.
  r.ack(Time::from_us(10), 2.0, 0, Time::from_us(9));
  CHECK(r.cc.window_bytes(0) == doctest::Approx(kWinit / (2.0 / 0.95) + kWai));
}

TEST_CASE("hpcc: fast_react = false changes W only once per RTT") {
  // Same sequence with fast_react off: the ACK of a packet sent before the first RTT began
  // (RTT 10 us = the whole gap) changes nothing; the next one (sent after) updates W and Wc.
  HpccParams p;
  p.fast_react = false;
  Rig r(p);
  r.ack(Time::from_us(10), 1.0, 0);
  r.ack(Time::from_us(10), 2.0, 0);  // sent at 10 us = the first update: same RTT
  CHECK(r.cc.window_bytes(0) == doctest::Approx(kWinit));
  r.ack(Time::from_us(10), 2.0, 0, Time::from_us(9));
  CHECK(r.cc.window_bytes(0) == doctest::Approx(kWinit / (2.0 / 0.95) + kWai));
  CHECK(r.cc.reference_window(0) == doctest::Approx(kWinit / (2.0 / 0.95) + kWai));
}

TEST_CASE("hpcc: the hop with the highest utilization governs") {
  // Two hops, 10 us apart: hop 0 at 30 %, hop 1 at 120 % → u = 1.2 (tau = T).
  Rig r;
  Link a, b;
  auto ack = [&](double ua, double ub) {
    const std::vector<net::HopTelemetry> hops{a.advance(Time::from_us(10), ua, 0), b.advance(Time::from_us(10), ub, 0)};
    r.cc.on_ack(net::AckSample{0, hops[0].ts, Time::from_us(10), Bytes{4000}, false, hops}, r.ctl);
  };
  ack(0.3, 1.2);
  ack(0.3, 1.2);
  CHECK(r.cc.utilization(0) == doctest::Approx(1.2));
  CHECK(r.cc.window_bytes(0) == doctest::Approx(kWinit / (1.2 / 0.95) + kWai));
}

TEST_CASE("hpcc: window floor min_rate x T") {
  // U = 10000 would give W = 125000/(10000/0.95) + 62.5 ≈ 74 B; the floor is 100 Mb/s · 10 us / 8
  // = 125 B.
  Rig r;
  r.ack(Time::from_us(10), 1.0, 0);
  r.ack(Time::from_us(10), 10000.0, 0);
  CHECK(r.cc.window_bytes(0) == doctest::Approx(125.0));
  CHECK(r.ctl.window.n >= 1);
}
