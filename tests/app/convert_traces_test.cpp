// `rocesim convert` on Chakra and SimAI input: native JSON out, the import report echoed on stderr,
// byte-identical reruns, and exit 2 with file and location for corrupt or incomplete input.
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "../workload/chakra_test_encoder.hpp"
#include "cli_runner.hpp"

using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;
using namespace rocesim::test::chakra_encoder;

TEST_CASE("convert: a Chakra directory becomes native JSON; dropped nodes are reported on stderr") {
  const std::string dir = scratch_dir("convert-chakra");
  for (int r = 0; r < 2; ++r) {
    // compute → metadata node (not converted) → world all-reduce of 4 KiB
    const std::vector<TNode> nodes = {comp(1, 3), TNode{2, kMetadata, 0, {1}, {}, {}, true},
                                      coll(3, kAllReduce, 4096, "", {2})};
    write_file(dir + "/et/trace." + std::to_string(r) + ".et", encode_trace(nodes));
  }
  const auto a = run_cli("convert " + dir + "/et");
  REQUIRE(a.exit_code == 0);
  const auto doc = nlohmann::json::parse(a.out);
  CHECK(doc["jobs"][0]["world_size"] == 2);
  CHECK(doc["jobs"][0]["ops"].size() == 3);
  CHECK(doc["jobs"][0]["ops"][2]["deps"] == nlohmann::json::array({"r0_n1", "r1_n1"}));
  CHECK(a.err.find("chakra import: 2 records not converted (METADATA_NODE: 2)") != std::string::npos);
  // A rerun gives the same bytes; the prefix form the same ops (the name follows the path).
  CHECK(run_cli("convert " + dir + "/et").out == a.out);
  const auto b = run_cli("convert --format chakra " + dir + "/et/trace");
  REQUIRE(b.exit_code == 0);
  CHECK(nlohmann::json::parse(b.out)["jobs"][0]["ops"] == doc["jobs"][0]["ops"]);

  // A truncated rank file: exit 2 naming the file, record and byte offset.
  const std::string full = encode_trace({comp(1, 3), comp(2, 3, {1})});
  write_file(dir + "/cut/trace.0.et", full.substr(0, full.size() - 5));
  const auto bad = run_cli("convert " + dir + "/cut");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("trace.0.et: record 2 (byte ") != std::string::npos);
}

TEST_CASE("convert: the SimAI sample becomes a job with its parallelism; a header without vpp exits 2") {
  const auto ok = run_cli("convert workloads/traces/simai_moe_8gpu.txt");
  REQUIRE(ok.exit_code == 0);
  const auto doc = nlohmann::json::parse(ok.out);
  const auto& job = doc["jobs"][0];
  CHECK(job["world_size"] == 8);
  CHECK(job["parallelism"]["dp"] == 4);
  CHECK(job["parallelism"]["ep"] == 2);
  CHECK(doc["import_report"]["micro_batches"] == 2);

  const std::string dir = scratch_dir("convert-simai");
  write_file(dir + "/novpp.txt", "X model_parallel_NPU_group: 2 ep: 1 pp: 1 ga: 1 all_gpus: 8\n1\nl -1 1 NONE 0 1 NONE 0 1 NONE 0 1\n");
  const auto bad = run_cli("convert " + dir + "/novpp.txt -o " + dir + "/out.json");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("novpp.txt: line 1: header is missing the required key \"vpp\"") != std::string::npos);
}
