#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;

TEST_CASE("rocesim --help lists the tool and exits 0; an unknown option exits 2") {
  const auto ok = run_cli("--help");
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("rocesim") != std::string::npos);
  const auto bad = run_cli("--no-such-option");
  CHECK(bad.exit_code == 2);
}

TEST_CASE("rocesim --version names the version, the build type and the git commit of the source tree") {
  // The commit the binary should name is the one git reports now for the source tree (the build
  // re-reads it every time), or "unknown" when the tree is not a git checkout.
  const std::string dir = scratch_dir("version");
  const std::string cmd = std::string("git -C '") + ROCESIM_SOURCE_DIR + "' rev-parse --short HEAD >'" + dir +
                          "/commit' 2>/dev/null";
  std::string commit = std::system(cmd.c_str()) == 0 ? read_file(dir + "/commit") : "";
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
  if (commit.empty()) commit = "unknown";
  const std::string build_type = std::string(ROCESIM_BUILD_TYPE).empty() ? "unspecified" : ROCESIM_BUILD_TYPE;

  const auto r = run_cli("--version");
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string("rocesim ") + ROCESIM_VERSION + "\nbuild type: " + build_type + "\ngit commit: " + commit +
                     "\n");
}
