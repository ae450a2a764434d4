#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli_in;

using nlohmann::json;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;

namespace {




}  // namespace

TEST_CASE("rocesim run with no arguments runs the default study and writes ./rocesim-report/summary.json") {
  const std::string dir = scratch_dir("run-default");
  REQUIRE(run_cli_in(dir, "run") == 0);
  const std::string path = dir + "/rocesim-report/summary.json";
  REQUIRE(std::filesystem::exists(path));
  CHECK_FALSE(std::filesystem::exists(dir + "/rocesim-report/.summary.json.tmp"));
  const json s = json::parse(read_file(path));
  CHECK(s["backend"] == "fluid");  // the default tier models contention
  CHECK(s["seed"] == 1);
  CHECK(s["version"].is_string());
  CHECK(s["run"]["completed"] == true);
  CHECK(s["effective_config"]["topology"]["generator"] == "rail_optimized");
  const std::uint32_t n = s["jobs"][0]["world_size"];
  REQUIRE(n == 128);  // the default topology's accelerators
  REQUIRE(s["ops"].size() == 2);
  const json& ar = s["ops"][0];
  const json& a2a = s["ops"][1];
  CHECK(ar["algorithm"] == "ring");
  CHECK(a2a["algorithm"] == "nccl");
  // NCCL-tests: algbw = S / t (GB/s), busbw = algbw · 2(n−1)/n for all-reduce, (n−1)/n for all-to-all.
  const double S_ar = 64.0 * 1024 * 1024;
  CHECK(ar["algbw_GBps"].get<double>() == doctest::Approx(S_ar / (ar["duration_us"].get<double>() * 1e-6) * 1e-9).epsilon(1e-4));
  CHECK(ar["busbw_GBps"].get<double>() == doctest::Approx(ar["algbw_GBps"].get<double>() * 2 * (n - 1) / n).epsilon(1e-4));
  CHECK(a2a["busbw_GBps"].get<double>() == doctest::Approx(a2a["algbw_GBps"].get<double>() * (n - 1) / n).epsilon(1e-4));
  // The all-to-all waits for the all-reduce.
  CHECK(a2a["start_us"].get<double>() == doctest::Approx(ar["end_us"].get<double>()));
  // Bytes per rank: ring all-reduce 2(n−1)/n·S plus the nccl all-to-all with PXN on D = 16 nodes of
  // L = 8 (s = S/n per peer): (L−1)·s to its node's peers, (D−1)(L−1)·s to the relays on the other
  // rails of its node, and as the relay of its rail (D−1)·L·s over the network: 232·s in all.
  const std::int64_t N = n, L = 8, D = 16, s_peer = (16 << 20) / N;
  const std::int64_t expected = 2 * (N - 1) * (64 << 20) / N + ((L - 1) + (D - 1) * (L - 1) + (D - 1) * L) * s_peer;
  for (std::uint32_t r = 0; r < n; ++r) CHECK(s["jobs"][0]["bytes_sent_per_rank"][r] == expected);
  // The stdout summary names the algorithms.
  const std::string out = read_file(dir + "/stdout.txt");
  CHECK(out.find("ring") != std::string::npos);
  CHECK(out.find("nccl") != std::string::npos);
}

TEST_CASE("rocesim run is deterministic: same inputs and seed give byte-identical summaries") {
  const std::string a = scratch_dir("run-det-a"), b = scratch_dir("run-det-b");
  REQUIRE(run_cli_in(a, "run --quiet --seed 5 --out r") == 0);
  REQUIRE(run_cli_in(b, "run --quiet --seed 5 --out r") == 0);
  CHECK(read_file(a + "/r/summary.json") == read_file(b + "/r/summary.json"));  // wall clock: timing.json
  CHECK(read_file(a + "/stdout.txt").empty());  // --quiet
}

TEST_CASE("rocesim run: bad input exits 2 with a clear message") {
  const std::string dir = scratch_dir("run-bad");
  rocesim::test::write_file(dir + "/cycle.json", R"({"jobs": [{"world_size": 2, "ops": [
      {"id": "a", "type": "compute", "duration": "1us", "deps": ["b"]},
      {"id": "b", "type": "compute", "duration": "1us", "deps": ["a"]}]}]})");
  CHECK(run_cli_in(dir, "run --workload cycle.json") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("cycle.json: /jobs/0/ops: dependency cycle: a -> b -> a") != std::string::npos);
  CHECK(run_cli_in(dir, "run --backend warp-drive") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("backend \"warp-drive\" is not available") != std::string::npos);
  CHECK(run_cli_in(dir, "run --set speed=3") == 2);  // no backend has a parameter "speed"
  CHECK(read_file(dir + "/stderr.txt").find("unknown key \"speed\"") != std::string::npos);
  CHECK(run_cli_in(dir, "run --set fluid.bundle_parallel=true") == 2);  // a backend key with the backend's name
  CHECK(read_file(dir + "/stderr.txt").find("write --set bundle_parallel=true, not --set fluid.bundle_parallel=true") !=
        std::string::npos);
  CHECK(run_cli_in(dir, "run --set workload.jobs.0.world_size=999") == 2);  // not an object path: rejected
  CHECK(run_cli_in(dir, "run --workload no-such-file.json") == 2);
  CHECK_FALSE(std::filesystem::exists(dir + "/rocesim-report/summary.json"));
}

TEST_CASE("the commands shown in workloads/README.md run: shipped workloads on shipped and default topologies") {
  const std::string a = scratch_dir("run-readme-a"), b = scratch_dir("run-readme-b");
  const auto moe = run_cli("run --workload workloads/moe_alltoall_ep.json --quiet --out '" + a + "'");
  CHECK(moe.exit_code == 0);
  const json sa = json::parse(read_file(a + "/summary.json"));
  CHECK(sa["run"]["completed"] == true);
  CHECK(sa["ops"][3]["algorithm"] == "rail_aligned");
  CHECK(sa["ops"][5]["algorithm"] == "hierarchical");
  const auto mix = run_cli("run --topology topologies/rail_4su_32x8.json --workload workloads/multi_job_mix.json --out '" +
                           b + "'");
  CHECK(mix.exit_code == 0);
  CHECK(mix.out.find("halving_doubling") != std::string::npos);
  const json sb = json::parse(read_file(b + "/summary.json"));
  CHECK(sb["jobs"].size() == 3);
  // Job 2 is placed with stride 2 on the endpoints job 1 left free (64, 66, ...).
  CHECK(sb["jobs"][1]["endpoints"][0] == 64);
  CHECK(sb["jobs"][1]["endpoints"][1] == 66);
}

TEST_CASE("rocesim run: the effective config names every CC parameter the packet run used") {
  // DCQCN's default g is 1/256 = 0.00390625 (sim/cc/dcqcn.hpp); the summary must carry it although
  // only the algorithm was set.
  const std::string dir = scratch_dir("run-effective-cc");
  const auto r = run_cli(
      "run --topology topologies/fat_tree_k8.json --workload workloads/traces/incast_4to1.csv --backend packet "
      "--set cc.algorithm=dcqcn --quiet --out '" + dir + "'");
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(read_file(dir + "/summary.json"));
  const json& cc = s["effective_config"]["backend"]["params"]["cc"];
  CHECK(cc["algorithm"] == "dcqcn");
  REQUIRE(cc.contains("dcqcn"));
  CHECK(cc["dcqcn"]["g"].get<double>() == doctest::Approx(1.0 / 256.0));
  CHECK(cc["dcqcn"].contains("rate_ai"));
}
