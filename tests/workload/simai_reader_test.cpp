// SimAI workload reader: header keys, layer columns and comm suffixes map to native ops and groups;
// missing keys and malformed lines fail with file and line.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "workload/readers/simai_reader.hpp"
#include "workload/trace_import.hpp"

using nlohmann::json;
using rocesim::ConfigError;
using rocesim::workload::read_simai_text;

namespace {

const char* const kHeader =
    "HYBRID_TRANSFORMER_FWD_IN_BCKWD model_parallel_NPU_group: 2 ep: 2 pp: 1 vpp: 1 ga: 1 all_gpus: 8 "
    "checkpoints: 0 pp_comm 0\n";
const char* const kLayers =
    "2\n"
    "embed\t-1\t1000\tALLREDUCE\t4096\t2000\tNONE\t0\t3000\tNONE\t0\t100\n"
    "moe   -1  500  ALLTOALL_EP 8192  600 ALLGATHER 1024  700 REDUCESCATTER_DP_EP 2048  50\n";

std::string error_of(const std::string& text) {
  try {
    read_simai_text(text, "w.txt");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("simai: a two-layer MoE workload becomes the forward/backward chain with grouped collectives") {
  const json doc = read_simai_text(std::string(kHeader) + kLayers, "dir/moe.txt");
  const json& job = doc["jobs"][0];
  CHECK(doc["name"] == "moe");
  CHECK(job["world_size"] == 8);
  // tp 2, pp 1 → dp = 8 / 2 = 4; ep 2 subdivides dp.
  CHECK(job["parallelism"] == json::parse(R"({"tp":2,"cp":1,"ep":2,"dp":4,"pp":1,"order":"tp-cp-ep-dp-pp"})"));
  // Forward: layer 0 compute + TP all-reduce, layer 1 compute + EP all-to-all; backward in reverse:
  // layer 1 ig + TP all-gather, wg; layer 0 ig, wg (NONE comms emit nothing); then per-layer wg
  // sync (layer 1: reduce-scatter over the expert-data-parallel group) and updates.
  const json expected = json::parse(R"([
    {"id":"m0_fwd0","type":"compute","duration":"1us"},
    {"id":"m0_fwd0_comm","type":"all_reduce","group":"tp","bytes":4096,"deps":["m0_fwd0"]},
    {"id":"m0_fwd1","type":"compute","duration":"500ns","deps":["m0_fwd0_comm"]},
    {"id":"m0_fwd1_comm","type":"all_to_all","group":"ep","bytes":8192,"deps":["m0_fwd1"]},
    {"id":"m0_ig1","type":"compute","duration":"600ns","deps":["m0_fwd1_comm"]},
    {"id":"m0_ig1_comm","type":"all_gather","group":"tp","bytes":1024,"deps":["m0_ig1"]},
    {"id":"m0_wg1","type":"compute","duration":"700ns","deps":["m0_ig1_comm"]},
    {"id":"m0_ig0","type":"compute","duration":"2us","deps":["m0_wg1"]},
    {"id":"m0_wg0","type":"compute","duration":"3us","deps":["m0_ig0"]},
    {"id":"wg1_comm","type":"reduce_scatter","group":"edp","bytes":2048,"deps":["m0_wg1"]},
    {"id":"update1","type":"compute","duration":"50ns","deps":["wg1_comm"]},
    {"id":"update0","type":"compute","duration":"100ns","deps":["m0_wg0"]}
  ])");
  CHECK(job["ops"] == expected);
  CHECK(doc["import_report"]["header"]["pp_comm"] == 0);
  CHECK(doc["import_report"]["parallelism_type"] == "HYBRID_TRANSFORMER_FWD_IN_BCKWD");
}

TEST_CASE("simai: ga micro-batches repeat forward and backward; gradient sync waits for the last one") {
  std::string text = kHeader;
  text.replace(text.find("ga: 1"), 5, "ga: 3");
  const json doc = read_simai_text(text + kLayers, "w.txt");
  const json& ops = doc["jobs"][0]["ops"];
  // 3 micro-batches x (6 compute: fwd, ig, wg per layer + 3 blocking comms) + 1 wg comm + 2 updates.
  CHECK(ops.size() == 3 * 9 + 3);
  json by_id;
  for (const auto& op : ops) by_id[op["id"].get<std::string>()] = op;
  CHECK(by_id["m1_fwd0"]["deps"] == json::array({"m0_wg0"}));
  CHECK(by_id["wg1_comm"]["deps"] == json::array({"m2_wg1"}));
}

TEST_CASE("simai: collectives that move nothing are counted, pp/vpp limits are stated") {
  const json doc = read_simai_text(
      "X model_parallel_NPU_group: 1 ep: 1 pp: 2 vpp: 4 ga: 1 all_gpus: 4\n1\n"
      "l -1 10 ALLREDUCE 64 10 ALLGATHER 0 10 ALLREDUCE 64 1\n",
      "w.txt");
  const json& report = doc["import_report"];
  CHECK(report["dropped"]["collective over a group of one rank (tp)"] == 1);
  CHECK(report["dropped"]["zero-byte collective"] == 1);
  CHECK(report["assumptions"].size() == 2);
  // dp = 4 / (1 x 2) = 2: the wg all-reduce survives.
  CHECK(doc["jobs"][0]["ops"].back()["deps"] == json::array({"wg0_comm"}));
  CHECK(rocesim::workload::import_report_summary(doc).find("2 records not converted") != std::string::npos);
}

TEST_CASE("simai: bad headers and layer lines name the file, line and key") {
  CHECK(error_of("").find("empty SimAI workload") != std::string::npos);
  const std::string no_vpp = error_of("T model_parallel_NPU_group: 2 ep: 1 pp: 1 ga: 1 all_gpus: 8\n1\n"
                                      "l -1 1 NONE 0 1 NONE 0 1 NONE 0 1\n");
  CHECK(no_vpp.find("w.txt: line 1: header is missing the required key \"vpp\"") != std::string::npos);
  CHECK(error_of("T model_parallel_NPU_group: 3 ep: 1 pp: 1 vpp: 1 ga: 1 all_gpus: 8\n").find("not a multiple of tp x pp") !=
        std::string::npos);
  CHECK(error_of("T model_parallel_NPU_group: 2 ep: 3 pp: 1 vpp: 1 ga: 1 all_gpus: 8\n").find("ep 3 does not divide") !=
        std::string::npos);
  CHECK(error_of("T model_parallel_NPU_group: x ep: 1\n").find("needs a non-negative integer value") != std::string::npos);
  const std::string head = std::string(kHeader);
  CHECK(error_of(head + "3\n" + std::string(kLayers).substr(2)).find("declares 3 layers but 2 layer lines follow") !=
        std::string::npos);
  CHECK(error_of(head + "1\nl -1 1 NONE 0 1 NONE 0 1 NONE 0\n").find("line 3: expected 12 columns") != std::string::npos);
  CHECK(error_of(head + "1\nl -1 1 BCAST 8 1 NONE 0 1 NONE 0 1\n").find("line 3: fwd comm type \"BCAST\"") !=
        std::string::npos);
  CHECK(error_of(head + "1\nl -1 1 NONE 0 1 NONE_EP 0 1 NONE 0 1\n").find("ig comm type \"NONE_EP\"") != std::string::npos);
  CHECK(error_of(head + "1\nl -1 1.5 NONE 0 1 NONE 0 1 NONE 0 1\n").find("line 3: fwd compute time \"1.5\"") !=
        std::string::npos);
  CHECK(error_of(head + "1\nl -1 1 NONE 0 1 NONE 0 1 ALLREDUCE -8 1\n").find("wg comm bytes \"-8\"") != std::string::npos);
}
