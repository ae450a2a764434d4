// Lowering: a WorkloadSpec on a Fabric becomes one TransferDag plus the records reports need.
//
// Per job: ranks are placed (workload/placement.hpp) and numbered globally (job j's rank r is
// rank_offset + r). Per iteration i: an iteration-start node (iteration 0: a delay of the job's
// start time; iteration i > 0: a join of every op of iteration i−1, so iterations never overlap);
// per op, in dependency order: an op-start join waiting for the iteration start (plus the op's
// "start" offset, a delay after it, one delay node per distinct offset and iteration) and for
// every op in "deps" to have completed everywhere; the op's body (compute delays on its ranks, a
// collective instance per group, or sends), each rank ready at op-start; an op-end join of all of
// it. A plain send (src → dst, a flow of a flow list) is its one transfer node instead, waiting
// for what its op-start join would and ending the op: same times, same release order, one node
// per flow (run.dag_nodes: two joins fewer per send, and shared start delays, since session 8).
// Memory (issue 20): a flow list of plain sends lowers to ~1 DAG node and one 40 B OpRecord per
// flow, the records sized up front and the DAG in pages (transfer_dag.hpp: no doubling at the peak).
// Every collective's group is instantiated once per group of the named parallel dimension (or once
// for an explicit "ranks" list); all instances share the op's start and end.
// Errors: placements that do not fit, algorithms that do not apply to a group's layout and DAGs
// beyond the size limits are ConfigErrors naming the workload file and JSON path.
// Thread safety: pure function of its inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "topology/fabric.hpp"
#include "workload/transfer_dag.hpp"
#include "workload/workload_spec.hpp"

namespace rocesim::workload {

// One op of one iteration, across all its group instances.
struct OpRecord {
  std::uint32_t job = 0;
  std::uint32_t iteration = 0;
  std::uint32_t spec_index = 0;   // index into JobSpec::ops
  std::uint32_t groups = 0;       // instances (communicators)
  std::uint32_t group_size = 0;   // ranks per instance (largest, for explicit sends)
  std::uint64_t transfers = 0;    // transfer nodes lowered
  std::int64_t wire_bytes = 0;    // bytes all its transfers carry
};

struct JobRecord {
  std::uint32_t rank_offset = 0;
  std::uint32_t world_size = 0;
};

struct LoweredWorkload {
  TransferDag dag;                          // finalized
  std::vector<std::uint32_t> rank_endpoint;  // global rank → fabric endpoint
  std::vector<JobRecord> jobs;
  std::vector<OpRecord> ops;
};

LoweredWorkload lower_workload(const WorkloadSpec& spec, const topology::Fabric& fabric);

// NCCL-tests bus-bandwidth factor: algbw · factor = busbw. all_reduce 2(n−1)/n; reduce_scatter,
// all_gather, all_to_all (n−1)/n; broadcast and send 1; compute 0.
double busbw_factor(OpType type, std::uint32_t n);

}  // namespace rocesim::workload
