// The CI regression on topology configs runs inside the test suite: scripts/regress.sh reruns the
// small scenario of every topology config (reports/baselines/manifest.txt) and compares it with its
// baseline. If this fails after an intended change of results, run scripts/refresh_baselines.sh.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli_in;

using nlohmann::json;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {


int sh(const std::string& cmd, const std::string& log) {
  const int status = std::system((cmd + " >'" + log + "' 2>&1 </dev/null").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const std::string kSource = ROCESIM_SOURCE_DIR;
const std::string kExe = ROCESIM_EXE;

}  // namespace

TEST_CASE("scripts/regress.sh: every topology config matches its baseline") {
  const std::string dir = scratch_dir("regress");
  const std::string log = dir + "/regress.log";
  const int code = sh("bash '" + kSource + "/scripts/regress.sh' '" + std::string(ROCESIM_BINARY_DIR) + "'", log);
  const std::string out = read_file(log);
  CAPTURE(out);
  CHECK(code == 0);
  // Expected: one "ok" line per manifest scenario, and at least one scenario per topology file
  // (regress.sh itself fails when a config has none), so no config was skipped.
  std::size_t configs = 0;
  for (const auto& e : std::filesystem::directory_iterator(kSource + "/topologies")) {
    const std::string ext = e.path().extension().string();
    configs += ext == ".json" || ext == ".txt";
  }
  std::size_t scenarios = 0;
  std::istringstream manifest(read_file(kSource + "/reports/baselines/manifest.txt"));
  for (std::string line; std::getline(manifest, line);) scenarios += !line.empty() && line[0] != '#';
  std::size_t oks = 0;
  for (std::size_t at = out.find(": ok\n"); at != std::string::npos; at = out.find(": ok\n", at + 1)) ++oks;
  CHECK(configs >= 12);
  CHECK(scenarios >= configs);
  CHECK(oks == scenarios);
}

TEST_CASE("a perturbed baseline is a regression (exit 1); a baseline of another topology is refused (exit 2)") {
  const std::string dir = scratch_dir("regress-perturbed");
  const std::string base = kSource + "/reports/baselines/";
  const json fat = json::parse(read_file(base + "fat_tree_k8.json"));
  REQUIRE(fat["ops"].size() >= 1);
  // Rerun fat_tree_k8's scenario exactly as the manifest says.
  const std::string run = "cd '" + kSource + "' && '" + kExe +
                          "' run --topology topologies/fat_tree_k8.json --workload workloads/regression/ring_a2a_16.json"
                          " --backend fluid --quiet --out '" + dir + "/current'";
  REQUIRE(sh(run, dir + "/run.log") == 0);
  CHECK(sh("'" + kExe + "' compare '" + base + "fat_tree_k8.json' '" + dir + "/current'", dir + "/same.log") == 0);
  // A baseline 0.1 % faster on one collective: the current run is slower beyond the default 1e-6
  // relative tolerance (a faster current run would be an improvement, not a regression).
  json perturbed = fat;
  perturbed["ops"][0]["duration_us"] = fat["ops"][0]["duration_us"].get<double>() * 0.999;
  write_file(dir + "/perturbed.json", perturbed.dump(2));
  CHECK(sh("'" + kExe + "' compare '" + dir + "/perturbed.json' '" + dir + "/current'", dir + "/perturbed.log") == 1);
  CHECK(read_file(dir + "/perturbed.log").find("REGRESSION") != std::string::npos);
  // The leaf-spine baseline is from another topology: exit 2 naming the topology key that differs.
  CHECK(sh("'" + kExe + "' compare '" + base + "leaf_spine_128.json' '" + dir + "/current'", dir + "/other.log") == 2);
  CHECK(read_file(dir + "/other.log").find("/effective_config/topology") != std::string::npos);
}
