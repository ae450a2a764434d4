// Multi-plane rail-only fabrics (multi_plane with a rail_only plane, topology/rail_only.cpp "Planes"):
// K copies of the rail-only switches, K NIC ports per accelerator, one shared scale-up domain.
//
// 2-tier fixture: G = 2 rails, U = 2 units of N = 4 servers, S = 2 spines per rail, scale-up domain
// = one server (2 GPUs), K = 3 planes. 1:1 leaves: u1 = N = 4 uplinks, p12 = u1 / S = 2.
// Per plane: U·G = 4 rail leaves, G·S = 4 rail spines, U·G·u1 = 16 leaf–spine links.
// Whole fabric: E = U·N·G = 16 endpoints, 3·8 = 24 switches, K·E = 48 NIC links, 3·16 = 48 fabric
// links, E/2 = 8 scale-up switches with E = 16 scale-up links.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/config_error.hpp"
#include "routing/router.hpp"
#include "topology/cost_model.hpp"
#include "topology/topology.hpp"
#include "build_helpers.hpp"
#include "shipped_config_helpers.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;
using rocesim::topology::testing::build;
using rocesim::topology::testing::config;
using rocesim::topology::testing::count_switches;
using rocesim::topology::testing::expect_error;

namespace {

json rail_only_plane(std::uint32_t units, std::uint32_t spu, std::uint32_t spr) {
  return json{{"generator", "rail_only"},
              {"rail_only", {{"units", units}, {"servers_per_unit", spu}, {"spines_per_rail", spr}}}};
}

json planes_of(std::uint32_t planes, const json& plane, std::uint32_t g = 2, std::uint32_t su = 2) {
  return json{{"generator", "multi_plane"},
              {"server", {{"accelerators", g}}},
              {"scale_up", {{"size", su}}},
              {"multi_plane", {{"planes", planes}, {"plane", plane}}}};
}

std::size_t count_links(const Fabric& f, LinkKind kind) {
  std::size_t n = 0;
  for (const Link& l : f.links()) n += l.kind == kind;
  return n;
}

// The planes of the switches a flow's path visits (accelerators and scale-up switches skipped).
std::set<std::uint8_t> path_planes(const Fabric& f, const routing::Router& r, NodeId src, NodeId dst, std::uint32_t qp) {
  std::vector<PortId> ports;
  REQUIRE(r.path(routing::FlowKey::for_qp(src, dst, qp), ports));
  std::set<std::uint8_t> planes;
  for (PortId p : ports) {
    const Node& n = f.node(f.port(p).peer);
    if (n.role == NodeRole::fabric_switch) planes.insert(n.plane);
  }
  return planes;
}

}  // namespace

TEST_CASE("multi-plane rail-only: K copies of the rail switches, K·E NIC links, no switch joins planes or rails") {
  const std::uint32_t k = 3, g = 2, u = 2, n = 4, s = 2, u1 = n, e = u * n * g;
  const Fabric f = build(planes_of(k, rail_only_plane(u, n, s)));
  CHECK(f.generator() == "multi_plane");
  CHECK(f.planes() == k);
  CHECK(f.endpoints() == e);                            // 16
  CHECK(count_switches(f, 1) == k * u * g);             // 12 rail leaves
  CHECK(count_switches(f, 2) == k * g * s);             // 12 rail spines
  CHECK(count_links(f, LinkKind::nic) == k * e);        // 48
  CHECK(count_links(f, LinkKind::fabric) == k * u * g * u1);  // 48
  CHECK(count_links(f, LinkKind::scale_up) == e);       // one switch per server, 16 links
  CHECK(f.node_count() == e + k * (u * g + g * s) + e / 2);  // 16 + 24 + 8 = 48
  for (NodeId a = 0; a < f.endpoints(); ++a) CHECK(f.up_port_count(a) == k);  // one NIC port per plane
  // Every fabric link stays inside one plane and one rail (domain[2] of a 2-tier rail switch).
  for (const Link& l : f.links()) {
    if (l.kind != LinkKind::fabric) continue;
    CHECK(f.node(l.a).plane == f.node(l.b).plane);
    CHECK(f.node(l.a).domain[2] == f.node(l.b).domain[2]);
  }
  // NIC port q of every accelerator leads to a plane-q leaf of its own rail.
  for (NodeId a = 0; a < f.endpoints(); ++a) {
    std::set<std::uint8_t> planes;
    for (PortId p = f.node(a).up_begin; p < f.node(a).first_port + f.node(a).port_count; ++p) {
      const Node& leaf = f.node(f.port(p).peer);
      planes.insert(leaf.plane);
      CHECK(leaf.domain[2] == a % g);
    }
    CHECK(planes.size() == k);
  }
}

TEST_CASE("multi-plane rail-only: same-rail pairs have K·S paths in one plane each; cross-rail pairs relay once") {
  const std::uint32_t k = 3, g = 2, u = 2, n = 4, s = 2, u1 = 4, p12 = 2;
  const Fabric f = build(planes_of(k, rail_only_plane(u, n, s)));
  const routing::Router router(f, routing::RoutingParams{});
  // Rail 0 of unit 0 → rail 0 of unit 1: K NIC ports × u1 = S·p12 leaf uplinks × p12 parallel
  // spine → leaf links; NIC, leaf–spine, spine–leaf, NIC = 4 hops (one plane: u1·p12 = 8 paths).
  const NodeId dst = n * g;  // server 4 (unit 1), rail 0
  CHECK(router.path_count(0, dst) == k * u1 * p12);  // 24
  CHECK(router.hop_count(0, dst) == 4);
  // Cross rail (rail 0 → rail 1 of unit 1): the scale-up switch relays to the one rail-1
  // accelerator of the domain (acc 1), whose K NIC ports then lead on: 2 scale-up hops + 4.
  CHECK(router.path_count(0, dst + 1) == k * u1 * p12);
  CHECK(router.hop_count(0, dst + 1) == 6);
  // A flow never changes plane, and the hash spreads QPs over all K planes.
  std::set<std::uint8_t> used;
  for (std::uint32_t qp = 0; qp < 64; ++qp) {
    for (NodeId d : {dst, dst + 1}) {
      const auto planes = path_planes(f, router, 0, d, qp);
      REQUIRE(planes.size() == 1);
      used.insert(*planes.begin());
    }
  }
  CHECK(used.size() == k);
  // One plane is the plain rail_only fabric: the same switch and link counts.
  const Fabric one = build(planes_of(1, rail_only_plane(u, n, s)));
  json plain = rail_only_plane(u, n, s);
  plain["server"] = {{"accelerators", g}};
  plain["scale_up"] = {{"size", 2}};
  const Fabric ro = build(plain);
  CHECK(one.node_count() == ro.node_count());
  CHECK(one.link_count() == ro.link_count());
}

TEST_CASE("multi-plane rail-only with 3-tier rails: K copies of leaves, spines and cores") {
  // rail_only_3tier_test.cpp's fixture (G = 2, U = 4, N = 2, P = 2 pods, S = 2, C = 1) in K = 2
  // planes: per plane 8 leaves, 8 spines, 4 cores, 16 leaf–spine and 16 spine–core links.
  const json plane{{"generator", "rail_only"},
                   {"rail_only",
                    {{"units", 4}, {"servers_per_unit", 2}, {"spines_per_rail", 2}, {"core", true},
                     {"units_per_pod", 2}, {"spine", {{"radix", 4}}}, {"cores_per_plane", 1}}}};
  const Fabric f = build(planes_of(2, plane));
  CHECK(f.max_tier() == 3);
  CHECK(f.endpoints() == 16);
  CHECK(count_switches(f, 1) == 2 * 8);
  CHECK(count_switches(f, 2) == 2 * 8);
  CHECK(count_switches(f, 3) == 2 * 4);
  CHECK(count_links(f, LinkKind::nic) == 2 * 16);
  CHECK(count_links(f, LinkKind::fabric) == 2 * (16 + 16));
  const routing::Router router(f, routing::RoutingParams{});
  // Rail 0, pod 0 → rail 0, pod 1 (endpoint 8: unit 2): up u1 = 2 spine links, up u2 = 2 core
  // links, down p23 = 2 links, down p12 = 1 (8 paths in one plane, as in
  // tests/routing/rail_only_3tier_test.cpp), times K = 2 NIC ports: 16 paths, 6 hops.
  CHECK(router.hop_count(0, 8) == 6);
  CHECK(router.path_count(0, 8) == 2 * 8);
}

TEST_CASE("multi-plane rail-only: the effective JSON round-trips; bad combinations are rejected with their paths") {
  const json j = planes_of(3, rail_only_plane(2, 4, 2));
  const TopologySpec spec = parse_topology(j, "t.json");
  const TopologySpec again = parse_topology(topology_to_json(spec), "t.json");
  CHECK(topology_to_json(again) == topology_to_json(spec));
  CHECK(spec.endpoint_count() == 16);

  // Errors inside the plane carry the plane's path.
  json bad = j;
  bad["multi_plane"]["plane"]["rail_only"]["spines_per_rail"] = 3;  // 4 uplinks over 3 spines
  expect_error(bad, "/multi_plane/plane/rail_only/spines_per_rail", "spread evenly");
  bad = j;
  bad["multi_plane"]["plane"]["rail_only"]["spines"] = 2;
  expect_error(bad, "/multi_plane/plane/rail_only/spines", "spines_per_rail");
  bad = j;
  bad["multi_plane"]["plane"]["rail_only"]["colour"] = "red";  // unknown keys are errors
  expect_error(bad, "/multi_plane/plane/rail_only/colour", "unknown key \"colour\" (rail_only reads: units, ");
  bad = j;
  bad["multi_plane"]["plane"]["rail_only"]["spine_radix"] = 3;  // a spine has U·p12 = 4 ports
  expect_error(bad, "/multi_plane/plane/rail_only", "radix exceeded");
  // The scale-up domain is the outer file's: still required, still named at the top level.
  bad = j;
  bad["scale_up"]["size"] = 0;
  expect_error(bad, "/scale_up/size", "needs a scale-up domain");
  // One NIC port per plane.
  bad = j;
  bad["multi_plane"]["nic_ports"] = 1;
  expect_error(bad, "/multi_plane/nic_ports", "plane count mismatch");
  // Other nestings stay rejected, naming what is allowed.
  bad = j;
  bad["multi_plane"]["plane"] = json{{"generator", "dual_tor"}, {"dual_tor", json::object()}};
  expect_error(bad, "/multi_plane/plane/generator", "expected one of: leaf_spine, fat_tree, clos3, rail_optimized, rail_only");
  const json dual{{"generator", "dual_tor"},
                  {"server", {{"accelerators", 2}}},
                  {"dual_tor", {{"base", rail_only_plane(2, 4, 2)}}}};
  expect_error(dual, "/dual_tor/base/generator", "expected one of: leaf_spine, fat_tree, clos3, rail_optimized)");
  // Failures on a full-mesh scale-up domain are not modelled on rail-only planes either.
  bad = planes_of(3, rail_only_plane(2, 4, 2), 2, 2);
  bad["scale_up"]["shape"] = "full_mesh";
  bad["failures"] = json::array({json{{"link", {"acc0", "acc1"}}}});
  expect_error(bad, "/failures", "full-mesh");
}

TEST_CASE("rack72_rail_only_3x800g_1k: 3 rail-only planes of the 1,152-GPU rack design") {
  const TopologySpec spec = load_topology_file(config("../workloads/studies/amd_whatif/rack72_rail_only_3x800g_1k.json"));
  const Fabric f = build_fabric(spec);
  // U = 8 units × N = 36 servers × G = 4 = 1,152 GPUs; per plane and rail: 8 leaves with u1 = 36
  // uplinks (1:1 at 800 G) over S = 4 spines (p12 = 9), a spine has U·p12 = 72 ports.
  CHECK(f.endpoints() == 1152);
  CHECK(f.planes() == 3);
  CHECK(count_switches(f, 1) == 3 * 8 * 4);   // 96 rail leaves
  CHECK(count_switches(f, 2) == 3 * 4 * 4);   // 48 rail spines
  CHECK(count_links(f, LinkKind::nic) == 3 * 1152);
  CHECK(count_links(f, LinkKind::fabric) == 3 * 8 * 4 * 36);
  // Rack of 18 servers: 18 × (4 × 2,000 + 1,500 + 12 NIC ports × (40 + 16)) W = 183,096 W.
  const CostSummary c = summarize_cost(f, spec.cost);
  CHECK(c.rack_power_w == doctest::Approx(183096));
}

TEST_CASE("rack72_rail_only_3x800g_131k: rack72_rail_only_131k in 3 planes, 3 × 800 G per GPU") {
  const TopologySpec spec = load_topology_file(config("rack72_rail_only_3x800g_131k.json"));
  const Fabric f = build_fabric(spec);
  // Per plane (rail_only_3tier_test.cpp): 912 · 4 rail leaves, 4 · 19 · 36 rail spines,
  // 4 · 36 · 8 rail cores, 912 · 4 · 36 leaf–spine and 4 · 19 · 36 · 48 spine–core links.
  CHECK(f.endpoints() == 131328);
  CHECK(f.planes() == 3);
  CHECK(count_switches(f, 1) == 3 * 912 * 4);
  CHECK(count_switches(f, 2) == 3 * 4 * 19 * 36);
  CHECK(count_switches(f, 3) == 3 * 4 * 36 * 8);
  CHECK(count_links(f, LinkKind::nic) == 3 * 131328);
  CHECK(count_links(f, LinkKind::fabric) == 3 * (912 * 4 * 36 + 4 * 19 * 36 * 48));
  // Rack: 18 × (4 × 2,000 + 1,500 + 12 NIC ports × (40 + 16)) W = 183,096 W, as rack72_3x800g_131k.
  const CostSummary c = summarize_cost(f, spec.cost);
  CHECK(c.rack_power_w == doctest::Approx(183096));
  CHECK(c.rack_power_w <= c.rack_budget_w);
}
