// Scale-up domain shapes (topology/scale_up.hpp): link counts, scale-up bisection from the closed
// forms, direct-link routing on a full mesh, relays through a mesh, and the JSON fields.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "routing/router.hpp"
#include "topology/scale_up.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;

namespace {

// Rail-optimized, G accelerators per server, 2 units × 2 servers, one server per scale-up domain.
json mesh_rail(std::uint32_t g, std::uint32_t links_per_pair, const std::string& rate = "512Gbps") {
  return json{{"generator", "rail_optimized"},
              {"server", {{"accelerators", g}}},
              {"scale_up", {{"size", g}, {"shape", "full_mesh"}, {"rate", rate}, {"links_per_pair", links_per_pair}}},
              {"rail_optimized", {{"units", 2}, {"servers_per_unit", 2}, {"spines", 2}}}};
}

std::size_t count_kind(const Fabric& f, LinkKind k) {
  std::size_t n = 0;
  for (const Link& l : f.links()) n += l.kind == k;
  return n;
}

std::size_t count_role(const Fabric& f, NodeRole r) {
  std::size_t n = 0;
  for (const Node& node : f.nodes()) n += node.role == r;
  return n;
}

std::string error_path(const json& j) {
  try {
    build_fabric(parse_topology(j, "t.json"));
  } catch (const ConfigError& e) {
    return e.path();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("full mesh: m·n(n-1)/2 links per domain, no scale-up switch, m(n-1) mesh ports per accelerator") {
  for (const std::uint32_t m : {1u, 2u}) {
    CAPTURE(m);
    const Fabric f = build_fabric(parse_topology(mesh_rail(8, m), "t"));
    // E = 2 units · 2 servers · 8 = 32 accelerators in 4 domains of n = 8.
    CHECK(f.endpoints() == 32);
    CHECK(count_role(f, NodeRole::scale_up_switch) == 0);
    CHECK(count_kind(f, LinkKind::scale_up) == 4 * m * 8 * 7 / 2);  // 112 (m = 1), 224 (m = 2)
    CHECK(count_kind(f, LinkKind::nic) == 32);
    // Every accelerator: 7·m mesh ports (sideways, before its one NIC uplink).
    for (NodeId e = 0; e < f.endpoints(); ++e) {
      CHECK(f.down_port_count(e) == 7 * m);
      CHECK(f.up_port_count(e) == 1);
    }
    CHECK(scale_up_shape(f) == ScaleUpShape::full_mesh);
  }
}

TEST_CASE("scale-up bisection equals the closed forms: mesh ⌊n/2⌋·⌈n/2⌉·m·r, switched ⌊n/2⌋·r") {
  // MI300X-like mesh, n = 8, m = 1, r = 512 Gb/s: 4·4·512 Gb/s = 8.192 Tb/s per domain, 4 domains.
  const ScaleUpSummary mesh = scale_up_summary(build_fabric(parse_topology(mesh_rail(8, 1), "t")));
  CHECK(mesh.shape == ScaleUpShape::full_mesh);
  CHECK(mesh.domains == 4);
  CHECK(mesh.size == 8);
  CHECK(mesh.links_per_pair == 1);
  CHECK(mesh.ports_per_accelerator == 7);
  CHECK(mesh.domain_bisection_bps == 4ULL * 4 * 512'000'000'000ULL);
  CHECK(mesh.bisection_bps == 4 * 8'192'000'000'000ULL);
  // m = 2 doubles it.
  CHECK(scale_up_summary(build_fabric(parse_topology(mesh_rail(8, 2), "t"))).domain_bisection_bps == 16'384'000'000'000ULL);
  // Odd n = 5 (leaf-spine, one accelerator per server, 10 hosts): ⌊5/2⌋·⌈5/2⌉ = 6 pairs cut.
  const json odd{{"generator", "leaf_spine"},
                 {"scale_up", {{"size", 5}, {"shape", "full_mesh"}, {"rate", "100Gbps"}}},
                 {"leaf_spine", {{"leaves", 2}, {"hosts_per_leaf", 5}, {"spines", 1}}}};
  const ScaleUpSummary o = scale_up_summary(build_fabric(parse_topology(odd, "t")));
  CHECK(o.domains == 2);
  CHECK(o.domain_bisection_bps == 6 * 100'000'000'000ULL);
  CHECK(o.bisection_bps == 2 * 600'000'000'000ULL);
  // Switched, n = 8 at 3,600 Gb/s: the 4 accelerators of one half each send through their own
  // switch link, 4·3.6 = 14.4 Tb/s per domain.
  json sw = mesh_rail(8, 1);
  sw["scale_up"] = json{{"size", 8}, {"rate", "3600Gbps"}};
  const ScaleUpSummary s = scale_up_summary(build_fabric(parse_topology(sw, "t")));
  CHECK(s.shape == ScaleUpShape::switched);
  CHECK(s.domain_bisection_bps == 4 * 3'600'000'000'000ULL);
  CHECK(s.bisection_bps == 4 * 14'400'000'000'000ULL);
  CHECK(s.links_per_pair == 0);
}

TEST_CASE("full mesh routing: a pair inside the domain takes only its own direct links") {
  for (const std::uint32_t m : {1u, 3u}) {
    CAPTURE(m);
    const Fabric f = build_fabric(parse_topology(mesh_rail(8, m), "t"));
    const routing::Router router(f, routing::RoutingParams{});
    for (NodeId dst = 1; dst < 8; ++dst) {
      CAPTURE(dst);
      // Candidates at the source: exactly the m links whose peer is dst.
      const routing::PortRange c = router.candidates(0, dst);
      REQUIRE(c.count == m);
      for (std::uint32_t i = 0; i < c.count; ++i) {
        CHECK(f.port(c.at(i)).peer == dst);
        CHECK(f.link(f.port(c.at(i)).link).kind == LinkKind::scale_up);
      }
      CHECK(router.hop_count(0, dst) == 1);
      CHECK(router.path_count(0, dst) == m);
      std::vector<PortId> path;
      REQUIRE(router.path(routing::FlowKey::for_qp(0, dst, 0), path));
      REQUIRE(path.size() == 1);
      CHECK(f.port(path[0]).peer == dst);
    }
    // Another domain: the NIC (rail 0 of server 1 shares rail leaf 0: 2 hops).
    std::vector<PortId> path;
    REQUIRE(router.path(routing::FlowKey::for_qp(0, 8, 0), path));
    CHECK(path.size() == 2);
    CHECK(f.link(f.port(path[0]).link).kind == LinkKind::nic);
  }
}

TEST_CASE("full mesh with a direct link down: the pair goes over the scale-out fabric") {
  json j = mesh_rail(8, 1);
  // acc0–acc1 is the first mesh link of accelerator 0.
  j["failures"] = json::array({json{{"link", {"acc0", "acc1"}}}});
  const Fabric f = build_fabric(parse_topology(j, "t"));
  const routing::Router router(f, routing::RoutingParams{});
  std::vector<PortId> path;
  REQUIRE(router.path(routing::FlowKey::for_qp(0, 1, 0), path));
  // Rails 0 and 1 meet at a spine: NIC, leaf → spine, spine → leaf, leaf → acc1 = 4 hops.
  CHECK(path.size() == 4);
  CHECK(f.link(f.port(path[0]).link).kind == LinkKind::nic);
  // Other pairs keep their direct link.
  CHECK(router.hop_count(0, 2) == 1);
}

TEST_CASE("rail-only on a full mesh: the source relays over its mesh link to the peer on dst's rail") {
  const json j{{"generator", "rail_only"},
               {"server", {{"accelerators", 8}}},
               {"scale_up", {{"size", 8}, {"shape", "full_mesh"}}},
               {"rail_only", {{"units", 1}, {"servers_per_unit", 4}, {"spines_per_rail", 0}, {"rail_leaf", json::object()}}}};
  const Fabric f = build_fabric(parse_topology(j, "t"));
  const routing::Router router(f, routing::RoutingParams{});
  // acc0 (server 0, rail 0) → acc11 (server 1, rail 3): mesh link to acc3 (rail 3 of server 0),
  // its NIC to rail leaf 3, down to acc11: 3 hops, one path.
  std::vector<PortId> path;
  REQUIRE(router.path(routing::FlowKey::for_qp(0, 11, 0), path));
  REQUIRE(path.size() == 3);
  CHECK(f.port(path[0]).peer == 3);
  CHECK(f.link(f.port(path[0]).link).kind == LinkKind::scale_up);
  CHECK(f.link(f.port(path[1]).link).kind == LinkKind::nic);
  CHECK(f.port(path[2]).peer == 11);
  CHECK(router.path_count(0, 11) == 1);
  // Default mesh link rate: 512 Gb/s (one MI300X Infinity Fabric link per direction).
  CHECK(f.link(f.port(path[0]).link).rate == Rate::gbps(512));
}

TEST_CASE("scale_up JSON: shape and links_per_pair written only for a full mesh; bad fields name their path") {
  const TopologySpec mesh = parse_topology(mesh_rail(8, 2, "614.4Gbps"), "t");
  const json eff = topology_to_json(mesh);
  CHECK(eff["scale_up"]["shape"] == "full_mesh");
  CHECK(eff["scale_up"]["links_per_pair"] == 2);
  CHECK(parse_topology(eff, "t").scale_up == mesh.scale_up);
  const json sw = topology_to_json(parse_topology(default_topology_json(), "t"));
  CHECK_FALSE(sw["scale_up"].contains("shape"));
  CHECK_FALSE(sw["scale_up"].contains("links_per_pair"));

  json bad = mesh_rail(8, 1);
  bad["scale_up"]["shape"] = "torus";
  CHECK(error_path(bad) == "/scale_up/shape");
  bad = mesh_rail(8, 1);
  bad["scale_up"]["links_per_pair"] = 0;
  CHECK(error_path(bad) == "/scale_up/links_per_pair");
  bad["scale_up"]["links_per_pair"] = 17;
  CHECK(error_path(bad) == "/scale_up/links_per_pair");
  bad = mesh_rail(8, 1);
  bad["scale_up"].erase("shape");  // switched has no links_per_pair
  CHECK(error_path(bad) == "/scale_up/links_per_pair");
  bad = mesh_rail(8, 1);
  bad["scale_up"]["size"] = 0;
  CHECK(error_path(bad) == "/scale_up/size");
  bad["scale_up"]["size"] = 128;
  CHECK(error_path(bad) == "/scale_up/size");
  bad = mesh_rail(8, 1);
  bad["scale_up"]["size"] = 12;  // not whole servers of 8
  CHECK(error_path(bad) == "/scale_up/size");
}

TEST_CASE("rail-only on a full mesh rejects failures (relays through a mesh are not pruned)") {
  json j{{"generator", "rail_only"},
         {"server", {{"accelerators", 8}}},
         {"scale_up", {{"size", 8}, {"shape", "full_mesh"}}},
         {"rail_only", {{"units", 1}, {"servers_per_unit", 4}, {"spines_per_rail", 0}, {"rail_leaf", json::object()}}},
         {"failures", json::array({json{{"link", {"acc0", "acc1"}}}})}};
  CHECK(error_path(j) == "/failures");
  j["scale_up"].erase("shape");  // switched: failures are fine
  j["failures"] = json::array({json{{"link", {"acc0", "su0"}}}});
  CHECK(error_path(j) == "(no error)");
}
