// Per-switch buffers in topology JSON (topology/switch_buffer.hpp): each tier's `buffer` reaches
// exactly that tier's switches with the key that names it, round-trips through the effective
// JSON, and bad values are refused with the file and the JSON path.
#include <doctest/doctest.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "build_helpers.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::topology::testing;
using nlohmann::json;

namespace {

// 2 units × 2 servers × 4 accelerators, one 8-accelerator switched scale-up domain per 2 servers,
// 2 spines: 16 accelerators, 8 rail leaves, 2 spines, 2 scale-up switches.
json small_rail() {
  return json::parse(R"({
    "generator": "rail_optimized", "server": {"accelerators": 4},
    "scale_up": {"size": 8, "rate": "3600Gbps", "latency": "250ns", "buffer": "96MiB"},
    "rail_optimized": {"units": 2, "servers_per_unit": 2, "spines": 2,
                       "rail_leaf": {"radix": 16, "buffer": "8MiB"}, "spine": {"radix": 16, "buffer": 16777216}}})");
}

// Every switch of `f`: (tier, role) → the buffer it carries. Checks that all switches of one kind
// agree and returns the count of switches checked.
std::size_t check_buffers(const Fabric& f, std::int64_t scale_up, const std::string& scale_up_key,
                          const std::array<std::int64_t, kMaxTier + 1>& tier, const std::array<std::string, kMaxTier + 1>& key) {
  std::size_t n_checked = 0;
  for (NodeId n = f.endpoints(); n < f.node_count(); ++n) {
    const Node& node = f.node(n);
    const SwitchBuffer& b = f.switch_buffer(n);
    CAPTURE(n);
    CAPTURE(int{node.tier});
    if (node.role == NodeRole::scale_up_switch) {
      CHECK(b.size.n == scale_up);
      CHECK(b.key == scale_up_key);
    } else {
      CHECK(b.size.n == tier[node.tier]);
      CHECK(b.key == key[node.tier]);
    }
    ++n_checked;
  }
  return n_checked;
}

}  // namespace

TEST_CASE("rail_optimized: rail_leaf, spine and scale_up buffers reach exactly their own switches") {
  const Fabric f = build(small_rail());
  // 8 rail leaves (2 units × 4 rails), 2 spines, 16 / 8 = 2 scale-up switches.
  CHECK(check_buffers(f, 96 * kMiB, "scale_up.buffer", {0, 8 * kMiB, 16 * kMiB, 0, 0},
                      {"", "rail_optimized.rail_leaf.buffer", "rail_optimized.spine.buffer", "", ""}) == 12);
  // Without any: 0 B everywhere (the packet tier's mmu.buffer), no key.
  json plain = small_rail();
  plain["scale_up"].erase("buffer");
  plain["rail_optimized"]["rail_leaf"].erase("buffer");
  plain["rail_optimized"]["spine"].erase("buffer");
  CHECK(check_buffers(build(plain), 0, "", {0, 0, 0, 0, 0}, {"", "", "", "", ""}) == 12);
}

TEST_CASE("every generator's tier keys: leaf_spine, fat_tree, clos3, rail_optimized with core, rail_only, multi_plane, dual_tor") {
  SUBCASE("leaf_spine: leaf_buffer, spine_buffer") {
    const json j = json::parse(R"({"generator": "leaf_spine", "leaf_spine": {"leaves": 2, "hosts_per_leaf": 2, "spines": 1,
                                   "leaf_buffer": "1MiB", "spine_buffer": "2MiB"}})");
    CHECK(check_buffers(build(j), 0, "", {0, kMiB, 2 * kMiB, 0, 0},
                        {"", "leaf_spine.leaf_buffer", "leaf_spine.spine_buffer", "", ""}) == 3);
  }
  SUBCASE("fat_tree: one buffer for all three tiers") {
    const json j = json::parse(R"({"generator": "fat_tree", "fat_tree": {"k": 4, "buffer": "12MiB"}})");
    // k = 4: 5k²/4 = 20 switches.
    CHECK(check_buffers(build(j), 0, "", {0, 12 * kMiB, 12 * kMiB, 12 * kMiB, 0},
                        {"", "fat_tree.buffer", "fat_tree.buffer", "fat_tree.buffer", ""}) == 20);
  }
  SUBCASE("clos3: tor.buffer, agg.buffer, core_buffer") {
    const json j = json::parse(R"({"generator": "clos3", "clos3": {"pods": 2, "tors_per_pod": 2, "hosts_per_tor": 2,
                                   "aggs_per_pod": 2, "tor": {"buffer": "1MiB"}, "agg": {"buffer": "2MiB"},
                                   "core_buffer": "3MiB"}})");
    // 4 ToRs, 4 aggs, 2 planes × (2 agg uplinks → 2 cores) = 4 cores.
    CHECK(check_buffers(build(j), 0, "", {0, kMiB, 2 * kMiB, 3 * kMiB, 0},
                        {"", "clos3.tor.buffer", "clos3.agg.buffer", "clos3.core_buffer", ""}) == 12);
  }
  SUBCASE("rail_optimized with core: core_buffer") {
    json j = small_rail();
    j["rail_optimized"]["core"] = true;
    j["rail_optimized"]["spine"] = json::parse(R"({"buffer": "4MiB"})");
    j["rail_optimized"]["core_buffer"] = "5MiB";
    j["scale_up"].erase("buffer");
    // 2 pods of one unit (4 rail leaves each, 2 uplinks each at 1:1 → 2 spines per pod, p12 = 1);
    // a spine has 4 down ports, so 4 uplinks at 1:1 → 4 cores per plane × 2 planes = 8 cores.
    // Switches: 8 leaves + 4 spines + 8 cores + 2 scale-up switches = 22.
    CHECK(check_buffers(build(j), 0, "", {0, 8 * kMiB, 4 * kMiB, 5 * kMiB, 0},
                        {"", "rail_optimized.rail_leaf.buffer", "rail_optimized.spine.buffer", "rail_optimized.core_buffer", ""}) ==
          22);
  }
  SUBCASE("rail_only, 2 tiers: rail_leaf.buffer and spine_buffer; the scale-up key stays top-level") {
    const json j = json::parse(R"({"generator": "rail_only", "server": {"accelerators": 4},
                                   "scale_up": {"size": 8, "buffer": "96MiB"},
                                   "rail_only": {"units": 2, "servers_per_unit": 2, "spines_per_rail": 1,
                                                 "rail_leaf": {"buffer": "1MiB"}, "spine_buffer": "2MiB"}})");
    // 8 rail leaves, 4 rails × 1 spine, 2 scale-up switches.
    CHECK(check_buffers(build(j), 96 * kMiB, "scale_up.buffer", {0, kMiB, 2 * kMiB, 0, 0},
                        {"", "rail_only.rail_leaf.buffer", "rail_only.spine_buffer", "", ""}) == 14);
  }
  SUBCASE("rail_only, 3 tiers: spine.buffer and core_buffer") {
    const json j = json::parse(R"({"generator": "rail_only", "server": {"accelerators": 4}, "scale_up": {"size": 8},
                                   "rail_only": {"units": 2, "servers_per_unit": 2, "spines_per_rail": 1, "core": true,
                                                 "units_per_pod": 1, "spine": {"buffer": "3MiB"}, "core_buffer": "4MiB"}})");
    // Per rail (4 rails): 2 leaves, 2 pods × 1 spine, 1 plane × 2 cores (a spine's 2 down ports,
    // 2 uplinks at 1:1): 8 leaves + 8 spines + 8 cores + 2 scale-up switches = 26.
    CHECK(check_buffers(build(j), 0, "", {0, 0, 3 * kMiB, 4 * kMiB, 0},
                        {"", "", "rail_only.spine.buffer", "rail_only.core_buffer", ""}) == 26);
  }
  SUBCASE("multi_plane: the plane's keys carry the plane's path, in every plane") {
    const json j = json::parse(R"({"generator": "multi_plane", "server": {"accelerators": 4},
                                   "scale_up": {"size": 8, "buffer": "96MiB"},
                                   "multi_plane": {"planes": 2, "plane": {"generator": "rail_optimized",
                                     "rail_optimized": {"units": 2, "servers_per_unit": 2, "spines": 2,
                                                        "rail_leaf": {"buffer": "1MiB"}}}}})");
    // 2 planes × (8 leaves + 2 spines) + 2 scale-up switches.
    CHECK(check_buffers(build(j), 96 * kMiB, "scale_up.buffer", {0, kMiB, 0, 0, 0},
                        {"", "multi_plane.plane.rail_optimized.rail_leaf.buffer", "", "", ""}) == 22);
  }
  SUBCASE("multi_plane of rail_only planes") {
    const json j = json::parse(R"({"generator": "multi_plane", "server": {"accelerators": 4}, "scale_up": {"size": 8},
                                   "multi_plane": {"planes": 2, "plane": {"generator": "rail_only",
                                     "rail_only": {"units": 2, "servers_per_unit": 2, "spines_per_rail": 1,
                                                   "spine_buffer": "2MiB"}}}})");
    CHECK(check_buffers(build(j), 0, "", {0, 0, 2 * kMiB, 0, 0},
                        {"", "", "multi_plane.plane.rail_only.spine_buffer", "", ""}) == 2 * (8 + 4) + 2);
  }
  SUBCASE("dual_tor: both ToRs of a pair") {
    const json j = json::parse(R"({"generator": "dual_tor", "dual_tor": {"base": {"generator": "leaf_spine",
                                   "leaf_spine": {"leaves": 2, "hosts_per_leaf": 2, "spines": 1, "leaf_buffer": "1MiB"}}}})");
    CHECK(check_buffers(build(j), 0, "", {0, kMiB, 0, 0, 0}, {"", "dual_tor.base.leaf_spine.leaf_buffer", "", "", ""}) == 5);
  }
}

TEST_CASE("buffers round-trip through the effective JSON, and are absent from it when not given") {
  const TopologySpec s = parse_topology(small_rail(), "t.json");
  const json eff = topology_to_json(s);
  CHECK(eff["scale_up"]["buffer"] == "96MiB");
  CHECK(eff["rail_optimized"]["rail_leaf"]["buffer"] == "8MiB");
  CHECK(eff["rail_optimized"]["spine"]["buffer"] == "16MiB");
  const TopologySpec again = parse_topology(eff, "t.json");
  CHECK(again.scale_up == s.scale_up);
  CHECK(std::get<RailOptimizedSpec>(again.form).rail_leaf.buffer == Bytes{8 * kMiB});
  CHECK(std::get<RailOptimizedSpec>(again.form).spine.buffer == Bytes{16 * kMiB});
  CHECK(topology_to_json(again) == eff);
  const json plain = topology_to_json(parse_topology(default_topology_json(), "t.json"));
  CHECK_FALSE(plain["scale_up"].contains("buffer"));
  CHECK_FALSE(plain["rail_optimized"]["rail_leaf"].contains("buffer"));
}

TEST_CASE("bad buffers: exit-2 errors with the file, the JSON path and what was expected") {
  auto with_su = [](const json& v) {
    json j = small_rail();
    j["scale_up"]["buffer"] = v;
    return j;
  };
  expect_error(with_su("64Mi"), "/scale_up/buffer", "unit");
  expect_error(with_su("1.5B"), "/scale_up/buffer", "");
  expect_error(with_su(0), "/scale_up/buffer", "at least 1 bytes");
  expect_error(with_su(-5), "/scale_up/buffer", "at least 1 bytes");
  expect_error(with_su("65GiB"), "/scale_up/buffer", "at most 64 GiB");
  expect_error(with_su(true), "/scale_up/buffer", "expected a size");
  json mesh = small_rail();
  mesh["scale_up"]["shape"] = "full_mesh";
  expect_error(mesh, "/scale_up/buffer", "a full mesh has no scale-up switch");
  json typo = small_rail();
  typo["rail_optimized"]["spine"]["bufer"] = "1MiB";
  expect_error(typo, "/rail_optimized/spine/bufer", "unknown key");
  json leaf = small_rail();
  leaf["rail_optimized"]["rail_leaf"]["buffer"] = "lots";
  expect_error(leaf, "/rail_optimized/rail_leaf/buffer", "");
  json no_core = small_rail();
  no_core["rail_optimized"]["core_buffer"] = "1MiB";
  expect_error(no_core, "/rail_optimized/core_buffer", "only meaningful with \"core\": true");
  expect_error(json::parse(R"({"generator": "leaf_spine", "leaf_spine": {"leaves": 1, "hosts_per_leaf": 2, "spines": 0,
                                "spine_buffer": "1MiB"}})"),
               "/leaf_spine/spine_buffer", "no spines");
  expect_error(json::parse(R"({"generator": "rail_only", "server": {"accelerators": 4}, "scale_up": {"size": 8},
                                "rail_only": {"units": 2, "servers_per_unit": 2, "spines_per_rail": 1, "core": true,
                                              "spine_buffer": "1MiB"}})"),
               "/rail_only/spine_buffer", "\"spine\": {\"buffer\"");
  expect_error(json::parse(R"({"generator": "multi_plane", "server": {"accelerators": 4}, "scale_up": {"size": 8},
                                "multi_plane": {"planes": 2, "plane": {"generator": "rail_optimized",
                                  "rail_optimized": {"units": 2, "servers_per_unit": 2, "rail_leaf": {"buffer": "0B"}}}}})"),
               "/multi_plane/plane/rail_optimized/rail_leaf/buffer", "at least 1 bytes");
}
