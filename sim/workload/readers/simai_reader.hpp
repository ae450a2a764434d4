// SimAI / AICB workload text reader.
//
// Format (whitespace separated; see workloads/traces.md for a worked example):
//   line 1: [PARALLELISM_TYPE] key: value ...   e.g.
//           HYBRID_TRANSFORMER_FWD_IN_BCKWD model_parallel_NPU_group: 8 ep: 1 pp: 1 vpp: 8 ga: 1 all_gpus: 32
//           Required keys: model_parallel_NPU_group (tp), ep, pp, vpp, ga, all_gpus. Other keys
//           ("checkpoints: 0", "pp_comm 251658240") are accepted and listed in import_report.
//   line 2: the number of layer lines that follow.
//   layers: 12 columns: name, dep, fwd compute (ns), fwd comm type, fwd comm bytes, input-grad compute
//           (ns), ig comm type, ig comm bytes, weight-grad compute (ns), wg comm type, wg comm bytes,
//           update time (ns).
//   comm types: NONE, ALLREDUCE, ALLGATHER, REDUCESCATTER, ALLTOALL, each optionally suffixed _EP
//           (group "ep") or _DP_EP (group "edp", the expert-data-parallel group); unsuffixed types use
//           group "tp" for fwd / ig and "dp" for wg.
// Mapping: one job of all_gpus ranks, contiguous placement, parallelism {tp, cp 1, ep, dp =
// all_gpus/(tp·pp), pp, order "tp-cp-ep-dp-pp"}. For each of the ga micro-batches: forward over the
// layers (compute, then its blocking comm), then backward in reverse layer order (ig compute, ig comm,
// wg compute). Each layer's wg comm starts after its last micro-batch's wg compute and overlaps the
// remaining backward pass; the layer's update compute follows it. Compute ops run on every rank.
// Not modelled (stated in import_report.assumptions): pipeline-stage traffic (pp_comm) and vpp
// interleaving; the dep column. Zero-byte collectives and collectives over groups of one rank are
// counted in import_report.dropped.
// Errors: ConfigError(file, "line N", ...) naming the key or column.
// Thread safety: free functions without shared state.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace rocesim::workload {

nlohmann::json read_simai(const std::string& path);
nlohmann::json read_simai_text(const std::string& text, const std::string& file_label);

}  // namespace rocesim::workload
