// Bottleneck attribution (report/attribution.hpp) on fluid runs of small 3-tier Clos fabrics.
//
// Fabric "4:1 at the top": clos3 with 2 pods × 4 ToRs × 1 host, one aggregation switch per pod,
// one core. A ToR has 1 host and 1 uplink (1:1); an aggregation switch has 4 down ports and, at
// 4:1, one 400 Gb/s uplink to the core. Every path is unique (no ECMP choice anywhere):
// host → ToR → agg → core → agg → ToR → host, 6 links of 500 ns, so L = 3 µs per transfer.
// Workload: ring all-reduce of S = 64 MiB over n = 8 ranks placed with stride 4 (endpoints
// 0,4,1,5,2,6,3,7), so every ring edge crosses pods: 4 flows each way share each agg–core link.
// Each of the 2(n−1) = 14 steps moves a chunk c = S/n = 8 MiB per flow, all flows in lockstep:
//   base      : 400/4 = 100 Gb/s per flow  → step = L + 8c/100G = 3 + 671.08864 µs
//   what-if   : agg uplinks × 4 (1:1)     → NIC-bound 400 Gb/s → step = 3 + 167.77216 µs
//   ideal     : every switch link × 1e3   → the same NIC-bound step
// so speedup = 674.08864 / 170.77216 = 3.9473 and nonblocking_us = 14 · 170.77216 = 2390.81 µs.
// The lower bound (report/op_lower_bound.hpp) takes the least latency any route could have, here
// the only one (6 links, 3 µs), and each step's chunk at the NIC rate, so ideal_us is the same
// 14 · 170.77216 µs (the analytic 2(n−1)/n · S / B + 2(n−1) · L) and efficiency =
// 170.77216 / 674.08864 = 0.25334.
// Tolerance 1e-4 relative: the fluid tier rounds each step up to a whole ps (< 1e-9 relative) and
// reports keep 6 significant digits (≤ 5e-6 relative).
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "fluid_run_fixture.hpp"
#include "report/attribution.hpp"
#include "workload/workload_spec.hpp"

using namespace rocesim;
using nlohmann::json;

namespace {

topology::Fabric clos3(const std::string& agg_oversubscription, std::uint32_t tors, std::uint32_t hosts,
                       std::uint32_t aggs) {
  const json doc = {{"generator", "clos3"},
                    {"clos3",
                     {{"pods", 2},
                      {"tors_per_pod", tors},
                      {"hosts_per_tor", hosts},
                      {"aggs_per_pod", aggs},
                      {"agg", {{"oversubscription", agg_oversubscription}}}}}};
  return topology::build_fabric(topology::parse_topology(doc, "test"));
}

json ring_workload(std::uint32_t n, std::uint32_t stride) {
  return json{{"jobs",
               {{{"world_size", n},
                 {"placement", {{"kind", "strided"}, {"stride", stride}}},
                 {"ops", {{{"id", "ar"}, {"type", "all_reduce"}, {"bytes", "64MiB"}}}}}}}};
}

constexpr double kLatencyUs = 3.0;                                  // 6 links × 500 ns
constexpr double kChunkBytes = 64.0 * 1024 * 1024 / 8;              // S / n
constexpr double kNicStepUs = kChunkBytes * 8 / 400e9 * 1e6;        // 167.77216 µs at 400 Gb/s
constexpr double kSteps = 14;                                       // 2(n − 1)
constexpr double kBoundLatencyUs = 3.0;                             // the least latency any route has

}  // namespace

TEST_CASE("tier ratios: the 4:1 fabric has a 1:1 ToR tier and a 4:1 aggregation tier") {
  const topology::Fabric f = clos3("4:1", 4, 1, 1);
  const auto ratios = report::tier_ratios(f);
  REQUIRE(ratios.size() == 2);  // the core tier has no uplinks
  CHECK(ratios[0].link_tier == "tor-agg");
  CHECK(ratios[0].ratio == doctest::Approx(1.0));  // 1 host : 1 uplink
  CHECK(ratios[1].link_tier == "agg-core");
  CHECK(ratios[1].ratio == doctest::Approx(4.0));  // 4 × 400 down : 1 × 400 up
  // The what-if copy makes it 1:1 and leaves the rest alone; the ideal copy scales only switch links.
  const auto ratios_whatif = report::tier_ratios(report::tier_nonblocking_fabric(f, ratios[1]));
  CHECK(ratios_whatif[1].ratio == doctest::Approx(1.0));
  const topology::Fabric ideal = report::nonblocking_fabric(f);
  for (topology::LinkId l = 0; l < f.link_count(); ++l) {
    const double factor = static_cast<double>(ideal.link(l).rate.bps) / static_cast<double>(f.link(l).rate.bps);
    CHECK(factor == doctest::Approx(f.link(l).kind == topology::LinkKind::fabric ? 1e3 : 1.0));
  }
}

TEST_CASE("attribution names the 4:1 aggregation tier, with the derived speedup and ideal time") {
  const topology::Fabric f = clos3("4:1", 4, 1, 1);
  const routing::RoutingParams rp;
  const routing::Router router(f, rp);
  const workload::WorkloadSpec spec = workload::parse_workload(ring_workload(8, 4), "test");
  const workload::LoweredWorkload lw = workload::lower_workload(spec, f);
  REQUIRE(lw.rank_endpoint == std::vector<std::uint32_t>{0, 4, 1, 5, 2, 6, 3, 7});
  const observe::RunRecord main = report::testing::run_fluid(f, rp, lw);
  REQUIRE(main.completed);
  const double base_step = kLatencyUs + 4 * kNicStepUs;  // 4 flows share 400 Gb/s
  const double fast_step = kLatencyUs + kNicStepUs;
  CHECK((main.op_end[0] - main.op_start[0]).us() == doctest::Approx(kSteps * base_step).epsilon(1e-6));

  const report::AttributionResult res = report::attribute(report::testing::attribution_input(f, router, rp, spec, lw, main));
  CHECK(res.reruns == 2);  // ideal + one oversubscribed tier; the main run is the fluid base
  const json& op = res.op_fields[0];
  const double bound_step = kBoundLatencyUs + kNicStepUs;
  CHECK(op["ideal_us"].get<double>() == doctest::Approx(kSteps * bound_step).epsilon(1e-4));
  CHECK(op["efficiency"].get<double>() == doctest::Approx(bound_step / base_step).epsilon(1e-4));
  CHECK(op["nonblocking_us"].get<double>() == doctest::Approx(kSteps * fast_step).epsilon(1e-4));
  const json& a = op["attribution"];
  CHECK(a["bottleneck_tier"] == "agg-core");
  REQUIRE(a["speedup_if_nonblocking"].size() == 1);  // only the oversubscribed tier is re-run
  CHECK(a["speedup_if_nonblocking"]["agg-core"].get<double>() == doctest::Approx(base_step / fast_step).epsilon(1e-4));
  // Critical links: the agg–core ports, each carrying 4 flows × 14 chunks in the op's window:
  // utilization = 8 · 56 c / (400G · T) = 4 · 671.08864 / (4 · 671.08864 + 4 · 3) · ... = 671.08864 / 674.08864.
  REQUIRE(a["critical_links"].size() == 3);
  for (const json& l : a["critical_links"]) {
    CHECK(l["tier"] == "agg-core");
    CHECK(l["utilization"].get<double>() == doctest::Approx(4 * kNicStepUs / base_step).epsilon(1e-4));
    CHECK(l["paused_us"].is_null());  // fluid: no PFC
  }
  CHECK(a["ecmp_collisions"].is_null());  // every path is unique
  CHECK(res.bottleneck["tier"] == "agg-core");
  const std::string summary = res.bottleneck["summary"];
  CHECK(summary.find("agg-core uplinks (4:1) limit 1 of 1 communication ops") == 0);
  CHECK(summary.find("3.95x faster") != std::string::npos);
}

TEST_CASE("a packet-level (non-fluid) main run costs one more re-run for the fluid base") {
  const topology::Fabric f = clos3("4:1", 4, 1, 1);
  const routing::RoutingParams rp;
  const routing::Router router(f, rp);
  const workload::WorkloadSpec spec = workload::parse_workload(ring_workload(8, 4), "test");
  const workload::LoweredWorkload lw = workload::lower_workload(spec, f);
  const observe::RunRecord main = report::testing::run_fluid(f, rp, lw);
  report::AttributionInput in = report::testing::attribution_input(f, router, rp, spec, lw, main);
  in.main_is_fluid = false;
  in.ops[0].end = in.ops[0].start + (main.op_end[0] - main.op_start[0]) * 2;  // a main run twice as slow
  const report::AttributionResult res = report::attribute(in);
  CHECK(res.reruns == 3);
  // The speedup compares fluid with fluid, so it does not move; the efficiency (against the
  // bound) halves.
  CHECK(res.op_fields[0]["attribution"]["speedup_if_nonblocking"]["agg-core"].get<double>() ==
        doctest::Approx((kLatencyUs + 4 * kNicStepUs) / (kLatencyUs + kNicStepUs)).epsilon(1e-4));
  CHECK(res.op_fields[0]["efficiency"].get<double>() ==
        doctest::Approx(0.5 * (kBoundLatencyUs + kNicStepUs) / (kLatencyUs + 4 * kNicStepUs)).epsilon(1e-4));
}

TEST_CASE("without a re-run callback only the bound and the critical links remain; nothing is invented") {
  const topology::Fabric f = clos3("4:1", 4, 1, 1);
  const routing::RoutingParams rp;
  const routing::Router router(f, rp);
  const workload::WorkloadSpec spec = workload::parse_workload(ring_workload(8, 4), "test");
  const workload::LoweredWorkload lw = workload::lower_workload(spec, f);
  const observe::RunRecord main = report::testing::run_fluid(f, rp, lw);
  report::AttributionInput in = report::testing::attribution_input(f, router, rp, spec, lw, main);
  in.rerun = nullptr;
  const report::AttributionResult res = report::attribute(in);
  CHECK(res.reruns == 0);
  CHECK(res.bottleneck.is_null());
  // The lower bound needs no re-run; the non-blocking estimate does.
  CHECK(res.op_fields[0]["ideal_us"].get<double>() == doctest::Approx(kSteps * (kBoundLatencyUs + kNicStepUs)).epsilon(1e-4));
  CHECK(res.op_fields[0].contains("efficiency"));
  CHECK_FALSE(res.op_fields[0].contains("nonblocking_us"));
  CHECK_FALSE(res.op_fields[0]["attribution"].contains("bottleneck_tier"));
  CHECK(res.op_fields[0]["attribution"].contains("critical_links"));
  CHECK_FALSE(res.op_fields[0]["attribution"].contains("ecmp_collisions"));  // needs the re-runs as evidence
  in.record = nullptr;
  CHECK_FALSE(report::attribute(in).op_fields[0].contains("attribution"));
  in.ops[0].lower_bound = Time::max();  // no bound either: nothing at all
  CHECK(report::attribute(in).op_fields[0].empty());
}

TEST_CASE("a non-blocking 3-tier fabric names no tier; ECMP collisions are named exactly when paths collide") {
  // clos3 2 pods × 2 ToRs × 2 hosts, 2 aggs per pod, everything 1:1: ECMP at the ToR (2 aggs) and
  // at the agg (2 cores of its plane). The strided ring sends 4 flows up out of each pod over 4
  // ToR uplinks and 4 agg uplinks: a collision (2 flows on one port) is a matter of hashing.
  const topology::Fabric f = clos3("1:1", 2, 2, 2);
  for (const auto& t : report::tier_ratios(f)) CHECK(t.ratio == doctest::Approx(1.0));
  const workload::WorkloadSpec spec = workload::parse_workload(ring_workload(8, 4), "test");
  const workload::LoweredWorkload lw = workload::lower_workload(spec, f);
  // CRC hashing collides for every seed here (CRC-32C is affine: the seed does not change which
  // flows collide, see routing/router.hpp); uniform hashing with seed 336 happens to place all 8
  // flows on distinct ports (found by enumerating seeds), so both outcomes are exercised.
  const std::vector<std::pair<routing::HashKind, std::uint64_t>> cases{
      {routing::HashKind::crc, 1}, {routing::HashKind::crc, 2}, {routing::HashKind::uniform, 336}};
  std::set<bool> seen;
  for (const auto& [hash, seed] : cases) {
    CAPTURE(seed);
    routing::RoutingParams rp;
    rp.hash = hash;
    rp.seed = seed;
    const routing::Router router(f, rp);
    // Expected: the most flows any switch-to-switch port carries (1 = no collision).
    std::map<topology::PortId, int> flows_on;
    int c_max = 1;
    for (std::uint32_t r = 0; r < 8; ++r) {
      std::vector<topology::PortId> path;
      REQUIRE(router.path(routing::FlowKey::for_qp(lw.rank_endpoint[r], lw.rank_endpoint[(r + 1) % 8], 0), path));
      for (topology::PortId p : path) {
        if (f.link(f.port(p).link).kind == topology::LinkKind::fabric) c_max = std::max(c_max, ++flows_on[p]);
      }
    }
    const observe::RunRecord main = report::testing::run_fluid(f, rp, lw);
    const report::AttributionResult res =
        report::attribute(report::testing::attribution_input(f, router, rp, spec, lw, main));
    CHECK(res.reruns == 1);  // the non-blocking one only: no tier is oversubscribed
    const json& a = res.op_fields[0]["attribution"];
    CHECK(a["speedup_if_nonblocking"].empty());
    CHECK(a["bottleneck_tier"].is_null());
    CHECK(res.bottleneck["tier"].is_null());
    const bool collided = c_max > 1;
    seen.insert(collided);
    CHECK(a["ecmp_collisions"].is_null() == !collided);
    CHECK((res.bottleneck["summary"].get<std::string>().find("ECMP collisions") != std::string::npos) == collided);
    // The port carrying c_max flows moves c_max · 14 chunks at ≤ 400 Gb/s, so the op lasts at least
    // c_max · 14 · 167.77 µs, against a bound of 14 · (3 + 167.77) µs.
    const double ideal = res.op_fields[0]["ideal_us"].get<double>();
    CHECK(ideal == doctest::Approx(kSteps * (kBoundLatencyUs + kNicStepUs)).epsilon(1e-4));
    CHECK(res.op_fields[0]["efficiency"].get<double>() <= ideal / (c_max * kSteps * kNicStepUs) + 1e-6);
    if (collided) {
      CHECK(a["ecmp_collisions"]["hottest_utilization"].get<double>() >= report::kCollisionHotUtilization);
    } else {
      // No collision: every step takes 3 + 167.77 µs, the bound's step.
      CHECK(res.op_fields[0]["efficiency"].get<double>() ==
            doctest::Approx((kBoundLatencyUs + kNicStepUs) / (kLatencyUs + kNicStepUs)).epsilon(1e-4));
    }
  }
  CHECK(seen.size() == 2);  // both a colliding and a collision-free placement were checked
}
