// Rail-only, multi-plane and dual-ToR fabrics: counts from the formulas in topology/catalog.hpp,
// cross-rail relays through the scale-up domain, plane isolation, ToR-pair ECMP, bad configs.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/config_error.hpp"
#include "routing/route_check.hpp"
#include "routing/router.hpp"
#include "topology/catalog.hpp"
#include "build_helpers.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;
using rocesim::topology::testing::build;
using rocesim::topology::testing::expect_error;

namespace {

std::size_t count_switches(const Fabric& f, int tier) {
  std::size_t n = 0;
  for (const Node& node : f.nodes()) n += node.role == NodeRole::fabric_switch && node.tier == tier;
  return n;
}

std::size_t count_links(const Fabric& f, LinkKind kind) {
  std::size_t n = 0;
  for (const Link& l : f.links()) n += l.kind == kind;
  return n;
}

json rail_only(std::uint32_t g, std::uint32_t units, std::uint32_t spu, std::uint32_t spr, std::uint32_t su) {
  json j{{"generator", "rail_only"},
         {"server", {{"accelerators", g}}},
         {"scale_up", {{"size", su}}},
         {"rail_only", {{"units", units}, {"servers_per_unit", spu}, {"spines_per_rail", spr}}}};
  if (spr == 0) j["rail_only"]["rail_leaf"] = json::object();
  return j;
}

json leaf_spine_form(std::uint32_t leaves, std::uint32_t hosts, std::uint32_t spines) {
  return json{{"generator", "leaf_spine"},
              {"leaf_spine", {{"leaves", leaves}, {"hosts_per_leaf", hosts}, {"spines", spines}}}};
}

// Switch nodes a flow's path visits, with the node each port leads to.
std::vector<NodeId> path_nodes(const Fabric& f, const routing::Router& r, NodeId src, NodeId dst, std::uint32_t qp) {
  std::vector<PortId> ports;
  REQUIRE(r.path(routing::FlowKey::for_qp(src, dst, qp), ports));
  std::vector<NodeId> nodes;
  for (PortId p : ports) nodes.push_back(f.port(p).peer);
  return nodes;
}

}  // namespace

TEST_CASE("rail-only: E = U·N·G, U·G leaves, G·S spines, U·G·u1 rail links, no cross-rail switch") {
  // G = 4 rails, U = 2 units of N = 4 servers, S = 2 spines per rail; 1:1 leaves → u1 = N = 4,
  // p12 = u1 / S = 2.
  const std::uint32_t g = 4, u = 2, n = 4, s = 2, u1 = n, p12 = u1 / s;
  const Fabric f = build(rail_only(g, u, n, s, g));
  CHECK(f.generator() == "rail_only");
  CHECK(f.endpoints() == u * n * g);
  CHECK(count_switches(f, 1) == u * g);
  CHECK(count_switches(f, 2) == g * s);
  CHECK(count_links(f, LinkKind::nic) == u * n * g);
  CHECK(count_links(f, LinkKind::fabric) == u * g * u1);
  CHECK(count_links(f, LinkKind::scale_up) == u * n * g);
  // No switch joins two rails: every fabric link's ends carry the same rail (top-tier domain).
  for (const Link& l : f.links()) {
    if (l.kind == LinkKind::fabric) CHECK(f.node(l.a).domain[2] == f.node(l.b).domain[2]);
  }
  const routing::Router router(f, routing::RoutingParams{});
  const NodeId src = 0;                      // server 0, rail 0
  const NodeId same_rail = n * g;            // server 4 (unit 1), rail 0
  const NodeId cross_rail = n * g + 1;       // server 4, rail 1
  // Same rail, other unit: up-down through the rail's spines, u1 · p12 port paths.
  CHECK(router.hop_count(src, same_rail) == 4);
  CHECK(router.path_count(src, same_rail) == u1 * p12);
  // Cross rail: scale-up hop to the rail-1 accelerator of server 0, then rail 1's Clos.
  const std::vector<NodeId> hops = path_nodes(f, router, src, cross_rail, 0);
  REQUIRE(hops.size() == 6);
  CHECK(f.node(hops[0]).role == NodeRole::scale_up_switch);
  CHECK(hops[1] == 1);  // the relay: server 0, local index 1
  for (std::size_t i = 2; i < 5; ++i) {
    CHECK(f.node(hops[i]).role == NodeRole::fabric_switch);
    CHECK(f.node(hops[i]).domain[2] == 1);  // rail 1 only
  }
  CHECK(hops[5] == cross_rail);
  CHECK(router.path_count(src, cross_rail) == u1 * p12);  // one relay in a server-sized domain
  // Cross rail inside a unit: scale-up, relay, rail leaf, destination.
  CHECK(router.hop_count(src, g + 1) == 4);
  CHECK(router.hop_count(src, 1) == 2);  // same server: scale-up only
}

TEST_CASE("rail-only: a 2-server scale-up domain offers two relays; one unit needs no spine tier") {
  const std::uint32_t g = 4, u = 2, n = 4, s = 2, u1 = n, p12 = u1 / s;
  const Fabric f = build(rail_only(g, u, n, s, 2 * g));
  const routing::Router router(f, routing::RoutingParams{});
  // Relays: the rail-1 accelerators of servers 0 and 1 (both in the domain, both in unit 0).
  CHECK(router.path_count(0, n * g + 1) == 2 * u1 * p12);
  CHECK(router.hop_count(0, n * g + 1) == 6);

  const Fabric flat = build(rail_only(g, 1, n, 0, g));
  CHECK(flat.max_tier() == 1);
  CHECK(count_switches(flat, 1) == g);  // one switch per rail
  CHECK(count_switches(flat, 2) == 0);
  const routing::Router r2(flat, routing::RoutingParams{});
  CHECK(r2.hop_count(0, g) == 2);       // rail 0 → rail 0
  CHECK(r2.hop_count(0, g + 1) == 4);   // scale-up, relay, rail-1 switch, destination
}

TEST_CASE("rail-only: a cross-rail pair with no scale-up forwarding is an error naming both endpoints") {
  // Two rails, one server, no scale-up switch: built by hand since the spec rejects it.
  FabricBuilder b("norelay", "rail_only");
  b.add_accelerator(0, 0, kNone, 0);
  b.add_accelerator(0, 1, kNone, 0);
  b.add_switch(1, 0, {kNone, 0, 0, 0, 0}, 0);
  b.add_switch(1, 0, {kNone, 1, 1, 0, 0}, 0);
  b.add_link(0, 2, Rate::gbps(400), Time::from_ns(500), LinkKind::nic);
  b.add_link(1, 3, Rate::gbps(400), Time::from_ns(500), LinkKind::nic);
  const Fabric f = std::move(b).build();
  const routing::Router router(f, routing::RoutingParams{});
  std::vector<PortId> path;
  CHECK_FALSE(router.path(routing::FlowKey::for_qp(0, 1, 0), path));
  try {
    routing::require_route(router, 0, 1, "w.json");
    FAIL("no error");
  } catch (const ConfigError& e) {
    const std::string m = e.message();
    CHECK(m.find("endpoint 0 (server 0, rail 0)") != std::string::npos);
    CHECK(m.find("endpoint 1 (server 0, rail 1)") != std::string::npos);
    CHECK(m.find("no scale-up domain") != std::string::npos);
  }
}

TEST_CASE("rail-only: bad configs name the field") {
  expect_error(rail_only(4, 2, 4, 2, 0), "/scale_up/size", "needs a scale-up domain");
  // 3-server domains (12 accelerators) in units of 4 servers: 48 = 4·12 splits, the units do not.
  expect_error(rail_only(4, 3, 4, 2, 12), "/scale_up/size", "does not divide the 4 servers of a unit");
  expect_error(rail_only(4, 2, 4, 0, 4), "/rail_only/spines_per_rail", "needs spines");
  expect_error(rail_only(4, 2, 4, 3, 4), "/rail_only/spines_per_rail", "spread evenly");
  json j = rail_only(4, 2, 4, 2, 4);
  j["rail_only"]["spines"] = 2;
  expect_error(j, "/rail_only/spines", "spines_per_rail");
  j = rail_only(4, 2, 4, 2, 4);
  j["rail_only"]["units"] = 0;
  expect_error(j, "/rail_only/units", "");
  j = rail_only(4, 2, 4, 2, 4);
  j["rail_only"]["spine_radix"] = 3;  // a spine has U·p12 = 4 ports
  expect_error(j, "/rail_only", "radix exceeded");
}

TEST_CASE("multi-plane: P copies of the plane's switches, P·E NIC links, flows never leave their plane") {
  // Plane: leaf-spine of L = 4 leaves × H = 4 hosts, S = 2 spines; P = 2 planes.
  const std::uint32_t p = 2, l = 4, h = 4, s = 2;
  const json j{{"generator", "multi_plane"}, {"multi_plane", {{"planes", p}, {"plane", leaf_spine_form(l, h, s)}}}};
  const Fabric f = build(j);
  CHECK(f.planes() == p);
  CHECK(f.endpoints() == l * h);
  CHECK(count_switches(f, 1) == p * l);
  CHECK(count_switches(f, 2) == p * s);
  CHECK(count_links(f, LinkKind::nic) == p * l * h);
  CHECK(count_links(f, LinkKind::fabric) == p * l * s);
  for (NodeId e = 0; e < f.endpoints(); ++e) CHECK(f.up_port_count(e) == p);  // one NIC port per plane
  const routing::Router router(f, routing::RoutingParams{});
  // Other leaf: P planes × S spines end-to-end paths, 4 hops.
  CHECK(router.path_count(0, h) == p * s);
  CHECK(router.hop_count(0, h) == 4);
  std::set<std::uint8_t> planes_used;
  for (std::uint32_t qp = 0; qp < 64; ++qp) {
    const std::vector<NodeId> hops = path_nodes(f, router, 0, h + 1, qp);
    const std::uint8_t plane = f.node(hops[0]).plane;
    planes_used.insert(plane);
    for (std::size_t i = 0; i + 1 < hops.size(); ++i) CHECK(f.node(hops[i]).plane == plane);
  }
  CHECK(planes_used.size() == p);  // the hash spreads QPs over both planes
}

TEST_CASE("multi-plane: plane count mismatch and nested errors name their paths") {
  json j{{"generator", "multi_plane"}, {"multi_plane", {{"planes", 2}, {"nic_ports", 4}, {"plane", leaf_spine_form(4, 4, 2)}}}};
  expect_error(j, "/multi_plane/nic_ports", "plane count mismatch");
  j["multi_plane"]["nic_ports"] = 2;
  j["multi_plane"]["plane"]["leaf_spine"]["leaves"] = 0;
  expect_error(j, "/multi_plane/plane/leaf_spine/leaves", "");
  j["multi_plane"]["plane"] = json{{"generator", "multi_plane"}};
  expect_error(j, "/multi_plane/plane/generator", "cannot be nested");
  j["multi_plane"]["plane"] = leaf_spine_form(4, 4, 2);
  j["multi_plane"]["plane"]["server"] = {{"accelerators", 2}};
  expect_error(j, "/multi_plane/plane/server", "top level");
}

TEST_CASE("dual-ToR: 2·L ToRs, 2·E NIC links, ECMP over both ToRs of a pair") {
  const std::uint32_t l = 4, h = 4, s = 2;
  const json j{{"generator", "dual_tor"}, {"dual_tor", {{"base", leaf_spine_form(l, h, s)}}}};
  const Fabric f = build(j);
  CHECK(f.endpoints() == l * h);
  CHECK(count_switches(f, 1) == 2 * l);
  CHECK(count_switches(f, 2) == s);
  CHECK(count_links(f, LinkKind::nic) == 2 * l * h);
  CHECK(count_links(f, LinkKind::fabric) == 2 * l * s);
  const routing::Router router(f, routing::RoutingParams{});
  // Other pair: 2 NIC ports × S spines × 2 ToRs of the destination pair.
  CHECK(router.path_count(0, h) == 2 * s * 2);
  CHECK(router.hop_count(0, h) == 4);
  // Same pair: either ToR delivers directly.
  CHECK(router.path_count(0, 1) == 2);
  CHECK(router.hop_count(0, 1) == 2);
  // The two NIC ports of an accelerator reach two different ToRs.
  CHECK(f.up_port_count(0) == 2);
  CHECK(f.port(f.node(0).up_begin).peer != f.port(f.node(0).up_begin + 1).peer);
  // A spine with radix 2·L·1 = 8 fits; radix 4 (enough for single ToRs) does not.
  json tight = j;
  tight["dual_tor"]["base"]["leaf_spine"]["spine_radix"] = 4;
  expect_error(tight, "/dual_tor/base", "radix exceeded");
}

TEST_CASE("catalog specs reach a fixpoint through their effective JSON") {
  for (const json& j : {rail_only(4, 2, 4, 2, 8), rail_only(4, 1, 4, 0, 4),
                        json{{"generator", "multi_plane"}, {"multi_plane", {{"planes", 2}, {"plane", leaf_spine_form(4, 4, 2)}}}},
                        json{{"generator", "dual_tor"}, {"dual_tor", {{"base", leaf_spine_form(4, 4, 2)}}}}}) {
    CAPTURE(j.dump());
    const TopologySpec a = parse_topology(j, "t.json");
    const json eff = topology_to_json(a);
    const TopologySpec b = parse_topology(eff, "t.json");
    // Defaults become explicit in the effective JSON (an absent ratio reads back as "1:1"), so the
    // fixpoint is reached from the first effective spec on.
    CHECK(parse_topology(topology_to_json(b), "t.json").form == b.form);
    CHECK(b.endpoint_count() == a.endpoint_count());
    CHECK(topology_to_json(b) == eff);
  }
}
