// `rocesim sweep`: point expansion, sweep.csv contents, failures, resume after a kill, -j
// independence, bad specs, and (when built with MPI) two ranks on localhost.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::csv_cells;
using rocesim::test::quoted_exe;
using rocesim::test::read_file;
using rocesim::test::source_path;
using rocesim::test::run_cli_in;

using nlohmann::json;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

namespace {

namespace fs = std::filesystem;


// Runs a shell command line in `dir`; stdout/stderr go to dir/stdout.txt, dir/stderr.txt.
int sh_in(const std::string& dir, const std::string& cmd) {
  return rocesim::test::shell("cd '" + dir + "' && " + cmd + " >stdout.txt 2>stderr.txt </dev/null");
}


std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  FAIL("no column " << name);
  return 0;
}

// A 16-rank ring all-reduce on the 128-host leaf-spine: each point runs in well under a second.
json base_spec() {
  return {{"base",
           {{"topology", source_path("topologies/leaf_spine_128.json")},
            {"workload", source_path("workloads/regression/ring_a2a_16.json")}}}};
}

std::size_t count_lines(const std::string& path) {
  std::istringstream in(read_file(path));
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

// A child-executable wrapper (ROCESIM_SWEEP_EXE) that logs every point it runs, with its MPI rank,
// and can hold point 1 until a release file appears.
// What the wrapper does to point 1: nothing, hold it (for kills), or fail it at run time (a run that
// passed input validation and still exits 2, as a backend rejecting something mid-run would).
enum class Point1 { run, hold, fail };

std::string write_wrapper(const std::string& dir, Point1 point1) {
  const std::string path = dir + "/wrapper.sh";
  std::string text = "#!/bin/sh\necho \"rank=${OMPI_COMM_WORLD_RANK:-0} $*\" >> '" + dir + "/runs.log'\n";
  if (point1 == Point1::fail) text += "case \"$*\" in *\"/points/1-\"*) echo 'error: injected failure' >&2; exit 2;; esac\n";
  if (point1 == Point1::hold) {
    // Waits (at most 120 s) for the release file; its pid goes to held1.pid.
    text += "case \"$*\" in *\"/points/1-\"*) if [ ! -e '" + dir + "/release' ]; then echo $$ >'" + dir +
            "/held1.pid'; touch '" + dir + "/started1'; i=0; while [ ! -e '" + dir +
            "/release' ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; fi;; esac\n";
  }
  text += "exec " + quoted_exe() + " \"$@\"\n";
  write_file(path, text);
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

}  // namespace

TEST_CASE("sweep grid: one point per combination, last axis fastest, axis values applied to each run") {
  const std::string dir = scratch_dir("sweep-grid");
  json spec = base_spec();
  spec["axes"] = {{{"key", "topology.leaf_spine.spines"}, {"values", {1, 2, 4}}},
                  {{"key", "backend"}, {"values", {"analytic", "fluid"}}}};
  write_file(dir + "/spec.json", spec.dump());
  REQUIRE(sh_in(dir, quoted_exe() + " sweep spec.json --out out --quiet") == 0);
  const auto rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  // Expected: 3 × 2 = 6 points plus the header; row i has spines [1,2,4][i / 2], backend [..][i % 2].
  REQUIRE(rows.size() == 7);
  const auto& h = rows[0];
  CHECK(h.front() == "index");
  CHECK(h.back() == "status");
  const std::size_t c_spines = column(h, "topology.leaf_spine.spines"), c_backend = column(h, "backend");
  const std::size_t c_dur = column(h, "/ops/ar/duration_us"), c_end = column(h, "/run/sim_end_us");
  const int spines[] = {1, 2, 4};
  const char* backends[] = {"analytic", "fluid"};
  for (std::size_t i = 0; i < 6; ++i) {
    const auto& r = rows[i + 1];
    CAPTURE(i);
    CHECK(r[0] == std::to_string(i));
    CHECK(r[c_spines] == std::to_string(spines[i / 2]));
    CHECK(r[c_backend] == backends[i % 2]);
    CHECK(r.back() == "ok");
    // The point's own report carries the axis values, and the CSV cells come from it.
    const json s = json::parse(read_file(dir + "/out/" + r[1] + "/summary.json"));
    CHECK(s["backend"] == backends[i % 2]);
    CHECK(s["effective_config"]["topology"]["leaf_spine"]["spines"] == spines[i / 2]);
    CHECK(r[c_dur] == s["ops"][0]["duration_us"].dump());
    CHECK(r[c_end] == s["run"]["sim_end_us"].dump());
  }
}

TEST_CASE("sweep zip: the i-th values of every axis form point i") {
  const std::string dir = scratch_dir("sweep-zip");
  json spec = base_spec();
  spec["mode"] = "zip";
  spec["axes"] = {{{"key", "seed"}, {"values", {3, 4}}}, {{"key", "backend"}, {"values", {"fluid", "analytic"}}}};
  spec["metrics"] = {"/seed", "/backend", "/ops/*/busbw_GBps"};
  write_file(dir + "/spec.json", spec.dump());
  REQUIRE(sh_in(dir, quoted_exe() + " sweep spec.json --out out --quiet") == 0);
  const auto rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  // Expected: 2 points (not 4): (3, fluid) and (4, analytic); the metrics read them back.
  REQUIRE(rows.size() == 3);
  const auto& h = rows[0];
  CHECK(rows[1][column(h, "/seed")] == "3");
  CHECK(rows[1][column(h, "/backend")] == "fluid");
  CHECK(rows[2][column(h, "/seed")] == "4");
  CHECK(rows[2][column(h, "/backend")] == "analytic");
  // "*" expanded over ops[] into one column per op, named by its id.
  CHECK_NOTHROW(column(h, "/ops/ar/busbw_GBps"));
  CHECK_NOTHROW(column(h, "/ops/a2a/busbw_GBps"));
}

TEST_CASE("sweep bundle axis: each value applies its object of --set keys; the column shows the name") {
  const std::string dir = scratch_dir("sweep-bundle");
  json spec = base_spec();
  spec["base"]["backend"] = "fluid";
  spec["axes"] = {{{"key", "fabric"},
                   {"values", {"one_spine", "four_spines_one_down"}},
                   {"sets",
                    {{{"topology.leaf_spine.spines", 1}},
                     {{"topology.leaf_spine.spines", 4}, {"topology.failures", {{{"switch", "t2.0"}}}}}}}}};
  write_file(dir + "/spec.json", spec.dump());
  REQUIRE(sh_in(dir, quoted_exe() + " sweep spec.json --out out --quiet") == 0);
  const auto rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  // Expected: 2 points; point 1 has 4 spines with t2.0 down (both keys of its set applied).
  REQUIRE(rows.size() == 3);
  CHECK(rows[1][column(rows[0], "fabric")] == "one_spine");
  CHECK(rows[2][column(rows[0], "fabric")] == "four_spines_one_down");
  const json s0 = json::parse(read_file(dir + "/out/" + rows[1][1] + "/summary.json"));
  const json s1 = json::parse(read_file(dir + "/out/" + rows[2][1] + "/summary.json"));
  CHECK(s0["effective_config"]["topology"]["leaf_spine"]["spines"] == 1);
  CHECK_FALSE(s0["effective_config"]["topology"].contains("failures"));
  CHECK(s1["effective_config"]["topology"]["leaf_spine"]["spines"] == 4);
  CHECK(s1["effective_config"]["topology"]["failures"][0]["switch"] == "t2.0");
  // --check validates the points and writes nothing.
  CHECK(sh_in(dir, quoted_exe() + " sweep spec.json --check --out checked") == 0);
  CHECK(read_file(dir + "/stdout.txt").find("inputs ok: 2 points") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/checked"));
}

TEST_CASE("sweep -j 1 and -j 2 write byte-identical sweep.csv") {
  const std::string dir = scratch_dir("sweep-jobs");
  json spec = base_spec();
  spec["axes"] = {{{"key", "topology.leaf_spine.spines"}, {"values", {1, 2, 4}}},
                  {{"key", "backend"}, {"values", {"analytic", "fluid"}}}};
  write_file(dir + "/spec.json", spec.dump());
  REQUIRE(sh_in(dir, quoted_exe() + " sweep spec.json -j 1 --out j1 --quiet") == 0);
  REQUIRE(sh_in(dir, quoted_exe() + " sweep spec.json -j 2 --out j2 --quiet") == 0);
  const std::string a = read_file(dir + "/j1/sweep.csv"), b = read_file(dir + "/j2/sweep.csv");
  CHECK(count_lines(dir + "/j1/sweep.csv") == 7);
  CHECK(a == b);
}

TEST_CASE("a failing point gets its status, the others finish, the sweep exits non-zero; a rerun redoes only it") {
  const std::string dir = scratch_dir("sweep-fail");
  const std::string wrapper = write_wrapper(dir, Point1::fail);
  json spec = base_spec();
  // The wrapper makes point 1 exit 2 at run time; 0 and 2 run.
  spec["axes"] = {{{"key", "topology.leaf_spine.spines"}, {"values", {1, 2, 4}}}};
  write_file(dir + "/spec.json", spec.dump());
  const std::string cmd = "ROCESIM_SWEEP_EXE='" + wrapper + "' " + quoted_exe() + " sweep spec.json --out out";
  CHECK(sh_in(dir, cmd) == 2);
  CHECK(read_file(dir + "/stderr.txt").find("failed (exit-2)") != std::string::npos);
  // Without --quiet the in-process checks announce themselves first (a big sweep is never silent).
  CHECK(read_file(dir + "/stderr.txt").rfind("checking the inputs of 3 points (rocesim run --check each)\n", 0) == 0);
  auto rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  REQUIRE(rows.size() == 4);
  CHECK(rows[1].back() == "ok");
  CHECK(rows[2].back() == "exit-2");
  CHECK(rows[3].back() == "ok");
  CHECK(count_lines(dir + "/runs.log") == 3);
  // Second invocation: points 0 and 2 are reused, point 1 runs again (and fails again).
  CHECK(sh_in(dir, cmd) == 2);
  CHECK(count_lines(dir + "/runs.log") == 4);
  CHECK(read_file(dir + "/runs.log").rfind("/points/1-") > read_file(dir + "/runs.log").rfind("/points/2-"));
  rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  REQUIRE(rows.size() == 4);
  CHECK(rows[1].back() == "ok");
  CHECK(rows[3].back() == "ok");
}

TEST_CASE("sweep resumes after a kill: finished points are not rerun, no row is lost or duplicated") {
  const std::string dir = scratch_dir("sweep-resume");
  const std::string wrapper = write_wrapper(dir, Point1::hold);
  json spec = base_spec();
  spec["axes"] = {{{"key", "seed"}, {"values", {1, 2, 3}}}};
  write_file(dir + "/spec.json", spec.dump());
  const std::string env = "ROCESIM_SWEEP_EXE='" + wrapper + "' ";
  const std::string sweep = quoted_exe() + " sweep spec.json -j 1 --out out";
  // Start the sweep in its own process group, wait until point 0 is done and point 1 is running
  // (held by the wrapper), then kill the whole group with SIGKILL.
  const std::string script = env + "setsid sh -c \"exec " + sweep + "\" >sweep1.log 2>&1 & pid=$!; i=0; "
                             "while [ ! -e started1 ] && kill -0 $pid 2>/dev/null && [ $i -lt 1200 ]; do "
                             "sleep 0.1; i=$((i+1)); done; kill -9 -$pid; wait $pid; true";
  write_file(dir + "/kill.sh", script);
  REQUIRE(sh_in(dir, "sh kill.sh") == 0);
  CAPTURE(read_file(dir + "/sweep1.log"));
  REQUIRE(fs::exists(dir + "/started1"));
  // Expected after the kill: two child runs started (points 0 and 1); the table has every point,
  // point 0 ok and the others pending; nothing claims point 1 finished.
  CHECK(count_lines(dir + "/runs.log") == 2);
  auto rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  REQUIRE(rows.size() == 4);
  CHECK(rows[1].back() == "ok");
  CHECK(rows[2].back() == "pending");
  CHECK(rows[3].back() == "pending");
  const fs::path p0 = fs::path(dir) / "out" / rows[1][1] / "summary.json";
  const auto p0_time = fs::last_write_time(p0);
  // Resume: only points 1 and 2 run; point 0's report is untouched.
  write_file(dir + "/release", "");
  REQUIRE(sh_in(dir, env + sweep) == 0);
  const std::string runs = read_file(dir + "/runs.log");
  CHECK(count_lines(dir + "/runs.log") == 4);
  CHECK(runs.find("/points/0-") == runs.rfind("/points/0-"));  // point 0 ran exactly once
  CHECK(fs::last_write_time(p0) == p0_time);
  CHECK(read_file(dir + "/stdout.txt").find("1 reused") != std::string::npos);
  // The resumed table equals an uninterrupted sweep's.
  REQUIRE(sh_in(dir, quoted_exe() + " sweep spec.json -j 2 --out fresh --quiet") == 0);
  CHECK(read_file(dir + "/out/sweep.csv") == read_file(dir + "/fresh/sweep.csv"));
  // A changed input invalidates the reuse: editing the spec's set reruns every point.
  spec["base"]["set"] = {{"topology.leaf_spine.spines", 2}};
  write_file(dir + "/spec.json", spec.dump());
  REQUIRE(sh_in(dir, env + sweep) == 0);
  CHECK(count_lines(dir + "/runs.log") == 7);
}

TEST_CASE("a point whose run outlived a SIGKILLed sweep is locked: a resume never runs it a second time") {
  // The sweep parent alone is killed (SIGKILL: nothing forwarded), so point 1's run goes on as an
  // orphan, holding its directory's lock (inherited descriptor 3). Expected of a resume meanwhile:
  // point 0 reused, point 2 run, point 1 left alone with status "locked" and exit 1; runs.log
  // shows point 1 started once. After the orphan ends, the next resume runs point 1 (its
  // point.json was never written) and the sweep is complete.
  const std::string dir = scratch_dir("sweep-lock");
  const std::string wrapper = write_wrapper(dir, Point1::hold);
  json spec = base_spec();
  spec["axes"] = {{{"key", "seed"}, {"values", {1, 2, 3}}}};
  write_file(dir + "/spec.json", spec.dump());
  const std::string env = "ROCESIM_SWEEP_EXE='" + wrapper + "' ";
  const std::string sweep = quoted_exe() + " sweep spec.json -j 1 --out out";
  const std::string script = env + sweep + " >sweep1.log 2>&1 & pid=$!; i=0; "
                             "while [ ! -e started1 ] && kill -0 $pid 2>/dev/null && [ $i -lt 1200 ]; do "
                             "sleep 0.1; i=$((i+1)); done; kill -9 $pid; wait $pid; true";
  write_file(dir + "/kill.sh", script);
  REQUIRE(sh_in(dir, "sh kill.sh") == 0);
  REQUIRE(fs::exists(dir + "/started1"));
  std::string orphan = read_file(dir + "/held1.pid");
  while (!orphan.empty() && (orphan.back() == '\n' || orphan.back() == ' ')) orphan.pop_back();
  REQUIRE(std::system(("kill -0 " + orphan).c_str()) == 0);  // still running, parent gone
  CHECK(sh_in(dir, env + sweep) == 1);
  CHECK(read_file(dir + "/stderr.txt").find("is being run by another process") != std::string::npos);
  auto rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  REQUIRE(rows.size() == 4);
  CHECK(rows[1].back() == "ok");
  CHECK(rows[2].back() == "locked");
  CHECK(rows[3].back() == "ok");
  std::string runs = read_file(dir + "/runs.log");
  CHECK(runs.find("/points/1-") == runs.rfind("/points/1-"));  // point 1 started once: the orphan
  // Let the orphan finish, wait for it, resume: now point 1 runs (a second time, never concurrently).
  write_file(dir + "/release", "");
  REQUIRE(std::system(("i=0; while kill -0 " + orphan + " 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done").c_str()) == 0);
  CHECK(sh_in(dir, env + sweep) == 0);
  rows = csv_cells(read_file(dir + "/out/sweep.csv"));
  CHECK(rows[2].back() == "ok");
  CHECK(fs::exists(dir + "/out/" + rows[2][1] + "/.lock"));
}

TEST_CASE("bad sweep specs exit 2 with the file and JSON path, and leave no output behind") {
  const std::string dir = scratch_dir("sweep-bad");
  const std::string topo = source_path("topologies/leaf_spine_128.json");
  struct Case {
    const char* what;
    json spec;
    const char* expected_in_error;
  };
  const json ok_axes = {{{"key", "seed"}, {"values", {1, 2}}}};
  const std::vector<Case> cases = {
      {"unknown top-level key", {{"axes", ok_axes}, {"axis", ok_axes}}, "/axis"},
      {"unknown base key", {{"base", {{"topolgy", topo}}}, {"axes", ok_axes}}, "/base/topolgy"},
      {"no axes", {{"base", {{"topology", topo}}}}, "/axes"},
      {"empty axes", {{"axes", json::array()}}, "/axes"},
      {"empty values", {{"axes", {{{"key", "seed"}, {"values", json::array()}}}}}, "/axes/0/values"},
      {"unknown axis key field", {{"axes", {{{"key", "seed"}, {"values", {1}}, {"vals", {2}}}}}}, "/axes/0/vals"},
      {"malformed axis key", {{"axes", {{{"key", "topology..x"}, {"values", {1}}}}}}, "/axes/0/key"},
      {"unknown backend", {{"axes", {{{"key", "backend"}, {"values", {"warp"}}}}}}, "/axes/0/values/0"},
      {"zip of unequal axes",
       {{"mode", "zip"}, {"axes", {{{"key", "seed"}, {"values", {1, 2}}}, {{"key", "backend"}, {"values", {"fluid"}}}}}},
       "/axes/1/values"},
      {"bad mode", {{"mode", "cartesian"}, {"axes", ok_axes}}, "/mode"},
      {"bundle with fewer sets than values",
       {{"axes", {{{"key", "b"}, {"values", {"x", "y"}}, {"sets", {json::object()}}}}}}, "/axes/0/sets"},
      {"bundle set with a bad key",
       {{"axes", {{{"key", "b"}, {"values", {"x"}}, {"sets", {{{"topology..x", 1}}}}}}}}, "/axes/0/sets/0/topology..x"},
      {"bundle value not a name",
       {{"axes", {{{"key", "b"}, {"values", {1}}, {"sets", {json::object()}}}}}}, "/axes/0/values/0"},
      {"bundle on a special axis",
       {{"axes", {{{"key", "seed"}, {"values", {"x"}}, {"sets", {json::object()}}}}}}, "/axes/0/key"},
      {"metric not a pointer", {{"axes", ok_axes}, {"metrics", {"run/sim_end_us"}}}, "/metrics/0"},
      {"missing topology file", {{"base", {{"topology", "nowhere.json"}}}, {"axes", ok_axes}}, "nowhere.json"},
      // Checked in process before any point runs (rocesim run --check): the point and the key.
      {"unknown config key on an axis", {{"axes", {{{"key", "routing.hsah"}, {"values", {"crc"}}}}}}, "point 0"},
      {"bad config value on an axis",
       {{"axes", {{{"key", "routing.load_balancing"}, {"values", {"ecmp", "sprey"}}}}}}, "point 1"},
      {"backend parameter out of range on an axis",
       {{"axes", {{{"key", "fair_tolerance"}, {"values", {0, 0.5}}}, {{"key", "backend"}, {"values", {"fluid"}}}}}},
       "point 1 (1-fair_tolerance=0.5_backend=fluid) is invalid: an axis or base.set key (/backend/fair_tolerance): "
       "expected a number in [0, 0.25], got 0.5"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    write_file(dir + "/spec.json", c.spec.dump());
    CHECK(sh_in(dir, quoted_exe() + " sweep spec.json --out out") == 2);
    const std::string err = read_file(dir + "/stderr.txt");
    CAPTURE(err);
    CHECK(err.find("error: ") != std::string::npos);
    CHECK(err.find(c.expected_in_error) != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/out"));
  }
  // Malformed JSON and an output directory that cannot be created (under a regular file).
  write_file(dir + "/spec.json", "{\"axes\": [");
  CHECK(sh_in(dir, quoted_exe() + " sweep spec.json --out out") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("spec.json") != std::string::npos);
  write_file(dir + "/spec.json", json{{"axes", ok_axes}}.dump());
  write_file(dir + "/file", "");
  CHECK(sh_in(dir, quoted_exe() + " sweep spec.json --out file/out") == 2);
  CHECK(read_file(dir + "/stderr.txt").find("file/out") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/out"));
}

TEST_CASE("mpirun -np 2 rocesim sweep: point i runs on rank i mod 2, rank 0 writes the same table") {
#if ROCESIM_MPI_BUILT
  const std::string dir = scratch_dir("sweep-mpi");
  const std::string wrapper = write_wrapper(dir, Point1::run);
  json spec = base_spec();
  spec["axes"] = {{{"key", "seed"}, {"values", {1, 2, 3, 4, 5}}}};
  write_file(dir + "/spec.json", spec.dump());
  REQUIRE(sh_in(dir, quoted_exe() + " sweep spec.json --out single --quiet") == 0);
  const std::string mpirun = std::string("'") + ROCESIM_MPIEXEC + "' --allow-run-as-root --oversubscribe -np 2 ";
  const int code = sh_in(dir, "ROCESIM_SWEEP_EXE='" + wrapper + "' " + mpirun + quoted_exe() + " sweep spec.json --out mpi --quiet");
  CAPTURE(read_file(dir + "/stderr.txt"));
  REQUIRE(code == 0);
  CHECK(read_file(dir + "/mpi/sweep.csv") == read_file(dir + "/single/sweep.csv"));
  // Expected: points 0, 2, 4 on rank 0 and 1, 3 on rank 1.
  const std::string runs = read_file(dir + "/runs.log");
  CHECK(count_lines(dir + "/runs.log") == 5);
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    const std::string marker = "/points/" + std::to_string(i) + "-";
    const std::size_t at = runs.find(marker);
    REQUIRE(at != std::string::npos);
    const std::size_t line = runs.rfind('\n', at);
    const std::string rank = runs.substr(line == std::string::npos ? 0 : line + 1, 6);
    CHECK(rank == "rank=" + std::to_string(i % 2));
  }
#else
  MESSAGE("skipped: rocesim was built without MPI (configure with libopenmpi-dev installed, ROCESIM_MPI=AUTO or ON)");
#endif
}
