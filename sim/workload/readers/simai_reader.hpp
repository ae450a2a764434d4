// SimAI / AICB workload text reader.
//
// Format (whitespace separated; see workloads/traces.md for a worked example):
//   line 1: [PARALLELISM_TYPE] key: value ...   e.g. as AICB writes it:
//           HYBRID_TRANSFORMER_FWD_IN_BCKWD model_parallel_NPU_group: 8 ep: 1 pp: 1 vpp: 8 ga: 1 all_gpus: 32
//           checkpoints: 0 checkpoint_initiates: 0 pp_comm: 0
//           Required keys: model_parallel_NPU_group (tp), ep, pp, vpp, ga, all_gpus. Other keys are
//           listed in import_report ("pp_comm 251658240" without a colon too). Values may carry a
//           fraction (AICB prints pp_comm as a float); like SimAI's std::stoi the integer part is kept.
//           "checkpoints: k" / "checkpoint_initiates: k" are followed by k layer indices.
//           "expert_parallel_npu_group:" (AICB's multi-all-reduce header) is read as ep.
//   line 2: the number of layer lines that follow.
//   layers: 12 columns: name, dep, fwd compute (ns), fwd comm type, fwd comm bytes, input-grad compute
//           (ns), ig comm type, ig comm bytes, weight-grad compute (ns), wg comm type, wg comm bytes,
//           update time (ns).
//   comm types: NONE, ALLREDUCE, ALLGATHER, REDUCESCATTER, ALLTOALL, each optionally suffixed _EP
//           (group "ep") or _DP_EP (group "edp", the expert-data-parallel group); unsuffixed types use
//           group "tp" for fwd / ig and "dp" for wg. BROADCAST is counted as dropped: SimAI's parser
//           maps it to no communication.
// Mapping (SimAI's HYBRID_TRANSFORMER_FWD_IN_BCKWD loop, one pass): one job of all_gpus ranks,
// contiguous placement, parallelism {tp, cp 1, ep, dp = all_gpus/(tp·pp), pp, order
// "tp-cp-ep-dp-pp"}. Forward over the lines in file order (compute, then its blocking comm), then
// backward in reverse (ig compute, blocking ig comm, wg compute, then the non-blocking wg comm that
// overlaps the rest of the backward pass, followed by that line's update compute). Compute ops run
// on every rank. ga is not a repeat count: AICB writes the micro-batches out as repeated lines, and
// SimAI runs the lines once per pass.
// Not modelled (stated in import_report.assumptions): pipeline-stage traffic (pp_comm), as SimAI's
// network run does not simulate it either; activation checkpointing; the dep column. MICRO headers
// (no all_gpus) are rejected. Zero-byte collectives and collectives over groups of one rank are
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
