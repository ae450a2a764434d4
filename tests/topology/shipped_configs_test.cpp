// Every config in topologies/ loads, validates and builds, with the counts its README row states.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "routing/router.hpp"
#include "topology/topology.hpp"
#include "shipped_config_helpers.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using rocesim::topology::testing::config;
using rocesim::topology::testing::count_switches;

TEST_CASE("every shipped topology builds and is connected") {
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(ROCESIM_SOURCE_DIR) + "/topologies")) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path().string());
    const Fabric f = build_fabric(load_topology_file(entry.path().string()));
    CHECK(f.endpoints() > 0);
    ++seen;
  }
  CHECK(seen >= 5);
}

TEST_CASE("shipped fat trees match ../shared/bench: k=8 → 128 hosts, 80 switches; k=16 → 1024, 320") {
  const Fabric k8 = build_fabric(load_topology_file(config("fat_tree_k8.json")));
  CHECK(k8.endpoints() == 8 * 8 * 8 / 4);
  CHECK(k8.node_count() - k8.endpoints() == 5 * 8 * 8 / 4);
  const Fabric k16 = build_fabric(load_topology_file(config("fat_tree_k16.json")));
  CHECK(k16.endpoints() == 16 * 16 * 16 / 4);
  CHECK(k16.node_count() - k16.endpoints() == 5 * 16 * 16 / 4);
  for (const Link& l : k16.links()) {
    CHECK(l.rate == Rate::gbps(100));
    CHECK(l.latency == Time::from_us(1));
  }
}

TEST_CASE("shipped leaf-spine: 8 leaves × 16 hosts = 128, 4 spines × 4 parallel links") {
  const Fabric f = build_fabric(load_topology_file(config("leaf_spine_128.json")));
  CHECK(f.endpoints() == 128);
  CHECK(count_switches(f, 1) == 8);
  CHECK(count_switches(f, 2) == 4);
  // Each leaf: 16 down + 4·4 up = 32 = its declared radix; each spine: 8 leaves · 4 = 32.
  CHECK(f.node(128).port_count == 32);
  CHECK(f.node(128 + 8).port_count == 32);
}

TEST_CASE("shipped rail fabric: 4 units × 32 servers × 8 = 1024 accelerators on 64-port switches") {
  const Fabric f = build_fabric(load_topology_file(config("rail_4su_32x8.json")));
  CHECK(f.endpoints() == 4 * 32 * 8);
  CHECK(count_switches(f, 1) == 4 * 8);  // one rail leaf per rail per unit
  // 32 leaves × 32 uplinks over 16 spines → 2 parallel links; spine ports 32·2 = 64 = radix.
  CHECK(count_switches(f, 2) == 16);
  CHECK(f.node(1024).port_count == 64);
  CHECK(f.node(1024 + 32).port_count == 64);
  const routing::Router router(f, routing::RoutingParams{});
  CHECK(router.path_count(0, 32 * 8) == 32 * 2);  // other unit: 32 uplinks × 2 parallel down links
}

TEST_CASE("shipped 3-tier cluster: 8 pods × 3072 accelerators, top tier 384:55 ≈ 7:1") {
  const TopologySpec spec = load_topology_file(config("clos3_8pods_3072.json"));
  const Fabric f = build_fabric(spec);
  CHECK(f.endpoints() == 8 * 3072);
  CHECK(count_switches(f, 1) == 8 * 192);
  CHECK(count_switches(f, 2) == 8 * 8);
  CHECK(count_switches(f, 3) == 8 * 11);  // 8 planes × 11 cores
  // ToR: 16 down + 16 up; agg: 192 ToRs × 2 parallel = 384 down + 55 up; core: 8 pods × 5 links.
  CHECK(f.node(8 * 3072).port_count == 32);
  CHECK(f.node(8 * 3072 + 8 * 192).port_count == 384 + 55);
  CHECK(f.node(8 * 3072 + 8 * 192 + 64).port_count == 8 * 5);
}
