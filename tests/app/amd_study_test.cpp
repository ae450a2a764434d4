// The AMD what-if study (workloads/studies/amd_whatif/, issue 19) cannot rot: its tiny specs run
// through `rocesim sweep` on the study's own fabric and workload files, the numbers that follow
// from first principles hold, and scripts/amd_study_table.py turns the output into the table.
// Also: a sweep spec's base.attribution reaches every point's `rocesim run --attribution`.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::csv_cells;
using rocesim::test::quoted_exe;
using rocesim::test::read_file;
using rocesim::test::scratch_dir;
using rocesim::test::shell;
using rocesim::test::source_path;
using rocesim::test::write_file;

namespace {

// `rocesim sweep SPEC` of the study folder into dir/out, niced (the study is run that way too).
int run_study_sweep(const std::string& dir, const std::string& spec, const std::string& out) {
  return shell("cd '" + dir + "' && nice " + quoted_exe() + " sweep '" + source_path("workloads/studies/amd_whatif/" + spec) +
            "' -j 1 --out " + out + " --quiet >>log.txt 2>&1");
}

// The markdown table's lines ("| ..." only).
std::vector<std::string> table_lines(const std::string& table) {
  std::vector<std::string> out;
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| ", 0) == 0 || line.rfind("|---", 0) == 0) out.push_back(line);
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

// Cell k (0-based) of a markdown row "| a | b | ... |".
std::string split_cell(const std::string& line, std::size_t k) {
  std::size_t at = 0;
  for (std::size_t i = 0; i <= k; ++i) at = line.find('|', at) + 1;
  return line.substr(at, line.find('|', at) - at);
}

std::string cell(const std::vector<std::vector<std::string>>& rows, std::size_t row, const std::string& col) {
  for (std::size_t i = 0; i < rows[0].size(); ++i) {
    if (rows[0][i] == col) return rows[row][i];
  }
  FAIL("no column " << col);
  return {};
}

}  // namespace

TEST_CASE("AMD study: the tiny specs run on the study's files; mesh TP all-reduce at its closed form; table") {
  const std::string dir = scratch_dir("amd-study");
  REQUIRE(run_study_sweep(dir, "spec_tiny.json", "mi300x") == 0);
  REQUIRE(run_study_sweep(dir, "spec_tiny_rack72.json", "rack72") == 0);
  const auto mi = csv_cells(read_file(dir + "/mi300x/sweep.csv"));
  const auto rk = csv_cells(read_file(dir + "/rack72/sweep.csv"));
  // Grid: 2 workloads × 2 fabrics (2-tier 8k, 3-tier 1:7 cut to 2 pods); zip: 2 points.
  REQUIRE(mi.size() == 5);
  REQUIRE(rk.size() == 3);
  for (std::size_t r = 1; r < mi.size(); ++r) CHECK(mi[r].back() == "ok");
  for (std::size_t r = 1; r < rk.size(); ++r) CHECK(rk[r].back() == "ok");
  // TP all-reduce of 8 MiB in one 8-GPU Infinity Fabric mesh with 4 link-disjoint rings: each
  // ring carries S/4 over 512 Gb/s links in 14 steps of S/32 = 262,144 B, which the fluid tier
  // sends as 66 packets of wire overhead 82 B each (as the packet tier frames them, scale-up links
  // included): W = 267,556 B per step, t = 14 · W / 64 GB/s + 14 · 0.25 µs = 58.528 + 3.5
  // = 62.028 µs, on both fabrics.
  for (std::size_t r : {1, 2}) {
    CAPTURE(r);
    CHECK(std::stod(cell(mi, r, "/ops/tp_fwd/duration_us")) == doctest::Approx(62.028).epsilon(1e-4));
  }
  // The tiny jobs (256 and 128 ranks) sit inside one rail unit of 512 accelerators, so their
  // traffic never reaches a spine: the 1:7 cross-pod fabric gives the 2-tier fabric's times.
  CHECK(cell(mi, 1, "/run/sim_end_us") == cell(mi, 2, "/run/sim_end_us"));
  CHECK(cell(mi, 3, "/run/sim_end_us") == cell(mi, 4, "/run/sim_end_us"));
  // On the 72-GPU switched domain the whole 256-rank dense job's TP group is in one rack: the TP
  // all-reduce (1 ring, rings buy nothing on a switch) is 14 steps of S/8 = 1 MiB, 263 packets:
  // W = 1,070,142 B, 14 · W / (1.8 TB/s) + 14 · 2 · 250 ns (two hops through the scale-up switch)
  // = 8.323 + 7.0 = 15.323 µs.
  CHECK(std::stod(cell(rk, 1, "/ops/tp_fwd/duration_us")) == doctest::Approx(15.323).epsilon(1e-3));

  // Packet tier on one pod (4,096 GPUs, spec_packet_pod.json): the same tiny jobs on both tiers.
  // The packet tier adds headers, ACKs, PFC and store-and-forward per hop to the fluid's ideal
  // sharing, so it is slower, by well under 2 % here (measured 0.6 % dense, 0.8 % MoE).
  REQUIRE(run_study_sweep(dir, "spec_packet_pod.json", "pod") == 0);
  const auto pod = csv_cells(read_file(dir + "/pod/sweep.csv"));
  REQUIRE(pod.size() == 5);  // (dense, moe) × (fluid, packet)
  for (std::size_t w : {1, 3}) {
    CAPTURE(w);
    CHECK(cell(pod, w, "backend") == "fluid");
    CHECK(cell(pod, w + 1, "backend") == "packet");
    const double ratio = std::stod(cell(pod, w + 1, "/run/sim_end_us")) / std::stod(cell(pod, w, "/run/sim_end_us"));
    CHECK(ratio > 1.0);
    CHECK(ratio < 1.02);
  }
  // Every study spec runs with `attribution: on` (the table gives each row the bottleneck
  // attribution's sentence), the packet points too: their fluid what-if re-runs cost ~0.1 CPU-s.
  for (std::size_t r = 1; r < pod.size(); ++r) {
    CAPTURE(r);
    CHECK_FALSE(cell(pod, r, "/bottleneck/summary").empty());
  }

  // 3-tier rails (spec_tiny_rail3.json): the study's rack72_rail_only_3tier_1k with one unit per
  // pod (144 GPUs), so the tiny dense job's ranks 0..143 and 144..255 sit in different pods and its
  // PP sends (rank r to r + 128, same rail since 128 is a multiple of 4 GPUs per tray) and DP
  // trees cross the rail core tier.
  REQUIRE(run_study_sweep(dir, "spec_tiny_rail3.json", "rail3") == 0);
  const auto r3 = csv_cells(read_file(dir + "/rail3/sweep.csv"));
  REQUIRE(r3.size() == 2);
  CHECK(r3[1].back() == "ok");

  // The table: one row per point with the fabric's name, and the plots when matplotlib exists.
  const bool mpl = shell("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
  const std::string py = mpl ? "/usr/bin/python3" : "python3";
  REQUIRE(shell("cd '" + dir + "' && " + py + " '" + source_path("scripts/amd_study_table.py") + "' --rocesim " + quoted_exe() +
             " --plots plots mi300x rack72 pod rail3 >table.md 2>table.err") == 0);
  const std::string table = read_file(dir + "/table.md");
  const auto lines = table_lines(table);
  REQUIRE(lines.size() == 13);  // header, separator, 4 + 2 + 4 + 1 points
  CHECK(table.find("| mi300x_131k_1to7 |") != std::string::npos);
  CHECK(table.find("| rack72_rail_only_1x800g_1k |") != std::string::npos);
  CHECK(table.find("attribution off or skipped") == std::string::npos);  // a sentence on every row
  // Every link tier a study fabric can have is a column, the rail cores of 3-tier rails last.
  CHECK(lines[0].find("utilization: scale-up / nic / rail-leaf-spine / rail-leaf-rail-spine / spine-core / "
                      "rail-spine-rail-core |") != std::string::npos);
  // Columns 5..: scale-up, nic, rail-leaf-spine, rail-leaf-rail-spine, spine-core, rail-spine-rail-core.
  // The utilization cells of the first row on `fabric`.
  const auto util = [&](const std::string& fabric) {
    for (std::size_t i = 2; i < lines.size(); ++i) {
      if (lines[i].find("| " + fabric + " |") == std::string::npos) continue;
      std::vector<std::string> cells;
      std::istringstream parts(split_cell(lines[i], 5));
      for (std::string c; std::getline(parts, c, '/');) cells.push_back(trim(c));
      return cells;
    }
    FAIL("no row for " << fabric);
    return std::vector<std::string>{};
  };
  // The 3-tier rail-only row: a number in the rail-core column (the cross-pod traffic), "–" in the
  // rail-optimized columns (no such tier in a rail-only fabric).
  const auto ro3 = util("rack72_rail_only_3tier_1k");
  REQUIRE(ro3.size() == 6);
  CHECK(ro3[2] == "–");
  CHECK(ro3[4] == "–");
  CHECK(std::stod(ro3[3]) > 0.0);
  CHECK(std::stod(ro3[5]) > 0.0);
  // 2-tier rail-only: no rail cores ("–"). The 3-tier 1:7 fabric cut to 2 pods has spines and cores,
  // but the tiny jobs stay inside one rail unit: "idle", not "–".
  const auto ro2 = util("rack72_rail_only_1x800g_1k");
  REQUIRE(ro2.size() == 6);
  CHECK(ro2[5] == "–");
  CHECK(ro2[2] == "–");
  const auto cut = util("mi300x_131k_1to7");
  REQUIRE(cut.size() == 6);
  CHECK(cut[2] == "idle");
  CHECK(cut[4] == "idle");
  CHECK(cut[3] == "–");
  CHECK(cut[5] == "–");
  if (mpl) CHECK_FALSE(read_file(dir + "/plots/iteration.svg").empty());
}

TEST_CASE("sweep base.attribution is passed to every point; a bad value is rejected with its path") {
  const std::string dir = scratch_dir("sweep-attribution");
  json spec = {{"base",
                {{"topology", source_path("topologies/leaf_spine_128.json")},
                 {"workload", source_path("workloads/regression/ring_a2a_16.json")},
                 {"attribution", "off"}}},
               {"axes", {{{"key", "seed"}, {"values", {1}}}}}};
  write_file(dir + "/spec.json", spec.dump());
  REQUIRE(shell("cd '" + dir + "' && " + quoted_exe() + " sweep spec.json --out out --quiet >log.txt 2>&1") == 0);
  const auto rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  REQUIRE(rows.size() == 2);
  // --attribution off: no ideal time or bottleneck attribution in the point's summary (auto would
  // give both on this 960-transfer run).
  const json s = json::parse(read_file(dir + "/out/" + rows[1][1] + "/summary.json"));
  CHECK_FALSE(s.contains("bottleneck"));
  CHECK_FALSE(s["ops"][0].contains("ideal_us"));
  spec["base"]["attribution"] = "sometimes";
  write_file(dir + "/bad.json", spec.dump());
  CHECK(shell("cd '" + dir + "' && " + quoted_exe() + " sweep bad.json --out bad --quiet >log.txt 2>err.txt") == 2);
  CHECK(read_file(dir + "/err.txt").find("/base/attribution") != std::string::npos);
}
