// Every `rocesim ...` line of the README's ```sh blocks is run here, from the repository root, and
// must exit 0; so is the first README command (scripts/quickstart.sh) when this test runs from the
// ./build tree that script uses.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"

using rocesim::test::readme_commands;
using rocesim::test::run_cli;

TEST_CASE("every rocesim command shown in README.md runs and exits 0") {
  const std::vector<std::string> commands = readme_commands();
  // The Usage block lists topo, run (four backends/options) and convert: at least 8 commands.
  REQUIRE(commands.size() >= 8);
  for (const std::string& args : commands) {
    CAPTURE(args);
    const auto r = run_cli(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("the README's first command (scripts/quickstart.sh) produces a report") {
  const std::filesystem::path build = std::filesystem::path(ROCESIM_SOURCE_DIR) / "build";
  if (std::filesystem::weakly_canonical(build) != std::filesystem::weakly_canonical(ROCESIM_BINARY_DIR)) {
    MESSAGE("skipped: quickstart.sh builds ./build, and this test runs from another build tree");
    return;
  }
  const std::string out = std::string(ROCESIM_SOURCE_DIR) + "/out/quickstart";
  std::filesystem::remove_all(out);
  const std::string cmd = "cd '" + std::string(ROCESIM_SOURCE_DIR) + "' && bash scripts/quickstart.sh --out out/quickstart --quiet >/dev/null 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
  std::ifstream summary(out + "/summary.json");
  std::stringstream ss;
  ss << summary.rdbuf();
  CHECK(ss.str().find("\"busbw") != std::string::npos);
}
