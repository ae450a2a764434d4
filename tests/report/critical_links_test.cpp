// Per-op window loads (report/critical_links.hpp) on hand-made transfer records.
//
// Fabric: clos3, 2 pods × 2 ToRs × 1 host, one aggregation switch per pod, 1:1, so every path is
// unique: host 0 → host 2 and host 1 → host 3 both cross pod 0's agg → core uplink and the core →
// pod 1 agg downlink; their NIC and ToR ports differ.
// Records (bytes spread uniformly over [start, end]):
//   A: 0 → 2, 1,000,000 B over [0, 100] µs, op 0
//   B: 1 → 3, 1,000,000 B over [50, 150] µs, op 1
//   C: 1 → 3, 400,000 B from 80 µs, never completed (counted to the record's end, 180 µs), no op
// Window bytes by hand:
//   op 0 = [0, 100]: A's own ports carry A's 1e6; the shared uplink also B's [50,100] half
//     (0.5e6) and C's [80,100] share 400,000 · 20/100 = 80,000 → 1,580,000 B.
//   op 1 = [50, 150]: B's own (unshared) ports carry 1e6 + C's [80,150] share 280,000 = 1,280,000;
//     the shared uplink adds A's [50,100] half, 500,000 → 1,780,000 B.
// utilization = 8 · bytes / (rate · 100 µs) at the fabric's 400 Gb/s.
#include <doctest/doctest.h>

#include <algorithm>

#include "report/critical_links.hpp"
#include "topology/topology.hpp"

using namespace rocesim;

namespace {

topology::Fabric small_clos() {
  const nlohmann::json doc = {{"generator", "clos3"},
                              {"clos3", {{"pods", 2}, {"tors_per_pod", 2}, {"hosts_per_tor", 1}, {"aggs_per_pod", 1}}}};
  return topology::build_fabric(topology::parse_topology(doc, "test"));
}

observe::TransferRecord rec(std::uint32_t src, std::uint32_t dst, std::uint32_t op, std::int64_t bytes, double s_us,
                            double e_us) {
  observe::TransferRecord t;
  t.src = src;
  t.dst = dst;
  t.op = op;
  t.bytes = bytes;
  t.start = Time::from_us(s_us);
  t.end = e_us < 0 ? Time::max() : Time::from_us(e_us);
  return t;
}

double bytes_on(const report::OpLinkLoad& l, topology::PortId p) {
  for (const report::PortLoad& pl : l.path_ports) {
    if (pl.port == p) return pl.bytes;
  }
  return -1;
}

}  // namespace

TEST_CASE("window loads: own bytes, overlapping shares and an unfinished transfer, in one pass") {
  const topology::Fabric f = small_clos();
  const routing::Router router(f, routing::RoutingParams{});
  std::vector<topology::PortId> pa, pb;
  REQUIRE(router.path(routing::FlowKey::for_qp(0, 2, 0), pa));
  REQUIRE(router.path(routing::FlowKey::for_qp(1, 3, 0), pb));
  std::vector<topology::PortId> shared;
  for (topology::PortId p : pa) {
    if (std::find(pb.begin(), pb.end(), p) != pb.end()) shared.push_back(p);
  }
  REQUIRE(shared.size() == 2);  // agg → core and core → agg
  observe::RunRecord r;
  r.end = Time::from_us(180);
  r.transfers = {rec(0, 2, 0, 1'000'000, 0, 100), rec(1, 3, 1, 1'000'000, 50, 150),
                 rec(1, 3, observe::kNoOpIndex, 400'000, 80, -1)};
  const std::vector<Time> start{Time::from_us(0), Time::from_us(50)}, end{Time::from_us(100), Time::from_us(150)};
  const auto loads = report::op_link_loads(f, router, r, start, end);
  REQUIRE(loads.size() == 2);
  REQUIRE(loads[0].path_ports.size() == pa.size());
  for (topology::PortId p : pa) {
    const bool is_shared = std::find(shared.begin(), shared.end(), p) != shared.end();
    CHECK(bytes_on(loads[0], p) == doctest::Approx(is_shared ? 1'580'000.0 : 1'000'000.0));
  }
  for (topology::PortId p : pb) {
    const bool is_shared = std::find(shared.begin(), shared.end(), p) != shared.end();
    CHECK(bytes_on(loads[1], p) == doctest::Approx(is_shared ? 1'780'000.0 : 1'280'000.0));
  }
  // Hottest first: the shared ports lead, ties by port id.
  const double rate = static_cast<double>(f.port_rate(shared[0]).bps);
  CHECK(loads[0].path_ports[0].utilization == doctest::Approx(8 * 1'580'000.0 / (rate * 100e-6)));
  CHECK(loads[0].path_ports[0].port < loads[0].path_ports[1].port);
  CHECK(std::find(shared.begin(), shared.end(), loads[0].path_ports[1].port) != shared.end());
  // Scope groups: switch tiers only, bottom-up, up before down.
  REQUIRE(!loads[1].scopes.empty());
  CHECK(loads[1].scopes.front().tier == "tor-agg");
  CHECK(loads[1].scopes.front().up);
  // A scope threshold above every own port's utilization (all are < 1 here: 8 · 1.78e6 B over
  // 100 µs is 0.356 of 400 Gb/s) leaves the loads and drops every scope.
  const auto hot_only = report::op_link_loads(f, router, r, start, end, 0.9);
  CHECK(hot_only[1].path_ports.size() == pb.size());
  CHECK(hot_only[1].scopes.empty());
  CHECK(report::op_link_loads(f, router, r, start, end, 0.3)[1].scopes.size() < loads[1].scopes.size());
}

TEST_CASE("window loads of wanted ops only: the same values, nothing for the others") {
  // Same transfers as above: op 1's own ports carry 1.78e6 B (shared) or 1.28e6 B in [50, 150] µs
  // whether or not op 0 is measured (a port's load comes from every transfer crossing it).
  const topology::Fabric f = small_clos();
  const routing::Router router(f, routing::RoutingParams{});
  std::vector<topology::PortId> pb;
  REQUIRE(router.path(routing::FlowKey::for_qp(1, 3, 0), pb));
  observe::RunRecord r;
  r.end = Time::from_us(180);
  r.transfers = {rec(0, 2, 0, 1'000'000, 0, 100), rec(1, 3, 1, 1'000'000, 50, 150),
                 rec(1, 3, observe::kNoOpIndex, 400'000, 80, -1)};
  const std::vector<Time> start{Time::from_us(0), Time::from_us(50)}, end{Time::from_us(100), Time::from_us(150)};
  const auto all = report::op_link_loads(f, router, r, start, end);
  std::vector<std::size_t> visited;
  std::vector<report::OpLinkLoad> got(2);
  const std::vector<char> wanted{0, 1};
  report::visit_op_link_loads(f, router, r, start, end, 0.0, [&](std::size_t i, report::OpLinkLoad&& l) {
    visited.push_back(i);
    got[i] = std::move(l);
  }, wanted);
  CHECK(visited == std::vector<std::size_t>{1});
  REQUIRE(got[1].path_ports.size() == all[1].path_ports.size());
  for (std::size_t k = 0; k < got[1].path_ports.size(); ++k) {
    CHECK(got[1].path_ports[k].port == all[1].path_ports[k].port);
    CHECK(got[1].path_ports[k].bytes == all[1].path_ports[k].bytes);  // exactly: same curves
  }
  REQUIRE(got[1].scopes.size() == all[1].scopes.size());
  for (std::size_t k = 0; k < got[1].scopes.size(); ++k) {
    CHECK(got[1].scopes[k].mean_utilization == all[1].scopes[k].mean_utilization);
  }
  for (topology::PortId p : pb) CHECK(bytes_on(got[1], p) > 1'279'999.0);
}

TEST_CASE("window loads: an op that never ran gets an empty result") {
  const topology::Fabric f = small_clos();
  const routing::Router router(f, routing::RoutingParams{});
  observe::RunRecord r;
  r.end = Time::from_us(100);
  r.transfers = {rec(0, 2, 0, 1000, 0, 10)};
  const std::vector<Time> start{Time::max()}, end{Time::max()};
  const auto loads = report::op_link_loads(f, router, r, start, end);
  REQUIRE(loads.size() == 1);
  CHECK(loads[0].path_ports.empty());
  CHECK(loads[0].scopes.empty());
}

TEST_CASE("pause time in a window: each pause's overlap with it, summed over a port's classes") {
  // Port 3: class A paused [10, 20] and [50, 60] µs, class B [15, 30] (overlapping A: both count,
  // as PortRecord::paused sums classes); port 4: [0, 100]; port 5: none.
  observe::RunRecord r;
  r.has_pfc = r.pauses_complete = true;
  const auto us = [](std::int64_t x) { return Time::from_us(x); };
  r.pauses = {{3, us(10), us(20)}, {3, us(15), us(30)}, {3, us(50), us(60)}, {4, us(0), us(100)}};
  // Window [18, 55]: port 3 gets [18, 20] + [18, 30] + [50, 55] = 2 + 12 + 5 = 19 µs; port 4 37 µs.
  CHECK(report::paused_in_window(r, 3, us(18), us(55)) == us(19));
  CHECK(report::paused_in_window(r, 4, us(18), us(55)) == us(37));
  CHECK(report::paused_in_window(r, 5, us(18), us(55)) == Time{});
  // A window touching a pause only at its end point, or after every pause, sees none of it.
  CHECK(report::paused_in_window(r, 3, us(60), us(70)) == Time{});
  CHECK(report::paused_in_window(r, 3, us(0), us(10)) == Time{});
  // The whole run: every pause in full (10 + 15 + 10).
  CHECK(report::paused_in_window(r, 3, us(0), us(1000)) == us(35));
}
