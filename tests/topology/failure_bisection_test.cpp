// Bisection bandwidth after failures (topology/failures.hpp: bisection_bps, FailureEffect), on a
// leaf-spine of 4 leaves × 4 hosts and 4 spines at 400 Gb/s.
//
// Levels: C_1 = NIC links = 16 · 400 = 6400 Gb/s, C_2 = leaf–spine links = 16 · 400 = 6400 Gb/s.
// Healthy bisection = min(½·6400, ½·6400) = 3200 Gb/s.
//   spine t2.0 down        C_2 = 12 · 400 = 4800        → 2400 Gb/s, lost 800
//   t1.0–t2.0 at 100 Gb/s  C_2 = 15 · 400 + 100 = 6100  → 3050 Gb/s, lost 150
//   NIC acc0–t1.0 down     C_1 = 15 · 400 = 6000        → 3000 Gb/s, lost 200
//   leaf t1.0 down         C_1 = 12 · 400, C_2 = 12 · 400 → 2400 Gb/s, lost 800
#include <doctest/doctest.h>

#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;

namespace {

constexpr std::uint64_t kGbps = 1000000000ULL;

FailureEffect effect(const json& failures) {
  const json j{{"generator", "leaf_spine"}, {"leaf_spine", {{"leaves", 4}, {"hosts_per_leaf", 4}, {"spines", 4}}}};
  const Fabric healthy = build_fabric(parse_topology(j, "b.json"));
  FailureEffect fx;
  const std::vector<FailureSpec> specs = [&] {
    json doc = j;
    doc["failures"] = failures;
    return parse_topology(doc, "b.json").failures;
  }();
  const Fabric f = apply_failures(healthy, specs, "b.json", &fx);
  CHECK(bisection_bps(healthy) == fx.healthy_bisection_bps);
  CHECK(bisection_bps(f) == fx.bisection_bps);
  return fx;
}

}  // namespace

TEST_CASE("bisection after failures: down links leave the narrowest level, degraded ones count at their rate") {
  FailureEffect fx = effect(json::array({{{"switch", "t2.0"}}}));
  CHECK(fx.healthy_bisection_bps == 3200 * kGbps);
  CHECK(fx.bisection_bps == 2400 * kGbps);
  CHECK(fx.links_down == 4);

  fx = effect(json::array({{{"link", {"t1.0", "t2.0"}}, {"rate", "100Gbps"}}}));
  CHECK(fx.bisection_bps == 3050 * kGbps);
  CHECK(fx.links_degraded == 1);
  CHECK(fx.capacity_lost_bps == 300 * kGbps);

  fx = effect(json::array({{{"link", {"acc0", "t1.0"}}}}));
  CHECK(fx.bisection_bps == 3000 * kGbps);

  fx = effect(json::array({{{"switch", "t1.0"}}}));
  CHECK(fx.links_down == 4 + 4);
  CHECK(fx.bisection_bps == 2400 * kGbps);
}
