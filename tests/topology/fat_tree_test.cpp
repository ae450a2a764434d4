#include <doctest/doctest.h>

#include <string>

#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;

namespace {

TopologySpec fat_tree(std::uint32_t k) {
  return parse_topology(nlohmann::json{{"generator", "fat_tree"},
                                       {"fat_tree", {{"k", k}, {"link", {{"rate", "100Gbps"}, {"latency", "1us"}}}}}},
                        "fat_tree_test");
}

std::size_t count_switches(const Fabric& f, int tier) {
  std::size_t n = 0;
  for (const Node& node : f.nodes()) n += node.role == NodeRole::fabric_switch && node.tier == tier;
  return n;
}

}  // namespace

TEST_CASE("k-ary fat tree: k³/4 hosts, 5k²/4 switches, 3k³/4 links, every switch uses exactly k ports") {
  for (std::uint32_t k : {2u, 4u, 8u, 16u}) {
    CAPTURE(k);
    const Fabric f = build_fabric(fat_tree(k));
    // hosts k³/4; ToRs and aggs k/2 per pod × k pods = k²/2 each; cores (k/2)² = k²/4.
    CHECK(f.endpoints() == k * k * k / 4);
    CHECK(count_switches(f, 1) == k * k / 2);
    CHECK(count_switches(f, 2) == k * k / 2);
    CHECK(count_switches(f, 3) == k * k / 4);
    CHECK(f.node_count() == k * k * k / 4 + 5 * k * k / 4);
    // host links k³/4 + ToR–agg k·(k/2)² + agg–core (k²/2)·(k/2) = 3k³/4.
    CHECK(f.link_count() == 3 * k * k * k / 4);
    for (NodeId n = f.endpoints(); n < f.node_count(); ++n) CHECK(f.node(n).port_count == k);
    CHECK(f.tier_info(1).radix == k);
    for (const Link& l : f.links()) {
      CHECK(l.rate == Rate::gbps(100));
      CHECK(l.latency == Time::from_us(1));
    }
  }
}

TEST_CASE("fat tree host numbering: host h sits under ToR ⌊h/(k/2)⌋, ToRs pod by pod") {
  for (std::uint32_t k : {4u, 8u, 16u}) {
    CAPTURE(k);
    const Fabric f = build_fabric(fat_tree(k));
    const std::uint32_t hosts = k * k * k / 4, half = k / 2;
    for (NodeId h = 0; h < hosts; ++h) {
      REQUIRE(f.node(h).port_count == 1);
      const NodeId tor = f.port(f.node(h).first_port).peer;
      const std::uint32_t tor_index = tor - hosts;  // ToRs are numbered right after the hosts
      CHECK(f.node(tor).tier == 1);
      CHECK(tor_index == h / half);
      // ToR t belongs to pod ⌊t/(k/2)⌋, so host h to pod ⌊h/(k/2)²⌋.
      CHECK(f.node(tor).pod == tor_index / half);
      CHECK(f.node(h).pod == h / (half * half));
    }
  }
}

TEST_CASE("fat tree ECMP widths: (k/2)² across pods, k/2 across ToRs of a pod, 1 under one ToR") {
  for (std::uint32_t k : {4u, 8u, 16u}) {
    CAPTURE(k);
    const Fabric f = build_fabric(fat_tree(k));
    const routing::Router router(f, routing::RoutingParams{});
    const std::uint32_t half = k / 2, pod_hosts = half * half;
    CHECK(router.path_count(0, 1) == 1);                        // same ToR
    CHECK(router.hop_count(0, 1) == 2);
    CHECK(router.path_count(0, half) == half);                  // next ToR, same pod
    CHECK(router.hop_count(0, half) == 4);
    CHECK(router.path_count(0, pod_hosts) == half * half);      // next pod
    CHECK(router.hop_count(0, pod_hosts) == 6);
    CHECK(router.path_count(f.endpoints() - 1, 0) == half * half);
  }
}
