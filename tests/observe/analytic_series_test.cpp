#include <doctest/doctest.h>

#include <algorithm>

#include "../flow/leaf_spine_fixture.hpp"
#include "observe/analytic_series.hpp"

using namespace rocesim;
using flow::testing::kHop;
using flow::testing::leaf_spine;

TEST_CASE("analytic series: a transfer's bytes fill its transmission window at the bottleneck rate") {
  // leaf_spine(2, 1, 1): acc0 → t1.0 → t2.0 → t1.1 → acc1, four 400 Gb/s hops of 500 ns.
  // 1 MB at 400 Gb/s serializes in 20 µs; the analytic tier delivers at start + 2 µs + 20 µs and
  // holds hop h (0..3) during [0.5·h, 20 + 0.5·h] µs (cut-through: the head reaches hop h after
  // the latency of the hops before it). Run end 40 µs in 4 bins of 10 µs: utilization of hop h
  // (10 − 0.5h)/10, 1, 0.5h/10, 0.
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
    const auto h = static_cast<double>(std::find(path.begin(), path.end(), ts.ports[k]) - path.begin());
    REQUIRE(h < 4);
    CHECK(ts.utilization[0 * 4 + k] == doctest::Approx((10.0 - 0.5 * h) / 10.0));
    CHECK(ts.utilization[1 * 4 + k] == doctest::Approx(1.0));
    CHECK(ts.utilization[2 * 4 + k] == doctest::Approx(0.5 * h / 10.0));
    CHECK(ts.utilization[3 * 4 + k] == doctest::Approx(0.0));
  }
  CHECK(Time{4 * kHop.ps} == Time::from_us(2));  // the latency the window excludes
}

TEST_CASE("analytic series: per-tier means cover every port; the per-port maximum is not claimed") {
  // Same transfer as above; one group "all" of leaf_spine(2, 1, 1)'s 8 ports (4 links). Bin 1 has
  // the 4 path ports at 1: mean 4/8 = 0.5. Bin 0: Σ_h (10 − 0.5h)/10 = 3.7 → 3.7/8 = 0.4625.
  const topology::Fabric f = leaf_spine(2, 1, 1);
  REQUIRE(f.port_count() == 8);
  const routing::Router router(f, {});
  std::vector<observe::TransferRecord> t{{0, 1, 0, 0, 1'000'000, Time{}, Time::from_us(22)}};
  std::vector<double> port_bytes(f.port_count(), 0.0);
  std::vector<topology::PortId> path;
  REQUIRE(router.path(routing::FlowKey::for_qp(0, 1, 0), path));
  for (topology::PortId p : path) port_bytes[p] = 1e6;
  const observe::TimeSeries ts = observe::analytic_series(t, router, port_bytes, Time::from_us(40), 4, 0,
                                                          std::vector<std::uint32_t>(8, 0), {"all"});
  CHECK(ts.ports.empty());  // top_ports = 0
  REQUIRE(ts.tier_names == std::vector<std::string>{"all"});
  REQUIRE(ts.tier_mean_utilization.size() == 4);
  CHECK(ts.tier_mean_utilization[0] == doctest::Approx(0.4625));
  CHECK(ts.tier_mean_utilization[1] == doctest::Approx(0.5));
  CHECK(ts.tier_mean_utilization[2] == doctest::Approx(0.3 / 8));  // Σ_h 0.5h/10 = 0.3
  CHECK(ts.tier_mean_utilization[3] == doctest::Approx(0.0));
  CHECK(ts.tier_max_utilization.empty());
}
