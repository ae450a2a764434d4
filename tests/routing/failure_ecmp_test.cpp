// Failures at time zero: ECMP sets after spine and link failures (structural routing, ids kept),
// weighted ECMP on a degraded link, dual-ToR bandwidth after one NIC link fails, and every bad
// failure entry.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using nlohmann::json;

namespace {

// Leaf-spine: L leaves × H hosts, S spines, 400 Gb/s everywhere. Leaves are t1.0..t1.L-1, spines
// t2.0..t2.S-1, host i is acc<i> under leaf ⌊i/H⌋.
constexpr std::uint32_t kL = 4, kH = 4, kS = 4;

json leaf_spine(const json& failures) {
  json j{{"generator", "leaf_spine"},
         {"leaf_spine", {{"leaves", kL}, {"hosts_per_leaf", kH}, {"spines", kS}}}};
  if (!failures.is_null()) j["failures"] = failures;
  return j;
}

Fabric build(const json& j) { return build_fabric(parse_topology(j, "f.json")); }

bool path_uses(const Fabric& f, const Router& r, NodeId src, NodeId dst, std::uint32_t qp, NodeId node) {
  std::vector<PortId> ports;
  REQUIRE(r.path(FlowKey::for_qp(src, dst, qp), ports));
  for (PortId p : ports) {
    if (f.port(p).peer == node) return true;
  }
  return false;
}

void expect_error(const json& failures, const std::string& path, const std::string& words) {
  CAPTURE(failures.dump());
  try {
    build(leaf_spine(failures));
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.path() == path);
    CHECK_MESSAGE(e.message().find(words) != std::string::npos, std::string(e.what()));
  }
}

}  // namespace

TEST_CASE("a spine down: ECMP across leaves shrinks from S to S-1 and avoids the spine") {
  const Fabric healthy = build(leaf_spine(nullptr));
  const Router hr(healthy, RoutingParams{});
  CHECK(hr.path_count(0, kH) == kS);
  FailureEffect fx;
  const Fabric f = apply_failures(healthy, {FailureSpec{"t2.1", "", std::nullopt, std::nullopt, std::nullopt, std::nullopt}}, "f.json", &fx);
  // Ids stay: the spine keeps its ports, its links are marked down, routing stays structural.
  CHECK(f.structural());
  CHECK(f.port_count() == healthy.port_count());
  CHECK(f.links_down() == kL);
  CHECK(fx.switches_down == 1);
  CHECK(fx.links_down == kL);                                   // one link per leaf
  CHECK(fx.capacity_lost_bps == kL * Rate::gbps(400).bps);
  const Router r(f, RoutingParams{});
  const NodeId spine1 = kL * kH + kL + 1;
  CHECK(r.path_count(0, kH) == kS - 1);
  CHECK(r.hop_count(0, kH) == 4);
  for (std::uint32_t qp = 0; qp < 64; ++qp) CHECK_FALSE(path_uses(f, r, 0, kH, qp, spine1));
  // The same through the config: the effective JSON keeps the failure.
  const TopologySpec spec = parse_topology(leaf_spine(json::array({{{"switch", "t2.1"}}})), "f.json");
  CHECK(topology_to_json(spec)["failures"] == json::array({{{"switch", "t2.1"}}}));
  CHECK(Router(build_fabric(spec), RoutingParams{}).path_count(0, kH) == kS - 1);
}

TEST_CASE("a leaf–spine link down: both directions avoid it; other leaf pairs keep all S spines") {
  const Fabric f = build(leaf_spine(json::array({{{"link", {"t1.0", "t2.0"}}}})));
  const Router r(f, RoutingParams{});
  const NodeId spine0 = kL * kH + kL;
  // Leaf 0 has S-1 uplinks left; leaf 1 must not send leaf-0 traffic to spine 0 (it would need
  // 2 more hops), so S-1 shortest paths each way.
  CHECK(r.path_count(0, kH) == kS - 1);
  CHECK(r.path_count(kH, 0) == kS - 1);
  for (std::uint32_t qp = 0; qp < 32; ++qp) CHECK_FALSE(path_uses(f, r, kH, 0, qp, spine0));
  CHECK(r.path_count(kH, 2 * kH) == kS);  // leaves 1 → 2 untouched
}

TEST_CASE("a degraded link: structure kept, WCMP sends traffic in proportion to rate") {
  // Leaf 0 → spine 0 at 100 Gb/s, its other S-1 uplinks at 400: share of spine 0 = 100 / (100 + 3·400) = 1/13.
  const Fabric f = build(leaf_spine(json::array({{{"link", {"t1.0", "t2.0"}}, {"rate", "100Gbps"}}})));
  CHECK(f.structural());
  const Router r(f, RoutingParams{HashKind::uniform, 7, true});
  CHECK(r.path_count(0, kH) == kS);  // no path lost
  const NodeId leaf0 = kL * kH, spine0 = kL * kH + kL;
  const std::uint32_t flows = 13000;
  std::uint32_t via_spine0 = 0;
  for (std::uint32_t i = 0; i < flows; ++i) {
    const PortId p = r.select(leaf0, FlowKey{static_cast<std::uint32_t>(i % kH), kH + i % kH, static_cast<std::uint16_t>(i), 4791});
    via_spine0 += f.port(p).peer == spine0;
  }
  // Expected flows/13 = 1000; a binomial σ ≈ 30, so ±300 cannot fail by chance but catches plain ECMP (3250).
  CHECK(via_spine0 > 700);
  CHECK(via_spine0 < 1300);
}

TEST_CASE("dual-ToR: one NIC link down halves that NIC's bandwidth and its ECMP width") {
  const json base{{"generator", "leaf_spine"}, {"leaf_spine", {{"leaves", kL}, {"hosts_per_leaf", kH}, {"spines", kS}}}};
  json j{{"generator", "dual_tor"}, {"dual_tor", {{"base", base}}}};
  const Fabric healthy = build(j);
  auto nic_bps = [](const Fabric& f, NodeId e) {
    std::uint64_t bps = 0;
    for (PortId p = f.node(e).up_begin; p < f.node(e).first_port + f.node(e).port_count; ++p) bps += f.port_up(p) ? f.port_rate(p).bps : 0;
    return bps;
  };
  j["failures"] = json::array({{{"link", {"acc0", "t1.0"}}}});  // ToR pair 0 is t1.0 and t1.1
  const Fabric f = build(j);
  CHECK(nic_bps(healthy, 0) == 2 * Rate::gbps(400).bps);
  CHECK(nic_bps(f, 0) == nic_bps(healthy, 0) / 2);
  const Router hr(healthy, RoutingParams{}), r(f, RoutingParams{});
  // Into endpoint 0 from another pair: 2 source ports × S spines × 2 ToRs → × 1 ToR.
  CHECK(hr.path_count(kH, 0) == 2 * kS * 2);
  CHECK(r.path_count(kH, 0) == 2 * kS * 1);
  CHECK(r.path_count(0, kH) == 1 * kS * 2);
  // Endpoint 1 on the same pair keeps both ToRs.
  CHECK(r.path_count(kH, 1) == 2 * kS * 2);
}

TEST_CASE("bad failure entries name /failures/<i>") {
  expect_error(json::array({{{"link", {"t1.0", "t9.0"}}}}), "/failures/0/link/1", "unknown node \"t9.0\"");
  expect_error(json::array({{{"link", {"tx", "t2.0"}}}}), "/failures/0/link/0", "unknown node");
  expect_error(json::array({{{"link", {"t1.0", "t1.1"}}}}), "/failures/0/link", "no link joins t1.0 and t1.1");
  expect_error(json::array({{{"link", {"t1.0", "t2.0"}}, {"index", 1}}}), "/failures/0/index", "does not exist");
  expect_error(json::array({{{"switch", "acc3"}}}), "/failures/0/switch", "not a switch");
  expect_error(json::array({{{"switch", "t2.0"}, {"at", "10us"}, {"until", "10us"}}}), "/failures/0/until", "must end after");
  expect_error(json::array({{{"link", {"t1.0", "t2.0"}}, {"until", "0s"}}}), "/failures/0/until", "must end after");
  // t2.0 down from 10 us overlaps the t1.0–t2.0 link's degradation from 5 us to 20 us.
  expect_error(json::array({{{"link", {"t1.0", "t2.0"}}, {"rate", "100Gbps"}, {"at", "5us"}, {"until", "20us"}},
                            {{"switch", "t2.0"}, {"at", "10us"}}}),
               "/failures/1", "overlaps /failures/0 on the link t1.0 - t2.0");
  // Back to back is no overlap: the end at 10 us is applied before the start at 10 us.
  CHECK_NOTHROW(build(leaf_spine(json::array({{{"link", {"t1.0", "t2.0"}}, {"rate", "100Gbps"}, {"until", "10us"}},
                                               {{"switch", "t2.0"}, {"at", "10us"}}}))));
  expect_error(json::array({{{"link", {"t1.0", "t2.0"}}, {"rate", "800Gbps"}}}), "/failures/0/rate", "faster");
  expect_error(json::array({{{"link", {"t1.0", "t2.0"}}, {"speed", "1G"}}}), "/failures/0/speed", "unknown key");
  // Cutting endpoints off is not an error of the topology (routing/route_check.hpp decides what a
  // workload needs; tests/routing/reachability_test.cpp).
  CHECK_NOTHROW(build(leaf_spine(json::array({{{"switch", "t2.0"}}, {{"switch", "t2.1"}}, {{"switch", "t2.2"}}, {{"switch", "t2.3"}}}))));
  CHECK_NOTHROW(build(leaf_spine(json::array({{{"link", {"acc2", "t1.0"}}}}))));
}

TEST_CASE("node names: acc<i>, t<tier>.<j>, su<j>") {
  const Fabric f = build(leaf_spine(nullptr));
  CHECK(node_name(f, 3) == "acc3");
  CHECK(node_name(f, kL * kH) == "t1.0");
  CHECK(node_name(f, kL * kH + kL + 2) == "t2.2");
}

TEST_CASE("multi-plane with a spine down: the plane loses one path, flows still never cross planes") {
  // P = 2 planes of leaf-spine (L leaves × H hosts, S = 2 spines). Plane 0's spines are t2.0 and
  // t2.1, plane 1's t2.2 and t2.3 (node-id order). t2.0 down → (S - 1) + S paths across leaves.
  const std::uint32_t s = 2;
  const json plane{{"generator", "leaf_spine"}, {"leaf_spine", {{"leaves", kL}, {"hosts_per_leaf", kH}, {"spines", s}}}};
  const json j{{"generator", "multi_plane"},
               {"multi_plane", {{"planes", 2}, {"plane", plane}}},
               {"failures", json::array({{{"switch", "t2.0"}}})}};
  const Fabric f = build(j);
  CHECK(f.structural());
  const Router r(f, RoutingParams{});
  CHECK(r.path_count(0, kH) == (s - 1) + s);
  for (std::uint32_t qp = 0; qp < 64; ++qp) {
    std::vector<PortId> ports;
    REQUIRE(r.path(FlowKey::for_qp(0, kH + 1, qp), ports));
    const std::uint8_t p = f.node(f.port(ports[0]).peer).plane;
    for (std::size_t i = 0; i + 1 < ports.size(); ++i) CHECK(f.node(f.port(ports[i]).peer).plane == p);
  }
}
