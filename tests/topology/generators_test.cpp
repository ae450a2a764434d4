// Counts and ECMP widths of the leaf-spine, 3-tier Clos and rail-optimized generators, each
// expected value derived from the formula written beside it.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;

namespace {

std::size_t count_role(const Fabric& f, NodeRole role, int tier = -1) {
  std::size_t n = 0;
  for (const Node& node : f.nodes()) n += node.role == role && (tier < 0 || node.tier == tier);
  return n;
}

std::size_t count_links(const Fabric& f, LinkKind kind, int tier = -1) {
  std::size_t n = 0;
  for (const Link& l : f.links()) n += l.kind == kind && (tier < 0 || l.tier == tier);
  return n;
}

json leaf_spine(std::uint32_t leaves, std::uint32_t hosts, std::uint32_t spines, std::uint32_t parallel) {
  return json{{"generator", "leaf_spine"},
              {"leaf_spine", {{"leaves", leaves}, {"hosts_per_leaf", hosts}, {"spines", spines}, {"parallel_links", parallel}}}};
}

}  // namespace

TEST_CASE("leaf-spine: E = L·H, L + S switches, E + L·S·P links, S·P uplinks, S·P² paths across leaves") {
  struct Case { std::uint32_t l, h, s, p; };
  for (const Case& c : {Case{2, 4, 1, 1}, Case{8, 16, 4, 4}, Case{16, 32, 8, 1}, Case{3, 5, 2, 3}}) {
    CAPTURE(c.l);
    CAPTURE(c.p);
    const Fabric f = build_fabric(parse_topology(leaf_spine(c.l, c.h, c.s, c.p), "t"));
    CHECK(f.endpoints() == c.l * c.h);
    CHECK(count_role(f, NodeRole::fabric_switch, 1) == c.l);
    CHECK(count_role(f, NodeRole::fabric_switch, 2) == c.s);
    CHECK(count_links(f, LinkKind::nic) == c.l * c.h);
    CHECK(count_links(f, LinkKind::fabric) == c.l * c.s * c.p);
    const routing::Router router(f, routing::RoutingParams{});
    const NodeId leaf0 = f.endpoints();
    // First-hop ECMP width at a leaf toward another leaf: every uplink, S·P.
    CHECK(router.candidates(leaf0, c.h).count == c.s * c.p);
    // End to end the P parallel spine→leaf links multiply again: S·P·P distinct port paths.
    CHECK(router.path_count(0, c.h) == c.s * c.p * c.p);
    CHECK(router.hop_count(0, c.h) == 4);
  }
}

TEST_CASE("leaf-spine: uplinks_per_leaf is an alternative to parallel_links") {
  json j = leaf_spine(4, 8, 2, 1);
  j["leaf_spine"].erase("parallel_links");
  j["leaf_spine"]["uplinks_per_leaf"] = 6;  // 6 uplinks over 2 spines → 3 parallel links
  const TopologySpec s = parse_topology(j, "t");
  CHECK(std::get<LeafSpineSpec>(s.form).parallel_links == 3);
}

TEST_CASE("clos3: counts and widths follow u1 = H·r_h/(o1·r_12), p12 = u1/A, u2 = T·p12·r_12/(o2·r_23)") {
  struct Case { std::uint32_t pods, tors, hosts, aggs, cores_per_plane; std::string o1, o2; };
  for (const Case& c : {Case{2, 4, 4, 2, 0, "1:1", "1:1"}, Case{4, 4, 8, 2, 2, "2:1", "1:1"}, Case{3, 2, 6, 2, 1, "3:1", "2:1"}}) {
    CAPTURE(c.pods);
    json j{{"generator", "clos3"},
           {"clos3",
            {{"pods", c.pods}, {"tors_per_pod", c.tors}, {"hosts_per_tor", c.hosts}, {"aggs_per_pod", c.aggs},
             {"cores_per_plane", c.cores_per_plane}, {"tor", {{"oversubscription", c.o1}}},
             {"agg", {{"oversubscription", c.o2}}}}}};
    const Fabric f = build_fabric(parse_topology(j, "t"));
    // All links at the default rate, so u1 = H/o1 and u2 = T·p12/o2.
    const std::uint32_t o1 = static_cast<std::uint32_t>(std::stoul(c.o1)), o2 = static_cast<std::uint32_t>(std::stoul(c.o2));
    const std::uint32_t u1 = c.hosts / o1, p12 = u1 / c.aggs, u2 = c.tors * p12 / o2;
    const std::uint32_t cpp = c.cores_per_plane == 0 ? u2 : c.cores_per_plane, p23 = u2 / cpp;
    const std::uint32_t e = c.pods * c.tors * c.hosts;
    CHECK(f.endpoints() == e);
    CHECK(count_role(f, NodeRole::fabric_switch, 1) == c.pods * c.tors);
    CHECK(count_role(f, NodeRole::fabric_switch, 2) == c.pods * c.aggs);
    CHECK(count_role(f, NodeRole::fabric_switch, 3) == c.aggs * cpp);
    CHECK(count_links(f, LinkKind::fabric, 2) == c.pods * c.tors * u1);
    CHECK(count_links(f, LinkKind::fabric, 3) == c.pods * c.aggs * u2);
    CHECK(f.node(e).port_count == c.hosts + u1);                        // a ToR
    CHECK(f.node(e + c.pods * c.tors).port_count == c.tors * p12 + u2);  // an agg
    const routing::Router router(f, routing::RoutingParams{});
    const std::uint32_t pod_hosts = c.tors * c.hosts;
    // Same pod, other ToR: u1 ways up, p12 ways down.  Other pod: u1·u2 up, p23·p12 down.
    CHECK(router.path_count(0, c.hosts) == u1 * p12);
    CHECK(router.path_count(0, pod_hosts) == u1 * u2 * p23 * p12);
    CHECK(router.hop_count(0, pod_hosts) == 6);
  }
}

TEST_CASE("rail-optimized, 2 tiers: NIC i of every server of a unit on rail leaf i of that unit") {
  struct Case { std::uint32_t units, servers, g, spines; };
  for (const Case& c : {Case{1, 4, 2, 2}, Case{4, 32, 8, 16}, Case{3, 8, 4, 0}}) {
    CAPTURE(c.units);
    json j{{"generator", "rail_optimized"},
           {"server", {{"accelerators", c.g}}},
           {"rail_optimized", {{"units", c.units}, {"servers_per_unit", c.servers}, {"spines", c.spines}}}};
    const Fabric f = build_fabric(parse_topology(j, "t"));
    const std::uint32_t e = c.units * c.servers * c.g, leaves = c.units * c.g;
    const std::uint32_t u1 = c.servers;  // 1:1 at equal rates: as many uplinks as servers
    const std::uint32_t spines = c.spines == 0 ? u1 : c.spines, p12 = u1 / spines;
    CHECK(f.endpoints() == e);
    CHECK(count_role(f, NodeRole::fabric_switch, 1) == leaves);
    CHECK(count_role(f, NodeRole::fabric_switch, 2) == spines);
    CHECK(count_role(f, NodeRole::scale_up_switch) == c.units * c.servers);  // one per server by default
    CHECK(count_links(f, LinkKind::nic) == e);
    CHECK(count_links(f, LinkKind::scale_up) == e);
    CHECK(count_links(f, LinkKind::fabric) == leaves * u1);
    for (NodeId a = 0; a < e; ++a) {
      const std::uint32_t server = a / c.g, rail = a % c.g, unit = server / c.servers;
      NodeId leaf = kNone;
      for (const Port& p : f.ports_of(a)) {
        if (f.node(p.peer).role == NodeRole::fabric_switch) leaf = p.peer;
      }
      REQUIRE(leaf != kNone);
      CHECK(leaf - e == unit * c.g + rail);
      CHECK(f.node(a).server == server);
      CHECK(f.node(a).local_index == rail);
      CHECK(f.node(a).pod == unit);
    }
    const routing::Router router(f, routing::RoutingParams{});
    CHECK(router.path_count(0, 1) == 1);   // same server: scale-up switch
    CHECK(router.hop_count(0, 1) == 2);
    CHECK(router.path_count(0, c.g) == 1); // same rail, same unit: one rail leaf
    CHECK(router.hop_count(0, c.g) == 2);
    if (c.units > 1) {
      const NodeId other_unit = c.servers * c.g;  // rail 0 of the first server of unit 1
      CHECK(router.path_count(0, other_unit) == u1 * p12);
      CHECK(router.hop_count(0, other_unit) == 4);
    }
  }
}

TEST_CASE("rail-optimized, 3 tiers: pods of units joined by cores in planes") {
  // 4 units of 4 servers × 4 accelerators, 2 units per pod, 2 spines per pod, spine 2:1.
  json j{{"generator", "rail_optimized"},
         {"server", {{"accelerators", 4}}},
         {"rail_optimized",
          {{"units", 4}, {"servers_per_unit", 4}, {"spines", 2}, {"core", true}, {"units_per_pod", 2},
           {"spine", {{"oversubscription", "2:1"}}}}}};
  const Fabric f = build_fabric(parse_topology(j, "t"));
  // u1 = 4 servers → 4 uplinks, p12 = 4/2 = 2; spine down = 2 units·4 rails·2 = 16; u2 = 16/2 = 8;
  // cores_per_plane = u2 = 8, p23 = 1; cores = 2 planes × 8 = 16; pods = 2.
  CHECK(f.endpoints() == 64);
  CHECK(count_role(f, NodeRole::fabric_switch, 1) == 16);
  CHECK(count_role(f, NodeRole::fabric_switch, 2) == 4);
  CHECK(count_role(f, NodeRole::fabric_switch, 3) == 16);
  CHECK(count_links(f, LinkKind::fabric, 2) == 16 * 4);
  CHECK(count_links(f, LinkKind::fabric, 3) == 4 * 8);
  const routing::Router router(f, routing::RoutingParams{});
  CHECK(f.node(16).pod == 0);                         // endpoints are labelled by pod (2 units)
  CHECK(f.node(32).pod == 1);
  CHECK(router.path_count(0, 16) == 4 * 2);           // other unit, same pod: u1·p12
  CHECK(router.path_count(0, 32) == 4 * 8 * 1 * 2);   // other pod: u1·u2·p23·p12
  CHECK(router.hop_count(0, 32) == 6);
}

TEST_CASE("scale-up domains larger than a server: 72 accelerators = 18 servers of 4") {
  json j{{"generator", "rail_optimized"},
         {"server", {{"accelerators", 4}}},
         {"scale_up", {{"size", 72}, {"rate", "7200Gbps"}, {"latency", "150ns"}}},
         {"rail_optimized", {{"units", 2}, {"servers_per_unit", 18}}}};
  const Fabric f = build_fabric(parse_topology(j, "t"));
  // 2·18·4 = 144 accelerators → 2 scale-up switches of 72 ports each.
  CHECK(count_role(f, NodeRole::scale_up_switch) == 2);
  for (NodeId n = 0; n < f.node_count(); ++n) {
    if (f.node(n).role == NodeRole::scale_up_switch) CHECK(f.node(n).port_count == 72);
  }
  for (const Link& l : f.links()) {
    if (l.kind == LinkKind::scale_up) CHECK(l.rate == Rate::gbps(7200));
  }
  const routing::Router router(f, routing::RoutingParams{});
  CHECK(router.hop_count(0, 71) == 2);  // servers 0 and 17 share the domain
  CHECK(router.hop_count(0, 72) == 4);  // different domain and unit: through a spine
}

TEST_CASE("effective config: every default filled in, and it parses back to the same spec") {
  for (const json& j : {default_topology_json(), leaf_spine(2, 2, 1, 1),
                        json{{"generator", "fat_tree"}, {"fat_tree", {{"k", 4}}}}}) {
    const TopologySpec a = parse_topology(j, "a");
    const json eff = topology_to_json(a);
    const TopologySpec b = parse_topology(eff, "b");
    CHECK(b.name == a.name);
    CHECK(b.accelerators_per_server == a.accelerators_per_server);
    CHECK(b.scale_up == a.scale_up);
    CHECK(b.form == a.form);
    CHECK(topology_to_json(b) == eff);
  }
  const json eff = topology_to_json(parse_topology(json{{"generator", "fat_tree"}, {"fat_tree", {{"k", 4}}}}, "a"));
  CHECK(eff["fat_tree"]["link"]["rate"] == "400Gbps");
  CHECK(eff["fat_tree"]["link"]["latency"] == "500ns");
  CHECK(eff["scale_up"]["size"] == 0);
}

TEST_CASE("the built-in default: 128 accelerators in 16 servers of 8, 400 Gb/s NICs, per-server scale-up") {
  const Fabric f = build_fabric(parse_topology(default_topology_json(), "default"));
  CHECK(f.endpoints() == 16 * 8);
  CHECK(count_role(f, NodeRole::scale_up_switch) == 16);
  for (const Link& l : f.links()) {
    if (l.kind == LinkKind::nic) CHECK(l.rate == Rate::gbps(400));
  }
}

TEST_CASE("leaf-spine with one leaf and no spines is a single-switch fabric") {
  const Fabric f = build_fabric(parse_topology(leaf_spine(1, 6, 0, 1), "t"));
  // 6 hosts, 1 switch, 6 links; every pair is 2 hops through the one leaf.
  CHECK(f.endpoints() == 6);
  CHECK(f.node_count() == 7);
  CHECK(f.link_count() == 6);
  CHECK(f.max_tier() == 1);
  const routing::Router router(f, routing::RoutingParams{});
  CHECK(router.hop_count(0, 5) == 2);
  CHECK(router.path_count(0, 5) == 1);
}

TEST_CASE("uplink counts follow the rates: u = down·r_down·up/(down_ratio·r_up)") {
  // 16 hosts at 400G under a ToR with 800G uplinks at 1:1 → 16·400/800 = 8 uplinks; over 4 aggs → 2 each.
  json j{{"generator", "clos3"},
         {"clos3",
          {{"pods", 2}, {"tors_per_pod", 3}, {"hosts_per_tor", 16}, {"aggs_per_pod", 4},
           {"tor", {{"uplink", {{"rate", "800Gbps"}}}}}, {"agg", {{"oversubscription", 1.5}}}}}};
  const TopologySpec spec = parse_topology(j, "t");
  CHECK(std::get<Clos3Spec>(spec.form).agg.oversubscription == Ratio{3, 2});  // 1.5 → 3:2
  const Fabric f = build_fabric(spec);
  const NodeId tor0 = f.endpoints(), agg0 = f.endpoints() + 2 * 3;
  CHECK(f.up_port_count(tor0) == 8);
  // Agg: 3 ToRs × 2 links = 6 down at 800G; 3:2 at 400G uplinks → 6·800·2/(3·400) = 8.
  CHECK(f.down_port_count(agg0) == 6);
  CHECK(f.up_port_count(agg0) == 8);
  j["clos3"]["agg"] = {{"oversubscription", "4:3"}};  // 6·800·3/(4·400) = 9 uplinks
  const Fabric g = build_fabric(parse_topology(j, "t"));
  CHECK(g.up_port_count(agg0) == 9);
  j["clos3"]["agg"] = {{"oversubscription", "5:1"}};  // 6·800/(5·400) = 2.4: not whole
  CHECK_THROWS_WITH_AS(parse_topology(j, "t"), doctest::Contains("does not divide into whole ports"), ConfigError);
}

TEST_CASE("rail-optimized, 3 tiers, several sizes: counts and cross-pod widths from the formulas") {
  struct Case { std::uint32_t units, servers, g, upp, spines, cpp; std::string o2; };
  for (const Case& c : {Case{2, 2, 2, 1, 2, 0, "1:1"}, Case{6, 4, 4, 3, 4, 2, "3:1"}, Case{8, 8, 8, 2, 8, 4, "2:1"}}) {
    CAPTURE(c.units);
    json j{{"generator", "rail_optimized"},
           {"server", {{"accelerators", c.g}}},
           {"rail_optimized",
            {{"units", c.units}, {"servers_per_unit", c.servers}, {"spines", c.spines}, {"core", true},
             {"units_per_pod", c.upp}, {"cores_per_plane", c.cpp}, {"spine", {{"oversubscription", c.o2}}}}}};
    const Fabric f = build_fabric(parse_topology(j, "t"));
    // E = U·N·G; pods = U/upp; leaves U·G; u1 = N; p12 = u1/S; spine down d2 = upp·G·p12;
    // u2 = d2/o2; cores per plane C (default u2); p23 = u2/C; cores = S·C.
    const std::uint32_t o2 = static_cast<std::uint32_t>(std::stoul(c.o2));
    const std::uint32_t e = c.units * c.servers * c.g, pods = c.units / c.upp, u1 = c.servers, p12 = u1 / c.spines;
    const std::uint32_t d2 = c.upp * c.g * p12, u2 = d2 / o2, cpp = c.cpp == 0 ? u2 : c.cpp, p23 = u2 / cpp;
    CHECK(f.endpoints() == e);
    CHECK(count_role(f, NodeRole::fabric_switch, 1) == c.units * c.g);
    CHECK(count_role(f, NodeRole::fabric_switch, 2) == pods * c.spines);
    CHECK(count_role(f, NodeRole::fabric_switch, 3) == c.spines * cpp);
    CHECK(count_links(f, LinkKind::fabric, 2) == c.units * c.g * u1);
    CHECK(count_links(f, LinkKind::fabric, 3) == pods * c.spines * u2);
    const routing::Router router(f, routing::RoutingParams{});
    const NodeId other_pod = c.upp * c.servers * c.g;  // first accelerator of pod 1 (rail 0)
    CHECK(f.node(other_pod).pod == 1);
    CHECK(router.path_count(0, other_pod) == std::uint64_t{u1} * u2 * p23 * p12);
    CHECK(router.hop_count(0, other_pod) == 6);
  }
}
