#include <doctest/doctest.h>

#include <set>

#include "routing/router.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;

namespace {

// Hand-built 2-tier leaf-spine: `leaves` leaves with `hosts` hosts each, `spines` spines, one link
// from every leaf to every spine, servers of `gpus` accelerators sharing a scale-up switch.
Fabric tiny_leaf_spine(std::uint32_t leaves, std::uint32_t hosts, std::uint32_t spines, std::uint32_t gpus = 1) {
  FabricBuilder b("tiny", "hand");
  const Rate r = Rate::gbps(400);
  const Time d = Time::from_ns(500);
  for (std::uint32_t e = 0; e < leaves * hosts; ++e) b.add_accelerator(e / gpus, e % gpus, gpus > 1 ? e / gpus : kNone, 0);
  std::vector<NodeId> leaf_ids, spine_ids, su_ids;
  for (std::uint32_t l = 0; l < leaves; ++l) leaf_ids.push_back(b.add_switch(1, 0, {kNone, l, 0, 0, 0}, 0));
  for (std::uint32_t s = 0; s < spines; ++s) spine_ids.push_back(b.add_switch(2, 0, {kNone, kNone, 0, 0, 0}, 0));
  if (gpus > 1) {
    for (std::uint32_t s = 0; s < leaves * hosts / gpus; ++s) su_ids.push_back(b.add_scale_up_switch(s));
  }
  for (std::uint32_t e = 0; e < leaves * hosts; ++e) {
    b.add_link(e, leaf_ids[e / hosts], r, d, LinkKind::nic);
    if (gpus > 1) b.add_link(e, su_ids[e / gpus], Rate::gbps(3600), Time::from_ns(100), LinkKind::scale_up);
  }
  for (NodeId l : leaf_ids)
    for (NodeId s : spine_ids) b.add_link(l, s, r, d, LinkKind::fabric);
  return std::move(b).build();
}

}  // namespace

TEST_CASE("leaf-spine: same-leaf traffic stays on the leaf, cross-leaf has one path per spine") {
  const Fabric f = tiny_leaf_spine(4, 4, 3);
  const Router router(f, RoutingParams{});
  // Same leaf: host → leaf → host, exactly one path of 2 hops.
  CHECK(router.path_count(0, 1) == 1);
  CHECK(router.hop_count(0, 1) == 2);
  // Different leaves: host → leaf → (any of 3 spines) → leaf → host: 3 paths of 4 hops.
  CHECK(router.path_count(0, 5) == 3);
  CHECK(router.hop_count(0, 5) == 4);
  std::vector<PortId> path;
  REQUIRE(router.path(FlowKey::for_qp(0, 5, 0), path));
  REQUIRE(path.size() == 4);
  CHECK(f.port(path.front()).node == 0);
  CHECK(f.port(path.back()).peer == 5);
  for (std::size_t i = 1; i < path.size(); ++i) CHECK(f.port(path[i]).node == f.port(path[i - 1]).peer);
}

TEST_CASE("hashing is deterministic and spreads QPs over all spines") {
  const Fabric f = tiny_leaf_spine(2, 4, 4);
  for (HashKind kind : {HashKind::uniform, HashKind::crc}) {
    const Router a(f, RoutingParams{kind, 7, true});
    const Router b(f, RoutingParams{kind, 7, true});
    std::set<NodeId> spines_used;
    for (std::uint32_t qp = 0; qp < 64; ++qp) {
      std::vector<PortId> pa, pb;
      REQUIRE(a.path(FlowKey::for_qp(0, 4, qp), pa));
      REQUIRE(b.path(FlowKey::for_qp(0, 4, qp), pb));
      CHECK(pa == pb);
      spines_used.insert(f.port(pa[1]).peer);
    }
    // 64 QPs over 4 spines: missing a spine has probability 4·(3/4)^64 ≈ 4e-8.
    CHECK(spines_used.size() == 4);
  }
}

TEST_CASE("scale-up domain: accelerators of one server talk over the scale-up switch") {
  const Fabric f = tiny_leaf_spine(2, 8, 2, 8);  // each leaf hosts one 8-GPU server
  const Router router(f, RoutingParams{});
  std::vector<PortId> path;
  REQUIRE(router.path(FlowKey::for_qp(0, 3, 0), path));
  REQUIRE(path.size() == 2);
  CHECK(f.link(f.port(path[0]).link).kind == LinkKind::scale_up);
  CHECK(router.path_count(0, 3) == 1);
  // Across servers the NIC is used.
  path.clear();
  REQUIRE(router.path(FlowKey::for_qp(0, 9, 0), path));
  CHECK(f.link(f.port(path[0]).link).kind == LinkKind::nic);
  CHECK(path.size() == 4);
}

TEST_CASE("explicit graphs route over all shortest paths found by BFS") {
  // A ring of 4 switches s0-s1-s2-s3-s0 plus a chord s0-s2, one host on each switch, no addressing.
  // Host 0 (on s0) to host 2 (on s2): the chord gives the unique shortest path of 3 links.
  // Host 1 (on s1) to host 3 (on s3): s1→s0→s3 and s1→s2→s3 are both 4 links: ECMP width 2.
  FabricBuilder b("ring", "explicit");
  for (std::uint32_t e = 0; e < 4; ++e) b.add_accelerator(e, 0, kNone, 0);
  std::vector<NodeId> s;
  for (std::uint32_t i = 0; i < 4; ++i) s.push_back(b.add_switch(1, 0, {kNone, i, 0, 0, 0}, 0));
  const Rate r = Rate::gbps(100);
  for (std::uint32_t e = 0; e < 4; ++e) b.add_link(e, s[e], r, Time::from_us(1), LinkKind::nic);
  for (std::uint32_t i = 0; i < 4; ++i) b.add_link(s[i], s[(i + 1) % 4], r, Time::from_us(1), LinkKind::fabric);
  b.add_link(s[0], s[2], r, Time::from_us(1), LinkKind::fabric);
  b.set_structural(false);
  const Fabric f = std::move(b).build();
  const Router router(f, RoutingParams{});
  CHECK(router.hop_count(0, 2) == 3);
  CHECK(router.path_count(0, 2) == 1);
  CHECK(router.hop_count(1, 3) == 4);
  CHECK(router.path_count(1, 3) == 2);
  std::vector<PortId> path;
  REQUIRE(router.path(FlowKey::for_qp(1, 3, 5), path));
  CHECK(path.size() == 4);
  CHECK(f.port(path.back()).peer == 3);
}
