// `rocesim compare`: exit 0 for equal or within-tolerance summaries, 1 for a regression, 2 for bad
// input (unreadable, not a summary, different configs); tolerances, ignores and array matching.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli_in;

using nlohmann::json;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {



const std::string kRun = std::string("run --quiet --topology '") + ROCESIM_SOURCE_DIR +
                         "/topologies/leaf_spine_128.json' --workload '" + ROCESIM_SOURCE_DIR +
                         "/workloads/regression/ring_a2a_16.json' --backend fluid";

// A directory holding run "base" (a fluid run of a small ring all-reduce + all-to-all).
std::string with_base_run(const std::string& name) {
  const std::string dir = scratch_dir(name);
  REQUIRE(run_cli_in(dir, kRun + " --out base") == 0);
  return dir;
}

json load(const std::string& path) { return json::parse(read_file(path)); }

void save(const std::string& path, const json& j) { write_file(path, j.dump(2)); }

std::size_t op_index(const json& s, const std::string& id) {
  for (std::size_t i = 0; i < s["ops"].size(); ++i) {
    if (s["ops"][i]["id"] == id) return i;
  }
  FAIL("no op " << id);
  return 0;
}

}  // namespace

TEST_CASE("compare: two runs of the same inputs match exactly (exit 0), wall time is never compared") {
  const std::string dir = with_base_run("compare-same");
  REQUIRE(run_cli_in(dir, kRun + " --out again") == 0);
  // Expected: wall_time_s almost surely differs between the runs, yet nothing is reported as moved.
  CHECK(run_cli_in(dir, "compare base again") == 0);
  const std::string out = read_file(dir + "/stdout.txt");
  CHECK(out.find(" 0 moved, 0 improved, 0 regressions") != std::string::npos);
  CHECK(out.find("wall") == std::string::npos);
  // Files and directories are both accepted.
  CHECK(run_cli_in(dir, "compare base/summary.json again") == 0);
}

TEST_CASE("compare: a 1 % slower collective is a regression at the default tolerance (exit 1)") {
  const std::string dir = with_base_run("compare-perturbed");
  json s = load(dir + "/base/summary.json");
  const std::size_t ar = op_index(s, "ar");
  const double before = s["ops"][ar]["duration_us"].get<double>();
  s["ops"][ar]["duration_us"] = before * 1.01;
  save(dir + "/slow.json", s);
  CHECK(run_cli_in(dir, "compare base slow.json") == 1);
  const std::string out = read_file(dir + "/stdout.txt");
  CAPTURE(out);
  CHECK(out.find("/ops/ar/duration_us") != std::string::npos);
  CHECK(out.find("+1%") != std::string::npos);
  CHECK(out.find("REGRESSION") != std::string::npos);
  CHECK(out.find("1 regressions beyond tolerance") != std::string::npos);
  // Faster is an improvement: listed, not a failure.
  s["ops"][ar]["duration_us"] = before * 0.99;
  save(dir + "/fast.json", s);
  CHECK(run_cli_in(dir, "compare base fast.json") == 0);
  CHECK(read_file(dir + "/stdout.txt").find("improved") != std::string::npos);
  CHECK(read_file(dir + "/stdout.txt").find("1 improved, 0 regressions") != std::string::npos);
  s["ops"][ar]["duration_us"] = before * 1.01;
  // Tolerances: global, per metric (pattern with "*"), and ignore.
  CHECK(run_cli_in(dir, "compare base slow.json --tolerance 0.02") == 0);
  CHECK(run_cli_in(dir, "compare base slow.json --metric-tolerance '/ops/*/duration_us=0.02'") == 0);
  CHECK(read_file(dir + "/stdout.txt").find("within tolerance") != std::string::npos);
  CHECK(run_cli_in(dir, "compare base slow.json --metric-tolerance '/ops/a2a/duration_us=0.02'") == 1);
  CHECK(run_cli_in(dir, "compare base slow.json --ignore /ops/ar") == 0);
  CHECK(run_cli_in(dir, "compare base slow.json --abs-tolerance 1e9") == 0);
}

TEST_CASE("compare: each metric's good direction decides improved (exit 0) or regression (exit 1)") {
  const std::string dir = with_base_run("compare-direction");
  const json s = load(dir + "/base/summary.json");
  const std::size_t ar = op_index(s, "ar");
  REQUIRE(s["ops"][ar]["busbw_GBps"].get<double>() > 0);
  REQUIRE(s["fct"]["p99_us"].get<double>() > 0);
  // Each case moves one number by 1 % (far beyond the default relative tolerance 1e-6).
  struct Case {
    std::string pointer;
    double factor;
    int exit_code;
  };
  const Case cases[] = {
      {"/ops/" + std::to_string(ar) + "/busbw_GBps", 1.01, 0},  // higher bus bandwidth: better
      {"/ops/" + std::to_string(ar) + "/busbw_GBps", 0.99, 1},
      {"/ops/" + std::to_string(ar) + "/algbw_GBps", 1.01, 0},
      {"/ops/" + std::to_string(ar) + "/efficiency", 0.99, 1},  // lower efficiency: worse
      {"/fct/p99_us", 0.99, 0},                                 // shorter flow completion: better
      {"/fct/p99_us", 1.01, 1},
      {"/run/sim_end_us", 0.99, 0},
      {"/run/events", 0.99, 1},  // no good direction: any drift is a change to look at
      {"/run/events", 1.01, 1},
  };
  for (const Case& c : cases) {
    CAPTURE(c.pointer);
    CAPTURE(c.factor);
    json moved = s;
    const json::json_pointer p(c.pointer);
    moved[p] = moved[p].get<double>() * c.factor;
    save(dir + "/moved.json", moved);
    CHECK(run_cli_in(dir, "compare base moved.json") == c.exit_code);
    const std::string out = read_file(dir + "/stdout.txt");
    CHECK(out.find(c.exit_code == 0 ? "1 improved, 0 regressions" : "0 improved, 1 regressions") != std::string::npos);
  }
}

TEST_CASE("compare: tiers[] and hot_links[] are matched by tier/direction and link, not by position") {
  const std::string dir = with_base_run("compare-tiers");
  const json s = load(dir + "/base/summary.json");
  REQUIRE(s["tiers"].size() >= 2);
  // Reordered tiers (one entry per tier and direction) describe the same fabric: nothing moved.
  json reordered = s;
  std::reverse(reordered["tiers"].begin(), reordered["tiers"].end());
  if (s.contains("hot_links") && s["hot_links"].is_array()) {
    std::reverse(reordered["hot_links"].begin(), reordered["hot_links"].end());
  }
  save(dir + "/reordered.json", reordered);
  CHECK(run_cli_in(dir, "compare base reordered.json") == 0);
  CHECK(read_file(dir + "/stdout.txt").find(" 0 moved") != std::string::npos);
  // A change in one tier is reported under its name and direction.
  json one = reordered;
  const std::string tier = s["tiers"][0]["tier"].get<std::string>(), direction = s["tiers"][0]["direction"];
  for (auto& t : one["tiers"]) {
    if (t["tier"] == tier && t["direction"] == direction) t["bytes"] = t["bytes"].get<double>() + 1e6;
  }
  save(dir + "/one.json", one);
  CHECK(run_cli_in(dir, "compare base one.json") == 1);
  const std::string out = read_file(dir + "/stdout.txt");
  CAPTURE(out);
  CHECK(out.find("/tiers/" + tier + ":" + direction + "/bytes") != std::string::npos);
  CHECK(out.find("1 regressions") != std::string::npos);
}

TEST_CASE("compare --what-if: an A/B of two different configs lists the parameters and what moved, exit 0") {
  const std::string dir = with_base_run("compare-what-if");
  // One spine of four: each leaf keeps 4 uplinks for its 8 ranks (placement stride 2), so the
  // all-to-all crosses a 2:1 cut (with two spines the 8 ranks would still have 8 uplinks).
  REQUIRE(run_cli_in(dir, kRun + " --set topology.leaf_spine.spines=1 --out one_spine") == 0);
  CHECK(run_cli_in(dir, "compare base one_spine") == 2);  // the regression mode refuses
  CHECK(run_cli_in(dir, "compare base one_spine --what-if --max-rows 0") == 0);
  const std::string out = read_file(dir + "/stdout.txt");
  CAPTURE(out);
  CHECK(out.find("1 parameters differ") != std::string::npos);
  CHECK(out.find("/effective_config/topology/leaf_spine/spines") != std::string::npos);
  // Fewer spines cannot make the all-to-all faster: its duration is judged, and worse.
  const json a = load(dir + "/base/summary.json"), b = load(dir + "/one_spine/summary.json");
  const double da = a["ops"][op_index(a, "a2a")]["duration_us"], db = b["ops"][op_index(b, "a2a")]["duration_us"];
  REQUIRE(db > da);
  const auto row = out.find("/ops/a2a/duration_us");
  REQUIRE(row != std::string::npos);
  CHECK(out.substr(row, out.find('\n', row) - row).find("worse") != std::string::npos);
  CHECK(out.find("REGRESSION") == std::string::npos);
}

TEST_CASE("compare: arrays with ids are matched by id, structural and string changes are judged") {
  const std::string dir = with_base_run("compare-structure");
  json s = load(dir + "/base/summary.json");
  REQUIRE(s["ops"].size() == 2);
  // Reordered ops[]: the same ops by id, so nothing moved.
  json reordered = s;
  std::reverse(reordered["ops"].begin(), reordered["ops"].end());
  save(dir + "/reordered.json", reordered);
  CHECK(run_cli_in(dir, "compare base reordered.json") == 0);
  // A new key in the current run is listed, not a failure (reports grow new sections).
  json added = s;
  added["run"]["new_metric"] = 5;
  save(dir + "/added.json", added);
  CHECK(run_cli_in(dir, "compare base added.json") == 0);
  CHECK(read_file(dir + "/stdout.txt").find("added") != std::string::npos);
  // A metric that disappeared is a failure.
  json removed = s;
  removed["run"].erase("sim_end_us");
  save(dir + "/removed.json", removed);
  CHECK(run_cli_in(dir, "compare base removed.json") == 1);
  CHECK(read_file(dir + "/stdout.txt").find("REMOVED") != std::string::npos);
  // A boolean that flips (the run no longer completes) is a failure.
  json incomplete = s;
  incomplete["run"]["completed"] = false;
  save(dir + "/incomplete.json", incomplete);
  CHECK(run_cli_in(dir, "compare base incomplete.json") == 1);
  CHECK(read_file(dir + "/stdout.txt").find("CHANGED") != std::string::npos);
}

TEST_CASE("compare: bad input and summaries of different configs exit 2 with a clear message") {
  const std::string dir = with_base_run("compare-bad");
  // Different topology (one --set) → refused, naming the first differing key.
  REQUIRE(run_cli_in(dir, kRun + " --set topology.leaf_spine.spines=2 --out other_topo") == 0);
  CHECK(run_cli_in(dir, "compare base other_topo") == 2);
  std::string err = read_file(dir + "/stderr.txt");
  CAPTURE(err);
  CHECK(err.find("/effective_config/topology/leaf_spine/spines") != std::string::npos);
  CHECK(err.find("different config") != std::string::npos);
  // Different backend → refused.
  REQUIRE(run_cli_in(dir, "run --quiet --topology '" + std::string(ROCESIM_SOURCE_DIR) +
                              "/topologies/leaf_spine_128.json' --workload '" + ROCESIM_SOURCE_DIR +
                              "/workloads/regression/ring_a2a_16.json' --backend analytic --out other_backend") == 0);
  CHECK(run_cli_in(dir, "compare base other_backend") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("/effective_config/backend") != std::string::npos);
  // Unreadable, not a summary, malformed, bad option value.
  CHECK(run_cli_in(dir, "compare base missing.json") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("missing.json") != std::string::npos);
  write_file(dir + "/not_summary.json", "{\"a\": 1}");
  CHECK(run_cli_in(dir, "compare not_summary.json base") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("not_summary.json: /effective_config") != std::string::npos);
  write_file(dir + "/broken.json", "{\"run\": ");
  CHECK(run_cli_in(dir, "compare base broken.json") == 2);
  std::filesystem::create_directories(dir + "/empty_dir");
  CHECK(run_cli_in(dir, "compare base empty_dir") == 2);
  CHECK(run_cli_in(dir, "compare base base --metric-tolerance /run/events") == 2);
  CHECK(run_cli_in(dir, "compare base base --tolerance -1") == 2);
}
