// The catalog configs shipped in topologies/ build with the counts their formulas give.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"
#include "shipped_config_helpers.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using rocesim::topology::testing::config;
using rocesim::topology::testing::count_switches;

namespace {

std::size_t count_links(const Fabric& f, LinkKind kind) {
  std::size_t n = 0;
  for (const Link& l : f.links()) n += l.kind == kind;
  return n;
}

}  // namespace

TEST_CASE("rail_131k: 256 units × 64 servers × 8 = 131,072 accelerators in 32 pods, 4:1 into the core") {
  const Fabric f = build_fabric(load_topology_file(config("rail_131k.json")));
  const std::uint64_t units = 256, spu = 64, g = 8, units_per_pod = 8, pods = units / units_per_pod;
  CHECK(f.endpoints() == units * spu * g);
  CHECK(f.endpoints() == 131072);
  // Rail leaves: one per rail per unit; u1 = 64 uplinks (1:1) over 64 spines per pod → p12 = 1.
  CHECK(count_switches(f, 1) == units * g);
  CHECK(count_switches(f, 2) == pods * 64);
  // A spine has 8 units · 8 rails · 1 = 64 down ports; 4:1 → 16 up, one per core of its plane.
  CHECK(count_switches(f, 3) == 64 * 16);
  CHECK(count_links(f, LinkKind::nic) == units * spu * g);
  CHECK(count_links(f, LinkKind::fabric) == units * g * 64 + pods * 64 * 16);
  const routing::Router router(f, routing::RoutingParams{});
  // Other pod: 64 leaf uplinks × 16 spine uplinks up, one way down: 1024 paths, 6 hops.
  CHECK(router.path_count(0, 131071) == 64 * 16);
  CHECK(router.hop_count(0, 131071) == 6);
}

TEST_CASE("rail_only_4su_32x8: the rail-optimized 4SU cluster without the cross-rail spine") {
  const Fabric f = build_fabric(load_topology_file(config("rail_only_4su_32x8.json")));
  const std::uint32_t units = 4, spu = 32, g = 8, spr = 2, u1 = 32;
  CHECK(f.endpoints() == units * spu * g);
  CHECK(count_switches(f, 1) == units * g);
  CHECK(count_switches(f, 2) == g * spr);
  CHECK(count_links(f, LinkKind::fabric) == units * g * u1);
  const routing::Router router(f, routing::RoutingParams{});
  // Cross rail, other unit: scale-up, relay, leaf, spine, leaf, destination.
  CHECK(router.hop_count(0, spu * g + 1) == 6);
}

TEST_CASE("rail_only_nvl72_576: 72-accelerator scale-up domains give 18 relays per cross-rail hop") {
  const Fabric f = build_fabric(load_topology_file(config("rail_only_nvl72_576.json")));
  const std::uint32_t g = 4, su = 72, spu = 36, u1 = 36, p12 = 9;
  CHECK(f.endpoints() == 4 * spu * g);
  const routing::Router router(f, routing::RoutingParams{});
  // 0 → (server 36, rail 1) in unit 1: relays are the rail-1 accelerators of 0's domain, su/g = 18,
  // each with u1 · p12 rail paths.
  CHECK(router.path_count(0, spu * g + 1) == (su / g) * u1 * p12);
}

TEST_CASE("multi_plane_hpn_2x256 and dual_tor_128 counts") {
  const Fabric mp = build_fabric(load_topology_file(config("multi_plane_hpn_2x256.json")));
  CHECK(mp.planes() == 2);
  CHECK(mp.endpoints() == 2 * 16 * 8);
  CHECK(count_switches(mp, 1) == 2 * (2 * 8));  // planes × units × rails
  CHECK(count_links(mp, LinkKind::nic) == 2 * 256);
  const Fabric dt = build_fabric(load_topology_file(config("dual_tor_128.json")));
  CHECK(dt.endpoints() == 128);
  CHECK(count_switches(dt, 1) == 2 * 8);
  CHECK(count_links(dt, LinkKind::nic) == 2 * 128);
}

TEST_CASE("simai_rail_32.txt: SimAI text with 4 NVSwitches, 8 rail ToRs and 4 spines") {
  const TopologySpec spec = load_topology_file(config("simai_rail_32.txt"));
  CHECK(std::string(spec.generator()) == "explicit");
  const Fabric f = build_fabric(spec);
  CHECK_FALSE(f.structural());
  CHECK(f.endpoints() == 32);
  CHECK(count_switches(f, 1) == 8);
  CHECK(count_switches(f, 2) == 4);
  CHECK(count_links(f, LinkKind::scale_up) == 32);
  const routing::Router router(f, routing::RoutingParams{});
  CHECK(router.path_count(0, 9) == 4);  // rail 0 → rail 1 ToR over 4 spines
  CHECK(router.hop_count(0, 8) == 2);   // same rail ToR
  CHECK_THROWS_AS(load_topology_file(config("simai_rail_32.txt"), {"a=1"}), ConfigError);
}
