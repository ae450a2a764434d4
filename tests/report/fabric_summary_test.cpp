// fabric_summary: counts, oversubscription, bisection, diameter and ECMP widths against formulas.
#include <doctest/doctest.h>

#include <string>

#include "report/fabric_summary.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using nlohmann::json;

namespace {

report::FabricSummary summary_of(const json& j) {
  const Fabric f = build_fabric(parse_topology(j, "summary_test"));
  const routing::Router router(f, routing::RoutingParams{});
  return report::summarize(f, router);
}

}  // namespace

TEST_CASE("fat tree summary: counts, 1:1 everywhere, bisection k³/8·r, diameter 6, (k/2)² paths across pods") {
  for (std::uint64_t k : {4u, 8u, 16u}) {
    CAPTURE(k);
    const auto s = summary_of(json{{"generator", "fat_tree"}, {"fat_tree", {{"k", k}, {"link", {{"rate", "100Gbps"}}}}}});
    const json j = report::to_json(s);
    CHECK(j["endpoints"] == k * k * k / 4);
    CHECK(j["nics"] == k * k * k / 4);
    CHECK(j["switches_by_tier"]["tor"] == k * k / 2);
    CHECK(j["switches_by_tier"]["agg"] == k * k / 2);
    CHECK(j["switches_by_tier"]["core"] == k * k / 4);
    CHECK(j["links_by_tier"]["nic"] == k * k * k / 4);
    CHECK(j["links_by_tier"]["tor-agg"] == k * k * k / 4);
    CHECK(j["links_by_tier"]["agg-core"] == k * k * k / 4);
    CHECK(j["cables"] == 3 * k * k * k / 4);
    CHECK(j["oversubscription_by_tier"]["tor"] == 1.0);
    CHECK(j["oversubscription_by_tier"]["agg"] == 1.0);
    CHECK_FALSE(j["oversubscription_by_tier"].contains("core"));
    CHECK(j["ports_by_tier"]["core"]["ports_max"] == k);
    CHECK(j["ports_by_tier"]["core"]["radix"] == k);
    // Every level carries k³/4 links of 100 Gb/s; half of that crosses a balanced cut.
    CHECK(j["bisection_bps"] == k * k * k / 4 * 100000000000ULL / 2);
    CHECK(j["diameter_hops"] == 6);
    CHECK(j["ecmp_paths_across_pods"] == (k / 2) * (k / 2));
    CHECK(s.pods == k);
  }
}

TEST_CASE("leaf-spine summary: leaf oversubscription H·r_h/(S·P·r_f) and the bisection it limits") {
  // 8 leaves × 16 hosts at 400G, 4 spines × 1 link at 400G: leaf 16:4 = 4:1.
  const auto s = summary_of(json{{"generator", "leaf_spine"},
                                 {"leaf_spine", {{"leaves", 8}, {"hosts_per_leaf", 16}, {"spines", 4}}}});
  const json j = report::to_json(s);
  CHECK(j["oversubscription_by_tier"]["leaf"] == 4.0);
  // NIC level 128·400G, leaf–spine level 32·400G: bisection = 32·400G/2 = 6.4 Tb/s.
  CHECK(j["bisection_bps"] == 32ULL * 400000000000ULL / 2);
  CHECK(j["diameter_hops"] == 4);
  CHECK(j["ecmp_paths_across_pods"] == 0);  // a single pod
  bool saw_spine_pair = false;
  for (const auto& p : s.pairs) {
    if (p.kind == "same spine") {
      saw_spine_pair = true;
      CHECK(p.dst == 16);          // first host of leaf 1
      CHECK(p.ecmp_paths == 4);    // S·P² with P = 1
      CHECK(p.first_hop_width == 4);
    }
  }
  CHECK(saw_spine_pair);
}

TEST_CASE("shipped 3-tier cluster summary: agg oversubscription 384/55, top-level bisection") {
  const Fabric f = build_fabric(load_topology_file(std::string(ROCESIM_SOURCE_DIR) + "/topologies/clos3_8pods_3072.json"));
  const routing::Router router(f, routing::RoutingParams{});
  const json j = report::to_json(report::summarize(f, router));
  CHECK(j["endpoints"] == 24576);
  CHECK(j["oversubscription_by_tier"]["tor"] == 1.0);
  CHECK(j["oversubscription_by_tier"]["agg"].get<double>() == doctest::Approx(384.0 / 55.0));
  // Top level: 8 pods · 8 aggs · 55 uplinks at 400G = 3520 links; half: 1760 · 400G = 704 Tb/s.
  CHECK(j["bisection_bps"] == 1760ULL * 400000000000ULL);
  // Across pods: ToR 16 uplinks · agg 55 uplinks · 5 parallel core→agg · 2 parallel agg→ToR.
  CHECK(j["ecmp_paths_across_pods"] == 16 * 55 * 5 * 2);
  CHECK(j["scale_up_switches"] == 24576 / 8);
  CHECK(j["links_by_tier"]["scale_up"] == 24576);
  CHECK(j["cables"] == 24576 + 8 * 192 * 16 + 8 * 8 * 55);
}

TEST_CASE("rail summary: same-server pairs use the scale-up switch; cross-rail pairs go through a spine") {
  const auto s = summary_of(default_topology_json());
  REQUIRE(s.pairs.size() >= 4);
  CHECK(s.pairs[0].kind == "same scale-up domain");
  CHECK(s.pairs[0].dst == 1);
  CHECK(s.pairs[0].hops == 2);
  CHECK(s.pairs[1].kind == "same rail-leaf");
  CHECK(s.pairs[1].dst == 8);       // server 1, rail 0
  CHECK(s.pairs[2].kind == "same spine");
  CHECK(s.pairs[2].dst == 9);       // server 1, rail 1: another rail leaf
  CHECK(s.pairs[2].hops == 4);
  CHECK(s.pairs[2].ecmp_paths == 8);  // 8 uplinks to 8 spines, one link each
  CHECK(s.diameter_hops == 4);
  CHECK(s.ecmp_paths_across_pods == 8);
}

TEST_CASE("summaries are deterministic: the same fabric gives byte-identical JSON and text") {
  const auto a = summary_of(default_topology_json());
  const auto b = summary_of(default_topology_json());
  CHECK(report::to_json(a).dump() == report::to_json(b).dump());
  CHECK(report::to_text(a) == report::to_text(b));
}

TEST_CASE("a spine down: hardware counts stay, capacity, oversubscription and bisection lose that spine") {
  // 8 leaves × 16 hosts at 400G, 4 spines: healthy leaf 16:4 = 4:1, leaf–spine level 32 links.
  // With spine t2.0 down, its 8 links still exist (ports and optics) but carry nothing: the
  // leaf–spine capacity is 24·400G, each leaf has 3 working uplinks (16:3), and the bisection is
  // min(128·400G, 24·400G)/2 = 4.8 Tb/s.
  json j = json{{"generator", "leaf_spine"}, {"leaf_spine", {{"leaves", 8}, {"hosts_per_leaf", 16}, {"spines", 4}}}};
  j["failures"] = json::array({{{"switch", "t2.0"}}});
  const json s = report::to_json(summary_of(j));
  CHECK(s["links_by_tier"]["leaf-spine"] == 32);
  CHECK(s["cables"] == 128 + 32);
  CHECK(s["capacity_bps_by_tier"]["leaf-spine"] == 24ULL * 400000000000ULL);
  CHECK(s["oversubscription_by_tier"]["leaf"] == doctest::Approx(16.0 / 3.0));
  CHECK(s["bisection_bps"] == 24ULL * 400000000000ULL / 2);
}

TEST_CASE("scale-up in the summary: a full mesh of 8 at 512 Gb/s reports 16·512 Gb/s per domain; none without one") {
  // 2 leaves × 8 hosts, one 8-accelerator server per leaf, each server one mesh domain.
  const json mesh{{"generator", "leaf_spine"},
                  {"server", {{"accelerators", 8}}},
                  {"scale_up", {{"size", 8}, {"shape", "full_mesh"}, {"rate", "512Gbps"}}},
                  {"leaf_spine", {{"leaves", 2}, {"hosts_per_leaf", 8}, {"spines", 1}}}};
  const auto s = summary_of(mesh);
  const json j = report::to_json(s);
  REQUIRE(j.contains("scale_up"));
  CHECK(j["scale_up"]["shape"] == "full_mesh");
  CHECK(j["scale_up"]["domains"] == 2);
  CHECK(j["scale_up"]["links"] == 2 * 8 * 7 / 2);
  CHECK(j["scale_up"]["ports_per_accelerator"] == 7);
  CHECK(j["scale_up"]["domain_bisection_bps"] == 4ULL * 4 * 512'000'000'000ULL);
  CHECK(j["scale_up"]["bisection_bps"] == 2ULL * 4 * 4 * 512'000'000'000ULL);
  CHECK(j["scale_up_switches"] == 0);
  // The same-domain pair is one hop over its own link.
  CHECK(s.pairs.front().kind == "same scale-up domain");
  CHECK(s.pairs.front().hops == 1);
  CHECK(report::to_text(s).find("scale-up bisection: 8.192 Tb/s per domain, 16.384 Tb/s in all") != std::string::npos);
  const json none{{"generator", "leaf_spine"}, {"leaf_spine", {{"leaves", 2}, {"hosts_per_leaf", 4}, {"spines", 1}}}};
  CHECK_FALSE(report::to_json(summary_of(none)).contains("scale_up"));
}
