// The shipped RoCE-vs-UET study (workloads/studies/roce_vs_uet/study.json, issue 18): every one of
// its 48 points and the 12 of its mixed-jobs companion (mixed_study.json) validate, its incast
// slice runs through `rocesim sweep` with the shipped axes (both fabrics, healthy and a spine link
// down, RoCE, UET with NSCC and UET with NSCC + RCCC), and scripts/plot_study.py turns the result
// into the README's table. Runs the shipped files, so the study cannot rot.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::csv_cells;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

const std::string kStudy = std::string(ROCESIM_SOURCE_DIR) + "/workloads/studies/roce_vs_uet/";

}  // namespace

TEST_CASE("roce_vs_uet study: all 48 + 12 points validate; the incast slice runs with the expected physics") {
  const std::string dir = scratch_dir("uet-study");
  CHECK(run_cli_in(dir, "sweep --check '" + kStudy + "study.json'") == 0);
  CHECK(read_file(dir + "/stdout.txt").find("inputs ok: 48 points") != std::string::npos);
  CHECK(run_cli_in(dir, "sweep --check '" + kStudy + "mixed_study.json'") == 0);
  CHECK(read_file(dir + "/stdout.txt").find("inputs ok: 12 points") != std::string::npos);

  // The shipped spec, its paths made absolute and the workload axis cut to the incast.
  json spec = json::parse(read_file(kStudy + "study.json"));
  for (json& axis : spec["axes"]) {
    if (axis["key"] == "workload") axis["values"] = {kStudy + "incast.json"};
    if (axis["key"] == "topology") {
      for (json& v : axis["values"]) v = kStudy + v.get<std::string>();
    }
  }
  write_file(dir + "/study.json", spec.dump(1));
  REQUIRE(run_cli_in(dir, "sweep study.json -j 2 --quiet --out sweep") == 0);
  const auto rows = csv_cells(read_file(dir + "/sweep/sweep.csv"));
  REQUIRE(rows.size() == 13);  // header + 2 fabrics x 2 states x 3 transports
  const auto& h = rows[0];
  const auto col = [&](const std::string& name) {
    const auto it = std::find(h.begin(), h.end(), name);
    REQUIRE(it != h.end());
    return static_cast<std::size_t>(it - h.begin());
  };
  // 64 senders x 1 MB into one 400 Gb/s port: V/B = 64e6 B x (4082/4000 wire per payload) / 50 GB/s
  // = 1306 us. Both transports keep that port busy (no payload lost: PFC pauses RoCE's senders,
  // UET trims and resends), so RoCE, UET with NSCC and UET with NSCC+RCCC each end within 5 %
  // above it. (With RCCC the first BDP each sender may send unasked is trimmed; before NSCC's
  // quick adapt was floored at one frame, a sender whose first window was all trimmed measured
  // a rate of 0 and stayed paced at its minimum window: 1.16 x on the healthy 1:1 fabric.)
  const double vb_us = 64e6 * 4082.0 / 4000.0 / 50e3;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    CAPTURE(i);
    CHECK(r[col("status")] == "ok");
    const double end = std::stod(r[col("/run/sim_end_us")]);
    CHECK(end >= vb_us);
    CHECK(end <= 1.05 * vb_us);
    CHECK(r[col("/drops/total")] == "0");
    if (r[col("transport")] == "roce") {
      CHECK(std::stol(r[col("/pfc/pause_frames")]) > 0);
      CHECK(r[col("/drops/trimmed")].empty());  // RoCE reports have no trims
    } else {
      CHECK((r[col("transport")] == "uet" || r[col("transport")] == "uet_rccc"));
      CHECK(r[col("/pfc/pause_frames")] == "0");  // lossy: no PFC on UET's class
      CHECK(std::stol(r[col("/drops/trimmed")]) > 0);
    }
  }
  // The README table comes from scripts/plot_study.py.
  if (std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0) {
    MESSAGE("/usr/bin/python3 has no matplotlib: plot_study.py not run");
    return;
  }
  const std::string cmd = "cd '" + dir + "' && /usr/bin/python3 '" + ROCESIM_SOURCE_DIR +
                          "/scripts/plot_study.py' sweep --format svg >plot.txt 2>&1";
  const int status = std::system(cmd.c_str());
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  const std::string table = read_file(dir + "/sweep/study_table.md");
  CHECK(table.find("| workload | topology | fabric_state | roce end [us] | uet end [us] | uet_rccc end [us] | uet/roce | "
                   "uet_rccc/roce |") == 0);
  CHECK(csv_cells(table).size() == 6);  // header, rule, 4 rows (2 fabrics x 2 states)
  CHECK(table.find("| incast | fabric_1to4 | spine_link_down |") != std::string::npos);
  for (const char* chart : {"study_end", "study_fct_p99", "study_max_queue"}) {
    CHECK(std::filesystem::exists(dir + "/sweep/plots/" + chart + ".svg"));
  }
}
