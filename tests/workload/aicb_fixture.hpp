// A SimAI workload file written the way AICB's training generator writes one
// (workload_generator/SimAI_training_workload_generator.py: workload_generate + dump_file), for a
// dense Megatron model without sequence parallelism, MoE or AIOB timings:
//   header  "HYBRID_TRANSFORMER_FWD_IN_BCKWD model_parallel_NPU_group: tp ep: ep pp: pp vpp: L ga: ga
//            all_gpus: N checkpoints: 0 checkpoint_initiates: 0 pp_comm: B" where L is the layer count
//            per pipeline stage and B = 2·mbs·seq·hidden when pp > 1, else 0;
//   line 2  the number of lines; then tab-separated Work_Item fields (name, -1, fwd compute, fwd comm,
//            fwd bytes, bwd compute, bwd comm, bwd bytes, dp compute, dp comm, dp bytes, process time 100):
//   grad_norm (fwd ALLGATHER 2·params, dp REDUCESCATTER 4·params), layernorm (bwd ALLREDUCE
//   2·params), and when ep != dp moe_grad_norm1/2 (dp ALLGATHER_DP_EP / REDUCESCATTER_DP_EP of 2·/4·
//   the MoE parameter count, 0 for a dense model); then ga times: embedding_layer and per layer attention_layer and mlp_layer, each with
//   fwd and bwd ALLREDUCE of the TP activation 2·mbs·seq·hidden, then embedding_norm (fwd ALLREDUCE
//   2·vocab·hidden); then cross_entropy1..3 (fwd ALLREDUCE 4·seq·mbs) and optimizer1..4 (fwd
//   ALLREDUCE 4 bytes), whose compute times are 0. Default compute time is 1 (ns).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rocesim::test {

struct AicbArgs {
  int tp = 2, ep = 1, pp = 2, world = 8, ga = 2, layers_per_stage = 2;
  std::int64_t params = 1000000, moe_params = 0, mbs = 1, seq = 2048, hidden = 4096, vocab = 50257;
};

inline std::string aicb_training_workload(const AicbArgs& a) {
  struct Item {
    std::string name;
    int fwd_ns;
    std::string fwd;
    std::int64_t fwd_bytes;
    int bwd_ns;
    std::string bwd;
    std::int64_t bwd_bytes;
    int dp_ns;
    std::string dp;
    std::int64_t dp_bytes;
  };
  const std::int64_t tp_bytes = 2 * a.mbs * a.seq * a.hidden;
  std::vector<Item> items = {{"grad_norm", 1, "ALLGATHER", 2 * a.params, 1, "NONE", 0, 1, "REDUCESCATTER", 4 * a.params},
                             {"layernorm", 1, "NONE", 0, 1, "ALLREDUCE", 2 * a.params, 1, "NONE", 0}};
  if (a.ep != a.world / (a.tp * a.pp)) {
    items.push_back({"moe_grad_norm1", 1, "NONE", 0, 1, "NONE", 0, 1, "ALLGATHER_DP_EP", 2 * a.moe_params});
    items.push_back({"moe_grad_norm2", 1, "NONE", 0, 1, "NONE", 0, 1, "REDUCESCATTER_DP_EP", 4 * a.moe_params});
  }
  for (int m = 0; m < a.ga; ++m) {
    items.push_back({"embedding_layer", 1, "ALLREDUCE", tp_bytes, 1, "ALLREDUCE", tp_bytes, 1, "NONE", 0});
    for (int l = 0; l < a.layers_per_stage; ++l) {
      items.push_back({"attention_layer", 1, "ALLREDUCE", tp_bytes, 1, "ALLREDUCE", tp_bytes, 1, "NONE", 0});
      items.push_back({"mlp_layer", 1, "ALLREDUCE", tp_bytes, 1, "ALLREDUCE", tp_bytes, 1, "NONE", 0});
    }
    items.push_back({"embedding_norm", 1, "ALLREDUCE", 2 * a.vocab * a.hidden, 1, "NONE", 0, 1, "NONE", 0});
  }
  for (int i = 1; i <= 3; ++i) {
    items.push_back({"cross_entropy" + std::to_string(i), 0, "ALLREDUCE", 4 * a.seq * a.mbs, 0, "NONE", 0, 0, "NONE", 0});
  }
  for (int i = 1; i <= 4; ++i) items.push_back({"optimizer" + std::to_string(i), 0, "ALLREDUCE", 4, 0, "NONE", 0, 0, "NONE", 0});

  std::string out = "HYBRID_TRANSFORMER_FWD_IN_BCKWD model_parallel_NPU_group: " + std::to_string(a.tp) +
                    " ep: " + std::to_string(a.ep) + " pp: " + std::to_string(a.pp) +
                    " vpp: " + std::to_string(a.layers_per_stage) + " ga: " + std::to_string(a.ga) +
                    " all_gpus: " + std::to_string(a.world) + " checkpoints: 0 checkpoint_initiates: 0 " +
                    "pp_comm: " + std::to_string(a.pp != 1 ? tp_bytes : 0) + "\n";
  out += std::to_string(items.size()) + "\n";
  for (const Item& it : items) {
    out += it.name + "\t-1\t" + std::to_string(it.fwd_ns) + "\t" + it.fwd + "\t" + std::to_string(it.fwd_bytes) + "\t" +
           std::to_string(it.bwd_ns) + "\t" + it.bwd + "\t" + std::to_string(it.bwd_bytes) + "\t" +
           std::to_string(it.dp_ns) + "\t" + it.dp + "\t" + std::to_string(it.dp_bytes) + "\t100\n";
  }
  return out;
}

}  // namespace rocesim::test
