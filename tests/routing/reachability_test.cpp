// require_reachable / find_unreachable_pair / cut_off_endpoints (routing/route_check.hpp): a
// failure that cuts off endpoints a job needs names a pair; one that cuts off others does not.
#include <doctest/doctest.h>

#include <numeric>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "routing/route_check.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using nlohmann::json;

namespace {

// 4 leaves × 4 hosts, 4 spines; host i under leaf t1.⌊i/4⌋; no scale-up.
json leaf_spine(const json& failures, std::uint32_t gpus = 1) {
  json j{{"generator", "leaf_spine"}, {"leaf_spine", {{"leaves", 4}, {"hosts_per_leaf", 4}, {"spines", 4}}}};
  if (gpus > 1) {
    j["server"] = {{"accelerators", gpus}};
    j["scale_up"] = {{"size", gpus}};
  }
  if (!failures.is_null()) j["failures"] = failures;
  return j;
}

Fabric build(const json& j) { return build_fabric(parse_topology(j, "r.json")); }

std::string error_of(const Router& r, const std::vector<std::uint32_t>& endpoints) {
  try {
    require_reachable(r, endpoints, "job.json");
  } catch (const ConfigError& e) {
    CHECK(e.file() == "job.json");
    return e.message();
  }
  return "";
}

std::vector<std::uint32_t> all(const Fabric& f) {
  std::vector<std::uint32_t> v(f.endpoints());
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

}  // namespace

TEST_CASE("healthy fabric: every set routes, nobody is cut off") {
  const Fabric f = build(leaf_spine(nullptr));
  const Router r(f, RoutingParams{});
  CHECK_FALSE(find_unreachable_pair(r, all(f)).has_value());
  CHECK(cut_off_endpoints(r).empty());
}

TEST_CASE("a NIC link down cuts one endpoint off: only jobs that use it fail") {
  const Fabric f = build(leaf_spine(json::array({{{"link", {"acc2", "t1.0"}}}})));
  const Router r(f, RoutingParams{});
  CHECK(error_of(r, {0, 1, 3, 4, 15}).empty());
  const std::string m = error_of(r, {0, 2});
  CHECK(m.find("endpoint 2 (server 2, rail 0)") != std::string::npos);
  CHECK(m.find("endpoint 0 (server 0, rail 0)") != std::string::npos);
  const auto pair = find_unreachable_pair(r, all(f));
  REQUIRE(pair.has_value());
  CHECK((pair->first == 2 || pair->second == 2));
  CHECK(cut_off_endpoints(r) == std::vector<NodeId>{2});
}

TEST_CASE("all spines down: leaves are islands; same-leaf jobs run, cross-leaf jobs name a pair") {
  const json spines = json::array({{{"switch", "t2.0"}}, {{"switch", "t2.1"}}, {{"switch", "t2.2"}}, {{"switch", "t2.3"}}});
  const Fabric f = build(leaf_spine(spines));
  const Router r(f, RoutingParams{});
  CHECK(error_of(r, {0, 1, 2, 3}).empty());
  CHECK(error_of(r, {4, 7}).empty());
  const std::string m = error_of(r, {1, 5, 6});
  CHECK(m.find("endpoint 1 ") != std::string::npos);
  CHECK(m.find("endpoint 5 ") != std::string::npos);
  CHECK(cut_off_endpoints(r).empty());  // each still reaches its 3 leaf mates
}

TEST_CASE("a leaf down cuts its 4 hosts off; with servers of 2 the scale-up mates still talk") {
  const Fabric f = build(leaf_spine(json::array({{{"switch", "t1.1"}}})));
  const Router r(f, RoutingParams{});
  CHECK(cut_off_endpoints(r) == std::vector<NodeId>{4, 5, 6, 7});
  CHECK_FALSE(error_of(r, {4, 5}).empty());

  const Fabric g = build(leaf_spine(json::array({{{"switch", "t1.1"}}}), 2));
  const Router rg(g, RoutingParams{});
  CHECK(error_of(rg, {4, 5}).empty());  // one server: scale-up link
  CHECK_FALSE(error_of(rg, {4, 6}).empty());
  CHECK(cut_off_endpoints(rg) == std::vector<NodeId>{4, 5, 6, 7});
}

TEST_CASE("explicit graph: BFS reachability, checked by components of the links that are up") {
  json j = json::parse(R"({
    "generator": "explicit",
    "explicit": {
      "link": {"rate": "400Gbps", "latency": "500ns"},
      "nodes": [
        {"name": "g0", "role": "accelerator"}, {"name": "g1", "role": "accelerator"},
        {"name": "g2", "role": "accelerator"}, {"name": "g3", "role": "accelerator"},
        {"name": "tor0", "role": "switch", "tier": 1}, {"name": "tor1", "role": "switch", "tier": 1},
        {"name": "spine0", "role": "switch", "tier": 2}
      ],
      "links": [
        {"a": "g0", "b": "tor0"}, {"a": "g1", "b": "tor0"}, {"a": "g2", "b": "tor1"}, {"a": "g3", "b": "tor1"},
        {"a": "tor0", "b": "spine0"}, {"a": "tor1", "b": "spine0"}
      ]
    }
  })");
  // Failure names follow node ids: t1.0 = tor0, t1.1 = tor1, t2.0 = spine0.
  j["failures"] = json::array({{{"link", {"t1.1", "t2.0"}}}});
  const Fabric f = build(j);
  CHECK_FALSE(f.structural());
  const Router r(f, RoutingParams{});
  CHECK(error_of(r, {0, 1}).empty());
  CHECK(error_of(r, {2, 3}).empty());
  CHECK_FALSE(error_of(r, {0, 1, 2}).empty());
  CHECK(cut_off_endpoints(r).empty());
  j["failures"] = json::array({{{"link", {"acc3", "t1.1"}}}});
  const Fabric g = build(j);
  const Router rg(g, RoutingParams{});
  CHECK(cut_off_endpoints(rg) == std::vector<NodeId>{3});
  std::vector<PortId> ports;
  CHECK_FALSE(rg.path(FlowKey::for_qp(3, 0, 0), ports));
  CHECK(rg.path_count(0, 2) == 1);
}
