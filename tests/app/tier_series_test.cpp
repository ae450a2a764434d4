// tier_series.csv and --series-ports end to end: per-tier aggregates for every tier on each tier of
// the simulator, consistent with links.csv, and never above line rate.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

// Plain comma split (no quoted cells in these files: tier names and node names have no commas).
std::vector<std::vector<std::string>> rows_of(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream l(line);
    while (std::getline(l, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

// 16 senders on all 8 leaves of leaf_spine_128 send 4 MB each to host 0 at once: the last hop
// into host 0 is a 16:1 bottleneck, so PFC pauses the fabric.
std::string incast(const std::string& dir) {
  std::string csv = "id,src,dst,bytes,start_us,after\n";
  for (int i = 1; i <= 16; ++i) csv += std::to_string(i) + "," + std::to_string(8 * i - 1) + ",0,4000000,0,\n";
  write_file(dir + "/incast.csv", csv);
  return dir + "/incast.csv";
}

std::string args(const std::string& dir, const std::string& backend, const std::string& extra) {
  return "run --quiet --topology '" + std::string(ROCESIM_SOURCE_DIR) + "/topologies/leaf_spine_128.json' --workload '" +
         incast(dir) + "' --backend " + backend + " --out report " + extra;
}

}  // namespace

TEST_CASE("packet tier: tier_series.csv covers every tier, stays within line rate and sums to links.csv's pauses") {
  const std::string dir = scratch_dir("tier-series-packet");
  REQUIRE(run_cli_in(dir, args(dir, "packet", "--series-ports 3")) == 0);
  // links.csv: paused[us] per port, grouped as "<tier> <direction>" (the tier_series names).
  std::map<std::string, double> paused_links;
  for (const auto& r : rows_of(dir + "/report/links.csv")) paused_links[r[3] + " " + r[4]] += std::stod(r[8]);
  double total_links = 0.0;
  for (const auto& [tier, us] : paused_links) total_links += us;
  REQUIRE(total_links > 0.0);  // the incast paused someone

  std::map<std::string, double> paused_series;
  std::set<std::string> tiers;
  const auto rows = rows_of(dir + "/report/tier_series.csv");
  REQUIRE(!rows.empty());
  for (const auto& r : rows) {
    REQUIRE(r.size() == 7);
    tiers.insert(r[1]);
    const double mean = std::stod(r[3]), max = std::stod(r[4]);
    CHECK(mean >= 0.0);
    CHECK(mean <= max + 1e-9);  // a mean never exceeds the busiest port
    CHECK(max <= 1.0);          // no port sends faster than its line
    CHECK(std::stoll(r[5]) >= 0);
    paused_series[r[1]] += std::stod(r[6]);
  }
  // Every tier that carried bytes has a series: NIC up/down and leaf-spine up/down.
  CHECK(tiers.size() == 4);
  // The per-interval paused times add up to each tier's whole-run paused time (links.csv), up to
  // the printed rounding: pauses in progress at a sample are counted, not lost.
  for (const auto& [tier, us] : paused_series) {
    CAPTURE(tier);
    CHECK(us == doctest::Approx(paused_links[tier]).epsilon(1e-3));
  }
  // --series-ports 3: exactly the 3 hottest ports in timeseries.csv, each at most line rate.
  std::set<std::string> ports;
  for (const auto& r : rows_of(dir + "/report/timeseries.csv")) {
    ports.insert(r[1]);
    CHECK(std::stod(r[5]) <= 1.0 + 1e-9);
  }
  CHECK(ports.size() == 3);
}

TEST_CASE("fluid and analytic tiers write tier means; the analytic tier leaves max, queue and pauses empty") {
  for (const char* backend : {"fluid", "analytic"}) {
    CAPTURE(backend);
    const std::string dir = scratch_dir(std::string("tier-series-") + backend);
    REQUIRE(run_cli_in(dir, args(dir, backend, "")) == 0);
    const auto rows = rows_of(dir + "/report/tier_series.csv");
    REQUIRE(!rows.empty());
    double peak_nic_down = 0.0;
    for (const auto& r : rows) {
      REQUIRE(r.size() == 7);
      CHECK(r[5].empty());  // neither tier has queues
      CHECK(r[6].empty());  // nor PFC
      if (std::string(backend) == "analytic") CHECK(r[4].empty());
      // The NIC-down tier holds 128 ports; only host 0's is busy: mean <= 1/128 (+ rounding).
      if (r[1] == "nic down") {
        CHECK(r[2] == "128");
        peak_nic_down = std::max(peak_nic_down, std::stod(r[3]));
      }
    }
    CHECK(peak_nic_down > 0.5 / 128);
    CHECK(peak_nic_down <= 1.0 / 128 + 1e-6);
  }
}

TEST_CASE("--series-ports outside 0..4096 is an error") {
  const std::string dir = scratch_dir("tier-series-bad");
  CHECK(run_cli_in(dir, args(dir, "fluid", "--series-ports 5000")) == 2);
  CHECK(read_file(dir + "/stderr.txt").find("--series-ports") != std::string::npos);
}
