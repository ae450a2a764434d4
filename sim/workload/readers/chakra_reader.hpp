// Chakra execution traces → native workload JSON.
//
// Input: one .et file per rank (decoded by chakra_trace.hpp). `path` may be
//   - a directory holding <prefix>.<rank>.et files (one prefix, ranks 0..N-1 without gaps),
//   - a prefix P naming files P.0.et, P.1.et, ... (ASTRA-sim style), or
//   - a single .et file, read as a one-rank trace.
// Mapping (full rules with examples in workloads/traces.md), following ASTRA-sim and Chakra's feeder:
//   COMP_NODE, and any node with is_cpu_op (a host-side op, e.g. the CPU call that launches a
//                   collective) → "compute" op on that rank only ("ranks": [r]), duration =
//                   duration_micros. Zero duration → skipped (counted), as ASTRA-sim skips it;
//                   num_ops without a duration is counted (it would need a roofline peak rate).
//   COMM_COLL_NODE  → ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL, BROADCAST become one native
//                     collective per communicator occurrence: the communicator is pg_name (absent =
//                     every rank); its members are the ranks whose files hold collectives with that
//                     pg_name; the k-th such collective in file order on each member is the same op
//                     (types must agree). bytes = comm_size (per-rank input, PyTorch convention), times
//                     the member count for ALL_GATHER (native all_gather bytes are the full buffer).
//                     BROADCAST's root is not in the trace: the lowest member is used and reported.
//                     Zero-byte collectives and one-rank communicators move nothing: counted as dropped.
//   COMM_SEND_NODE / COMM_RECV_NODE → one "send" op: the k-th send from s to d with tag t (comm_dst,
//                     comm_tag; tag 0 when absent) pairs with the k-th receive on d from s (comm_src)
//                     with that tag; its deps are the union of both nodes' deps.
//   Anything else (METADATA, MEM_LOAD/STORE, other collectives, incomplete comm nodes) is counted in
//   import_report.dropped; dependencies through a dropped node pass on to its own parents.
//   data_deps become native deps (global: op waits for its dep op everywhere). ctrl_deps do not
//   order, as in Chakra's feeder: the PyTorch converter writes call-tree parents there, which can
//   point against the execution order. Deps naming nodes absent from the rank's file (the converter
//   leaves those behind) are dropped, counted in import_report.dangling_deps and warned about.
//   A rank runs one CPU op and one GPU kernel at a time (ASTRA-sim): compute ops get a wait on the
//   previous compute op of their rank and kind, in lowest-id-first dependency order, unless the
//   dependencies already imply it; the added waits are counted in import_report.assumptions.
//   Node content not used is counted by name in import_report.unused; every node is counted in
//   import_report.converted or .dropped.
// Errors: ConfigError naming the file and record for corrupt data, duplicate ids, dependency cycles,
// mismatched collectives and peers outside the trace.
// Thread safety: free functions without shared state.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workload/readers/chakra_trace.hpp"

namespace rocesim::workload {

nlohmann::json read_chakra(const std::string& path);

// The rank files `path` denotes, in rank order. Throws ConfigError if none or ranks have gaps.
std::vector<std::string> chakra_rank_files(const std::string& path);

// Converts decoded traces (index = rank) into the native document named `name`.
nlohmann::json chakra_to_native(const std::vector<ChakraRankTrace>& ranks, const std::string& name);

}  // namespace rocesim::workload
