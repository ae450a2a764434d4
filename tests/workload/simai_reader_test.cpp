// SimAI workload reader: header keys, layer columns and comm suffixes map to native ops and groups;
// missing keys and malformed lines fail with file and line.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "workload/readers/simai_reader.hpp"
#include "workload/trace_import.hpp"
#include "aicb_fixture.hpp"

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

TEST_CASE("simai: a two-layer MoE workload becomes one forward/backward pass with grouped collectives") {
  const json doc = read_simai_text(std::string(kHeader) + kLayers, "dir/moe.txt");
  const json& job = doc["jobs"][0];
  CHECK(doc["name"] == "moe");
  CHECK(job["world_size"] == 8);
  // tp 2, pp 1 → dp = 8 / 2 = 4; ep 2 subdivides dp.
  CHECK(job["parallelism"] == json::parse(R"({"tp":2,"cp":1,"ep":2,"dp":4,"pp":1,"order":"tp-cp-ep-dp-pp"})"));
  // SimAI's pass: forward over the lines (compute, blocking comm), backward in reverse (ig compute,
  // blocking ig comm, wg compute, non-blocking wg comm → update). NONE comms emit nothing; layer 1's
  // wg reduce-scatter runs over the expert-data-parallel group while layer 0's backward goes on.
  const json expected = json::parse(R"([
    {"id":"fwd0","type":"compute","duration":"1us"},
    {"id":"fwd0_comm","type":"all_reduce","group":"tp","bytes":4096,"deps":["fwd0"]},
    {"id":"fwd1","type":"compute","duration":"500ns","deps":["fwd0_comm"]},
    {"id":"fwd1_comm","type":"all_to_all","group":"ep","bytes":8192,"deps":["fwd1"]},
    {"id":"ig1","type":"compute","duration":"600ns","deps":["fwd1_comm"]},
    {"id":"ig1_comm","type":"all_gather","group":"tp","bytes":1024,"deps":["ig1"]},
    {"id":"wg1","type":"compute","duration":"700ns","deps":["ig1_comm"]},
    {"id":"wg1_comm","type":"reduce_scatter","group":"edp","bytes":2048,"deps":["wg1"]},
    {"id":"update1","type":"compute","duration":"50ns","deps":["wg1_comm"]},
    {"id":"ig0","type":"compute","duration":"2us","deps":["wg1"]},
    {"id":"wg0","type":"compute","duration":"3us","deps":["ig0"]},
    {"id":"update0","type":"compute","duration":"100ns","deps":["wg0"]}
  ])");
  CHECK(job["ops"] == expected);
  CHECK(doc["import_report"]["header"]["pp_comm"] == 0);
  CHECK(doc["import_report"]["parallelism_type"] == "HYBRID_TRANSFORMER_FWD_IN_BCKWD");
}

TEST_CASE("simai: ga does not repeat the lines (AICB writes the micro-batches out); the report keeps it") {
  std::string text = kHeader;
  text.replace(text.find("ga: 1"), 5, "ga: 3");
  const json doc = read_simai_text(text + kLayers, "w.txt");
  // Same 12 ops as with ga 1: 6 compute (fwd, ig, wg x 2 layers) + 2 updates + 4 comms.
  CHECK(doc["jobs"][0]["ops"].size() == 12);
  CHECK(doc["import_report"]["micro_batches"] == 3);
  CHECK(doc["import_report"]["passes"] == 1);
}

TEST_CASE("simai/aicb: a file shaped like AICB's training output (tp 2, pp 2, ga 2) converts line for line") {
  const rocesim::test::AicbArgs args;  // tp 2, pp 2, 8 GPUs, ga 2, 2 layers per stage
  const std::string text = rocesim::test::aicb_training_workload(args);
  const json doc = read_simai_text(text, "gpt-tp2-pp2.txt");
  const json& job = doc["jobs"][0];
  // dp = 8 / (tp 2 x pp 2) = 2.
  CHECK(job["parallelism"] == json::parse(R"({"tp":2,"cp":1,"ep":1,"dp":2,"pp":2,"order":"tp-cp-ep-dp-pp"})"));
  // 23 lines: grad_norm, layernorm, moe_grad_norm1/2 (AICB adds them whenever ep != dp; 0 bytes
  // for a dense model), 2 x (embedding, 2 x (attention, mlp), embedding_norm), 3 cross entropy, 4
  // optimizer. Compute ops: fwd, ig, wg, update per line = 92. Comms: grad_norm 2 (tp all-gather, dp
  // reduce-scatter), layernorm 1, per micro-batch 11 (embedding 2, 4 layers x 2, embedding_norm 1),
  // cross entropy 3, optimizer 4 → 32; the two 0-byte MoE syncs are counted as dropped. Repeating
  // the lines ga times would give 2 x (69 compute + 31 blocking comms) + 1 wg comm + 23 updates = 224.
  CHECK(job["ops"].size() == 92 + 32);
  std::int64_t bytes = 0;
  for (const auto& op : job["ops"]) bytes += op.value("bytes", std::int64_t{0});
  // 2e6 + 4e6 (grad_norm) + 2e6 (layernorm) + 2 x (10 x 16 MiB activations + 2 x 50257 x 4096)
  // + 3 x 8192 + 4 x 4.
  const std::int64_t tp_act = 2 * 2048 * 4096;
  CHECK(bytes == 8000000 + 2 * (10 * tp_act + 2 * 50257 * 4096) + 3 * 8192 + 16);
  const json& report = doc["import_report"];
  CHECK(report["header"]["pp_comm"] == tp_act);
  CHECK(report["header"]["vpp"] == 2);
  CHECK(report["header"]["checkpoint_initiates"] == 0);
  CHECK(report["layers"] == 23);
  REQUIRE(report["assumptions"].size() == 1);
  CHECK(report["assumptions"].begin().key().find("pp_comm 16777216 bytes") != std::string::npos);
  CHECK(report["dropped"] == json::parse(R"({"zero-byte collective":2})"));
}

TEST_CASE("simai/aicb: float pp_comm, checkpoint lists, BROADCAST lines and MICRO headers") {
  // AICB divides pp_comm by tp under sequence parallelism and prints a Python float; SimAI's stoi
  // reads the integer part.
  const json sp = read_simai_text(
      "HYBRID_TRANSFORMER_FWD_IN_BCKWD model_parallel_NPU_group: 2 ep: 1 pp: 2 vpp: 1 ga: 1 all_gpus: 8 "
      "checkpoints: 2 0 1 checkpoint_initiates: 1 1 pp_comm: 8388608.0\n2\n"
      "norm\t-1\t0\tBROADCAST\t16384\t1\tNONE\t0\t1\tNONE\t0\t100\n"
      "attention_layer\t-1\t752000\tALLREDUCE\t20971520\t752000\tALLREDUCE\t20971520\t752000\tNONE\t0\t100\n",
      "sp.txt");
  const json& report = sp["import_report"];
  CHECK(report["header"]["pp_comm"] == 8388608);
  CHECK(report["header"]["checkpoints_layers"] == json::array({0, 1}));
  CHECK(report["header"]["checkpoint_initiates_layers"] == json::array({1}));
  CHECK(report["dropped"]["BROADCAST (SimAI's parser ignores it)"] == 1);
  CHECK(report["assumptions"].size() == 3);  // pp, checkpoints, checkpoint_initiates
  const std::string cut = error_of("T model_parallel_NPU_group: 1 ep: 1 pp: 1 vpp: 1 ga: 1 all_gpus: 2 pp_comm: 7.5\n1\n"
                                   "l -1 1 NONE 0 1 NONE 0 1 NONE 0 1\n");
  CHECK(cut.empty());
  CHECK(read_simai_text("T model_parallel_NPU_group: 1 ep: 1 pp: 1 vpp: 1 ga: 1 all_gpus: 2 pp_comm: 7.5\n1\n"
                        "l -1 1 NONE 0 1 NONE 0 1 NONE 0 1\n", "w.txt")["import_report"]["assumptions"].size() == 1);
  CHECK(error_of("MICRO\n1\nmicro_test -1 1 NONE 0 1 NONE 0 1 ALLREDUCE 4096 1\n").find("MICRO workload does not state all_gpus") !=
        std::string::npos);
  CHECK(error_of("T model_parallel_NPU_group: 1 ep: 1 pp: 1 vpp: 1 ga: 1 all_gpus: 2 checkpoints: 2 0\n").find(
            "must be followed by 2 layer indices") != std::string::npos);
}

TEST_CASE("simai: collectives that move nothing are counted, pp/vpp limits are stated") {
  const json doc = read_simai_text(
      "X model_parallel_NPU_group: 1 ep: 1 pp: 2 vpp: 4 ga: 1 all_gpus: 4\n1\n"
      "l -1 10 ALLREDUCE 64 10 ALLGATHER 0 10 ALLREDUCE 64 1\n",
      "w.txt");
  const json& report = doc["import_report"];
  CHECK(report["dropped"]["collective over a group of one rank (tp)"] == 1);
  CHECK(report["dropped"]["zero-byte collective"] == 1);
  CHECK(report["assumptions"].size() == 1);  // pp 2: pipeline traffic not simulated
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
  CHECK(error_of("T model_parallel_NPU_group: x ep: 1\n").find("needs a non-negative number value") != std::string::npos);
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
