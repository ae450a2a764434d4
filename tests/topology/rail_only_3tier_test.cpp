// Rail-only fabrics with 3-tier rails ("core": true, topology/rail_only.cpp): counts from the
// formulas in its header, the per-rail validation errors, and the 131k reference config.
//
// Small fixture: G = 2 rails, U = 4 units of N = 2 servers, units_per_pod 2 → P = 2 pods,
// S = 2 spines per pod and rail, C = 1 core per plane; scale-up domain = one server (2 GPUs).
// 1:1 leaves: u1 = N = 2 uplinks, p12 = u1 / S = 1. A spine has d2 = units_per_pod · p12 = 2 down
// ports and, 1:1, u2 = 2 uplinks, all to its plane's single core: p23 = u2 / C = 2.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "topology/cost_model.hpp"
#include "topology/scale_up.hpp"
#include "topology/topology.hpp"
#include "shipped_config_helpers.hpp"
#include "build_helpers.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;
using rocesim::topology::testing::build;
using rocesim::topology::testing::expect_error;
using rocesim::topology::testing::config;
using rocesim::topology::testing::count_switches;

namespace {

json small_3tier() {
  return json{{"generator", "rail_only"},
              {"server", {{"accelerators", 2}}},
              {"scale_up", {{"size", 2}}},
              {"rail_only",
               {{"units", 4},
                {"servers_per_unit", 2},
                {"spines_per_rail", 2},
                {"core", true},
                {"units_per_pod", 2},
                {"spine", {{"radix", 4}}},
                {"cores_per_plane", 1}}}};
}

std::size_t count_links(const Fabric& f, LinkKind kind, int tier) {
  std::size_t n = 0;
  for (const Link& l : f.links()) n += l.kind == kind && (tier < 0 || l.tier == tier);
  return n;
}

}  // namespace

TEST_CASE("3-tier rail-only: nodes E + U·G + G·P·S + G·S·C + E/size, links E + E + U·G·u1 + G·P·S·u2") {
  const std::uint32_t g = 2, u = 4, n = 2, p = 2, s = 2, c = 1, u1 = 2, u2 = 2, e = u * n * g;
  const Fabric f = build(small_3tier());
  CHECK(f.generator() == "rail_only");
  CHECK(f.max_tier() == 3);
  CHECK(f.endpoints() == e);                       // 16
  CHECK(count_switches(f, 1) == u * g);            // 8 rail leaves
  CHECK(count_switches(f, 2) == g * p * s);        // 8 rail spines
  CHECK(count_switches(f, 3) == g * s * c);        // 4 rail cores
  CHECK(f.node_count() == e + u * g + g * p * s + g * s * c + e / 2);  // 44
  CHECK(count_links(f, LinkKind::nic, -1) == e);
  CHECK(count_links(f, LinkKind::scale_up, -1) == e);
  CHECK(count_links(f, LinkKind::fabric, 2) == u * g * u1);      // 16 leaf ↔ spine
  CHECK(count_links(f, LinkKind::fabric, 3) == g * p * s * u2);  // 16 spine ↔ core
  CHECK(f.link_count() == 64);
  // No switch joins two rails: both ends of every fabric link carry one rail (domain[3]), and a
  // leaf's pod id (domain[2]) is its spines'.
  for (const Link& l : f.links()) {
    if (l.kind != LinkKind::fabric) continue;
    CHECK(f.node(l.a).domain[3] == f.node(l.b).domain[3]);
    if (l.tier == 2) CHECK(f.node(l.a).domain[2] == f.node(l.b).domain[2]);
  }
  // Every switch of the fixture is fully used: leaf 2 down + 2 up, spine 2 + 2, core P·p23 = 4.
  for (const Node& node : f.nodes()) {
    if (node.role == NodeRole::fabric_switch) CHECK(node.port_count == 4);
  }
}

TEST_CASE("3-tier rail-only: the effective JSON round-trips with the 3-tier keys") {
  const TopologySpec spec = parse_topology(small_3tier(), "t.json");
  // Effective JSON is a fixed point (absent ratios come back as the 1:1 they default to).
  const TopologySpec again = parse_topology(topology_to_json(spec), "t.json");
  CHECK(topology_to_json(again) == topology_to_json(spec));
  CHECK(build_fabric(again).link_count() == build_fabric(spec).link_count());
  const auto& ro = std::get<RailOnlySpec>(spec.form);
  CHECK(ro.core);
  CHECK(ro.units_per_pod == 2);
  CHECK(ro.cores_per_plane == 1);
}

TEST_CASE("3-tier rail-only: bad configs name the key and the per-rail rule") {
  json j = small_3tier();
  j["rail_only"]["spine_radix"] = 8;
  expect_error(j, "/rail_only/spine_radix", "\"spine\"");
  j = small_3tier();
  j["rail_only"]["units_per_pod"] = 3;  // 4 units are not whole pods of 3
  expect_error(j, "/rail_only/units_per_pod", "whole pods");
  j = small_3tier();
  j["rail_only"]["spines_per_rail"] = 0;
  expect_error(j, "/rail_only/spines_per_rail", "needs spines");
  j = small_3tier();
  j["rail_only"]["spines_per_rail"] = 3;  // 2 leaf uplinks over 3 spines
  expect_error(j, "/rail_only/spines_per_rail", "spread evenly");
  j = small_3tier();
  j["rail_only"]["cores_per_plane"] = 3;  // 2 spine uplinks over 3 cores
  expect_error(j, "/rail_only/cores_per_plane", "spread evenly");
  j = small_3tier();
  j["rail_only"]["spine"]["radix"] = 3;  // needs 2 down + 2 up
  expect_error(j, "/rail_only/spine/radix", "radix exceeded");
  j = small_3tier();
  j["rail_only"]["core_radix"] = 3;  // each core has P · p23 = 4 down ports
  expect_error(j, "/rail_only/core_radix", "radix exceeded");
  j = small_3tier();
  j["rail_only"].erase("core");
  j["rail_only"].erase("spine");
  j["rail_only"].erase("cores_per_plane");
  expect_error(j, "/rail_only/units_per_pod", "only meaningful with \"core\": true");
}

TEST_CASE("rack72_rail_only_131k: 912 units × 36 servers × 4 = 131,328 on 128-port switches, 72-GPU domains") {
  const TopologySpec spec = load_topology_file(config("rack72_rail_only_131k.json"));
  const Fabric f = build_fabric(spec);
  // U = 912, N = 36, G = 4; 48 units per pod → P = 19; S = 36 per pod and rail (u1 = 36, p12 = 1);
  // spine d2 = 48, 1:1 → u2 = 48 over C = 8 cores per plane (p23 = 6, core down ports 19·6 = 114).
  CHECK(f.endpoints() == 912 * 36 * 4);
  CHECK(f.endpoints() >= 131072);
  CHECK(count_switches(f, 1) == 912 * 4);
  CHECK(count_switches(f, 2) == 4 * 19 * 36);
  CHECK(count_switches(f, 3) == 4 * 36 * 8);
  CHECK(count_links(f, LinkKind::fabric, 2) == 912 * 4 * 36);
  CHECK(count_links(f, LinkKind::fabric, 3) == 4 * 19 * 36 * 48);
  const ScaleUpSummary su = scale_up_summary(f);
  CHECK(su.domains == 131328 / 72);
  // Rack of 18 servers: 18 × (4 × 2,000 + 1,500 + 4 NIC ports × (40 + 16)) W = 175,032 W.
  const CostSummary c = summarize_cost(f, spec.cost);
  CHECK(c.racks == 32832 / 18);
  CHECK(c.rack_power_w == doctest::Approx(175032));
  CHECK(c.rack_power_w <= c.rack_budget_w);
}

TEST_CASE("rack72_rail_only_131k: the cross-pod ratio is the spine tier's, set by --set") {
  // 3:1 — each spine's 48 down ports at 800 G need 48/3 = 16 uplinks, 2 to each of its 8 cores.
  const TopologySpec three = load_topology_file(config("rack72_rail_only_131k.json"), {"rail_only.spine.oversubscription=3:1"});
  const Fabric f3 = build_fabric(three);
  CHECK(count_links(f3, LinkKind::fabric, 3) == 4 * 19 * 36 * 16);
  CHECK(count_switches(f3, 3) == 4 * 36 * 8);
  // 4:1 — 12 uplinks do not spread over 8 cores: the per-rail rule names cores_per_plane.
  try {
    load_topology_file(config("rack72_rail_only_131k.json"), {"rail_only.spine.oversubscription=4:1"});
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "/rail_only/cores_per_plane");
  }
}
