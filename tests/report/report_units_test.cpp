// Every number the analysis and attribution sections write carries its unit in its key name or is
// dimensionless by definition; checked on a real fluid run so every section is present.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fluid_run_fixture.hpp"
#include "report/attribution.hpp"
#include "report/run_analysis.hpp"

using namespace rocesim;
using nlohmann::json;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Units by suffix (_us, bytes, _GBps) or dimensionless by definition (utilization, efficiency,
// counts, ids, speedup factors keyed by tier name).
bool has_unit(const std::string& key, const std::string& parent) {
  if (parent == "speedup_if_nonblocking") return true;  // {tier: factor}
  for (const char* suffix : {"_us", "bytes", "_GBps", "utilization", "efficiency", "_frames", "_marks", "drops"}) {
    if (ends_with(key, suffix)) return true;
  }
  if (key.rfind("util_", 0) == 0 || key.rfind("bytes_", 0) == 0) return true;
  for (const char* dimensionless : {"port", "ports", "count", "total", "fluid_reruns"}) {
    if (key == dimensionless) return true;
  }
  return false;
}

void check_units(const json& j, const std::string& key, const std::string& parent, std::vector<std::string>& bad) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) check_units(v, k, key, bad);
  } else if (j.is_array()) {
    for (const json& v : j) check_units(v, key, parent, bad);
  } else if (j.is_number() && !has_unit(key, parent)) {
    bad.push_back(parent + "/" + key);
  }
}

}  // namespace

TEST_CASE("analysis and attribution sections: the documented keys, each number with a unit") {
  const json doc = {{"generator", "clos3"},
                    {"clos3", {{"pods", 2}, {"tors_per_pod", 4}, {"hosts_per_tor", 1}, {"aggs_per_pod", 1},
                               {"agg", {{"oversubscription", "4:1"}}}}}};
  const topology::Fabric f = topology::build_fabric(topology::parse_topology(doc, "test"));
  const routing::RoutingParams rp;
  const routing::Router router(f, rp);
  const json w = {{"jobs",
                   {{{"world_size", 8},
                     {"placement", {{"kind", "strided"}, {"stride", 4}}},
                     {"ops",
                      {{{"id", "ar"}, {"type", "all_reduce"}, {"bytes", "1MiB"}},
                       {{"id", "c"}, {"type", "compute"}, {"duration", "10us"}, {"deps", {"ar"}}},
                       {{"id", "a2a"}, {"type", "all_to_all"}, {"bytes", "1MiB"}, {"deps", {"c"}}}}}}}}};
  const workload::WorkloadSpec spec = workload::parse_workload(w, "test");
  const workload::LoweredWorkload lw = workload::lower_workload(spec, f);
  const observe::RunRecord main = report::testing::run_fluid(f, rp, lw);
  REQUIRE(main.completed);
  json sections = report::run_analysis_sections(f, main, main.end, main.bytes_started);
  for (const char* key : {"tiers", "hot_links", "fct", "pfc", "drops", "conservation"}) CHECK(sections.contains(key));
  CHECK(sections["conservation"]["ok"] == true);
  for (const char* key : {"tier", "direction", "ports", "bytes", "util_mean", "util_p50", "util_p99", "util_max",
                          "paused_us", "pause_frames", "ecn_marks", "drops"}) {
    CHECK(sections["tiers"][0].contains(key));
  }
  for (const char* key : {"port", "from", "to", "tier", "direction", "utilization", "bytes", "paused_us", "ecn_marks",
                          "drops", "max_queue_bytes"}) {
    CHECK(sections["hot_links"][0].contains(key));
  }
  for (const char* key : {"count", "mean_us", "p50_us", "p90_us", "p99_us", "max_us"}) CHECK(sections["fct"].contains(key));
  const report::AttributionResult res =
      report::attribute(report::testing::attribution_input(f, router, rp, spec, lw, main));
  REQUIRE(res.op_fields.size() == 3);
  CHECK(res.op_fields[1].empty());  // compute: nothing to attribute
  for (std::size_t i : {0u, 2u}) {
    const json& op = res.op_fields[i];
    CHECK(op.contains("ideal_us"));
    CHECK(op.contains("efficiency"));
    for (const char* key : {"bottleneck_tier", "speedup_if_nonblocking", "critical_links", "ecmp_collisions"}) {
      CHECK(op["attribution"].contains(key));
    }
    for (const char* key : {"port", "from", "to", "tier", "direction", "utilization", "paused_us"}) {
      CHECK(op["attribution"]["critical_links"][0].contains(key));
    }
    sections["op" + std::to_string(i)] = op;
  }
  sections["bottleneck"] = res.bottleneck;
  for (const char* key : {"tier", "summary", "fluid_reruns"}) CHECK(res.bottleneck.contains(key));
  std::vector<std::string> bad;
  check_units(sections, "", "", bad);
  CHECK_MESSAGE(bad.empty(), "numbers without a unit: " << json(bad).dump());
  // Deterministic: the same inputs give byte-identical sections.
  const observe::RunRecord again = report::testing::run_fluid(f, rp, lw);
  CHECK(report::run_analysis_sections(f, again, again.end, again.bytes_started).dump() ==
        report::run_analysis_sections(f, main, main.end, main.bytes_started).dump());
}
