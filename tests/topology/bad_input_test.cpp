// Every class of bad topology input gives one ConfigError naming the file and the JSON path.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/config_error.hpp"
#include "topology/topology.hpp"
#include "build_helpers.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;
using rocesim::topology::testing::build;
using rocesim::topology::testing::expect_error;

namespace {

json fat_tree_k4() { return json{{"generator", "fat_tree"}, {"fat_tree", {{"k", 4}}}}; }

json leaf_spine() {
  return json{{"generator", "leaf_spine"},
              {"leaf_spine", {{"leaves", 4}, {"hosts_per_leaf", 8}, {"spines", 2}, {"parallel_links", 1}}}};
}

json clos3() {
  return json{{"generator", "clos3"},
              {"clos3", {{"pods", 2}, {"tors_per_pod", 2}, {"hosts_per_tor", 16}, {"aggs_per_pod", 2}}}};
}

}  // namespace

TEST_CASE("malformed JSON names the file, line and column") {
  const std::string dir = std::string(ROCESIM_BINARY_DIR) + "/test-scratch/topology-bad";
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/broken.json";
  std::ofstream(file) << "{\n  \"generator\": \"fat_tree\",\n  \"fat_tree\": {\"k\": 4,}\n}\n";
  try {
    load_topology_file(file);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.file() == file);
    CHECK(e.message().find("malformed JSON at line 3") != std::string::npos);
  }
  CHECK_THROWS_AS(load_topology_file(dir + "/missing.json"), ConfigError);
}

TEST_CASE("unknown keys are errors at every level") {
  json j = fat_tree_k4();
  j["fat_tre"] = 1;
  expect_error(j, "/fat_tre", "unknown key");
  j = fat_tree_k4();
  j["fat_tree"]["kk"] = 4;
  expect_error(j, "/fat_tree/kk", "unknown key");
  j = fat_tree_k4();
  j["fat_tree"]["link"] = {{"rate", "100Gbps"}, {"delay", "1us"}};
  expect_error(j, "/fat_tree/link/delay", "unknown key");
  j = fat_tree_k4();
  j["leaf_spine"] = leaf_spine()["leaf_spine"];  // another generator's block is not read
  expect_error(j, "/leaf_spine", "unknown key");
}

TEST_CASE("unknown generator names list the known ones") {
  json j = fat_tree_k4();
  j["generator"] = "dragonfly";
  expect_error(j, "/generator", "unknown generator \"dragonfly\" (expected one of: leaf_spine, fat_tree, clos3, rail_optimized");
  expect_error(json{{"fat_tree", {{"k", 4}}}}, "/generator", "missing required key");
}

TEST_CASE("wrong units and wrong types") {
  json j = fat_tree_k4();
  j["fat_tree"]["link"] = {{"rate", "100GB"}};
  expect_error(j, "/fat_tree/link/rate", "unknown rate unit");
  j["fat_tree"]["link"] = {{"latency", "1 parsec"}};
  expect_error(j, "/fat_tree/link/latency", "unknown time unit");
  j["fat_tree"]["link"] = {{"rate", 100}};
  expect_error(j, "/fat_tree/link/rate", "expected a rate string");
  j["fat_tree"]["link"] = {{"rate", "0Gbps"}};
  expect_error(j, "/fat_tree/link/rate", "must be greater than zero");
  j = fat_tree_k4();
  j["fat_tree"]["k"] = "4";
  expect_error(j, "/fat_tree/k", "expected an integer");
}

TEST_CASE("negative, zero and odd sizes") {
  json j = leaf_spine();
  j["leaf_spine"]["leaves"] = -2;
  expect_error(j, "/leaf_spine/leaves", "expected an integer in [1,");
  j = leaf_spine();
  j["leaf_spine"]["hosts_per_leaf"] = 0;
  expect_error(j, "/leaf_spine/hosts_per_leaf", "got 0");
  j = fat_tree_k4();
  j["fat_tree"]["k"] = 5;
  expect_error(j, "/fat_tree/k", "k must be even");
  j = clos3();
  j["clos3"]["pods"] = 0;
  expect_error(j, "/clos3/pods", "got 0");
  j = clos3();
  j["server"] = {{"accelerators", 3}};
  expect_error(j, "/clos3/hosts_per_tor", "whole servers");
  j = clos3();
  j["scale_up"] = {{"size", 48}};  // 64 accelerators do not split into domains of 48
  expect_error(j, "/scale_up/size", "whole scale-up domains");
}

TEST_CASE("radix exceeded names the tier and the port arithmetic") {
  json j = leaf_spine();
  j["leaf_spine"]["leaf_radix"] = 9;  // 8 hosts + 2 spines = 10 ports
  expect_error(j, "/leaf_spine/leaf_radix", "needs 10 ports (8 down + 2 up) but the declared radix is 9");
  j = clos3();
  j["clos3"]["agg"] = {{"radix", 32}};  // agg: 2 ToRs × 8 parallel = 16 down + 16 up = 32: fits
  CHECK_NOTHROW(parse_topology(j, "ok.json"));
  j["clos3"]["agg"] = {{"radix", 31}};
  expect_error(j, "/clos3/agg/radix", "radix exceeded");
}

TEST_CASE("oversubscription that does not divide into whole ports") {
  json j = clos3();
  j["clos3"]["tor"] = {{"oversubscription", "3:1"}};  // 16 hosts / 3 = 5.33 uplinks
  expect_error(j, "/clos3/tor/oversubscription", "does not divide into whole ports");
  j["clos3"]["tor"] = {{"oversubscription", "1:4"}};  // same as 4:1 → 4 uplinks, 2 per agg: fine
  CHECK_NOTHROW(parse_topology(j, "ok.json"));
  j["clos3"]["tor"] = {{"oversubscription", "8:1"}};  // 2 uplinks over 2 aggs: fine; 16:1 → 1 over 2: not
  CHECK_NOTHROW(parse_topology(j, "ok.json"));
  j["clos3"]["tor"] = {{"oversubscription", "16:1"}};
  expect_error(j, "/clos3/aggs_per_pod", "spread evenly");
  j["clos3"]["tor"] = {{"oversubscription", "3:x"}};
  expect_error(j, "/clos3/tor/oversubscription", "expected a ratio");
  j["clos3"]["tor"] = {{"oversubscription", 0.5}};
  expect_error(j, "/clos3/tor/oversubscription", "ratio ≥ 1");
  j["clos3"]["tor"] = {{"oversubscription", "2:1"}, {"uplinks", 8}};
  expect_error(j, "/clos3/tor/uplinks", "not both");
}

TEST_CASE("a disconnected fabric is rejected by the connectivity check") {
  json j = leaf_spine();
  j["leaf_spine"]["spines"] = 0;  // four leaves with nothing above them
  expect_error(j, "/", "the fabric is disconnected: 4 components");
  // A hand-built fabric with an isolated accelerator.
  FabricBuilder b("hand", "hand");
  b.add_accelerator(0, 0, kNone, 0);
  b.add_accelerator(1, 0, kNone, 0);
  const NodeId leaf = b.add_switch(1, 0, {kNone, 0, 0, 0, 0}, 0);
  b.add_link(0, leaf, Rate::gbps(100), Time::from_ns(1), LinkKind::nic);
  const Fabric f = std::move(b).build();
  try {
    check_connected(f, "hand.json");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.message() == "the fabric is disconnected: 2 components; accelerator 0 cannot reach accelerator 1");
  }
}

TEST_CASE("--set overrides apply before validation and their errors name the path") {
  const std::string file = std::string(ROCESIM_SOURCE_DIR) + "/topologies/fat_tree_k8.json";
  const TopologySpec s = load_topology_file(file, {"fat_tree.k=4", "name=small"});
  CHECK(std::get<FatTreeSpec>(s.form).k == 4);
  CHECK(s.name == "small");
  try {
    load_topology_file(file, {"fat_tree.k=7"});
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.file() == file);
    CHECK(e.path() == "/fat_tree/k");
  }
  CHECK_THROWS_AS(load_topology_file(file, {"fat_tree.k"}), ConfigError);
}
