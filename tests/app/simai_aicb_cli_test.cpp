// End to end on a SimAI workload shaped like AICB's training output (tp 2, pp 2, ga 2 on 8 GPUs):
// `rocesim convert` states the pipeline traffic it does not simulate; `rocesim run` runs every op.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "../workload/aicb_fixture.hpp"
#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;

TEST_CASE("convert and run: an AICB-generated SimAI workload runs one pass of its 23 lines") {
  const std::string dir = scratch_dir("aicb-cli");
  write_file(dir + "/gpt-tp2-pp2.txt", rocesim::test::aicb_training_workload({}));
  const auto c = run_cli("convert " + dir + "/gpt-tp2-pp2.txt");
  REQUIRE(c.exit_code == 0);
  CHECK(c.err.find("pp_comm 16777216 bytes per micro-batch and direction) not simulated") != std::string::npos);
  // 23 lines x 4 compute ops + 32 collectives (derivation in simai_reader_test.cpp).
  CHECK(json::parse(c.out)["jobs"][0]["ops"].size() == 124);

  const auto r = run_cli("run --workload " + dir + "/gpt-tp2-pp2.txt --quiet --out '" + dir + "/out'");
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(read_file(dir + "/out/summary.json"));
  CHECK(s["ops"].size() == 124);
  std::size_t completed = 0;
  for (const auto& op : s["ops"]) completed += op["completed"].get<bool>() ? 1 : 0;
  CHECK(completed == 124);
  CHECK(s["jobs"][0]["world_size"] == 8);
}
