// SIGINT/SIGTERM (issue 20): a run stops with "interrupted at simulated t = ...; no report written"
// and exit 128 + signal, leaving no report; a sweep forwards the signal to its running points and
// waits for them, so none survives its parent (before, they ran on with PPID 1 and raced a resume).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

// Starts `rocesim <args>` in `dir`, sends `sig` after `delay_s`, waits; returns its exit code as the
// shell reports it (also 128 + sig for a process killed by the signal, hence the message checks).
int interrupt_after(const std::string& dir, const std::string& args, const char* sig, const char* delay_s) {
  const std::string script = "cd '" + dir + "' || exit 1\n'" + std::string(ROCESIM_EXE) + "' " + args +
                             " >stdout.txt 2>stderr.txt </dev/null &\np=$!\nsleep " + delay_s + "\nkill -" + sig +
                             " $p\nwait $p\necho $? >rc.txt";
  write_file(dir + "/script.sh", script + "\n");
  REQUIRE(std::system(("/bin/sh '" + dir + "/script.sh'").c_str()) == 0);
  return std::stoi(read_file(dir + "/rc.txt"));
}

}  // namespace

TEST_CASE("SIGINT and SIGTERM stop a run with a message, exit 130/143 and no report") {
  // The built-in study on the packet tier takes ~6 s on this machine; 1.5 s in it is mid-run.
  for (const auto& [sig, code] : {std::pair{"INT", 130}, std::pair{"TERM", 143}}) {
    CAPTURE(sig);
    const std::string dir = scratch_dir(std::string("signal_run_") + sig);
    CHECK(interrupt_after(dir, "run --backend packet --out out --quiet", sig, "1.5") == code);
    const std::string err = read_file(dir + "/stderr.txt");
    CHECK(err.find("rocesim run: interrupted at simulated t = ") != std::string::npos);
    CHECK(err.find(" us; no report written") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir + "/out/summary.json"));
  }
}

TEST_CASE("SIGTERM to a sweep stops and reaps its running points; a resume then finishes them") {
  const std::string dir = scratch_dir("signal_sweep");
  write_file(dir + "/spec.json",
             R"({"base": {"seed": 1}, "axes": [{"key": "backend", "values": ["packet"]}, {"key": "seed", "values": [1, 2]}],
                 "mode": "grid", "metrics": ["/run/sim_end_us"]})");
  CHECK(interrupt_after(dir, "sweep spec.json -j 2 --out out --quiet", "TERM", "2.5") == 143);
  CHECK(read_file(dir + "/stderr.txt").find("sweep: interrupted by signal 15; stopped 2 running point(s)") !=
        std::string::npos);
  // No `rocesim run` of this sweep is left once the parent has exited.
  const std::string points = dir + "/out/points";
  // "point[s]" matches the children's --out but not this pgrep's own shell command line.
  CHECK(std::system(("pgrep -f 'rocesim run .*" + dir + "/out/point[s]' >/dev/null").c_str()) != 0);
  CHECK(read_file(points + "/0-backend=packet_seed=1/run.log").find("no report written") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(points + "/0-backend=packet_seed=1/summary.json"));
  // Resume: both points run now and succeed.
  CHECK(rocesim::test::run_cli_in(dir, "sweep spec.json -j 2 --out out --quiet") == 0);
  CHECK(std::filesystem::exists(points + "/1-backend=packet_seed=2/summary.json"));
}
