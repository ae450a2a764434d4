// Reports never show physically impossible numbers: the analytic tier's default contention model
// keeps every link at or below its rate, and the per-op ideal is a lower bound on every tier and
// load-balancing mode (efficiency ≤ 1). Each case tries to provoke a violation.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

constexpr double kNicGBps = 50.0;  // 400 Gb/s NICs on the default topology and the leaf-spine below

// Default topology (128 accelerators, 16 servers of 8 on 3600 Gb/s scale-up, 400 Gb/s NICs, 1:1):
// a 4-channel ring all-reduce, then an all-to-all with 16 sends in flight per rank.
json heavy_world_128() {
  return {{"name", "heavy"},
          {"jobs",
           {{{"name", "j"},
             {"world_size", 128},
             {"ops",
              {{{"id", "ar"}, {"type", "all_reduce"}, {"bytes", "64MiB"}, {"channels", 4}},
               {{"id", "a2a"}, {"type", "all_to_all"}, {"bytes", "16MiB"}, {"max_concurrent", 16}, {"deps", {"ar"}}}}}}}}};
}

const json& op(const json& s, const std::string& id) {
  for (const json& o : s["ops"]) {
    if (o["id"] == id) return o;
  }
  FAIL("no op " << id);
  return s;
}

double max_utilization(const json& s) {
  double m = 0;
  for (const json& t : s["tiers"]) m = std::max(m, t["util_max"].get<double>());
  return m;
}

// Every communication op of `s` has ideal_us ≤ duration_us and efficiency ≤ 1.
void check_ideal_is_a_bound(const json& s, const std::string& label) {
  for (const json& o : s["ops"]) {
    if (o["type"] == "compute" || !o.contains("duration_us")) continue;
    CAPTURE(label);
    CAPTURE(o["id"].get<std::string>());
    REQUIRE(o.contains("ideal_us"));
    CHECK(o["ideal_us"].get<double>() <= o["duration_us"].get<double>());
    CHECK(o["efficiency"].get<double>() <= 1.0);
    CHECK(o["efficiency"].get<double>() > 0.0);
  }
}

}  // namespace

TEST_CASE("analytic default (contention=links) on the default topology: no link above its rate") {
  const std::string dir = scratch_dir("honest-analytic");
  write_file(dir + "/w.json", heavy_world_128().dump(2));
  REQUIRE(run_cli_in(dir, "run --workload w.json --backend analytic --attribution on --out links") == 0);
  const json s = json::parse(read_file(dir + "/links/summary.json"));
  CHECK(s["effective_config"]["backend"]["params"]["contention"] == "links");
  // Each port's reservations are disjoint windows at ≤ its rate inside the run: utilization ≤ 1.
  CHECK(max_utilization(s) <= 1.0);
  CHECK(s["hot_links"][0]["utilization"].get<double>() <= 1.0);
  // Ring: the last rank of every server sends its 2(n−1)/n·S through its 400 Gb/s NIC, so
  // T ≥ 2(n−1)/n·S / 50 GB/s and busbw = 2(n−1)/n·S / T ≤ 50 GB/s.
  CHECK(op(s, "ar")["busbw_GBps"].get<double>() <= kNicGBps);
  // All-to-all: of its (n−1)/n·S a rank sends (n−8)/n·S off its server, through the NIC:
  // busbw = (n−1)/n·S / T ≤ (n−1)/(n−8) · 50 GB/s = 127/120 · 50 = 52.917 GB/s.
  CHECK(op(s, "a2a")["busbw_GBps"].get<double>() <= 127.0 / 120.0 * kNicGBps);
  check_ideal_is_a_bound(s, "analytic links");

  // The contention-free model stays available by name, and is what broke these numbers: the four
  // channels of each ring step overlap at full rate on one NIC, so links run above their rate and
  // the op beats the bound (efficiency > 1 is the sign of a model that ignores capacity).
  REQUIRE(run_cli_in(dir, "run --workload w.json --backend analytic --set contention=none --attribution on --out none") == 0);
  const json n = json::parse(read_file(dir + "/none/summary.json"));
  CHECK(n["effective_config"]["backend"]["params"]["contention"] == "none");
  CHECK(max_utilization(n) > 1.0);
  CHECK(op(n, "ar")["busbw_GBps"].get<double>() > kNicGBps);
  CHECK(op(n, "ar")["efficiency"].get<double>() > 1.0);
}

TEST_CASE("analytic contention: unknown values and the retired endpoint_fifo key are errors (exit 2)") {
  const std::string dir = scratch_dir("honest-contention-errors");
  CHECK(run_cli_in(dir, "run --backend analytic --set contention=fair --out o") == 2);
  const std::string err = read_file(dir + "/stderr.txt");
  CHECK(err.find("/backend/contention") != std::string::npos);
  CHECK(err.find("links, endpoints, none") != std::string::npos);
  CHECK(run_cli_in(dir, "run --backend analytic --set endpoint_fifo=true --out o") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("contention=endpoints") != std::string::npos);
}

TEST_CASE("ideal_us is a lower bound under spray, adaptive routing and several QPs (packet and fluid)") {
  // 4 leaves × 4 hosts, 2 spines at 2:1 (so ECMP collisions and queueing happen): a 2-channel ring
  // all-reduce, then an all-to-all with every send in flight. Spray and adaptive routing with
  // reorder-tolerant receivers beat an ECMP/max-min estimate of the non-blocking time (the old
  // ideal); no routing can beat the bound.
  const std::string dir = scratch_dir("honest-ideal");
  write_file(dir + "/t.json", json{{"generator", "leaf_spine"},
                                   {"leaf_spine", {{"leaves", 4}, {"hosts_per_leaf", 4}, {"spines", 2}}}}
                                  .dump(2));
  write_file(dir + "/w.json",
             json{{"jobs",
                   {{{"world_size", 16},
                     {"ops",
                      {{{"id", "ar"}, {"type", "all_reduce"}, {"bytes", "4MiB"}, {"channels", 2}},
                       {{"id", "a2a"}, {"type", "all_to_all"}, {"bytes", "4MiB"}, {"max_concurrent", 15}, {"deps", {"ar"}}}}}}}}}
                 .dump(2));
  const char* cases[][2] = {
      {"packet-spray", "--backend packet --set routing.load_balancing=spray --set nic.receiver=reorder_tolerant"},
      {"packet-adaptive", "--backend packet --set routing.load_balancing=adaptive --set nic.receiver=reorder_tolerant"},
      {"packet-4qps", "--backend packet --set nic.qps_per_connection=4"},
      {"fluid-spray", "--backend fluid --set routing.load_balancing=spray"},
      {"fluid-adaptive", "--backend fluid --set routing.load_balancing=adaptive"},
      {"fluid-ecmp", "--backend fluid"},
      {"analytic-links", "--backend analytic"},
      {"analytic-endpoints", "--backend analytic --set contention=endpoints"},
  };
  for (const auto& c : cases) {
    const std::string name = c[0];
    CAPTURE(name);
    REQUIRE(run_cli_in(dir, "run --topology t.json --workload w.json --flows off --attribution on " + std::string(c[1]) +
                                " --out " + name) == 0);
    const json s = json::parse(read_file(dir + "/" + name + "/summary.json"));
    check_ideal_is_a_bound(s, name);
    if (name == "packet-spray") {
      // The old ideal, the ECMP/max-min non-blocking re-run, is beaten here (it would have given an
      // efficiency above 1); the run is seeded, so this stays true until the models change.
      CHECK(op(s, "ar")["nonblocking_us"].get<double>() > op(s, "ar")["duration_us"].get<double>());
    }
  }
}
