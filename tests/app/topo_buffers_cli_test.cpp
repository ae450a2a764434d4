// `rocesim topo` shows the switch buffers a topology gives (report/fabric_summary.hpp, "switch
// buffers"): on each tier's line and the scale-up line in text, under "switch_buffers" in JSON,
// nothing when none is given; explicit graphs' per-node buffers included; bad ones exit 2.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

// The line of `text` that contains `needle` ("" if none).
std::string line_with(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  const std::size_t begin = text.rfind('\n', at) + 1;
  return text.substr(begin, text.find('\n', at) - begin);
}

// Two ToRs (tor0 with its own 8 MiB, tor1 with the 16 MiB switch default), one spine (default),
// one scale-up switch (its role's 96 MiB default) joining gpu0 and gpu1.
const char* kExplicit = R"({"generator": "explicit", "server": {"accelerators": 2},
  "explicit": {"switch": {"buffer": "16MiB"}, "scale_up_switch": {"buffer": "96MiB"},
    "nodes": [{"name": "gpu0", "role": "accelerator"}, {"name": "gpu1", "role": "accelerator"},
              {"name": "gpu2", "role": "accelerator"}, {"name": "gpu3", "role": "accelerator"},
              {"name": "tor0", "role": "switch", "buffer": "8MiB"}, {"name": "tor1", "role": "switch"},
              {"name": "spine0", "role": "switch"}, {"name": "nvs0", "role": "scale_up_switch"}],
    "links": [{"a": "gpu0", "b": "tor0"}, {"a": "gpu1", "b": "tor0"}, {"a": "gpu2", "b": "tor1"}, {"a": "gpu3", "b": "tor1"},
              {"a": "tor0", "b": "spine0"}, {"a": "tor1", "b": "spine0"},
              {"a": "gpu0", "b": "nvs0"}, {"a": "gpu1", "b": "nvs0"}]}})";

}  // namespace

TEST_CASE("topo prints a generated tier's buffer on its line, and none where the topology gives none") {
  const auto r = run_cli("topo topologies/leaf_spine_128.json --set leaf_spine.leaf_buffer=64MiB");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(line_with(r.out, "tier 1 leaf:").ends_with(", buffer 64MiB (leaf_spine.leaf_buffer)"));
  CHECK(line_with(r.out, "tier 2 spine:").find("buffer") == std::string::npos);
  const auto plain = run_cli("topo topologies/leaf_spine_128.json");
  REQUIRE(plain.exit_code == 0);
  CHECK(plain.out.find("buffer") == std::string::npos);

  const auto j = nlohmann::json::parse(run_cli("topo topologies/leaf_spine_128.json --json --set leaf_spine.leaf_buffer=64MiB").out);
  CHECK(j["switch_buffers"]["leaf"]["given"] ==
        nlohmann::json::parse(R"([{"bytes": 67108864, "size": "64MiB", "key": "leaf_spine.leaf_buffer", "switches": 8}])"));
  CHECK(j["switch_buffers"]["leaf"]["mmu_buffer_switches"] == 0);
  CHECK_FALSE(j["switch_buffers"].contains("spine"));
  CHECK_FALSE(nlohmann::json::parse(run_cli("topo topologies/leaf_spine_128.json --json").out).contains("switch_buffers"));
}

TEST_CASE("topo prints the scale-up switches' buffer of a shipped rack72 design") {
  const auto r = run_cli("topo topologies/rack72_3x800g_1k.json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(line_with(r.out, "scale-up switches:") == "  scale-up switches: 16 (72 accelerators each), buffer 96MiB (scale_up.buffer)");
}

TEST_CASE("topo on an explicit graph: per-node and default buffers per tier, the same text every run") {
  const std::string dir = scratch_dir("topo-buffers");
  write_file(dir + "/t.json", kExplicit);
  const auto a = run_cli("topo " + dir + "/t.json");
  REQUIRE_MESSAGE(a.exit_code == 0, a.err);
  CHECK(line_with(a.out, "tier 1 tier1:").ends_with(", buffers 8MiB (explicit.nodes[].buffer) on 1, 16MiB (explicit.switch.buffer) on 1"));
  CHECK(line_with(a.out, "tier 2 tier2:").ends_with(", buffer 16MiB (explicit.switch.buffer)"));
  CHECK(line_with(a.out, "scale-up switches:").ends_with(", buffer 96MiB (explicit.scale_up_switch.buffer)"));
  CHECK(run_cli("topo " + dir + "/t.json").out == a.out);

  const auto j = nlohmann::json::parse(run_cli("topo " + dir + "/t.json --json").out);
  CHECK(j["switch_buffers"]["tier1"]["given"].size() == 2);
  CHECK(j["switch_buffers"]["tier1"]["given"][0]["key"] == "explicit.nodes[].buffer");
  CHECK(j["switch_buffers"]["scale_up"]["given"][0]["bytes"] == 96LL << 20);
  CHECK(j["effective_config"]["explicit"]["nodes"][4]["buffer"] == "8MiB");

  // A role default left out: tor1 and the spine fall back to mmu.buffer, counted apart.
  const auto some = run_cli("topo " + dir + "/t.json --set 'explicit.switch={}'");
  REQUIRE_MESSAGE(some.exit_code == 0, some.err);
  CHECK(line_with(some.out, "tier 1 tier1:").ends_with(", buffers 8MiB (explicit.nodes[].buffer) on 1, mmu.buffer on 1"));
  CHECK(line_with(some.out, "tier 2 tier2:").find("buffer") == std::string::npos);
}

TEST_CASE("topo on an explicit graph with a bad buffer exits 2 naming the file and the node's JSON path") {
  const std::string dir = scratch_dir("topo-buffers-bad");
  nlohmann::json j = nlohmann::json::parse(kExplicit);
  j["explicit"]["nodes"][5]["buffer"] = "16Mi";
  write_file(dir + "/bad.json", j.dump());
  const auto r = run_cli("topo " + dir + "/bad.json");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad.json: /explicit/nodes/5/buffer:") != std::string::npos);
  j["explicit"]["nodes"][5].erase("buffer");
  j["explicit"]["nodes"][5]["buffr"] = "16MiB";
  write_file(dir + "/typo.json", j.dump());
  const auto t = run_cli("topo " + dir + "/typo.json");
  CHECK(t.exit_code == 2);
  CHECK(t.err.find("typo.json: /explicit/nodes/5/buffr: unknown key") != std::string::npos);
}
