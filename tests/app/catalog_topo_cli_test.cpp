// `rocesim topo` on the catalog forms: rail-only and ns-3 text files, lost bisection after
// failures, cost and power from user prices, and bad catalog configs (exit 2).
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

nlohmann::json topo_json(const std::string& args) {
  const auto r = run_cli("topo " + args + " --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("topo on rail-only and SimAI text configs routes every sample flow") {
  const auto ro = topo_json("topologies/rail_only_4su_32x8.json");
  CHECK(ro["endpoints"] == 4 * 32 * 8);
  CHECK(ro["route_sample"]["routed"] == ro["route_sample"]["flows"]);
  const auto txt = topo_json("topologies/simai_rail_32.txt");
  CHECK(txt["endpoints"] == 32);
  CHECK(txt["effective_config"]["generator"] == "explicit");
}

TEST_CASE("topo reports the bisection a spine failure takes away") {
  // leaf_spine_128: 8 leaves × 4 spines × 4 parallel links at 400 Gb/s. Level leaf–spine carries
  // 8·4·4·400G = 51.2 Tb/s; one spine down removes 8·4 links: that level drops to 38.4 Tb/s, and the
  // bisection (half the narrowest level, the NIC level being 128·400G = 51.2 Tb/s) from 25.6 to 19.2.
  const auto j = topo_json("topologies/leaf_spine_128.json --set 'failures=[{\"switch\":\"t2.0\"}]'");
  CHECK(j["failures"]["switches_down"] == 1);
  CHECK(j["failures"]["links_down"] == 8 * 4);
  CHECK(j["failures"]["healthy_bisection_bps"] == 25600000000000ULL);
  CHECK(j["failures"]["bisection_lost_bps"] == 6400000000000ULL);
  const auto bad = run_cli("topo topologies/leaf_spine_128.json --set 'failures=[{\"switch\":\"t2.9\"}]'");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("/failures/0/switch: unknown node \"t2.9\"") != std::string::npos);
}

TEST_CASE("topo prints cost and power from user prices") {
  // 8 leaves + 4 spines of radix 32 → 384 billed ports; 128 NIC + 128 leaf–spine cables → 512 transceivers.
  const auto j = topo_json("topologies/leaf_spine_128.json --set 'cost={\"switch_port\":{\"cost\":1},"
                           "\"transceiver\":{\"cost\":10},\"nic_port\":{\"power_w\":2}}'");
  CHECK(j["cost"]["cost"].get<double>() == doctest::Approx(384 * 1 + 512 * 10));
  CHECK(j["cost"]["power_w"].get<double>() == doctest::Approx(128 * 2));
}

TEST_CASE("bad catalog configs exit 2 naming the field") {
  const std::string dir = scratch_dir("catalog-topo");
  write_file(dir + "/mp.json", R"({"generator": "multi_plane", "multi_plane": {"planes": 2, "nic_ports": 3,
    "plane": {"generator": "leaf_spine", "leaf_spine": {"leaves": 2, "hosts_per_leaf": 2, "spines": 1}}}})");
  auto r = run_cli("topo " + dir + "/mp.json");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/multi_plane/nic_ports: plane count mismatch") != std::string::npos);
  write_file(dir + "/ro.json", R"({"generator": "rail_only", "server": {"accelerators": 4}, "scale_up": {"size": 12},
    "rail_only": {"units": 3, "servers_per_unit": 4, "spines_per_rail": 2}})");
  r = run_cli("topo " + dir + "/ro.json");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/scale_up/size") != std::string::npos);
  write_file(dir + "/bad.txt", "6 2 5\n4 5\n0 4 100Gbps 1us 0\n");
  r = run_cli("topo " + dir + "/bad.txt");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad.txt: line 3: the header promises 5 links, found 1") != std::string::npos);
}
