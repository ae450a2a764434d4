// Routing on rail-only fabrics with 3-tier rails (topology/rail_only.cpp, "core": true): every path
// is valley-free (switch tiers rise, then fall, once), never leaves the destination's rail after
// the scale-up relay, and the ECMP widths are the products of the per-tier fan-outs.
//
// Fixture: G = 2 rails, U = 4 units of N = 2 servers, 2 units per pod → P = 2 pods, S = 2 spines
// per pod and rail, C = 1 core per plane, scale-up domain = one server. Per rail: u1 = N = 2 leaf
// uplinks (p12 = 1 per spine), u2 = 2 spine uplinks, both to the plane's one core (p23 = 2).
// Endpoint e: server ⌊e/2⌋, rail e mod 2, unit ⌊e/4⌋, pod ⌊e/8⌋.
#include <doctest/doctest.h>

#include <vector>

#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using nlohmann::json;

namespace {

Fabric small_3tier() {
  const json j{{"generator", "rail_only"},
               {"server", {{"accelerators", 2}}},
               {"scale_up", {{"size", 2}}},
               {"rail_only",
                {{"units", 4},
                 {"servers_per_unit", 2},
                 {"spines_per_rail", 2},
                 {"core", true},
                 {"units_per_pod", 2},
                 {"cores_per_plane", 1}}}};
  return build_fabric(parse_topology(j, "ro3.json"));
}

}  // namespace

TEST_CASE("3-tier rail-only: path counts and hops are the per-tier fan-out products") {
  const Fabric f = small_3tier();
  const Router r(f, RoutingParams{});
  // Same leaf (servers 0 and 1, rail 0): NIC up, NIC down.
  CHECK(r.hop_count(0, 2) == 2);
  // Same pod, other unit (0 → 4): leaf, one of S·p12 = 2 spines, leaf.
  CHECK(r.hop_count(0, 4) == 4);
  CHECK(r.path_count(0, 4) == 2);
  // Other pod, same rail (0 → 8): up u1 = 2 spine links, up u2 = 2 core links, down p23 = 2 links
  // to the spine of the same plane in pod 1, down p12 = 1 to the leaf: 2·2·2·1 = 8 paths, 6 hops.
  CHECK(r.hop_count(0, 8) == 6);
  CHECK(r.path_count(0, 8) == 8);
  // Other pod, other rail (0 → 9): scale-up to the one rail-1 relay of server 0 (acc 1), then rail
  // 1's tree as above: 2 + 6 hops, 8 paths.
  CHECK(r.hop_count(0, 9) == 8);
  CHECK(r.path_count(0, 9) == 8);
}

TEST_CASE("3-tier rail-only: every path is valley-free and stays on the destination's rail") {
  const Fabric f = small_3tier();
  const Router r(f, RoutingParams{});
  std::vector<PortId> ports;
  for (NodeId src = 0; src < f.endpoints(); ++src) {
    for (NodeId dst = 0; dst < f.endpoints(); ++dst) {
      if (src == dst) continue;
      for (std::uint32_t qp = 0; qp < 8; ++qp) {
        CAPTURE(src);
        CAPTURE(dst);
        ports.clear();
        REQUIRE(r.path(FlowKey::for_qp(src, dst, qp), ports));
        REQUIRE(f.port(ports.back()).peer == dst);
        int prev_tier = 0;
        bool falling = false;
        int scale_up_hops = 0;
        for (PortId p : ports) {
          const Node& n = f.node(f.port(p).peer);
          if (n.role == NodeRole::scale_up_switch) {
            ++scale_up_hops;
            CHECK(prev_tier == 0);  // only before the scale-out part of the path
            continue;
          }
          if (n.role != NodeRole::fabric_switch) continue;
          CHECK(n.domain[3] == f.node(dst).local_index);  // the rail is the top-tier domain
          if (n.tier < prev_tier) falling = true;
          if (falling) CHECK(n.tier < prev_tier);  // no valley: once down, only down
          CHECK(n.tier != prev_tier);              // no sideways hop
          prev_tier = n.tier;
        }
        // A scale-up hop happens exactly for same-server pairs and cross-rail relays.
        const bool same_server = src / 2 == dst / 2;
        const bool cross_rail = src % 2 != dst % 2;
        CHECK(scale_up_hops == ((same_server || cross_rail) ? 1 : 0));
      }
    }
  }
}
