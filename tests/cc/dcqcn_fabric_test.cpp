// DCQCN inside the packet fabric (issue 5, tests 1 and 2): convergence and a bounded queue on one
// bottleneck, and the PFC-only unfairness DCQCN removes. ECN runs at the DCQCN paper's settings
// (Kmin = 5 KB, Kmax = 200 KB, Pmax = 1 %); CNPs at most every 50 us per QP (NicParams default).
#include <doctest/doctest.h>

#include "cc/dcqcn.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using namespace rocesim::cc::testing;

namespace {

net::NetParams paper_ecn() {
  net::NetParams p;
  p.ecn.kmin = Bytes{5000};
  p.ecn.kmax = Bytes{200000};
  p.ecn.pmax = 0.01;
  return p;
}

}  // namespace

TEST_CASE("dcqcn fabric: two long flows converge with a queue near the ECN band; without CC it climbs to PFC") {
  // Star: hosts 0 and 1 send 60 MB each to host 2 (all links 100 Gb/s, 1 us); flow 1 joins 300 us
  // after flow 0, so equal shares must be reached, not inherited.
  // DCQCN: after convergence (2–8 ms) Jain's index of the two goodputs > 0.95, together they keep
  // the bottleneck near line rate (> 90 of the 97.99 Gb/s goodput), and the switch queue stays
  // within about Kmax (we allow 1.5·Kmax = 300 KB): no PFC pause at all.
  // No CC: both send at line rate; the shared buffer S = 32 MiB − 3 ports·(8 KiB reserve + 64 KiB
  // headroom) fills until each ingress holds X = 0.125·(S − 2X) → X = S/10 = 3.33 MB beyond its
  // 8 KiB reserve, so the bottleneck queue reaches 2·(X + 8 KiB) ≈ 6.68 MB and pauses flow.
  const auto run = [](bool dcqcn, Trace& tr) {
    CcHarness h(net::testing::leaf_spine(1, 3, 0), paper_ecn(), dcqcn ? std::make_unique<Dcqcn>(DcqcnParams{}) : nullptr);
    const auto port = net::testing::port_to(h.fabric, 3, 2);
    h.send(0, 2, 60'000'000, 0);
    h.sim.run_until(Time::from_us(300));
    h.send(1, 2, 60'000'000, 1);
    tr = run_sampled(h, Time::from_us(20), Time::from_ms(8), port);
    h.sim.run();
    net::testing::check_conservation(h.net, true);
    return std::pair{h.net.counters().pause_frames, h.net.port_counters(port).max_queue_bytes};
  };
  Trace on, off;
  const auto [pauses_on, maxq_on] = run(true, on);
  const auto [pauses_off, maxq_off] = run(false, off);

  const std::size_t i = on.at(Time::from_ms(2)), j = on.at(Time::from_ms(8));
  const double r0 = on.rate(0, i, j), r1 = on.rate(1, i, j);
  MESSAGE("DCQCN goodputs " << r0 / 1e9 << " / " << r1 / 1e9 << " Gb/s, Jain " << jain({r0, r1}) << ", peak queue "
                            << on.max_buffered(i, j) << " B");
  CHECK(jain({r0, r1}) > 0.95);
  CHECK(r0 + r1 > 90e9);
  CHECK(on.max_buffered(i, j) <= 300000);
  CHECK(pauses_on == 0);

  const double s = 33554432.0 - 3 * (8192 + 65536);
  const double expect_q = 2 * (s / 10 + 8192);
  MESSAGE("no CC: peak bottleneck queue " << maxq_off << " B (expected ~" << expect_q << "), " << pauses_off << " pauses");
  CHECK(net::testing::within(static_cast<double>(maxq_off), expect_q, 0.05));
  CHECK(pauses_off > 0);
  CHECK(maxq_off > 10 * maxq_on);  // the DCQCN peak includes the join transient (~Kmax + a BDP burst)
}

TEST_CASE("dcqcn fabric: PFC-only unfairness (parking lot) is removed by DCQCN") {
  // Two leaves of 4 hosts, one spine. Receiver host 4 (leaf 1); senders 0, 1, 2 on leaf 0 share
  // the leaf 0 → spine → leaf 1 path; sender 5 is local to leaf 1. 100 MB each, shares measured
  // over 2–6 ms (PFC only) and 10–20 ms (DCQCN). The bottleneck is leaf 1's port to host 4, fed by two ingress ports.
  // PFC only: the egress FIFO fills from both ingresses, each paused at the same threshold, so
  // each ingress port gets half: local sender 1/2, each remote sender 1/6 of the ~98 Gb/s.
  // DCQCN: every flow sees the same marking at the bottleneck and backs off per flow, aiming at
  // 1/4 each; we require the local share to fall below 0.35 and every share in [0.12, 0.35]
  // (Jain > 0.9), with no PFC pause. (Measured here: remote ~0.19–0.33, local ~0.17 — DCQCN's
  // slow additive recovery leaves residual unfairness, but the 1/2 vs 1/6 PFC bias toward the
  // local port is gone.) Why 10–20 ms: additive recovery moves a rate by rate_ai = 40 Mb/s per
  // 55 us, so evening out shares ~10 Gb/s apart takes milliseconds; over 2–6 ms the shares are
  // still those of the first CNPs' phase, which any timing change reshuffles (applying
  // timer-driven decreases at once instead of one packet late moved the local share there from
  // 0.16 to 0.11); after 10 ms the shares are past that transient.
  const auto shares = [](bool dcqcn, std::uint64_t& pauses) {
    CcHarness h(net::testing::leaf_spine(2, 4, 1), paper_ecn(), dcqcn ? std::make_unique<Dcqcn>(DcqcnParams{}) : nullptr);
    const auto port = net::testing::port_to(h.fabric, 9, 4);
    for (std::uint32_t src : {0u, 1u, 2u, 5u}) h.send(src, 4, 100'000'000, src);
    // PFC only: the split holds from the start, and the local flow (~49 Gb/s) ends near 16 ms.
    const Time from = Time::from_ms(dcqcn ? 10 : 2), to = Time::from_ms(dcqcn ? 20 : 6);
    const Trace tr = run_sampled(h, Time::from_us(100), to, port);
    pauses = h.net.counters().pause_frames;
    const std::size_t i = tr.at(from), j = tr.at(to);
    std::vector<double> r;
    double sum = 0;
    for (std::uint32_t q = 0; q < 4; ++q) sum += r.emplace_back(tr.rate(q, i, j));
    for (double& x : r) x /= sum;
    return r;  // QP order = start order: senders 0, 1, 2, then local 5
  };
  std::uint64_t pfc_pauses = 0, dcqcn_pauses = 0;
  const auto pfc = shares(false, pfc_pauses);
  const auto dc = shares(true, dcqcn_pauses);
  MESSAGE("PFC only: " << pfc[0] << " " << pfc[1] << " " << pfc[2] << " local " << pfc[3]);
  MESSAGE("DCQCN   : " << dc[0] << " " << dc[1] << " " << dc[2] << " local " << dc[3]);
  CHECK(pfc[3] == doctest::Approx(0.5).epsilon(0.1));
  for (int k = 0; k < 3; ++k) CHECK(pfc[k] == doctest::Approx(1.0 / 6).epsilon(0.2));
  CHECK(pfc_pauses > 0);
  CHECK(dc[3] < 0.35);
  for (double x : dc) {
    CHECK(x > 0.12);
    CHECK(x < 0.35);
  }
  CHECK(jain(dc) > 0.9);
  CHECK(dcqcn_pauses == 0);
}

TEST_CASE("dcqcn fabric: same seed, same run") {
  // Determinism: two identical runs give identical per-QP completion times and CNP counts.
  const auto run = [] {
    CcHarness h(net::testing::leaf_spine(1, 5, 0), paper_ecn(), std::make_unique<Dcqcn>(DcqcnParams{}));
    for (std::uint32_t s = 0; s < 4; ++s) h.send(s, 4, 2'000'000, s);
    h.sim.run();
    std::vector<std::int64_t> out{static_cast<std::int64_t>(h.net.counters().cnps_sent)};
    for (const auto& r : h.net.qps()) out.push_back(r.delivered_at.ps);
    return out;
  };
  const auto a = run();
  CHECK(a[0] > 0);
  CHECK(a == run());
}
