// `rocesim convert` end to end: each trace format to native JSON on stdout or a file, and bad input → 2.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using rocesim::test::read_file;
using rocesim::test::run_cli_in;

using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

TEST_CASE("convert: a flow CSV becomes one send op per row, on stdout and in a file, identically") {
  // workloads/traces/incast_4to1.csv: 5 flows among endpoints 0..4 → world 5, flow 4 waits for flow 1.
  const auto out = run_cli("convert workloads/traces/incast_4to1.csv");
  REQUIRE(out.exit_code == 0);
  const auto doc = nlohmann::json::parse(out.out);
  const auto& job = doc["jobs"][0];
  CHECK(job["world_size"] == 5);
  REQUIRE(job["ops"].size() == 5);
  CHECK(job["ops"][2]["start"] == "500ns");
  CHECK(job["ops"][3]["deps"] == nlohmann::json::array({"f1"}));

  const std::string dir = scratch_dir("convert-flows");
  const auto to_file = run_cli("convert --format flows workloads/traces/incast_4to1.csv -o " + dir + "/out.json");
  REQUIRE(to_file.exit_code == 0);
  CHECK(to_file.out.empty());
  CHECK(read_file(dir + "/out.json") == out.out);  // deterministic: byte-identical
  CHECK_FALSE(std::filesystem::exists(dir + "/out.json.tmp"));
}

TEST_CASE("convert: bad input exits 2 with the file and location") {
  const std::string dir = scratch_dir("convert-bad");
  write_file(dir + "/bad.csv", "id,src,dst,bytes,start_us,after\n1,0,1,8,0,\n2,0,1,eight,0,\n");
  const auto bad = run_cli("convert " + dir + "/bad.csv -o " + dir + "/out.json");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("bad.csv: line 3: bytes \"eight\"") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/out.json"));

  CHECK(run_cli("convert " + dir + "/missing.csv").exit_code == 2);
  CHECK(run_cli("convert --format bogus " + dir + "/bad.csv").exit_code == 2);
  write_file(dir + "/mystery.bin", "hello\n");
  const auto unknown = run_cli("convert " + dir + "/mystery.bin");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("pass --format") != std::string::npos);
}
