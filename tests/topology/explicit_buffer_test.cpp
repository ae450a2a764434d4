// Switch buffers in explicit graphs (topology/explicit_graph.hpp, "buffer"): a listed switch's own
// `buffer`, else its role's default (`switch.buffer`, `scale_up_switch.buffer`), reaches exactly
// that switch through Fabric::switch_buffer, with the key that names it; equal buffers share one
// table entry; the effective JSON reads back equal; bad values and unknown keys are refused with
// the JSON path.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "build_helpers.hpp"
#include "topology/explicit_graph.hpp"
#include "topology/ns3_topology_reader.hpp"
#include "topology/switch_buffer.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::topology::testing;
using nlohmann::json;

namespace {

// Listing order differs from the Fabric's node order on purpose (switches before accelerators):
//   0 tor0 (own 8MiB)   1 gpu0   2 gpu1   3 gpu2   4 gpu3   5 tor1 (switch default)
//   6 spine0 (own 8MiB, same as tor0)   7 nvs0 (scale_up_switch default)
// Fabric ids: gpu0..3 = 0..3, then tor0 4, tor1 5, spine0 6, then nvs0 7.
json small_graph() {
  return json::parse(R"({
    "generator": "explicit", "server": {"accelerators": 2},
    "explicit": {
      "link": {"rate": "400Gbps", "latency": "500ns"},
      "switch": {"buffer": "16MiB"}, "scale_up_switch": {"buffer": "96MiB"},
      "nodes": [{"name": "tor0", "role": "switch", "buffer": "8MiB"},
                {"name": "gpu0", "role": "accelerator"}, {"name": "gpu1", "role": "accelerator"},
                {"name": "gpu2", "role": "accelerator"}, {"name": "gpu3", "role": "accelerator"},
                {"name": "tor1", "role": "switch"}, {"name": "spine0", "role": "switch", "buffer": 8388608},
                {"name": "nvs0", "role": "scale_up_switch"}],
      "links": [{"a": "gpu0", "b": "tor0"}, {"a": "gpu1", "b": "tor0"}, {"a": "gpu2", "b": "tor1"}, {"a": "gpu3", "b": "tor1"},
                {"a": "tor0", "b": "spine0"}, {"a": "tor1", "b": "spine0"},
                {"a": "gpu0", "b": "nvs0", "rate": "3600Gbps"}, {"a": "gpu1", "b": "nvs0", "rate": "3600Gbps"}]}})");
}

constexpr NodeId kTor0 = 4, kTor1 = 5, kSpine0 = 6, kNvs0 = 7;

}  // namespace

TEST_CASE("explicit graph: a switch's own buffer, else its role's default, reaches exactly that switch") {
  const Fabric f = build(small_graph());
  REQUIRE(f.node_count() == 8);
  REQUIRE(f.node(kSpine0).tier == 2);
  REQUIRE(f.node(kNvs0).role == NodeRole::scale_up_switch);
  const std::string node_key(kNodeBufferKey);
  CHECK(f.switch_buffer(kTor0) == SwitchBuffer{Bytes{8 * kMiB}, node_key});
  CHECK(f.switch_buffer(kTor1) == SwitchBuffer{Bytes{16 * kMiB}, "explicit.switch.buffer"});
  CHECK(f.switch_buffer(kSpine0) == SwitchBuffer{Bytes{8 * kMiB}, node_key});
  CHECK(f.switch_buffer(kNvs0) == SwitchBuffer{Bytes{96 * kMiB}, "explicit.scale_up_switch.buffer"});
  // One table entry per distinct buffer: none, the per-node 8 MiB (tor0 and spine0 share it), the
  // two role defaults. The index is one byte of padding the node record already had.
  CHECK(f.buffer_table().size() == 4);
  CHECK(f.node(kTor0).buffer == f.node(kSpine0).buffer);
  CHECK(f.node(kTor0).buffer != f.node(kTor1).buffer);
  CHECK(sizeof(Node) == 52);

  // Without the role defaults, the switches with no buffer of their own get none (mmu.buffer).
  json bare = small_graph();
  bare["explicit"].erase("switch");
  bare["explicit"].erase("scale_up_switch");
  const Fabric g = build(bare);
  CHECK(g.switch_buffer(kTor0).size.n == 8 * kMiB);
  CHECK(g.switch_buffer(kTor1) == SwitchBuffer{});
  CHECK(g.switch_buffer(kNvs0) == SwitchBuffer{});
  CHECK(g.buffer_table().size() == 2);
}

TEST_CASE("explicit graph buffers round-trip through the effective JSON, written only where given") {
  const TopologySpec s = parse_topology(small_graph(), "t.json");
  const json eff = topology_to_json(s);
  CHECK(eff["explicit"]["switch"]["buffer"] == "16MiB");
  CHECK(eff["explicit"]["scale_up_switch"]["buffer"] == "96MiB");
  CHECK(eff["explicit"]["nodes"][0]["buffer"] == "8MiB");
  CHECK_FALSE(eff["explicit"]["nodes"][5].contains("buffer"));  // tor1 takes the default
  CHECK_FALSE(eff["explicit"]["nodes"][1].contains("buffer"));  // an accelerator
  const TopologySpec again = parse_topology(eff, "t.json");
  CHECK(std::get<ExplicitGraphSpec>(again.form) == std::get<ExplicitGraphSpec>(s.form));
  CHECK(topology_to_json(again) == eff);
}

TEST_CASE("ns-3 text imports give no buffer: every switch uses mmu.buffer") {
  const Ns3Topology t = parse_ns3_topology("3 1 2\n2\n0 2 100Gbps 0.001ms 0\n1 2 100Gbps 0.001ms 0\n", "t.txt");
  const Fabric f = build_explicit_fabric(t.graph, t.accelerators_per_server, "t", "t.txt");
  CHECK(f.switch_buffer(2) == SwitchBuffer{});
  CHECK(f.buffer_table().size() == 1);
}

TEST_CASE("explicit graph buffers: bad values and unknown keys are errors naming the JSON path") {
  auto with = [](const std::string& pointer, const json& v) {
    json j = small_graph();
    j[json::json_pointer(pointer)] = v;
    return j;
  };
  // tor1 is nodes[5].
  expect_error(with("/explicit/nodes/5/buffer", "lots"), "/explicit/nodes/5/buffer", "");
  expect_error(with("/explicit/nodes/5/buffer", "64Mi"), "/explicit/nodes/5/buffer", "unit");
  expect_error(with("/explicit/nodes/5/buffer", 0), "/explicit/nodes/5/buffer", "at least 1 bytes");
  expect_error(with("/explicit/nodes/5/buffer", "65GiB"), "/explicit/nodes/5/buffer", "at most 64 GiB");
  expect_error(with("/explicit/nodes/7/buffer", true), "/explicit/nodes/7/buffer", "expected a size");
  expect_error(with("/explicit/nodes/1/buffer", "1MiB"), "/explicit/nodes/1/buffer", "only switches have a buffer");
  expect_error(with("/explicit/switch/buffer", "0B"), "/explicit/switch/buffer", "at least 1 bytes");
  expect_error(with("/explicit/scale_up_switch/buffer", "1.5B"), "/explicit/scale_up_switch/buffer", "");
  // Unknown keys stay errors: in a node, in a role default, and beside them.
  expect_error(with("/explicit/nodes/5/bufer", "1MiB"), "/explicit/nodes/5/bufer", "unknown key");
  expect_error(with("/explicit/switch/size", "1MiB"), "/explicit/switch/size", "unknown key");
  expect_error(with("/explicit/switch_buffer", "1MiB"), "/explicit/switch_buffer", "unknown key");
}

TEST_CASE("explicit graph: at most kMaxBuffers - 1 distinct buffers, the error at the node that exceeds it") {
  // One accelerator linked to n switches, switch i with a buffer of (i + 1) MiB: n distinct sizes.
  auto fan = [](int n, bool with_default) {
    json j{{"generator", "explicit"}, {"server", {{"accelerators", 1}}}};
    json nodes = json::array({{{"name", "gpu0"}, {"role", "accelerator"}}});
    json links = json::array();
    for (int i = 0; i < n; ++i) {
      const std::string name = "s" + std::to_string(i);
      nodes.push_back({{"name", name}, {"role", "switch"}, {"buffer", std::to_string(i + 1) + "MiB"}});
      links.push_back({{"a", "gpu0"}, {"b", name}});
    }
    j["explicit"] = {{"nodes", nodes}, {"links", links}};
    if (with_default) j["explicit"]["switch"] = {{"buffer", "1GiB"}};
    return j;
  };
  // 255 distinct per-node sizes + "none" fill the 256 entries exactly.
  const Fabric f = build(fan(255, false));
  CHECK(f.buffer_table().size() == kMaxBuffers);
  CHECK(f.switch_buffer(f.node_count() - 1).size.n == 255 * kMiB);
  // One more, or a role default taking an entry, is refused at the first node beyond.
  expect_error(fan(256, false), "/explicit/nodes/256/buffer", "expected at most 255 distinct switch buffer sizes");
  expect_error(fan(255, true), "/explicit/nodes/255/buffer", "expected at most 254 distinct switch buffer sizes");
}
