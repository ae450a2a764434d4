#include <doctest/doctest.h>

#include "../flow/leaf_spine_fixture.hpp"
#include "observe/analytic_series.hpp"

using namespace rocesim;
using flow::testing::kHop;
using flow::testing::leaf_spine;

TEST_CASE("analytic series: a transfer's bytes fill its transmission window at the bottleneck rate") {
  // leaf_spine(2, 1, 1): acc0 → t1.0 → t2.0 → t1.1 → acc1, four 400 Gb/s hops of 500 ns.
  // 1 MB at 400 Gb/s serializes in 20 µs; the analytic tier delivers at start + 2 µs + 20 µs,
  // so the window is [0, 20 µs]. Run end 40 µs in 4 bins of 10 µs: utilization 1, 1, 0, 0 on
  // every port of the path.
  const topology::Fabric f = leaf_spine(2, 1, 1);
  const routing::Router router(f, {});
  std::vector<observe::TransferRecord> t{{0, 1, 0, 0, 1'000'000, Time{}, Time::from_us(22)}};
  std::vector<topology::PortId> path;
  REQUIRE(router.path(routing::FlowKey::for_qp(0, 1, 0), path));
  REQUIRE(path.size() == 4);
  std::vector<double> port_bytes(f.port_count(), 0.0);
  for (topology::PortId p : path) port_bytes[p] = 1e6;
  const observe::TimeSeries ts = observe::analytic_series(t, router, port_bytes, Time::from_us(40), 4, 16);
  REQUIRE(ts.ports.size() == 4);
  REQUIRE(ts.at.size() == 4);
  CHECK(ts.interval == Time::from_us(10));
  CHECK(ts.queue_bytes.empty());
  for (std::size_t k = 0; k < 4; ++k) {
    CHECK(ts.utilization[0 * 4 + k] == doctest::Approx(1.0));
    CHECK(ts.utilization[1 * 4 + k] == doctest::Approx(1.0));
    CHECK(ts.utilization[2 * 4 + k] == doctest::Approx(0.0));
    CHECK(ts.utilization[3 * 4 + k] == doctest::Approx(0.0));
  }
  CHECK(Time{4 * kHop.ps} == Time::from_us(2));  // the latency the window excludes
}
