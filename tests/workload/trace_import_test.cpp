// import_trace / detect_trace_format: format choice by name and content, native pass-through, errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "chakra_test_encoder.hpp"
#include "core/config_error.hpp"
#include "core/simulator.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"
#include "workload/analytic_backend.hpp"
#include "workload/dag_executor.hpp"
#include "workload/lower_workload.hpp"
#include "workload/trace_import.hpp"
#include "workload/workload_spec.hpp"

using rocesim::ConfigError;
using namespace rocesim::workload;

namespace {

std::string scratch_file(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / "trace-import";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string error_of(const std::string& path, std::string_view format = "auto") {
  try {
    import_trace(path, format);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* const kCsv = "id,src,dst,bytes,start_us,after\n1,0,1,8,0,\n";
const char* const kSimai = "T model_parallel_NPU_group: 2 ep: 1 pp: 1 vpp: 1 ga: 1 all_gpus: 4\n1\nl -1 5 NONE 0 5 NONE 0 5 NONE 0 1\n";

}  // namespace

TEST_CASE("import_trace picks the reader by extension, then by content") {
  CHECK(detect_trace_format(scratch_file("a.csv", kCsv)) == "flows");
  CHECK(detect_trace_format(scratch_file("a.txt", kSimai)) == "simai");
  CHECK(detect_trace_format(scratch_file("a.json", "{}")) == "native");
  // No telling extension: the content decides.
  CHECK(detect_trace_format(scratch_file("flows.list", kCsv)) == "flows");
  CHECK(detect_trace_format(scratch_file("workload.simai", kSimai)) == "simai");
  CHECK(detect_trace_format(scratch_file("doc.cfg", "  {\"name\": 1}")) == "native");
  CHECK(detect_trace_format(scratch_file("trace.bin", std::string("\x1f\x8b\x08", 3))) == "chakra");

  const auto flows = import_trace(scratch_file("b.csv", kCsv));
  REQUIRE(flows.has_value());
  CHECK((*flows)["jobs"][0]["ops"][0]["type"] == "send");
  const auto simai = import_trace(scratch_file("b.txt", kSimai));
  REQUIRE(simai.has_value());
  CHECK((*simai)["jobs"][0]["world_size"] == 4);
  // Native JSON is left to the caller.
  CHECK_FALSE(import_trace(scratch_file("c.json", "{}")).has_value());
  // A forced format overrides the extension.
  CHECK(import_trace(scratch_file("odd.dat", kCsv), "flows").has_value());
}

TEST_CASE("import_trace rejects unknown formats, missing paths and undetectable content") {
  CHECK(error_of(scratch_file("x.csv", kCsv), "yaml").find("unknown trace format \"yaml\"") != std::string::npos);
  CHECK(error_of("/no/such/trace").find("no such file, directory or Chakra prefix") != std::string::npos);
  CHECK(error_of(scratch_file("mystery.bin", "hello world\n")).find("pass --format") != std::string::npos);
  // Forcing the wrong reader fails in that reader with its own location.
  CHECK(error_of(scratch_file("wrong.txt", kSimai), "flows").find("line 1: expected the header") != std::string::npos);
}

TEST_CASE("import_report_summary is empty without a report and lists counts when present") {
  CHECK(import_report_summary(nlohmann::json::object()).empty());
  const auto doc = nlohmann::json::parse(
      R"({"import_report":{"format":"chakra","dropped":{"METADATA_NODE":2,"COMM_COLL_NODE REDUCE":1},
          "assumptions":{"x":1}}})");
  CHECK(import_report_summary(doc) ==
        "chakra import: 3 records not converted (COMM_COLL_NODE REDUCE: 1, METADATA_NODE: 2); dependencies through "
        "them were kept; assumptions: x: 1");
}

namespace {

// Parses, lowers and runs `doc` on the default fabric with the analytic backend; returns the bytes
// all ranks sent. Proves the reader output is a valid native workload end to end.
std::int64_t run_imported(const nlohmann::json& doc) {
  using namespace rocesim;
  const WorkloadSpec spec = parse_workload(doc, "imported");
  const topology::Fabric fabric =
      topology::build_fabric(topology::parse_topology(topology::default_topology_json(), "<default>"));
  const LoweredWorkload lw = lower_workload(spec, fabric);
  Simulator sim;
  routing::Router router(fabric, routing::RoutingParams{});
  AnalyticBackend backend(sim, router);
  DagExecutor ex(sim, backend, lw.dag, lw.rank_endpoint, lw.ops.size());
  ex.start();
  sim.run();
  REQUIRE(ex.finished());
  std::int64_t sent = 0;
  for (auto b : ex.bytes_sent()) sent += b;
  return sent;
}

}  // namespace

TEST_CASE("each reader's output parses, lowers and runs to completion on the analytic backend") {
  // Flow list: exactly the CSV's bytes go on the wire (1 MB x 4 + 4096).
  const auto flows = import_trace(std::string(ROCESIM_SOURCE_DIR) + "/workloads/traces/incast_4to1.csv");
  REQUIRE(flows.has_value());
  CHECK(run_imported(*flows) == 4 * 1000000 + 4096);

  const auto simai = import_trace(std::string(ROCESIM_SOURCE_DIR) + "/workloads/traces/simai_moe_8gpu.txt");
  REQUIRE(simai.has_value());
  CHECK(run_imported(*simai) > 0);

  // Chakra: 4 ranks, compute, a world all-reduce of 1 MiB, then a send 0 → 3 of 4 KiB.
  using namespace rocesim::test::chakra_encoder;
  const auto dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / "trace-import-chakra";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int r = 0; r < 4; ++r) {
    std::vector<TNode> nodes = {comp(1, 10), coll(2, kAllReduce, 1 << 20, "", {1})};
    if (r == 0) nodes.push_back(TNode{3, kSend, 0, {2}, {}, {attr_int("comm_dst", 3), attr_int("comm_size", 4096)}, true});
    if (r == 3) nodes.push_back(TNode{3, kRecv, 0, {2}, {}, {attr_int("comm_src", 0)}, true});
    std::ofstream((dir / ("t." + std::to_string(r) + ".et")).string(), std::ios::binary) << encode_trace(nodes);
  }
  const auto chakra = import_trace(dir.string());
  REQUIRE(chakra.has_value());
  // Any all-reduce algorithm moves at least 2(n-1)/n x S per rank = 1.5 MiB per rank x 4 ranks.
  CHECK(run_imported(*chakra) >= 4 * 3 * (1 << 20) / 2 + 4096);
}
