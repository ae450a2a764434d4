// ECMP hash polarization on a k = 8 fat tree (routing/router.hpp, "Hashing"): a CRC with a
// per-switch initial value is affine in that value, so switches reading the same result bits make
// the same choice up to a relabelling (per_switch_seed = false); the default crc reads other bits
// per tier and crc_select draws a polynomial and bits per switch, which de-correlates them.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using json = nlohmann::json;

namespace {

Fabric fat_tree8() { return build_fabric(parse_topology(json{{"generator", "fat_tree"}, {"fat_tree", {{"k", 8}}}}, "ft.json")); }

// Flows from the 4 hosts of ToR 0 to host 127 (another pod), 64 QPs each: the core each one
// crosses (its third hop) and its ToR uplink (its second port), in flow order.
struct Choices {
  std::vector<NodeId> core;
  std::vector<PortId> uplink;
};

Choices choices(const Fabric& f, RoutingParams p) {
  const Router r(f, p);
  Choices c;
  std::vector<PortId> path;
  for (std::uint32_t src = 0; src < 4; ++src) {
    for (std::uint32_t qp = 0; qp < 64; ++qp) {
      path.clear();  // path() appends
      REQUIRE(r.path(FlowKey::for_qp(src, 127, qp), path));
      REQUIRE(path.size() == 6);  // host-ToR-agg-core-agg-ToR-host
      c.uplink.push_back(path[1]);
      c.core.push_back(f.port(path[2]).peer);
    }
  }
  return c;
}

// The partition of flows by ToR uplink, labels renamed by first appearance: equal partitions mean
// the same flows share an uplink (the same collisions), whatever the labels.
std::vector<int> partition(const std::vector<PortId>& label) {
  std::vector<PortId> seen;
  std::vector<int> out;
  for (PortId l : label) {
    std::size_t k = 0;
    while (k < seen.size() && seen[k] != l) ++k;
    if (k == seen.size()) seen.push_back(l);
    out.push_back(static_cast<int>(k));
  }
  return out;
}

std::size_t distinct(const std::vector<NodeId>& v) { return std::set<NodeId>(v.begin(), v.end()).size(); }

}  // namespace

TEST_CASE("hash polarization: one function everywhere reaches k/2 of the (k/2)² cores from one ToR; crc, crc_select and uniform reach more") {
  // k = 8: a ToR has 4 uplinks, an aggregation switch 4 up to its own 4 cores, 16 cores in all.
  // crc with per_switch_seed = false: at both tiers the choice is h mod 4 = the same 2 bits of
  //   CRC(init, m): the aggregation switch's choice is the ToR's, so the 256 flows reach exactly
  //   4 cores, whatever the seed.
  // crc (default): the ToR reads bits b.., the aggregation switch bits b + 11..: other linear maps
  //   of the tuple, with the same caveat on low-entropy keys as crc_select below (>= 12 of 16).
  // crc_select: different polynomials / bit positions per switch: the two choices are different
  //   GF(2)-linear maps of the tuple. Only 8 tuple bits vary here (src: 2, UDP source port: 6),
  //   so an aggregation switch's 2 bits can still be linearly dependent on the ToR's over them
  //   (a few % per switch: then it reaches fewer than its 4 cores), the limit any linear ASIC
  //   hash has on low-entropy keys. Expected: far above crc's 4; at least 12 of 16 (measured
  //   13, 14, 16 for seeds 1..3); the ideal hash reaches all 16 ((15/16)^256 ≈ 7e-8 for a miss).
  // crc_select with per_switch_seed = false: every switch the same function and bits: polarized, 4.
  const Fabric f = fat_tree8();
  for (std::uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    CHECK(distinct(choices(f, RoutingParams{HashKind::crc, seed, false}).core) == 4);
    const std::size_t tiered = distinct(choices(f, RoutingParams{HashKind::crc, seed, true}).core);
    MESSAGE("crc, seed " << seed << ": " << tiered << " of 16 cores");
    CHECK(tiered >= 12);
    const std::size_t selected = distinct(choices(f, RoutingParams{HashKind::crc_select, seed, true}).core);
    MESSAGE("crc_select, seed " << seed << ": " << selected << " of 16 cores");
    CHECK(selected >= 12);
    CHECK(distinct(choices(f, RoutingParams{HashKind::crc_select, seed, false}).core) == 4);
    CHECK(distinct(choices(f, RoutingParams{HashKind::uniform, seed, true}).core) == 16);
  }
}

TEST_CASE("hash polarization: a new seed changes which flows collide with crc and crc_select") {
  // The same 256 flows at ToR 0 under seeds 1, 2, 7. A seed that only XORed a constant into the
  //   hash would only rename the uplinks (same partition of flows by uplink). crc: the master seed
  //   moves every tier's bit window; crc_select: the seed picks another polynomial or bit
  //   position. Either is a different linear map of the tuple: the partition changes (with 256
  //   flows the chance that it stays is nil, unless two seeds draw the same window).
  const Fabric f = fat_tree8();
  const auto part = [&](HashKind h, std::uint64_t seed) { return partition(choices(f, RoutingParams{h, seed, true}).uplink); };
  CHECK(part(HashKind::crc, 1) == part(HashKind::crc, 1));
  CHECK(part(HashKind::crc, 1) != part(HashKind::crc, 2));
  CHECK(part(HashKind::crc, 1) != part(HashKind::crc, 7));
  CHECK(part(HashKind::crc_select, 1) != part(HashKind::crc_select, 2));
  CHECK(part(HashKind::crc_select, 1) != part(HashKind::crc_select, 7));
  CHECK(to_string(HashKind::crc_select) == std::string("crc_select"));
}
