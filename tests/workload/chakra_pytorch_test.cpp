// Chakra traces as Chakra's PyTorch converter writes them (fixture: chakra_test_encoder.hpp,
// pytorch_fixture_rank): dependencies on nodes absent from the file are dropped and reported, CPU
// ops run as compute, ctrl_deps do not order, and every node is either converted or counted.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "workload/readers/chakra_reader.hpp"
#include "workload/trace_import.hpp"
#include "chakra_test_encoder.hpp"

using nlohmann::json;
using namespace rocesim::workload;
using namespace rocesim::test::chakra_encoder;

namespace {

std::string write_fixture(const std::string& name) {
  const auto dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int r = 0; r < 2; ++r) {
    std::ofstream((dir / ("pt." + std::to_string(r) + ".et")).string(), std::ios::binary)
        << encode_pt_trace(pytorch_fixture_rank(r));
  }
  return dir.string();
}

const json& op(const json& doc, const std::string& id) {
  for (const auto& o : doc["jobs"][0]["ops"]) {
    if (o["id"] == id) return o;
  }
  FAIL("no op " << id);
  static const json none;
  return none;
}

std::int64_t sum_of(const json& counts) {
  std::int64_t total = 0;
  for (const auto& [k, v] : counts.items()) total += v.get<std::int64_t>();
  return total;
}

}  // namespace

TEST_CASE("chakra/pytorch: 24 nodes, 10 of whose dependencies name absent nodes, import with 10 drops reported") {
  const std::string dir = write_fixture("chakra-pytorch");
  const json doc = read_chakra(dir);
  const json& report = doc["import_report"];
  // Per rank 12 nodes; 5 dependencies name nodes not in the file (ctrl 3→1, 10→2, 12→2, 21→2 and
  // data 17→5), on 5 distinct nodes: 10 dependencies (8 ctrl, 2 data) on 10 nodes over two ranks.
  CHECK(report["nodes"] == 24);
  CHECK(report["dangling_deps"] == json::parse(R"j({"ctrl_deps":8,"data_deps":2})j"));
  REQUIRE(report["warnings"].size() == 1);
  const std::string warning = report["warnings"][0];
  CHECK(warning.find("10 dependencies (ctrl_deps 8, data_deps 2) of 10 nodes name nodes absent") != std::string::npos);
  CHECK(warning.find("pt.0.et node 3 -> 1") != std::string::npos);
  CHECK(import_report_summary(doc).find("warning: 10 dependencies") != std::string::npos);

  // Every node is converted or counted: 7 + 5 per rank.
  CHECK(report["converted"] == json::parse(R"j({"COMM_COLL_NODE":2,"COMM_COLL_NODE (is_cpu_op)":2,
                                               "COMP_NODE":4,"COMP_NODE (is_cpu_op)":6})j"));
  CHECK(report["dropped"] == json::parse(R"j({"COMM_SEND_NODE without comm_dst or comm_size":2,
      "COMP_NODE with num_ops but no duration_micros":2,"COMP_NODE with zero duration":2,
      "MEM_LOAD_NODE (remote memory access, not modelled)":2,"METADATA_NODE":2})j"));
  CHECK(sum_of(report["converted"]) + sum_of(report["dropped"]) == 24);
  CHECK(report["memory_node_bytes_not_modelled"] == 2 * 4096);
  // What the nodes carry but the import does not use is counted by name: 11 ctrl deps per rank
  // (every node but the MEM_LOAD), the converter's 8 common attributes minus is_cpu_op, inputs/outputs.
  const json& unused = report["unused"];
  CHECK(unused["ctrl_deps (not ordering)"] == 22);
  for (const char* a : {"attr rf_id", "attr fw_parent", "attr seq_id", "attr scope", "attr tid", "attr fw_tid",
                        "attr op_schema", "field inputs", "field outputs"}) {
    CHECK_MESSAGE(unused[a] == 24, a);
  }
  CHECK(unused.size() == 10);
  CHECK(report["metadata"]["schema"] == "1.0.2-chakra.0.0.4");
  CHECK(report["metadata"]["pid"] == "4242");

  // 6 compute ops per rank plus one all-reduce shared by both.
  CHECK(doc["jobs"][0]["ops"].size() == 13);
  CHECK(op(doc, "r1_n11") == json::parse(R"j({"id":"r1_n11","type":"compute","duration":"160us","ranks":[1],
                                               "deps":["r1_n10"]})j"));
  CHECK(op(doc, "r0_n12")["type"] == "compute");  // the CPU-side launch of the collective
  CHECK(op(doc, "pg0_c0") == json::parse(R"j({"id":"pg0_c0","type":"all_reduce","group":"world","bytes":8388608,
                                               "deps":["r0_n11","r0_n12","r1_n11","r1_n12"]})j"));
  CHECK_FALSE(op(doc, "r0_n10").contains("deps"));  // its only data dep is the dropped metadata node
  CHECK(op(doc, "r0_n16")["deps"] == json::array({"pg0_c0"}));  // through the dropped memset
  CHECK(op(doc, "r0_n17")["deps"] == json::array({"r0_n16"}));  // 17 → 5 dropped; ctrl 16 → 17 ignored
  CHECK(op(doc, "r1_n21")["deps"] == json::array({"r1_n17"}));  // through MEM_LOAD 19 and 20 → send 18

  const auto again = import_trace(dir);
  REQUIRE(again.has_value());
  CHECK(again->dump() == doc.dump());
}

TEST_CASE("chakra/pytorch: is_cpu_op absent means a GPU node; a CPU-flagged send runs as compute") {
  // Hand-written traces (Chakra's generator, ASTRA-sim examples) carry no is_cpu_op: their
  // collectives stay collectives. A send flagged is_cpu_op is the host call, not the transfer.
  const auto dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / "chakra-cpuflag";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int r = 0; r < 2; ++r) {
    TNode host_send{2, kSend, 9, {}, {}, {attr_int("comm_dst", 1 - r), attr_int("comm_size", 64)}, true};
    host_send.attrs.push_back(attr_bool("is_cpu_op", true));
    std::ofstream((dir / ("h." + std::to_string(r) + ".et")).string(), std::ios::binary)
        << encode_trace({coll(1, kAllReduce, 4096, ""), host_send});
  }
  const json doc = read_chakra(dir.string());
  CHECK(op(doc, "world_c0")["type"] == "all_reduce");
  CHECK(op(doc, "r0_n2") == json::parse(R"j({"id":"r0_n2","type":"compute","duration":"9us","ranks":[0]})j"));
  CHECK(doc["import_report"]["converted"] ==
        json::parse(R"j({"COMM_COLL_NODE":2,"COMM_SEND_NODE (is_cpu_op)":2})j"));
  CHECK(doc["import_report"]["warnings"].empty());
}

TEST_CASE("chakra/pytorch: a rank runs one GPU kernel and one CPU op at a time, as in ASTRA-sim") {
  // CPU op 1 (10 µs) launches kernels 2 (100 µs) and 3 (50 µs); both data-depend on 1 only. CPU op 4
  // (5 µs, another thread) has no deps. Taking the lowest ready id first: CPU 1 → CPU 4, and kernel
  // 2 → kernel 3. Kernel 3 gets one added wait (on 2), CPU op 4 one (on 1): critical path
  // 10 + 100 + 50 = 160 µs instead of 110 µs when the kernels overlap.
  const auto dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / "chakra-serial";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream((dir / "s.0.et").string(), std::ios::binary)
      << encode_pt_trace({PtNode{1, kComp, "aten::cat", 10, {}, {}, true, {}},
                          PtNode{2, kComp, "gemm_kernel", 100, {1}, {1}, false, {}},
                          PtNode{3, kComp, "add_kernel", 50, {1}, {1}, false, {}},
                          PtNode{4, kComp, "aten::item", 5, {}, {}, true, {}}});
  const json doc = read_chakra(dir.string());
  CHECK(op(doc, "r0_n2")["deps"] == json::array({"r0_n1"}));
  CHECK(op(doc, "r0_n3")["deps"] == json::array({"r0_n1", "r0_n2"}));
  CHECK(op(doc, "r0_n4")["deps"] == json::array({"r0_n1"}));
  CHECK(doc["import_report"]["assumptions"] == json::parse(R"j({
      "one CPU op at a time per rank (ASTRA-sim): waits added":1,
      "one GPU kernel at a time per rank (ASTRA-sim): waits added":1})j"));
}
