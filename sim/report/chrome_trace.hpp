// Chrome trace / Perfetto timeline of a run (trace.json): open in ui.perfetto.dev or
// chrome://tracing.
//
// Layout: {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}; pid = job index.
// Tracks (tid): slices on one track never overlap (a trace viewer stacks only nested slices), so
// each rank has lanes: its op lane k is tid r + n·2k and its transfer lane k is r + n·(2k + 1)
// (n = the job's world size); lane 0 of the ops is tid r. A slice goes to the rank's first lane
// (of its kind) whose last slice ended by its start (greedy interval partitioning, slices in
// start order), so lanes are as few as the rank's peak concurrency. Metadata names each process
// (job name) and track ("rank r (acc<e>)", "rank r ops k", "rank r transfers k") and gives
// thread_sort_index = rank · 10^6 + lane (ops lanes before transfer lanes) so a rank's lanes sit
// together. Complete events ("ph":"X", ts and dur in µs, exact to the ps):
//   - one per (op, rank) that takes part in the op (a transfer from or to the rank, or a compute
//     delay on it), cat = the op's type. With transfers recorded, a collective's span on a rank
//     is its first transfer start to its last transfer end that involve the rank; otherwise (and
//     for compute) the op's span, since the executor records ops, not per-rank node times.
//   - one per recorded transfer on a transfer lane of the sender, cat "transfer", when there are
//     at most max_transfer_events of them (otherwise none, and otherData.note says so).
// Counter events ("ph":"C") when the record has a time series (observe/port_sampler.hpp: the
// hottest ports, or per-tier aggregates on large fabrics): process pid = number of jobs, named
// "fabric (sampled links)", one counter per series named "port <id> <from>-><to>" (or the tier),
// args {"utilization"[, "queue_bytes"]}, each sample placed at the start of the interval it
// averages, so Perfetto shows where the fabric was hot while each op ran.
// Event order: metadata, then all slices by start time (ties: ops by (op index, rank) before
// transfers in record order): deterministic.
// Names come from the workload spec (op ids, types, algorithms, job names), as in summary.json.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"
#include "topology/fabric.hpp"
#include "workload/lower_workload.hpp"
#include "workload/workload_spec.hpp"

namespace rocesim::report {

inline constexpr std::size_t kMaxTraceTransfers = 200'000;

// REQUIRES: `lowered` lowered from `spec`; record.op_start/op_end sized to its ops.
std::string chrome_trace_json(const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lowered,
                              const observe::RunRecord& record, std::size_t max_transfer_events = kMaxTraceTransfers);
// The same text written to `os` in pieces of about 1 MiB (what `rocesim run` uses).
// With `fabric`, the counter tracks name their ports by node (topology::node_name).
void write_chrome_trace(std::ostream& os, const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lowered,
                        const observe::RunRecord& record, std::size_t max_transfer_events = kMaxTraceTransfers,
                        const topology::Fabric* fabric = nullptr);

}  // namespace rocesim::report
