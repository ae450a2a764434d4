// The HPCC study's slowdown table and plot (scripts/hpcc_study_table.py, run by
// scripts/hpcc_study.sh): a two-load, two-CC slice of the shipped study (its 320-host fat tree,
// five flows of one per size bucket instead of the WebSearch lists) goes through `rocesim sweep`,
// and the script turns sweep.csv into the README table and the slowdown-by-bucket plot.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::csv_cells;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

TEST_CASE("hpcc study: the slowdown table and the slowdown-by-size plot come from sweep.csv") {
  const std::string dir = scratch_dir("hpcc-plot");
  const std::string study = std::string(ROCESIM_SOURCE_DIR) + "/workloads/studies/hpcc_websearch/";
  // One flow per bucket (<10KB .. >=10MB), between hosts in different pods, started together.
  const std::string flows =
      "id,src,dst,bytes,start_us,after\n1,0,100,5000,0,\n2,1,101,50000,0,\n3,2,102,500000,0,\n4,3,103,2000000,0,\n"
      "5,4,104,10000000,0,\n";
  write_file(dir + "/w30.csv", flows);
  write_file(dir + "/w50.csv", flows);
  json spec = json::parse(read_file(study + "study.json"));
  spec["base"]["topology"] = study + "hpcc_fat_320.json";
  spec["base"]["workload"] = "w30.csv";
  spec["axes"][0]["values"] = {"w30.csv", "w50.csv"};
  spec["axes"][1]["values"] = {"none", "hpcc"};
  write_file(dir + "/study.json", spec.dump(1));
  REQUIRE(run_cli_in(dir, "sweep study.json -j 1 --quiet --out sweep") == 0);

  // The table needs no matplotlib: header, rule and 2 loads x 2 CCs, each with 5 flows.
  const std::string script = std::string(ROCESIM_SOURCE_DIR) + "/scripts/hpcc_study_table.py";
  int status = std::system(("cd '" + dir + "' && python3 '" + script + "' sweep/sweep.csv >table.md 2>&1").c_str());
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  const std::string table = read_file(dir + "/table.md");
  CAPTURE(table);
  CHECK(table.find("| load | CC | flows | all | <10KB | 10KB-100KB | 100KB-1MB | 1MB-10MB | >=10MB | pause frames |") == 0);
  CHECK(csv_cells(table).size() == 6);
  CHECK(table.find("| 30 % | hpcc | 5 |") != std::string::npos);
  CHECK(table.find("| 50 % | none | 5 |") != std::string::npos);

  if (std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0) {
    MESSAGE("/usr/bin/python3 has no matplotlib: the plot is not drawn");
    return;
  }
  const std::string plot = "cd '" + dir + "' && /usr/bin/python3 '" + script +
                           "' sweep/sweep.csv --plot slowdown.svg >plot.txt 2>&1";
  status = std::system(plot.c_str());
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  REQUIRE(std::filesystem::exists(dir + "/slowdown.svg"));
  const std::string svg = read_file(dir + "/slowdown.svg");
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.size() > 10000);  // two panels of axes, lines and labels
  // Same input, same bytes (fixed hash salt, no date).
  status = std::system(plot.c_str());
  CHECK(read_file(dir + "/slowdown.svg") == svg);
}
