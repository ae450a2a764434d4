// Chrome trace / Perfetto timeline of a run (trace.json): open in ui.perfetto.dev or
// chrome://tracing.
//
// Layout: {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}; pid = job index,
// tid = rank within the job; metadata events name each process (job name) and thread
// ("rank r (acc<e>)"). Complete events ("ph":"X", ts and dur in µs, exact to the ps):
//   - one per (op, rank) that takes part in the op (a transfer from or to the rank, or a compute
//     delay on it), cat = the op's type. With transfers recorded, a collective's span on a rank
//     is its first transfer start to its last transfer end that involve the rank; otherwise (and
//     for compute) the op's span, since the executor records ops, not per-rank node times.
//   - one per recorded transfer on the sender's track, cat "transfer", when there are at most
//     max_transfer_events of them (otherwise none, and otherData.note says so).
// Event order: metadata, ops by (op index, rank), transfers in start order: deterministic.
// Names come from the workload spec (op ids, types, algorithms, job names), as in summary.json.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"
#include "workload/lower_workload.hpp"
#include "workload/workload_spec.hpp"

namespace rocesim::report {

inline constexpr std::size_t kMaxTraceTransfers = 200'000;

// REQUIRES: `lowered` lowered from `spec`; record.op_start/op_end sized to its ops.
std::string chrome_trace_json(const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lowered,
                              const observe::RunRecord& record, std::size_t max_transfer_events = kMaxTraceTransfers);

}  // namespace rocesim::report
