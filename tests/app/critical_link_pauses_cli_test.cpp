// Critical links' paused_us is the PFC pause time inside the op's own window, not the whole run's:
// a flow that runs alone after an incast crosses a port the incast kept paused, and must not be
// told its link was paused.
//
// Fabric: topologies/leaf_spine_128.json, packet tier, no congestion control (PFC only). Hosts
// 1..8 and 0 share leaf t1.0. Ops (a flow list): in1..in8 send 16 MB each from hosts 1..8 to host
// 0 at t = 0 (an 8:1 incast on t1.0's port to host 0); "late" sends 1 MB from host 1 to host 0 at
// t = 5,000 µs, after the incast (8 · 16 MB at 400 Gb/s ≈ 2,560 µs) has drained.
// Expected from first principles:
// - each incast sender gets 1/8 of host 0's port, so PFC holds its NIC port paused for at most
//   7/8 of the op (and, once the leaf's buffer has filled, most of it): 0 < paused_us ≤ 7/8 · T;
//   all of a sender's pauses fall inside its own op, so paused_us equals links.csv's whole-run
//   paused[us] of that port;
// - "late" runs alone at line rate: no pause anywhere in its window, so every critical link has
//   paused_us = 0, although host 1's NIC port (one of them) was paused for over 1 ms in the run.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::csv_cells;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

// links.csv: paused[us] by "from>to".
std::map<std::string, double> paused_by_link(const std::string& csv) {
  const auto rows = csv_cells(csv);
  REQUIRE(rows.size() > 1);
  const auto col = [&](const std::string& name) {
    const auto it = std::find(rows[0].begin(), rows[0].end(), name);
    REQUIRE(it != rows[0].end());
    return static_cast<std::size_t>(it - rows[0].begin());
  };
  const std::size_t from = col("from"), to = col("to"), paused = col("paused[us]");
  std::map<std::string, double> out;
  for (std::size_t i = 1; i < rows.size(); ++i) out[rows[i][from] + ">" + rows[i][to]] = std::stod(rows[i][paused]);
  return out;
}

}  // namespace

TEST_CASE("critical links: paused_us counts the pauses inside the op's window only") {
  const std::string dir = scratch_dir("critical-link-pauses");
  std::string csv = "id,src,dst,bytes,start_us,after\n";
  for (int i = 1; i <= 8; ++i) csv += "in" + std::to_string(i) + "," + std::to_string(i) + ",0,16000000,0,\n";
  csv += "late,1,0,1000000,5000,\n";
  write_file(dir + "/w.csv", csv);
  REQUIRE(run_cli_in(dir, std::string("run --quiet --backend packet --topology '") + ROCESIM_SOURCE_DIR +
                              "/topologies/leaf_spine_128.json' --workload w.csv --out report") == 0);
  const json s = json::parse(read_file(dir + "/report/summary.json"));
  REQUIRE(s["effective_config"]["backend"]["params"]["cc"]["algorithm"] == "none");
  const std::map<std::string, double> whole_run = paused_by_link(read_file(dir + "/report/links.csv"));
  REQUIRE(s["ops"].size() == 9);
  int incast_ops = 0;
  for (const json& op : s["ops"]) {
    const std::string id = op["id"];
    CAPTURE(id);
    const double duration = op["duration_us"];
    const json& links = op["attribution"]["critical_links"];
    REQUIRE(links.size() >= 2);
    for (const json& l : links) {
      const std::string name = l["from"].get<std::string>() + ">" + l["to"].get<std::string>();
      CAPTURE(name);
      const double paused = l["paused_us"];
      if (id == "flate") {  // a flow list's op ids are its rows' ids behind an "f"
        CHECK(paused == 0.0);
        continue;
      }
      REQUIRE(whole_run.count(name) == 1);
      CHECK(paused == doctest::Approx(whole_run.at(name)).epsilon(1e-5));
      if (name == "acc" + id.substr(3) + ">t1.0") {  // "fin3": host 3's NIC port
        ++incast_ops;
        CHECK(paused > 0.0);
        CHECK(paused <= 7.0 / 8.0 * duration);
      }
    }
  }
  CHECK(incast_ops == 8);
  // Host 1's NIC port is on "late"'s path and was paused during the incast.
  CHECK(whole_run.at("acc1>t1.0") > 1000.0);
}
