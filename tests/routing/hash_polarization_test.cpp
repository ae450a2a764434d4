// ECMP hash polarization (routing/router.hpp, "Hashing"): CRC-32C is affine over GF(2), so two
// switches that read the same result bits pick candidates by the same linear function of the
// tuple, whatever their seeds. The default reads a different bit window per tier.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using nlohmann::json;

namespace {

// 2 pods × 4 ToRs × 4 accelerators, 4 aggregation switches per pod with 4 uplinks each (one per
// core of its plane): a cross-pod flow hashes at its ToR (4 aggs) and at the agg (4 uplinks).
Fabric two_pods() {
  const json spec{{"generator", "clos3"},
                  {"clos3",
                   {{"pods", 2}, {"tors_per_pod", 4}, {"hosts_per_tor", 4}, {"aggs_per_pod", 4},
                    {"cores_per_plane", 4}, {"tor", {{"uplinks", 4}}}, {"agg", {{"uplinks", 4}}}}}};
  return build_fabric(parse_topology(spec, "pol.json"));
}

// Flows on each agg→core port for every pod-0 → pod-1 pair (one QP each).
std::map<PortId, int> agg_uplink_load(const Fabric& f, const Router& r) {
  std::map<PortId, int> load;
  const std::uint32_t n = f.endpoints(), half = n / 2;
  for (NodeId s = 0; s < half; ++s) {
    for (NodeId d = half; d < n; ++d) {
      std::vector<PortId> path;
      REQUIRE(r.path(FlowKey::for_qp(s, d, 0), path));
      REQUIRE(path.size() >= 3);
      ++load[path[2]];  // NIC, ToR→agg, agg→core
    }
  }
  return load;
}

}  // namespace

TEST_CASE("default hashing is not polarized across tiers; per_switch_seed = false is") {
  const Fabric f = two_pods();
  // 16 × 16 = 256 cross-pod flows over 4 aggs × 4 uplinks = 16 uplinks: 16 flows each on average.
  // Polarized (one function everywhere): the agg picks index h mod 4, the index its ToR already
  // picked, so agg j sends all its 64 flows up uplink j: 4 uplinks carry 64, 12 carry none.
  const auto polarized = agg_uplink_load(f, Router(f, RoutingParams{HashKind::crc, 1, false}));
  CHECK(polarized.size() == 4);
  for (const auto& [port, flows] : polarized) CHECK(flows == 64);
  // De-correlated: every uplink is used and none carries more than twice the mean (an ideal hash
  // puts Binomial(64, 1/4) = 16 ± 3.5 flows on each).
  for (std::uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    const auto spread = agg_uplink_load(f, Router(f, RoutingParams{HashKind::crc, seed, true}));
    CHECK(spread.size() == 16);
    int most = 0;
    for (const auto& [port, flows] : spread) most = std::max(most, flows);
    CHECK(most <= 32);
  }
}

TEST_CASE("in the default mode the master seed changes which flows collide") {
  // A shift permutation on the two-pod Clos: the pairs of flows sharing an agg uplink. With an
  // affine hash and fixed result bits a seed only XORs a constant into every switch's choice, so
  // the pairs would be the same for every seed; reading other bits makes them differ.
  const Fabric f = two_pods();
  const auto collisions = [&](std::uint64_t seed) {
    const Router r(f, RoutingParams{HashKind::crc, seed, true});
    const std::uint32_t n = f.endpoints(), half = n / 2;
    std::map<PortId, std::vector<NodeId>> by_port;
    for (NodeId s = 0; s < half; ++s) {
      std::vector<PortId> path;
      REQUIRE(r.path(FlowKey::for_qp(s, half + (s + 5) % half, 0), path));
      by_port[path[2]].push_back(s);
    }
    std::set<std::pair<NodeId, NodeId>> pairs;
    for (const auto& [port, srcs] : by_port)
      for (std::size_t i = 0; i < srcs.size(); ++i)
        for (std::size_t j = i + 1; j < srcs.size(); ++j) pairs.emplace(srcs[i], srcs[j]);
    return pairs;
  };
  CHECK(collisions(1) == collisions(1));
  CHECK(collisions(1) != collisions(2));
}
