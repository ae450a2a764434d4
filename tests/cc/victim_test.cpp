// The congestion-spreading case of the packet issue (tests/net/fabric_test.cpp), fixed by
// end-to-end CC (issue 5, test 5).
#include <doctest/doctest.h>

#include "cc/dcqcn.hpp"
#include "cc/hpcc.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using namespace rocesim::cc::testing;

TEST_CASE("victim flow: DCQCN and HPCC undo PFC head-of-line blocking") {
  // 3 leaves of 6 hosts, 1 spine, static PFC XOFF 40 KB / XON 20 KB. Incast into host 6: hosts 0
  // and 1 (through the spine) and 7..10 (local), 8 MB each. 500 us later the victim, host 12
  // (leaf 2) → host 11 (leaf 1), sends 10 MB; it shares only the spine → leaf 1 link with two
  // incast flows. Without HOL blocking its max-min share is 2R/3 = 65 Gb/s (the incast needs only
  // 2·R/6 of that link); the net tests show PFC alone holds it near R/5 (~20–25 Gb/s).
  // With CC the incast senders slow down at the source, the spine → leaf 1 ingress stops
  // pausing, and the victim must get more than 2× the PFC-only rate and over 45 Gb/s.
  const auto victim_gbps = [](int cc) {
    net::NetParams p;
    p.pfc.threshold = net::PfcThreshold::fixed;
    p.pfc.xoff = Bytes{40000};
    p.pfc.xon = Bytes{20000};
    p.ecn.kmin = Bytes{5000};
    p.ecn.kmax = Bytes{200000};
    p.ecn.pmax = 0.01;
    std::unique_ptr<net::CcStrategy> s;
    if (cc == 1) s = std::make_unique<Dcqcn>(DcqcnParams{});
    if (cc == 2) s = std::make_unique<Hpcc>(HpccParams{});
    CcHarness h(net::testing::leaf_spine(3, 6, 1), p, std::move(s));
    for (std::uint32_t src : {0u, 1u, 7u, 8u, 9u, 10u}) h.send(src, 6, 8'000'000, src);
    h.sim.run_until(Time::from_us(500));
    const std::int64_t bytes = 10'000'000;
    h.send(12, 11, bytes, 100);
    h.sim.run();
    net::testing::check_conservation(h.net, true);
    return static_cast<double>(bytes) * 8 / (h.rec.done.at(100) - Time::from_us(500)).seconds() / 1e9;
  };
  const double none = victim_gbps(0), dcqcn = victim_gbps(1), hpcc = victim_gbps(2);
  MESSAGE("victim goodput: PFC only " << none << " Gb/s, DCQCN " << dcqcn << " Gb/s, HPCC " << hpcc << " Gb/s");
  CHECK(none < 35);
  CHECK(dcqcn > 2 * none);
  CHECK(dcqcn > 45);
  CHECK(hpcc > 2 * none);
  CHECK(hpcc > 45);
}
