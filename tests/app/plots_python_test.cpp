// `rocesim run --plots` picks the first python3 that has matplotlib: the one on PATH, then
// /usr/bin/python3, and says on stderr which one it used.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli_in;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

// PATH with `dir` in front for the lifetime of the object (the CLI runs through /bin/sh, which
// inherits it), restored afterwards.
class PathPrefix {
 public:
  explicit PathPrefix(const std::string& dir) : old_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    setenv("PATH", (dir + ":" + old_).c_str(), 1);
  }
  ~PathPrefix() { setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

// An executable stand-in for python3 in `dir`.
std::string fake_python(const std::string& dir, const std::string& body) {
  const std::string path = dir + "/python3";
  write_file(path, "#!/bin/sh\n" + body);
  chmod(path.c_str(), 0755);
  return path;
}

const std::string kRun = std::string("run --quiet --topology '") + ROCESIM_SOURCE_DIR +
                         "/topologies/fat_tree_k8.json' --workload '" + ROCESIM_SOURCE_DIR +
                         "/workloads/regression/ring_a2a_8.json' --backend analytic --plots --out report";

}  // namespace

TEST_CASE("--plots uses the python3 on PATH when it has matplotlib, and names it") {
  const std::string dir = scratch_dir("plots-path-python");
  // This stand-in "has matplotlib" (the import probe exits 0) and, run on the script, leaves a
  // mark in the report directory ($2) instead of plotting.
  const std::string fake =
      fake_python(dir + "/bin", "if [ \"$1\" = -c ]; then exit 0; fi\necho ran > \"$2/fake-python-ran\"\n");
  const PathPrefix path(dir + "/bin");
  REQUIRE(run_cli_in(dir, kRun) == 0);
  const std::string err = read_file(dir + "/stderr.txt");
  CAPTURE(err);
  CHECK(err.find("plots: using " + fake + " (has matplotlib)") != std::string::npos);
  CHECK(std::filesystem::exists(dir + "/report/fake-python-ran"));
}

TEST_CASE("--plots falls back to /usr/bin/python3 when the python3 on PATH has no matplotlib") {
  const std::string dir = scratch_dir("plots-fallback");
  const std::string fake = fake_python(dir + "/bin", "exit 1\n");  // no matplotlib, cannot run anything
  const bool system_has_matplotlib = std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
  const PathPrefix path(dir + "/bin");
  REQUIRE(run_cli_in(dir, kRun) == 0);  // --plots never fails the run
  const std::string err = read_file(dir + "/stderr.txt");
  CAPTURE(err);
  CHECK(err.find("plots: using " + fake) == std::string::npos);
  if (system_has_matplotlib) {
    CHECK(err.find("plots: using /usr/bin/python3 (has matplotlib)") != std::string::npos);
    CHECK(std::filesystem::exists(dir + "/report/report.html"));
  } else {
    MESSAGE("/usr/bin/python3 has no matplotlib here: only the note is checked");
    CHECK(err.find("note: --plots: no python3 with matplotlib (tried: " + fake + ", /usr/bin/python3") !=
          std::string::npos);
  }
}
