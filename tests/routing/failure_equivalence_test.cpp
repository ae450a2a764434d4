// Pruned structural ECMP (routing/failure_routes.hpp) against BFS all-shortest-paths on the same
// failed fabric, for random failures on small leaf-spines, fat-trees, dual-ToR and multi-plane
// fabrics.
//
// What must hold, for every ordered pair of endpoints in different scale-up domains:
//   * the router keeps its id-stable, structural fabric (no rebuild);
//   * when an up-down path survives, the set of complete paths (port sequences) of the pruned
//     structural router equals that of the BFS router: a path of the healthy length 2·L that
//     reaches tier L goes straight up and straight down, so the shortest paths are exactly the
//     surviving up-down paths;
//   * when none survives, BFS may still find a path, but only a longer one that goes down and up
//     again (a valley): up-down routing refuses it on purpose (BGP Clos policy; valleys open PFC
//     deadlock cycles). Every such BFS path is longer than the healthy hop count.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using nlohmann::json;

namespace {

using Path = std::vector<PortId>;

void enumerate(const Router& r, NodeId at, NodeId dst, Path& cur, std::vector<Path>& out) {
  if (at == dst) {
    out.push_back(cur);
    return;
  }
  if (cur.size() >= 16) return;
  const PortRange c = r.candidates(at, dst);
  if (!c.empty() && c.first != c.at(0)) FAIL("PortRange::first is not the first candidate");
  for (std::uint32_t i = 0; i < c.count; ++i) {
    cur.push_back(c.at(i));
    enumerate(r, r.fabric().port(c.at(i)).peer, dst, cur, out);
    cur.pop_back();
  }
}

// The shortest complete paths the router's candidate sets allow. (The BFS router's accelerators
// offer every NIC port that is up, even toward a switch farther from dst, so its longer paths are
// dropped here; the structural router's sets only ever hold shortest paths, checked below.)
std::vector<Path> all_paths(const Router& r, NodeId src, NodeId dst, bool* equal_length = nullptr) {
  std::vector<Path> out;
  Path cur;
  enumerate(r, src, dst, cur, out);
  std::size_t shortest = SIZE_MAX;
  for (const Path& p : out) shortest = std::min(shortest, p.size());
  if (equal_length != nullptr) {
    *equal_length = std::all_of(out.begin(), out.end(), [&](const Path& p) { return p.size() == shortest; });
  }
  std::erase_if(out, [&](const Path& p) { return p.size() != shortest; });
  std::sort(out.begin(), out.end());
  return out;
}

// The same fabric (same nodes, links, port order and link state) marked non-structural, so the
// router falls back to BFS tables.
Fabric as_explicit(const Fabric& f) {
  FabricBuilder b(f.name(), "explicit");
  for (NodeId n = 0; n < f.node_count(); ++n) {
    const Node& node = f.node(n);
    if (node.role == NodeRole::accelerator) b.add_accelerator(node.server, node.local_index, node.scale_up_domain, node.pod);
    if (node.role == NodeRole::fabric_switch) b.add_switch(node.tier, node.plane, node.domain, node.pod);
    if (node.role == NodeRole::scale_up_switch) b.add_scale_up_switch(node.scale_up_domain);
  }
  std::vector<Rate> rates;
  for (const Link& l : f.links()) {
    b.add_link(l.a, l.b, l.rate, l.latency, l.kind);
    rates.push_back(l.rate);
  }
  b.set_planes(f.planes());
  b.set_structural(false);
  return std::move(b).build().with_link_state(rates, f.link_down_mask());
}

bool has_valley(const Fabric& f, const Path& p) {
  bool went_down = false;
  for (const PortId port : p) {
    const Node& from = f.node(f.port(port).node);
    const Node& to = f.node(f.port(port).peer);
    const int a = from.role == NodeRole::fabric_switch ? from.tier : 0, b = to.role == NodeRole::fabric_switch ? to.tier : 0;
    if (b < a) went_down = true;
    if (b > a && went_down) return true;
  }
  return false;
}

struct Tally {
  std::uint64_t pairs = 0, equal = 0, pruned = 0, refused_valleys = 0, both_none = 0;
};

// Marks `downs` random links (fabric or NIC) or, every third trial, one random switch down.
std::vector<FailureSpec> random_failures(const Fabric& f, Rng& rng, int trial) {
  std::vector<FailureSpec> out;
  std::vector<NodeId> switches;
  for (NodeId n = 0; n < f.node_count(); ++n) {
    if (f.node(n).role == NodeRole::fabric_switch) switches.push_back(n);
  }
  if (trial % 3 == 2) {
    out.push_back(FailureSpec{node_name(f, switches[rng.below(switches.size())]), "", std::nullopt, std::nullopt, std::nullopt, std::nullopt});
    return out;
  }
  const int downs = 1 + trial % 4;
  for (int i = 0; i < downs; ++i) {
    LinkId l = 0;
    do {
      l = static_cast<LinkId>(rng.below(f.link_count()));
    } while (f.link(l).kind == LinkKind::scale_up);
    out.push_back(FailureSpec{node_name(f, f.link(l).a), node_name(f, f.link(l).b), 0, std::nullopt, std::nullopt, std::nullopt});
    // index 0 of the parallel links between the two: fine, the set of links between them differs per pair.
  }
  return out;
}

Tally compare(const json& spec, int trials, std::uint64_t seed) {
  const Fabric healthy = build_fabric(parse_topology(spec, "eq.json"));
  const Router healthy_router(healthy, RoutingParams{});
  Rng rng(seed);
  Tally t;
  for (int trial = 0; trial < trials; ++trial) {
    const std::vector<FailureSpec> failures = random_failures(healthy, rng, trial);
    const Fabric f = apply_failures(healthy, failures, "eq.json");
    const std::string failed = failures_to_json(failures).dump();
    CAPTURE(failed);
    REQUIRE(f.structural());
    REQUIRE(f.port_count() == healthy.port_count());  // ids stable: nothing rebuilt
    const Router pruned(f, RoutingParams{});
    const Fabric g = as_explicit(f);
    const Router bfs(g, RoutingParams{});
    for (NodeId s = 0; s < f.endpoints(); ++s) {
      for (NodeId d = 0; d < f.endpoints(); ++d) {
        if (s == d || (f.node(s).scale_up_domain != kNone && f.node(s).scale_up_domain == f.node(d).scale_up_domain)) continue;
        CAPTURE(trial);
        CAPTURE(s);
        CAPTURE(d);
        ++t.pairs;
        bool equal_length = false;
        const std::vector<Path> a = all_paths(pruned, s, d, &equal_length), b = all_paths(bfs, s, d);
        CHECK(equal_length);
        for (const Path& p : a) {
          for (const PortId port : p) REQUIRE(f.port_up(port));
        }
        if (!a.empty()) {
          CAPTURE(a.size());
          CAPTURE(b.size());
          CHECK(a == b);
          t.equal += a == b;
          t.pruned += a.size() < healthy_router.path_count(s, d);
          CHECK(pruned.path_count(s, d) == a.size());
        } else if (b.empty()) {
          ++t.both_none;
        } else {
          ++t.refused_valleys;
          const auto healthy_hops = static_cast<std::size_t>(healthy_router.hop_count(s, d));
          for (const Path& p : b) {
            CHECK(p.size() > healthy_hops);
            CHECK(has_valley(f, p));
          }
        }
      }
    }
  }
  return t;
}

json leaf_spine(std::uint32_t leaves, std::uint32_t hosts, std::uint32_t spines, std::uint32_t parallel) {
  return json{{"generator", "leaf_spine"},
              {"leaf_spine", {{"leaves", leaves}, {"hosts_per_leaf", hosts}, {"spines", spines}, {"parallel_links", parallel}}}};
}

}  // namespace

TEST_CASE("pruned up-down ECMP equals BFS shortest paths wherever an up-down path survives") {
  // Leaf-spines (with parallel links), a k = 4 fat tree (3 tiers, planes of cores) and a 3-tier
  // Clos with 2 cores per plane. 24 random failure sets each.
  json clos3{{"generator", "clos3"},
             {"clos3",
              {{"pods", 3}, {"tors_per_pod", 2}, {"hosts_per_tor", 2}, {"aggs_per_pod", 2}, {"cores_per_plane", 2},
               {"tor", {{"uplinks", 2}}}, {"agg", {{"uplinks", 2}}}}}};
  for (const json& spec : {leaf_spine(4, 2, 3, 1), leaf_spine(3, 2, 2, 2), json{{"generator", "fat_tree"}, {"fat_tree", {{"k", 4}}}}, clos3}) {
    CAPTURE(spec.dump());
    const Tally t = compare(spec, 24, 11);
    CHECK(t.pairs > 0);
    CHECK(t.equal > t.pairs / 2);  // most pairs keep a path
    CHECK(t.pruned > 0);           // and some of them lost paths: the comparison saw pruning
    MESSAGE("pairs " << t.pairs << ", equal " << t.equal << " (pruned " << t.pruned << "), valleys refused "
                     << t.refused_valleys << ", unreachable in both " << t.both_none);
  }
}

TEST_CASE("dual-ToR and multi-plane: pruning keeps the second ToR and the other plane, as BFS does") {
  const json dual{{"generator", "dual_tor"}, {"dual_tor", {{"base", leaf_spine(3, 2, 2, 1)}}}};
  const json planes{{"generator", "multi_plane"}, {"multi_plane", {{"planes", 2}, {"plane", leaf_spine(3, 2, 2, 1)}}}};
  for (const json& spec : {dual, planes}) {
    CAPTURE(spec.dump());
    const Tally t = compare(spec, 24, 5);
    CHECK(t.equal > t.pairs * 9 / 10);  // a second NIC port survives almost every failure set
    CHECK(t.pruned > 0);
  }
}

TEST_CASE("a valley BFS would take is refused: leaf-spine with crossed link failures") {
  // Leaves 0 and 1, spines 0 and 1: links leaf0–spine0 and leaf1–spine1 down. The only way from
  // leaf 0 to leaf 1 is leaf0 → spine1 → leaf2 → spine0 → leaf1 (down, then up again): BFS takes
  // it (6 links host to host), up-down routing reports no path.
  const Fabric healthy = build_fabric(parse_topology(leaf_spine(3, 1, 2, 1), "v.json"));
  const Fabric f = apply_failures(healthy,
                                  {FailureSpec{"t1.0", "t2.0", std::nullopt, std::nullopt, std::nullopt, std::nullopt},
                                   FailureSpec{"t1.1", "t2.1", std::nullopt, std::nullopt, std::nullopt, std::nullopt}},
                                  "v.json");
  const Router pruned(f, RoutingParams{});
  CHECK(pruned.path_count(0, 1) == 0);
  CHECK(pruned.hop_count(0, 1) == -1);
  std::vector<PortId> path;
  CHECK_FALSE(pruned.path(FlowKey::for_qp(0, 1, 0), path));
  CHECK(pruned.path_count(0, 2) == 1);  // leaf 0 → spine 1 → leaf 2 survives
  const Fabric g = as_explicit(f);
  const Router bfs(g, RoutingParams{});
  const std::vector<Path> b = all_paths(bfs, 0, 1);
  REQUIRE(b.size() == 1);
  CHECK(b[0].size() == 6);
  CHECK(has_valley(f, b[0]));
}
