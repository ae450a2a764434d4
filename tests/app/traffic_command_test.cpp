// `rocesim traffic` end to end: a flow list on stdout or in a file, identical for one seed, that
// `rocesim run` accepts; bad input exits 2.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli;
using rocesim::test::run_cli_pty;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

std::size_t lines_of(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("traffic: a WebSearch flow list that run accepts, byte-identical for one seed") {
  const std::string dir = scratch_dir("traffic-cli");
  const std::string args = "traffic --cdf workloads/cdf/websearch.csv --hosts 16 --load 0.3 --duration 1ms --seed 3";
  const auto to_file = run_cli(args + " -o '" + dir + "/flows.csv'");
  REQUIRE_MESSAGE(to_file.exit_code == 0, to_file.err);
  CHECK(to_file.out.empty());
  CHECK(to_file.err.find("traffic: ") == 0);
  CHECK(to_file.err.find("(target 0.3)") != std::string::npos);
  const std::string csv = read_file(dir + "/flows.csv");
  CHECK(csv.rfind("id,src,dst,bytes,start_us,after\n", 0) == 0);
  // 16 hosts · 1 ms · 2191 flows/s (30 % of 100 Gb/s over a 1.71 MB mean) ≈ 35 flows.
  const std::size_t flows = lines_of(csv) - 1;
  CHECK(flows > 10);
  CHECK(flows < 80);
  CHECK_FALSE(std::filesystem::exists(dir + "/flows.csv.tmp"));
  const auto to_stdout = run_cli(args);
  REQUIRE(to_stdout.exit_code == 0);
  CHECK(to_stdout.out == csv);

  // The flow list runs: one flows.csv row per generated flow.
  const auto run = run_cli("run --topology topologies/fat_tree_k8.json --workload '" + dir +
                           "/flows.csv' --backend fluid --quiet --out '" + dir + "/report'");
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  CHECK(lines_of(read_file(dir + "/report/flows.csv")) - 1 == flows);
  const auto summary = nlohmann::json::parse(read_file(dir + "/report/summary.json"));
  CHECK(summary["conservation"]["ok"] == true);

  // As a person runs it in a terminal.
  const auto pty = run_cli_pty(args + " -o '" + dir + "/pty.csv'", 60);
  CHECK(pty.exit_code == 0);
  CHECK(read_file(dir + "/pty.csv") == csv);
}

TEST_CASE("traffic: bad input exits 2 with the file, line or option") {
  const std::string dir = scratch_dir("traffic-bad");
  write_file(dir + "/bad.csv", "bytes,percent\n0,0\n100,fifty\n");
  const auto bad_cdf = run_cli("traffic --cdf '" + dir + "/bad.csv' --hosts 4 -o '" + dir + "/out.csv'");
  CHECK(bad_cdf.exit_code == 2);
  CHECK(bad_cdf.err.find("bad.csv: line 3: percent \"fifty\"") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/out.csv"));
  CHECK(run_cli("traffic --cdf '" + dir + "/missing.csv' --hosts 4").exit_code == 2);
  CHECK(run_cli("traffic --cdf workloads/cdf/websearch.csv").exit_code == 2);  // --hosts is required
  const auto load = run_cli("traffic --cdf workloads/cdf/websearch.csv --hosts 4 --load 1.5");
  CHECK(load.exit_code == 2);
  CHECK(load.err.find("load: must be in (0, 1]") != std::string::npos);
  const auto duration = run_cli("traffic --cdf workloads/cdf/websearch.csv --hosts 4 --duration soon");
  CHECK(duration.exit_code == 2);
  CHECK(duration.err.find("--duration") != std::string::npos);
  CHECK(run_cli("traffic --cdf workloads/cdf/websearch.csv --hosts 1").exit_code == 2);
}
