// Explicit graphs: the ns-3 RDMA / SimAI text reader and the "explicit" JSON form, routed by BFS
// all-shortest-paths. Every file is written by the test itself.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/config_error.hpp"
#include "routing/router.hpp"
#include "topology/explicit_graph.hpp"
#include "topology/ns3_topology_reader.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;

namespace {

std::size_t count_switches(const Fabric& f, int tier) {
  std::size_t n = 0;
  for (const Node& node : f.nodes()) n += node.role == NodeRole::fabric_switch && node.tier == tier;
  return n;
}

Fabric build(const Ns3Topology& t) { return build_explicit_fabric(t.graph, t.accelerators_per_server, "t", "t.txt"); }

// Parses `text` expecting a ConfigError on `line` whose message contains `words`.
void expect_line_error(const std::string& text, int line, const std::string& words) {
  CAPTURE(text);
  try {
    const Ns3Topology t = parse_ns3_topology(text, "bad.txt");
    build(t);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.file() == "bad.txt");
    CHECK(e.path() == "line " + std::to_string(line));
    CHECK_MESSAGE(e.message().find(words) != std::string::npos, std::string(e.what()));
  }
}

// A 2-leaf, S-spine fabric in the 3-token ns-3 RDMA format: hosts 0..3 (two per leaf), leaves 4
// and 5, spines 6 .. 5+S, every leaf linked once to every spine.
std::string ns3_leaf_spine(int spines) {
  const int nodes = 6 + spines, links = 4 + 2 * spines;
  std::string s = std::to_string(nodes) + " " + std::to_string(2 + spines) + " " + std::to_string(links) + "\n";
  for (int i = 4; i < nodes; ++i) s += std::to_string(i) + (i + 1 < nodes ? " " : "\n");
  for (int h = 0; h < 4; ++h) s += std::to_string(h) + " " + std::to_string(4 + h / 2) + " 100Gbps 0.001ms 0\n";
  for (int leaf = 4; leaf <= 5; ++leaf) {
    for (int sp = 6; sp < nodes; ++sp) s += std::to_string(leaf) + " " + std::to_string(sp) + " 400Gbps 0.0005ms 0\n";
  }
  return s;
}

}  // namespace

TEST_CASE("ns-3 text, 3-token header: leaf-spine counts, derived tiers, S ECMP paths across leaves") {
  for (int spines : {1, 2, 4}) {
    CAPTURE(spines);
    const Ns3Topology t = parse_ns3_topology(ns3_leaf_spine(spines), "t.txt");
    CHECK(t.accelerators_per_server == 1);
    CHECK(t.accelerator_type.empty());
    const Fabric f = build(t);
    CHECK_FALSE(f.structural());
    CHECK(f.endpoints() == 4);
    CHECK(count_switches(f, 1) == 2);  // adjacent to hosts: d = 0 → tier 1
    CHECK(count_switches(f, 2) == static_cast<std::size_t>(spines));  // one switch hop further
    CHECK(f.link_count() == static_cast<std::size_t>(4 + 2 * spines));
    CHECK(f.link(0).rate == Rate::gbps(100));
    CHECK(f.link(0).latency == Time::from_ns(1000));  // 0.001ms
    CHECK(f.link(4).latency == Time::from_ns(500));   // 0.0005ms
    const routing::Router router(f, routing::RoutingParams{});
    // Host 0 → host 2 (other leaf): host–leaf–spine–leaf–host, one path per spine.
    CHECK(router.hop_count(0, 2) == 4);
    CHECK(router.path_count(0, 2) == static_cast<std::uint64_t>(spines));
    // Same leaf: two hops, one path.
    CHECK(router.hop_count(0, 1) == 2);
    CHECK(router.path_count(0, 1) == 1);
  }
}

TEST_CASE("SimAI text, 6-token header: servers, NVSwitch scale-up domains, GPU ids kept") {
  // 2 servers × 2 GPUs (ids 0..3), NVSwitches 4 and 5 (one per server), one ToR 6.
  const std::string text =
      "7 2 2 1 8 H100\n"
      "4 5 6\n"
      "0 4 2400Gbps 0.000025ms 0\n1 4 2400Gbps 0.000025ms 0\n"
      "2 5 2400Gbps 0.000025ms 0\n3 5 2400Gbps 0.000025ms 0\n"
      "0 6 400Gbps 0.0005ms 0\n1 6 400Gbps 0.0005ms 0\n2 6 400Gbps 0.0005ms 0\n3 6 400Gbps 0.0005ms 0\n";
  const Ns3Topology t = parse_ns3_topology(text, "t.txt");
  CHECK(t.accelerators_per_server == 2);
  CHECK(t.accelerator_type == "H100");
  const Fabric f = build(t);
  CHECK(f.endpoints() == 4);
  // Server ⌊i/2⌋, local index i mod 2; one scale-up domain per NVSwitch.
  for (NodeId e = 0; e < 4; ++e) {
    CHECK(f.node(e).server == e / 2);
    CHECK(f.node(e).local_index == e % 2);
    CHECK(f.node(e).scale_up_domain == e / 2);
  }
  std::size_t su = 0, nic = 0;
  for (const Link& l : f.links()) {
    su += l.kind == LinkKind::scale_up;
    nic += l.kind == LinkKind::nic;
  }
  CHECK(su == 4);
  CHECK(nic == 4);
  const routing::Router router(f, routing::RoutingParams{});
  // Same server: over the NVSwitch (2 hops); the first hop lands on a scale-up switch.
  std::vector<PortId> path;
  REQUIRE(router.path(routing::FlowKey::for_qp(0, 1, 0), path));
  REQUIRE(path.size() == 2);
  CHECK(f.node(f.port(path[0]).peer).role == NodeRole::scale_up_switch);
  // Other server: over the ToR.
  path.clear();
  REQUIRE(router.path(routing::FlowKey::for_qp(0, 3, 0), path));
  REQUIRE(path.size() == 2);
  CHECK(f.node(f.port(path[0]).peer).role == NodeRole::fabric_switch);
}

TEST_CASE("SimAI text, 7-token header and switch ids wrapped over lines") {
  const std::string text =
      "# comment lines are skipped\n"
      "5 1 0 2 4 A100 1\n"
      "3\n4\n"
      "0 3 200Gbps 1us 0\n1 3 200Gbps 1us 0\n2 4 200Gbps 1us 0\n3 4 800Gbps 1us 0.0\n";
  const Ns3Topology t = parse_ns3_topology(text, "t.txt");
  const Fabric f = build(t);
  CHECK(f.endpoints() == 3);
  CHECK(count_switches(f, 1) == 2);
  const routing::Router router(f, routing::RoutingParams{});
  CHECK(router.hop_count(0, 2) == 3);  // gpu0 – sw3 – sw4 – gpu2
}

TEST_CASE("ns-3 text: every malformed file names the line") {
  const std::string ok_links = "0 4 100Gbps 1us 0\n1 4 100Gbps 1us 0\n2 5 100Gbps 1us 0\n3 5 100Gbps 1us 0\n4 5 100Gbps 1us 0\n";
  expect_line_error("", 1, "empty");
  expect_line_error("6 2\n4 5\n" + ok_links, 1, "header of 3 tokens");
  expect_line_error("6 x 5\n4 5\n" + ok_links, 1, "switch count");
  expect_line_error("6 2 5\n4 4\n" + ok_links, 2, "listed twice");
  expect_line_error("6 2 5\n4 9\n" + ok_links, 2, "not below the node count");
  expect_line_error("6 2 5\n4 5 3\n" + ok_links, 2, "more switch ids");
  expect_line_error("6 2 6\n4 5\n" + ok_links, 7, "promises 6 links, found 5");
  expect_line_error("6 2 4\n4 5\n" + ok_links, 7, "more links than");
  expect_line_error("6 2 5\n4 5\n0 4 100Gbps 1us 0\n1 4 100Gbps 1us\n", 4, "5 tokens");
  expect_line_error("6 2 5\n4 5\n0 4 100Gbps 1us 0\n1 4 fast 1us 0\n", 4, "rate");
  expect_line_error("6 2 5\n4 5\n0 4 100Gbps 1us 0\n1 4 100Gbps 1 0\n", 4, "unit");
  expect_line_error("6 2 5\n4 5\n0 4 100Gbps 1us 0.01\n", 3, "not modelled");
  expect_line_error("6 2 2\n4 5\n0 4 100Gbps 1us 0\n0 1 100Gbps 1us 0\n", 4, "accelerators cannot be linked");
  expect_line_error("6 2 2\n4 5\n0 4 100Gbps 1us 0\n4 4 100Gbps 1us 0\n", 4, "two different nodes");
  expect_line_error("6 2 5\n4 5\n0 9 100Gbps 1us 0\n", 3, "out of range");
  expect_line_error("5 2 0 2 4 H100 4\n3 4\n", 1, "ngpus_per_node");
  // A well-formed file whose graph falls apart: no leaf–leaf link.
  try {
    build(parse_ns3_topology("6 2 4\n4 5\n0 4 100Gbps 1us 0\n1 4 100Gbps 1us 0\n2 5 100Gbps 1us 0\n3 5 100Gbps 1us 0\n", "t.txt"));
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.message().find("disconnected") != std::string::npos);
  }
}

TEST_CASE("ns-3 text files are recognised by content and read from disk") {
  const std::string dir = std::string(ROCESIM_BINARY_DIR) + "/test-scratch/catalog-explicit";
  std::filesystem::create_directories(dir);
  const std::string txt = dir + "/ls.txt", js = dir + "/ls.json";
  std::ofstream(txt) << ns3_leaf_spine(2);
  std::ofstream(js) << "{\"generator\": \"leaf_spine\"}\n";
  CHECK(looks_like_ns3_topology(txt));
  CHECK_FALSE(looks_like_ns3_topology(js));
  CHECK(build(read_ns3_topology_file(txt)).endpoints() == 4);
  CHECK_THROWS_AS(read_ns3_topology_file(dir + "/missing.txt"), ConfigError);
}

TEST_CASE("explicit JSON graph: nodes by name, default link, given and derived tiers, round trip") {
  // Two ToRs under one spine; a 2-accelerator scale-up domain on ToR t0.
  const json j = json::parse(R"({
    "link": {"rate": "200Gbps", "latency": "1us"},
    "nodes": [
      {"name": "g0", "role": "accelerator"}, {"name": "g1", "role": "accelerator"},
      {"name": "g2", "role": "accelerator"},
      {"name": "t0", "role": "switch"}, {"name": "t1", "role": "switch", "tier": 1},
      {"name": "s0", "role": "switch"},
      {"name": "nv", "role": "scale_up_switch"}
    ],
    "links": [
      {"a": "g0", "b": "t0"}, {"a": "g1", "b": "t0"}, {"a": "t1", "b": "g2", "rate": "400Gbps"},
      {"a": "t0", "b": "s0"}, {"a": "t1", "b": "s0"}, {"a": "s0", "b": "t1"},
      {"a": "g0", "b": "nv", "rate": "3600Gbps", "latency": "250ns"}, {"a": "g1", "b": "nv", "rate": "3600Gbps", "latency": "250ns"}
    ]
  })");
  JsonReader r(j, "g.json", "/explicit");
  const ExplicitGraphSpec g = parse_explicit_graph(r);
  r.finish();
  const Fabric f = build_explicit_fabric(g, 1, "g", "g.json");
  CHECK(f.endpoints() == 3);
  CHECK(count_switches(f, 1) == 2);
  CHECK(count_switches(f, 2) == 1);
  CHECK(f.link(0).rate == Rate::gbps(200));  // from "link"
  CHECK(f.link(2).rate == Rate::gbps(400));  // its own
  CHECK(f.link(2).a == 2);                    // lower end is the accelerator whichever way it was written
  CHECK(f.node(0).scale_up_domain == f.node(1).scale_up_domain);
  CHECK(f.node(2).scale_up_domain == kNone);
  const routing::Router router(f, routing::RoutingParams{});
  CHECK(router.hop_count(0, 1) == 2);        // over the scale-up switch
  CHECK(router.hop_count(0, 2) == 4);        // g0 – t0 – s0 – t1 – g2
  CHECK(router.path_count(0, 2) == 2);       // t1 has two parallel links to s0
  // The effective JSON reads back into an equal spec.
  const json back = explicit_graph_to_json(g);
  JsonReader r2(back, "g.json", "/explicit");
  CHECK(parse_explicit_graph(r2) == g);
}

TEST_CASE("explicit JSON graph: bad nodes and links name their JSON path") {
  auto expect = [](const std::string& text, const std::string& path, const std::string& words) {
    CAPTURE(text);
    const json j = json::parse(text);
    try {
      JsonReader r(j, "bad.json", "/explicit");
      const ExplicitGraphSpec g = parse_explicit_graph(r);
      r.finish();
      build_explicit_fabric(g, 1, "g", "bad.json");
      FAIL("no error");
    } catch (const ConfigError& e) {
      CHECK(e.path() == path);
      CHECK_MESSAGE(e.message().find(words) != std::string::npos, std::string(e.what()));
    }
  };
  const std::string nodes = R"("nodes": [{"name": "a", "role": "accelerator"}, {"name": "s", "role": "switch"}])";
  expect("{" + nodes + R"(, "links": [{"a": "a", "b": "x"}]})", "/explicit/links/0/b", "unknown node \"x\"");
  expect("{" + nodes + R"(, "links": [{"a": "a", "b": "s", "speed": "1G"}]})", "/explicit/links/0/speed", "unknown key");
  expect("{" + nodes + R"(, "links": [{"a": "a", "b": "s", "rate": "0Gbps"}]})", "/explicit/links/0/rate", "rate");
  expect(R"({"nodes": [{"name": "a", "role": "accelerator"}, {"name": "a", "role": "switch"}], "links": []})",
         "/explicit/nodes/1/name", "duplicate");
  expect(R"({"nodes": [{"name": "a", "role": "router"}], "links": []})", "/explicit/nodes/0/role", "unknown value");
  expect(R"({"nodes": [{"name": "a", "role": "accelerator", "tier": 1}], "links": []})", "/explicit/nodes/0/tier",
         "only switches");
  expect(R"({"nodes": [{"name": "s", "role": "switch", "tier": 5}], "links": []})", "/explicit/nodes/0/tier", "[0, 4]");
  expect(R"({"nodes": [{"name": "s", "role": "switch"}], "links": []})", "/", "no accelerators");
  expect(R"({"nodes": [{"name": "a", "role": "accelerator"}, {"name": "n", "role": "scale_up_switch"}, {"name": "s", "role": "switch"}],
            "links": [{"a": "a", "b": "n"}, {"a": "n", "b": "s"}]})",
         "/explicit/links/1", "scale-up switch links only to accelerators");
  expect("{" + nodes + R"(, "links": []})", "/", "disconnected");
}
