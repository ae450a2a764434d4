// Time-varying failures at the routing level: Router::set_link_state gives, at run time, exactly
// the routing of a fabric built with that link state at time zero; failure_schedule turns "at"
// entries into ordered link changes; build_fabric (rocesim run) still refuses them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using nlohmann::json;

namespace {

// 4 leaves × 4 hosts, 4 spines: leaf t1.l is node 16 + l, spine t2.s node 20 + s.
const json kLeafSpine{{"generator", "leaf_spine"}, {"leaf_spine", {{"leaves", 4}, {"hosts_per_leaf", 4}, {"spines", 4}}}};

LinkId link_between(const Fabric& f, NodeId a, NodeId b) {
  for (const Port& p : f.ports_of(a)) {
    if (p.peer == b) return p.link;
  }
  FAIL("no such link");
  return kNone;
}

// Same candidate sets at every node toward every endpoint, and the same per-flow choices.
void expect_same_routing(const Router& x, const Router& y) {
  const Fabric& f = x.fabric();
  for (NodeId d = 0; d < f.endpoints(); ++d) {
    for (NodeId n = 0; n < f.node_count(); ++n) {
      if (n == d) continue;
      const PortRange a = x.candidates(n, d), b = y.candidates(n, d);
      REQUIRE(a.count == b.count);
      for (std::uint32_t i = 0; i < a.count; ++i) REQUIRE(a.at(i) == b.at(i));
    }
    for (NodeId s = 0; s < f.endpoints(); ++s) {
      if (s == d) continue;
      for (std::uint32_t qp = 0; qp < 4; ++qp) {
        std::vector<PortId> pa, pb;
        CHECK(x.path(FlowKey::for_qp(s, d, qp), pa) == y.path(FlowKey::for_qp(s, d, qp), pb));
        CHECK(pa == pb);
      }
    }
  }
}

}  // namespace

TEST_CASE("set_link_state: down, degraded and up again equal the fabric built that way") {
  const Fabric healthy = build_fabric(parse_topology(kLeafSpine, "ls.json"));
  const LinkId l = link_between(healthy, 16, 20);  // t1.0–t2.0
  Router r(healthy, RoutingParams{HashKind::uniform, 3, true});

  r.set_link_state(l, false);
  CHECK_FALSE(r.link_up(l));
  const Fabric down = apply_failures(healthy, {FailureSpec{"t1.0", "t2.0", std::nullopt, std::nullopt, std::nullopt, std::nullopt}}, "ls.json");
  expect_same_routing(r, Router(down, RoutingParams{HashKind::uniform, 3, true}));
  CHECK(r.path_count(0, 4) == 3);  // leaf 0 → leaf 1 over spines 1..3

  // Up again at 100 Gb/s: all 4 spines, weighted as a fabric with that rate (WCMP, router.hpp).
  r.set_link_state(l, true, Rate::gbps(100));
  const Fabric slow = apply_failures(healthy, {FailureSpec{"t1.0", "t2.0", std::nullopt, Rate::gbps(100), std::nullopt, std::nullopt}}, "ls.json");
  expect_same_routing(r, Router(slow, RoutingParams{HashKind::uniform, 3, true}));
  CHECK(r.path_count(0, 4) == 4);

  r.set_link_state(l, true, Rate::gbps(400));
  expect_same_routing(r, Router(healthy, RoutingParams{HashKind::uniform, 3, true}));
  CHECK(r.failure_routes() == nullptr);
}

TEST_CASE("set_link_state on an explicit graph rebuilds its BFS tables") {
  json j = kLeafSpine;
  const Fabric structural = build_fabric(parse_topology(j, "ls.json"));
  // The same graph without structure: BFS routing (as an explicit or ns-3 file would give).
  FabricBuilder b("bfs", "explicit");
  for (NodeId n = 0; n < structural.node_count(); ++n) {
    const Node& node = structural.node(n);
    if (node.role == NodeRole::accelerator) b.add_accelerator(node.server, node.local_index, node.scale_up_domain, node.pod);
    if (node.role == NodeRole::fabric_switch) b.add_switch(node.tier, 0, node.domain, node.pod);
  }
  for (const Link& l : structural.links()) b.add_link(l.a, l.b, l.rate, l.latency, l.kind);
  b.set_structural(false);
  const Fabric healthy = std::move(b).build();
  const LinkId l = link_between(healthy, 16, 20);
  Router r(healthy, RoutingParams{});
  r.set_link_state(l, false);
  const Fabric down = apply_failures(healthy, {FailureSpec{"t1.0", "t2.0", std::nullopt, std::nullopt, std::nullopt, std::nullopt}}, "ls.json");
  expect_same_routing(r, Router(down, RoutingParams{}));
  CHECK(r.path_count(4, 0) == 3);
}

TEST_CASE("timed failures: \"at\" round-trips, the schedule is ordered, build_fabric returns it") {
  json j = kLeafSpine;
  j["failures"] = json::array({{{"switch", "t2.1"}, {"at", "5ms"}},
                               {{"link", {"t1.0", "t2.0"}}, {"at", "2ms"}, {"rate", "100Gbps"}},
                               {{"link", {"acc3", "t1.0"}}}});
  const TopologySpec spec = parse_topology(j, "ls.json");
  REQUIRE(spec.failures.size() == 3);
  CHECK(spec.failures[0].at == Time::from_ms(5));
  CHECK_FALSE(spec.failures[2].at.has_value());
  CHECK(parse_topology(topology_to_json(spec), "ls.json").failures == spec.failures);
  CHECK(topology_to_json(spec)["failures"][0]["at"] == "5ms");

  TopologySpec healthy_spec = spec;
  healthy_spec.failures.clear();
  const Fabric healthy = build_fabric(healthy_spec);
  // Time zero: only acc3's NIC link; the timed entries wait.
  const Fabric start = apply_failures(healthy, spec.failures, "ls.json");
  CHECK(start.links_down() == 1);
  const std::vector<LinkChange> s = failure_schedule(healthy, spec.failures, "ls.json");
  // 2 ms: t1.0–t2.0 to 100 Gb/s (entry 1); 5 ms: spine t2.1's 4 links down (entry 0).
  REQUIRE(s.size() == 1 + 4);
  CHECK(s[0].at == Time::from_ms(2));
  CHECK(s[0].up);
  CHECK(s[0].rate == Rate::gbps(100));
  CHECK(s[0].entry == 1);
  for (std::size_t i = 1; i < s.size(); ++i) {
    CHECK(s[i].at == Time::from_ms(5));
    CHECK_FALSE(s[i].up);
    CHECK(s[i].link > s[i - 1].link);
  }
  // build_fabric applies time zero only and hands the same schedule to the run.
  std::vector<LinkChange> from_build;
  const Fabric built = build_fabric(spec, &from_build);
  CHECK(built.links_down() == 1);
  CHECK(from_build == s);
  // Replaying the schedule on a router reaches the routing of the fabric with everything applied.
  Router r(start, RoutingParams{});
  for (const LinkChange& c : s) r.set_link_state(c.link, c.up, c.rate);
  std::vector<FailureSpec> all = spec.failures;
  for (FailureSpec& f : all) f.at.reset();
  expect_same_routing(r, Router(apply_failures(healthy, all, "ls.json"), RoutingParams{}));
}

TEST_CASE("timed failures: overlapping downs of one link merge into one outage") {
  // The t1.0–t2.0 link is down 5–20 us by entry 0 and 10–30 us as a link of switch t2.0 (entry 1):
  // down from 5 to 30 us, one change each way. t2.0's three other leaf links: down 10–30 us.
  json j = kLeafSpine;
  j["failures"] = json::array({{{"link", {"t1.0", "t2.0"}}, {"at", "5us"}, {"until", "20us"}},
                               {{"switch", "t2.0"}, {"at", "10us"}, {"until", "30us"}}});
  const TopologySpec spec = parse_topology(j, "ls.json");
  std::vector<LinkChange> s;
  const Fabric f = build_fabric(spec, &s);
  const LinkId l = link_between(f, 16, 20);  // t1.0–t2.0
  REQUIRE(s.size() == 2 + 2 * 3);
  CHECK(s[0] == LinkChange{Time::from_us(5), l, false, Rate{}, 0, false});
  std::size_t downs_at_10 = 0, ups_at_30 = 0;
  for (const LinkChange& c : s) {
    downs_at_10 += c.at == Time::from_us(10) && !c.up && c.link != l;
    ups_at_30 += c.at == Time::from_us(30) && c.up && c.restore;
    CHECK(c.at != Time::from_us(20));  // entry 0's end is inside entry 1's outage
  }
  CHECK(downs_at_10 == 3);
  CHECK(ups_at_30 == 4);
  CHECK(s.back().at == Time::from_us(30));
}
