// `rocesim run --check` finds every error the run would: it passes exactly the inputs a run
// completes, including the summary's fluid re-runs (ideal time, attribution), which model a
// per-packet load-balancing mode by its fluid counterpart instead of failing after the run.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;

namespace {

std::string run_args(const std::string& backend, const std::string& lb) {
  return std::string("run --quiet --topology '") + ROCESIM_SOURCE_DIR + "/topologies/fat_tree_k8.json' --workload '" +
         ROCESIM_SOURCE_DIR + "/workloads/regression/ring_a2a_8.json' --backend " + backend +
         " --set routing.load_balancing=" + lb;
}

}  // namespace

TEST_CASE("flowlet on the packet backend: --check passes, the run completes, its re-runs use ecmp and say so") {
  const std::string dir = scratch_dir("check-flowlet-packet");
  CHECK(run_cli_in(dir, run_args("packet", "flowlet") + " --check") == 0);
  REQUIRE(run_cli_in(dir, run_args("packet", "flowlet") + " --out report") == 0);
  const json s = json::parse(read_file(dir + "/report/summary.json"));
  CHECK(s["effective_config"]["routing"]["load_balancing"] == "flowlet");  // the run itself used flowlet
  // The re-runs happened: every communication op has an ideal time.
  for (const auto& op : s["ops"]) {
    if (op["type"] != "compute") CHECK(op.contains("ideal_us"));
  }
  REQUIRE(s.contains("notes"));
  const std::string notes = s["notes"].dump();
  CHECK(notes.find("model routing.load_balancing=flowlet as ecmp") != std::string::npos);
}

TEST_CASE("--check and the run agree for every backend and load-balancing mode") {
  const std::string dir = scratch_dir("check-agrees");
  for (const char* backend : {"fluid", "packet"}) {
    for (const char* lb : {"ecmp", "spray", "flowlet", "adaptive"}) {
      CAPTURE(backend);
      CAPTURE(lb);
      const int check = run_cli_in(dir, run_args(backend, lb) + " --check");
      const std::string check_err = read_file(dir + "/stderr.txt");
      const int run = run_cli_in(dir, run_args(backend, lb) + " --out " + backend + "-" + lb);
      CAPTURE(check_err);
      CAPTURE(read_file(dir + "/stderr.txt"));
      CHECK(check == run);
      // The fluid tier has no flowlets (flow/spread.hpp): a fluid run of flowlet is bad input,
      // refused by --check as by the run; everything else runs.
      const bool refused = std::string(backend) == "fluid" && std::string(lb) == "flowlet";
      CHECK(run == (refused ? 2 : 0));
    }
  }
}
