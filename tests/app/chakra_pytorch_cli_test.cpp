// End to end on a Chakra trace shaped like the PyTorch converter's output (two ranks, 12 nodes each,
// 5 dependencies per rank on nodes absent from the file): `rocesim convert` exits 0 and warns with
// the count; `rocesim run --workload DIR` simulates it with the step's critical path.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "../workload/chakra_test_encoder.hpp"
#include "cli_runner.hpp"

using nlohmann::json;
using rocesim::test::read_file;
using rocesim::test::run_cli;
using rocesim::test::scratch_dir;
using rocesim::test::write_file;
using namespace rocesim::test::chakra_encoder;

namespace {

std::string write_fixture(const std::string& name) {
  const std::string dir = scratch_dir(name);
  for (int r = 0; r < 2; ++r) write_file(dir + "/et/pt." + std::to_string(r) + ".et", encode_pt_trace(pytorch_fixture_rank(r)));
  return dir;
}

const json& summary_op(const json& summary, const std::string& id) {
  for (const auto& op : summary["ops"]) {
    if (op["id"] == id) return op;
  }
  FAIL("no op " << id << " in summary.json");
  static const json none;
  return none;
}

}  // namespace

TEST_CASE("convert: a PyTorch-converted Chakra trace with dependencies on absent nodes converts, warning with the count") {
  const std::string dir = write_fixture("convert-chakra-pytorch");
  const auto r = run_cli("convert " + dir + "/et");
  REQUIRE(r.exit_code == 0);
  // 2 ranks x 5 dependencies on absent nodes (4 ctrl_deps, 1 data_dep each).
  CHECK(r.err.find("warning: 10 dependencies (ctrl_deps 8, data_deps 2) of 10 nodes name nodes absent from their "
                   "rank's file") != std::string::npos);
  CHECK(r.err.find("10 records not converted") != std::string::npos);
  const json doc = json::parse(r.out);
  CHECK(doc["jobs"][0]["ops"].size() == 13);
  CHECK(doc["import_report"]["dangling_deps"]["ctrl_deps"] == 8);
}

TEST_CASE("run --workload: the PyTorch-converted trace runs; the step is its critical path around the all-reduce") {
  const std::string dir = write_fixture("run-chakra-pytorch");
  const auto r = run_cli("run --workload " + dir + "/et --out '" + dir + "/out'");
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("warning: 10 dependencies (ctrl_deps 8, data_deps 2)") != std::string::npos);
  const json s = json::parse(read_file(dir + "/out/summary.json"));
  // Critical path (µs): rank 1's aten::linear 20 then its GEMM 160 → the all-reduce may start at 180
  // (it waits for both ranks' GEMM and CPU launch); after it: memset (0, dropped), aten::mul 12,
  // kernel 30, aten::sum 25 → the step ends 67 µs after the all-reduce, whatever the network took.
  const json& ar = summary_op(s, "pg0_c0");
  CHECK(ar["start_us"].get<double>() == doctest::Approx(180.0));
  CHECK(ar["end_us"].get<double>() > 180.0);
  CHECK(s["jobs"][0]["duration_us"].get<double>() == doctest::Approx(ar["end_us"].get<double>() + 67.0));
  CHECK(s["jobs"][0]["bytes_sent_per_rank"] == json::array({8388608, 8388608}));
}
