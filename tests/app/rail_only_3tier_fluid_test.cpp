// A closed-form collective on a rail-only fabric with 3-tier rails (topology/rail_only.cpp,
// "core": true), end to end through `rocesim run`.
//
// Fabric: G = 2 rails, U = 4 units of N = 2 servers, 2 units per pod (P = 2 pods), S = 2 spines per
// pod and rail, one core per plane; 400 Gb/s NICs and fabric links, 1:1 everywhere; scale-up domain
// = one server (3.6 Tb/s). Endpoint e: server ⌊e/2⌋, rail e mod 2, pod ⌊e/8⌋.
// Op: ring all-gather of S = 64 MiB over ranks [0, 5, 8, 13]: n = 4, n − 1 = 3 steps of S/n.
// Every ring hop changes rail, so each relays through the scale-up domain (0→5 via acc 1, 5→8 via
// acc 4, 8→13 via acc 9, 13→0 via acc 12): four distinct NICs up, four down, and the two cross-pod
// hops (5→8, 13→0) climb to the rail core in opposite directions, so no directed link carries two
// flows and each step runs at the NIC rate B. Longest path (cross rail, cross pod): scale-up
// 2 × 250 ns, NIC 2 × 500 ns, leaf–spine 2 × 500 ns, spine–core 2 × 1 µs = α = 4.5 µs.
// Fluid tier: a step is the wire bytes of S/n (4000 B payloads + 82 B each, ⌈S/n / 4000⌉ packets)
// at B plus α:  T = 3 · ((S/4 + ⌈S/4/4000⌉ · 82) · 8 / B + α).
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

const char* kTopo = R"({"name": "ro3_small", "generator": "rail_only", "server": {"accelerators": 2},
 "scale_up": {"size": 2, "rate": "3600Gbps", "latency": "250ns"},
 "rail_only": {"units": 4, "servers_per_unit": 2, "spines_per_rail": 2, "core": true, "units_per_pod": 2,
   "cores_per_plane": 1, "nic_link": {"rate": "400Gbps", "latency": "500ns"},
   "rail_leaf": {"uplink": {"rate": "400Gbps", "latency": "500ns"}},
   "spine": {"uplink": {"rate": "400Gbps", "latency": "1us"}}}})";

const char* kWorkload = R"({"name": "ag", "jobs": [{"name": "j", "world_size": 16, "ops": [
 {"id": "ag", "type": "all_gather", "ranks": [0, 5, 8, 13], "bytes": "64MiB"}]}]})";

double run_us(const std::string& dir, const std::string& backend) {
  const auto r = run_cli("run --quiet --attribution off --topology " + dir + "/topo.json --workload " + dir +
                         "/w.json --backend " + backend + " --out " + dir + "/" + backend);
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(read_file(dir + "/" + backend + "/summary.json"));
  REQUIRE(s["ops"].size() == 1);
  CHECK(s["ops"][0]["completed"] == true);
  return s["ops"][0]["duration_us"].get<double>();
}

}  // namespace

TEST_CASE("3-tier rail-only, fluid: a cross-rail, cross-pod ring all-gather takes 3 · (wire(S/4)/B + α)") {
  const std::string dir = scratch_dir("rail_only_3tier_fluid");
  write_file(dir + "/topo.json", kTopo);
  write_file(dir + "/w.json", kWorkload);
  const double piece = 64.0 * 1024 * 1024 / 4;                                  // 16 MiB
  const double wire = piece + std::ceil(piece / 4000.0) * 82.0;                  // 17,121,206 B
  const double expected_us = 3.0 * (wire * 8.0 / 400e9 * 1e6 + 4.5);            // 1,040.77 µs
  const double fluid = run_us(dir, "fluid");
  CHECK(fluid == doctest::Approx(expected_us).epsilon(0.002));
  // The analytic tier carries no headers: 3 · (S/4 · 8 / B + α) = 1,020.13 µs.
  const double analytic = run_us(dir, "analytic");
  CHECK(analytic == doctest::Approx(3.0 * (piece * 8.0 / 400e9 * 1e6 + 4.5)).epsilon(0.002));
}
