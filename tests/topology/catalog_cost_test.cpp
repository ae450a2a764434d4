// Cost and power from user prices: counts per tier and totals from the formulas in
// topology/cost_model.hpp.
#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;

namespace {

json priced_leaf_spine() {
  return json{{"generator", "leaf_spine"},
              {"leaf_spine", {{"leaves", 4}, {"hosts_per_leaf", 4}, {"spines", 2}, {"leaf_radix", 8}, {"spine_radix", 4}}},
              {"cost",
               {{"switch_port", {{"cost", 100}, {"power_w", 10}}},
                {"transceiver", {{"cost", 50}, {"power_w", 5}}},
                {"nic_port", {{"cost", 200}, {"power_w", 20}}}}}};
}

}  // namespace

TEST_CASE("cost: billed ports = radix × switches, 2 transceivers per cable, NIC ports priced") {
  const TopologySpec spec = parse_topology(priced_leaf_spine(), "c.json");
  const CostSummary s = summarize_cost(build_fabric(spec), spec.cost);
  // L = 4 leaves of radix 8, S = 2 spines of radix 4 → 32 + 8 = 40 billed ports.
  REQUIRE(s.tiers.size() == 2);
  CHECK(s.tiers[0].switches == 4);
  CHECK(s.tiers[0].billed_ports == 4 * 8);
  CHECK(s.tiers[1].billed_ports == 2 * 4);
  // Cables: 16 NIC links, L·S = 8 leaf–spine links; transceivers twice that.
  CHECK(s.cables[0].cables == 16);
  CHECK(s.cables[1].cables == 8);
  CHECK(s.cables[1].transceivers == 16);
  CHECK(s.nic_ports == 16);
  const double ports = 40, xcvr = 2 * (16 + 8), nics = 16;
  CHECK(s.cost == doctest::Approx(ports * 100 + xcvr * 50 + nics * 200));
  CHECK(s.power_w == doctest::Approx(ports * 10 + xcvr * 5 + nics * 20));
  // Undeclared radix: bill the ports in use (leaf: 4 hosts + 2 uplinks).
  json j = priced_leaf_spine();
  j["leaf_spine"].erase("leaf_radix");
  const TopologySpec u = parse_topology(j, "c.json");
  CHECK(summarize_cost(build_fabric(u), u.cost).tiers[0].billed_ports == 4 * (4 + 2));
  // The prices survive the effective JSON.
  CHECK(parse_topology(topology_to_json(spec), "c.json").cost == spec.cost);
}

TEST_CASE("cost: bad prices are ConfigErrors with their path") {
  json j = priced_leaf_spine();
  j["cost"]["switch_port"]["cost"] = -1;
  CHECK_THROWS_WITH_AS(parse_topology(j, "c.json"), doctest::Contains("/cost/switch_port/cost"), ConfigError);
  j = priced_leaf_spine();
  j["cost"]["optics"] = json::object();
  CHECK_THROWS_WITH_AS(parse_topology(j, "c.json"), doctest::Contains("/cost/optics: unknown key"), ConfigError);
}
