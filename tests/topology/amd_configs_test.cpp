// The AMD Instinct reference configs (topologies/README.md, "AMD Instinct reference designs"):
// counts from their formulas, the full-mesh scale-up, and the per-rack power of the cost model.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "topology/cost_model.hpp"
#include "topology/scale_up.hpp"
#include "topology/topology.hpp"
#include "shipped_config_helpers.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using rocesim::topology::testing::config;
using rocesim::topology::testing::count_switches;

TEST_CASE("mi300x_rail_8k: 16 units × 64 servers × 8 = 8,192 on 128-port switches, 8-GPU meshes of 512 Gb/s") {
  const TopologySpec spec = load_topology_file(config("mi300x_rail_8k.json"));
  const Fabric f = build_fabric(spec);
  CHECK(f.endpoints() == 16 * 64 * 8);
  CHECK(count_switches(f, 1) == 16 * 8);  // one rail leaf per unit and rail
  CHECK(count_switches(f, 2) == 64);      // each leaf's 64 uplinks, one per spine
  const ScaleUpSummary su = scale_up_summary(f);
  CHECK(su.shape == ScaleUpShape::full_mesh);
  CHECK(su.domains == 1024);
  CHECK(su.links == 1024 * 28);  // 8·7/2 pairs per server
  CHECK(su.domain_bisection_bps == 16 * 512'000'000'000ULL);
  // Rack: 4 servers × (2,000 W + 8 × 750 W + 8 NIC ports × (25 + 10) W) = 33,120 W.
  const CostSummary c = summarize_cost(f, spec.cost);
  CHECK(c.racks == 1024 / 4);
  CHECK(c.rack_power_w == doctest::Approx(33120));
  CHECK(c.rack_power_w <= c.rack_budget_w);
}

TEST_CASE("131,072-accelerator designs: 3 tiers, 32 pods, 1:1 by default, cross-pod ratio by --set") {
  for (const char* name : {"mi300x_rail_131k.json", "mi355x_rail_800g_131k.json"}) {
    CAPTURE(name);
    const TopologySpec spec = load_topology_file(config(name));
    const Fabric f = build_fabric(spec);
    // 256 units × 64 servers × 8; leaves 256·8 = 2048; 64 spines per pod × 32 pods; 64 planes × 16 cores.
    CHECK(f.endpoints() == 131072);
    CHECK(count_switches(f, 1) == 2048);
    CHECK(count_switches(f, 2) == 2048);
    CHECK(count_switches(f, 3) == 1024);
    CHECK(scale_up_summary(f).links == 16384 * 28);
  }
  // Cross-pod 4:1: each spine keeps 64 down ports and 16 up ports, 1 link to each core of its plane.
  const TopologySpec four = load_topology_file(config("mi300x_rail_131k.json"), {"rail_optimized.spine.oversubscription=4:1"});
  const Fabric f4 = build_fabric(four);
  std::size_t spine_core = 0;
  for (const Link& l : f4.links()) spine_core += l.kind == LinkKind::fabric && l.tier == 3;
  CHECK(spine_core == 2048 * 16);
  // 800 G generation, 8 servers per liquid-cooled rack: 8 × (2,000 + 8 × 1,400 + 8 × (40 + 16)) W = 109,184 W.
  const TopologySpec g2 = load_topology_file(config("mi355x_rail_800g_131k.json"));
  const CostSummary c = summarize_cost(build_fabric(g2), g2.cost);
  CHECK(c.rack_power_w == doctest::Approx(109184));
  CHECK(c.racks == 16384 / 8);
}

TEST_CASE("mi355x_2x400g_131k: two 400 G planes, two NIC ports per accelerator, the same mesh") {
  const TopologySpec spec = load_topology_file(config("mi355x_2x400g_131k.json"));
  const Fabric f = build_fabric(spec);
  CHECK(f.endpoints() == 131072);
  CHECK(f.planes() == 2);
  CHECK(count_switches(f, 1) == 2 * 2048);
  std::size_t nic = 0;
  for (const Link& l : f.links()) nic += l.kind == LinkKind::nic;
  CHECK(nic == 2 * 131072);
  CHECK(scale_up_summary(f).link_bps == 614'400'000'000ULL);
  // 8 × (2,000 + 8 × 1,400 + 16 NIC ports × (25 + 10)) W = 110,080 W.
  CHECK(summarize_cost(f, spec.cost).rack_power_w == doctest::Approx(110080));
}

TEST_CASE("rack power: over budget is reported, a budget without rack_servers is an error") {
  nlohmann::json j = nlohmann::json::parse(R"({"generator": "leaf_spine", "server": {"accelerators": 4},
    "leaf_spine": {"leaves": 1, "hosts_per_leaf": 8, "spines": 0},
    "cost": {"accelerator": {"power_w": 1000}, "rack_servers": 2, "rack_budget_w": 7000}})");
  const TopologySpec spec = parse_topology(j, "t");
  const CostSummary c = summarize_cost(build_fabric(spec), spec.cost);
  // 2 servers × 4 × 1,000 W = 8,000 W > 7,000 W; 2 servers → 1 rack.
  CHECK(c.rack_power_w == doctest::Approx(8000));
  CHECK(c.racks == 1);
  CHECK(to_json(c)["rack"]["within_budget"] == false);
  CHECK(cost_to_json(spec.cost)["rack_servers"] == 2);
  j["cost"].erase("rack_servers");
  CHECK_THROWS_AS(parse_topology(j, "t"), ConfigError);
}

TEST_CASE("72-GPU rack-scale domains: 18 trays of 4 per switched domain, 3 × 800 G planes; 131,040 at 3 tiers") {
  const TopologySpec small = load_topology_file(config("rack72_3x800g_1k.json"));
  const Fabric f = build_fabric(small);
  // 8 units × 36 servers × 4 = 1,152 = 16 domains of 72; every accelerator has 3 NIC ports.
  CHECK(f.endpoints() == 1152);
  const ScaleUpSummary su = scale_up_summary(f);
  CHECK(su.shape == ScaleUpShape::switched);
  CHECK(su.domains == 16);
  CHECK(su.domain_bisection_bps == 36 * 14'400'000'000'000ULL);  // ⌊72/2⌋ · 14.4 Tb/s
  std::size_t nic = 0;
  for (const Link& l : f.links()) nic += l.kind == LinkKind::nic;
  CHECK(nic == 3 * 1152);
  // Rack = one domain: 18 × (1,500 + 4 × 2,000 + 12 × (40 + 16)) W = 183,096 W.
  CHECK(summarize_cost(f, small.cost).rack_power_w == doctest::Approx(183096));
  // 131,040 = 910 units × 36 × 4 = 1,820 domains; per plane 65 pods of 14 units.
  const Fabric big = build_fabric(load_topology_file(config("rack72_3x800g_131k.json")));
  CHECK(big.endpoints() == 131040);
  CHECK(scale_up_summary(big).domains == 1820);
  CHECK(count_switches(big, 1) == 3 * 910 * 4);
  CHECK(count_switches(big, 2) == 3 * 65 * 36);
  CHECK(count_switches(big, 3) == 3 * 36 * 56);
}
