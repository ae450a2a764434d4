// Rail-only fabrics with failures: the scale-up relay (routing/router.hpp) skips relays whose NIC,
// rail path or scale-up link is down, and a cross-rail path avoids the failed link.
//
// Fixture: G = 4 rails, U = 2 units of N = 4 servers, S = 2 spines per rail, scale-up domains of
// 2 servers (8 accelerators). Ids (topology/rail_only.cpp): endpoints 0..31 (server ⌊e/4⌋, rail
// e mod 4), rail leaves t1.<u·4 + r>, rail spines t2.<r·2 + j>, scale-up switches su0..su3. Each
// leaf has u1 = N = 4 uplinks (1:1), p12 = u1 / S = 2 parallel links per spine.
// Flow 0 → 17: rail 0 of server 0 (unit 0, domain 0) to rail 1 of server 4 (unit 1). Healthy, it
// relays through the rail-1 accelerators of domain 0 (acc1 and acc5, both under leaf t1.1), climbs
// one of the leaf's 4 uplinks and comes down one of the spine's p12 = 2 links to leaf t1.5:
// 2 · 4 · 2 = 16 paths of 6 links (acc0 → su0 → acc1 → t1.1 → t2.x → t1.5 → acc17).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "routing/route_check.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using nlohmann::json;

namespace {

json rail_only(const json& failures) {
  json j{{"generator", "rail_only"},
         {"server", {{"accelerators", 4}}},
         {"scale_up", {{"size", 8}}},
         {"rail_only", {{"units", 2}, {"servers_per_unit", 4}, {"spines_per_rail", 2}}}};
  if (!failures.is_null()) j["failures"] = failures;
  return j;
}

Fabric build(const json& j) { return build_fabric(parse_topology(j, "ro.json")); }

// Every node the paths of 64 QPs from src to dst visit.
std::vector<NodeId> visited(const Router& r, NodeId src, NodeId dst) {
  std::vector<NodeId> out;
  for (std::uint32_t qp = 0; qp < 64; ++qp) {
    std::vector<PortId> ports;
    REQUIRE(r.path(FlowKey::for_qp(src, dst, qp), ports));
    for (const PortId p : ports) {
      REQUIRE(r.fabric().port_up(p));
      out.push_back(r.fabric().port(p).peer);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool contains(const std::vector<NodeId>& v, NodeId n) { return std::binary_search(v.begin(), v.end(), n); }

constexpr NodeId kLeaf1 = 32 + 1;   // unit 0, rail 1
constexpr NodeId kSpine2 = 40 + 2;  // rail 1, spine 0

}  // namespace

TEST_CASE("rail-only healthy baseline: two relays, four leaf uplinks, two spine downlinks") {
  const Fabric f = build(rail_only(nullptr));
  const Router r(f, RoutingParams{});
  CHECK(r.path_count(0, 17) == 2 * 4 * 2);
  CHECK(r.hop_count(0, 17) == 6);
  const std::vector<NodeId> v = visited(r, 0, 17);
  CHECK(contains(v, 1));
  CHECK(contains(v, 5));
}

TEST_CASE("rail-only: a relay's NIC link down — the cross-rail path relays through the other one") {
  const Fabric f = build(rail_only(json::array({{{"link", {"acc1", "t1.1"}}}})));
  const Router r(f, RoutingParams{});
  CHECK(r.path_count(0, 17) == 1 * 4 * 2);  // acc5 only
  const std::vector<NodeId> v = visited(r, 0, 17);
  CHECK_FALSE(contains(v, 1));
  CHECK(contains(v, 5));
  // acc1 itself still talks across rails through its scale-up domain: its own rail is cut off
  // (rail 1 has no other way in), rail 0 is reached by relaying through acc0 or acc4.
  CHECK(r.path_count(1, 16) == 2 * 4 * 2);
  std::vector<PortId> ports;
  CHECK_FALSE(r.path(FlowKey::for_qp(1, 17, 0), ports));
}

TEST_CASE("rail-only: a leaf–spine link down inside the rail — paths keep to the other spine") {
  // Both parallel links t1.1–t2.2 down: the relays' leaf keeps 2 of its 4 uplinks (both to t2.3).
  const Fabric f = build(rail_only(json::array({{{"link", {"t1.1", "t2.2"}}}})));
  const Router r(f, RoutingParams{});
  CHECK(r.path_count(0, 17) == 2 * 2 * 2);
  const std::vector<NodeId> v = visited(r, 0, 17);
  CHECK_FALSE(contains(v, kSpine2));
  // Into leaf t1.1 from the other unit: spine t2.2 cannot deliver there any more, so leaf t1.5
  // climbs only its 2 links to t2.3, which has 2 links down to t1.1: 2 · 2 paths.
  CHECK(r.path_count(17, 1) == 2 * 2);
  const std::vector<NodeId> back = visited(r, 17, 1);
  CHECK_FALSE(contains(back, kSpine2));
  CHECK(contains(back, kLeaf1));
}

TEST_CASE("rail-only: scale-up links down — the source cannot relay, a relay is skipped, a peer is reached around") {
  {
    // acc0's own scale-up link: no way to another rail; its own rail still works.
    const Fabric f = build(rail_only(json::array({{{"link", {"acc0", "su0"}}}})));
    const Router r(f, RoutingParams{});
    std::vector<PortId> ports;
    CHECK_FALSE(r.path(FlowKey::for_qp(0, 17, 0), ports));
    CHECK(r.path_count(0, 16) == 4 * 2);  // rail 0, other unit: 4 leaf uplinks × 2 spine downlinks
    const std::vector<std::uint32_t> job_ok{0, 16, 4};
    CHECK_NOTHROW(require_reachable(r, job_ok, "job.json"));
    const std::vector<std::uint32_t> job_bad{0, 17};
    CHECK_THROWS_AS(require_reachable(r, job_bad, "job.json"), ConfigError);
  }
  {
    // Relay acc5's scale-up link: 0 → 17 relays through acc1 only.
    const Fabric f = build(rail_only(json::array({{{"link", {"acc5", "su0"}}}})));
    const Router r(f, RoutingParams{});
    CHECK(r.path_count(0, 17) == 4 * 2);
    CHECK_FALSE(contains(visited(r, 0, 17), 5));
    // 0 → 5 (same domain, rail 1) cannot go direct: relay through acc1, its leaf, then acc5's NIC.
    CHECK(r.path_count(0, 5) == 1);
    CHECK(r.hop_count(0, 5) == 4);
  }
}
