// `rocesim topo` end to end: every shipped config, JSON keys, --dot, --set, and every bad-input
// class (exit code 2, message naming the file and the JSON path).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
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

TEST_CASE("topo --json on every shipped config: the required keys and the endpoint counts") {
  struct Case { const char* file; std::uint64_t endpoints; int diameter; };
  // Endpoints: k³/4 for fat trees; leaves·hosts; units·servers·8; pods·3072.
  for (const Case& c : {Case{"fat_tree_k8.json", 8 * 8 * 8 / 4, 6}, Case{"fat_tree_k16.json", 16 * 16 * 16 / 4, 6},
                        Case{"leaf_spine_128.json", 8 * 16, 4}, Case{"rail_4su_32x8.json", 4 * 32 * 8, 4},
                        Case{"clos3_8pods_3072.json", 8 * 3072, 6}}) {
    CAPTURE(c.file);
    const auto j = topo_json(std::string("topologies/") + c.file);
    for (const char* key : {"endpoints", "switches_by_tier", "links_by_tier", "oversubscription_by_tier", "bisection_bps",
                            "diameter_hops", "cables", "ports_by_tier", "effective_config", "route_sample"}) {
      CHECK_MESSAGE(j.contains(key), key);
    }
    CHECK(j["endpoints"] == c.endpoints);
    CHECK(j["diameter_hops"] == c.diameter);
    CHECK(j["route_sample"]["routed"] == j["route_sample"]["flows"]);
  }
  // k = 8: 80 switches, 16·8·... the bench fabric: 32 ToRs, 32 aggs, 16 cores.
  const auto k8 = topo_json("topologies/fat_tree_k8.json");
  CHECK(k8["switches"] == 80);
  CHECK(k8["switches_by_tier"]["core"] == 16);
  CHECK(k8["bisection_bps"] == 128ULL * 100000000000ULL / 2);
}

TEST_CASE("topo without a file summarizes the built-in default; text output is deterministic") {
  const auto a = run_cli("topo");
  const auto b = run_cli("topo");
  CHECK(a.exit_code == 0);
  CHECK(a.out.find("endpoints (accelerators): 128") != std::string::npos);
  CHECK(a.out == b.out);
  CHECK(topo_json("")["endpoints"] == 128);
}

TEST_CASE("topo --set overrides fields before validation") {
  const auto j = topo_json("topologies/fat_tree_k8.json --set fat_tree.k=4");
  CHECK(j["endpoints"] == 4 * 4 * 4 / 4);
  CHECK(j["effective_config"]["fat_tree"]["k"] == 4);
  const auto bad = run_cli("topo topologies/fat_tree_k8.json --set fat_tree.k=3");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("topologies/fat_tree_k8.json: /fat_tree/k: k must be even") != std::string::npos);
}

TEST_CASE("topo --dot writes Graphviz for small fabrics and refuses large ones with exit 2") {
  const std::string dir = scratch_dir("topo-dot");
  const auto ok = run_cli("topo topologies/fat_tree_k8.json --dot " + dir + "/k8.dot");
  REQUIRE(ok.exit_code == 0);
  std::ifstream in(dir + "/k8.dot");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string dot = ss.str();
  CHECK(dot.rfind("graph \"fat_tree_k8\" {", 0) == 0);
  // One edge line per link: 3k³/4 = 384 for k = 8.
  std::size_t edges = 0;
  for (std::size_t p = dot.find(" -- "); p != std::string::npos; p = dot.find(" -- ", p + 1)) ++edges;
  CHECK(edges == 384);
  const auto big = run_cli("topo topologies/clos3_8pods_3072.json --dot " + dir + "/big.dot");
  CHECK(big.exit_code == 2);
  CHECK(big.err.find("--dot") != std::string::npos);
}

TEST_CASE("topo on bad configs: exit 2 and one message naming the file and the JSON path") {
  const std::string dir = scratch_dir("topo-bad");
  struct Case { const char* name; const char* text; const char* expect; };
  const Case cases[] = {
      {"malformed", R"({"generator": "fat_tree", "fat_tree": {"k": 4,}})", ": malformed JSON at line 1"},
      {"unknown_key", R"({"generator": "fat_tree", "fat_tree": {"k": 4, "radix": 4}})", ": /fat_tree/radix: unknown key"},
      {"unknown_generator", R"({"generator": "torus", "torus": {}})", ": /generator: unknown generator \"torus\""},
      {"wrong_unit", R"({"generator": "fat_tree", "fat_tree": {"k": 4, "link": {"rate": "100GB"}}})",
       ": /fat_tree/link/rate: unknown rate unit"},
      {"negative", R"({"generator": "leaf_spine", "leaf_spine": {"leaves": -4, "hosts_per_leaf": 4, "spines": 2}})",
       ": /leaf_spine/leaves: expected an integer in [1,"},
      {"zero", R"({"generator": "rail_optimized", "rail_optimized": {"units": 2, "servers_per_unit": 0}})",
       ": /rail_optimized/servers_per_unit: expected an integer in [1,"},
      {"radix", R"({"generator": "leaf_spine", "leaf_spine": {"leaves": 4, "hosts_per_leaf": 32, "spines": 4, "leaf_radix": 32}})",
       ": /leaf_spine/leaf_radix: radix exceeded"},
      {"oversubscription",
       R"({"generator": "rail_optimized", "rail_optimized": {"units": 2, "servers_per_unit": 32, "rail_leaf": {"oversubscription": "3:1"}}})",
       ": /rail_optimized/rail_leaf/oversubscription: oversubscription 3:1 does not divide into whole ports"},
      {"disconnected", R"({"generator": "leaf_spine", "leaf_spine": {"leaves": 3, "hosts_per_leaf": 2, "spines": 0}})",
       ": /: the fabric is disconnected"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string file = dir + "/" + c.name + ".json";
    write_file(file, c.text);
    const auto r = run_cli("topo " + file);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("error: " + file + c.expect) != std::string::npos, r.err);
    CHECK(r.out.empty());
  }
  const auto missing = run_cli("topo " + dir + "/no_such_file.json");
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("no_such_file.json: cannot open file") != std::string::npos);
}
