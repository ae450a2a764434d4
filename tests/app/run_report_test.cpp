// summary.json through the rocesim executable: NCCL-tests bus-bandwidth factors per op type.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

}  // namespace

TEST_CASE("busbw = algbw x the NCCL-tests factor of each op type (n = 8 ranks)") {
  const std::string dir = scratch_dir("run-report-busbw");
  write_file(dir + "/topo.json",
             R"({"generator": "leaf_spine", "leaf_spine": {"leaves": 2, "hosts_per_leaf": 4, "spines": 2}})");
  // One op per type, chained so each runs alone; S = 8 MiB everywhere.
  write_file(dir + "/w.json", R"({"jobs": [{"world_size": 8, "ops": [
      {"id": "ar", "type": "all_reduce", "bytes": "8MiB"},
      {"id": "ag", "type": "all_gather", "bytes": "8MiB", "deps": ["ar"]},
      {"id": "rs", "type": "reduce_scatter", "bytes": "8MiB", "deps": ["ag"]},
      {"id": "a2a", "type": "all_to_all", "bytes": "8MiB", "deps": ["rs"]},
      {"id": "bc", "type": "broadcast", "bytes": "8MiB", "deps": ["a2a"]}]}]})");
  const auto r = run_cli("run --topology " + dir + "/topo.json --workload " + dir + "/w.json --out " + dir + "/out --quiet");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json s = read_json(dir + "/out/summary.json");
  REQUIRE(s["ops"].size() == 5);
  // NCCL-tests: all-reduce 2(n−1)/n = 1.75; all-gather, reduce-scatter, all-to-all (n−1)/n = 0.875;
  // broadcast 1. algbw = S / duration in GB/s.
  const double expected[] = {1.75, 0.875, 0.875, 0.875, 1.0};
  for (std::size_t i = 0; i < 5; ++i) {
    const json& o = s["ops"][i];
    CAPTURE(o["id"].get<std::string>());
    const double algbw = o["algbw_GBps"], busbw = o["busbw_GBps"], d_us = o["duration_us"];
    CHECK(algbw == doctest::Approx(8.0 * 1024 * 1024 / (d_us * 1e-6) * 1e-9).epsilon(2e-5));
    // Both numbers carry 6 significant digits: their ratio is exact to ≈ 1e-5.
    CHECK(busbw / algbw == doctest::Approx(expected[i]).epsilon(2e-5));
  }
}
