// Runs the CLI as a person does: inside a pseudo-terminal, where stderr is a terminal and the
// progress line is live. Every README command must finish here (a progress loop whose chunk once
// doubled until the int64 clock wrapped hung each of them), and fluid and packet runs must draw
// the progress line and still finish.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli_runner.hpp"

using rocesim::test::readme_commands;
using rocesim::test::run_cli_pty;

namespace {

// Generous: the slowest README command takes a few seconds; a hang runs into this.
constexpr double kTimeoutS = 120.0;

}  // namespace

TEST_CASE("every README command finishes inside a pseudo-terminal") {
  const std::vector<std::string> commands = readme_commands();
  REQUIRE(commands.size() >= 8);
  for (const std::string& args : commands) {
    CAPTURE(args);
    const auto r = run_cli_pty(args, kTimeoutS);
    CAPTURE(r.output);
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("fluid and packet runs in a terminal draw the progress line and finish") {
  // --progress on draws from the first chunk (auto waits 2 s of wall time), so the loop that
  // adapts the chunk runs for the whole run, with the time-series sampler limiting chunks too.
  const std::vector<std::string> runs = {
      "run --backend fluid --workload workloads/moe_alltoall_ep.json --progress on --out out/tty-moe",
      "run --backend packet --progress on --attribution off --out out/tty-packet",
      "run --progress on --sample-interval 1us --attribution off --out out/tty-default",
  };
  for (const std::string& args : runs) {
    CAPTURE(args);
    const auto r = run_cli_pty(args, kTimeoutS);
    CAPTURE(r.output);
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find(" events/s") != std::string::npos);  // the progress line was drawn
    CHECK(r.output.find("report: out/") != std::string::npos);
  }
}

TEST_CASE("the progress line never runs with a terminal that is not there") {
  // Same run, stderr redirected: auto mode draws nothing and the run still finishes.
  const auto r = rocesim::test::run_cli("run --backend fluid --workload workloads/moe_alltoall_ep.json --out out/notty-moe");
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("events/s") == std::string::npos);
}
