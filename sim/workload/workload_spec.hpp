// WorkloadSpec: the native workload JSON (workloads/README.md) as validated plain structs.
//
// parse_workload() reads a document strictly (unknown keys, bad units, unknown op types, unknown or
// cyclic dependencies, ranks outside the job are ConfigErrors naming the file and JSON path);
// to_json() writes it back with every default filled in (the "effective workload" of reports and
// the output of `rocesim convert`). Checks that need the fabric (placement, scale-up layout,
// algorithm applicability) happen when lowering (workload/lower_workload.hpp).
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/units.hpp"
#include "workload/collectives.hpp"
#include "workload/parallel_groups.hpp"
#include "workload/placement.hpp"

namespace rocesim::workload {

enum class OpType : std::uint8_t { compute, all_reduce, reduce_scatter, all_gather, all_to_all, broadcast, send };
const char* to_string(OpType t);
bool is_collective(OpType t);
CollectiveKind collective_kind(OpType t);  // REQUIRES: is_collective(t)

struct OpSpec {
  std::string id;
  OpType type = OpType::compute;
  std::string path;                               // JSON path, for error messages
  Time duration{};                                // compute
  std::optional<std::vector<std::uint32_t>> ranks;  // explicit communicator / compute ranks (job ranks)
  std::string group = "world";                    // parallel-group token when `ranks` is absent
  Bytes bytes{};
  Algorithm algorithm = Algorithm::ring;          // collectives: resolved (default per type)
  std::uint32_t channels = 1, chunks = 1, max_concurrent = 1, root = 0;
  std::uint32_t rings = 1;  // ring all_reduce / reduce_scatter / all_gather, hierarchical all_reduce
  // all_to_all nccl (CollectiveArgs): channels_per_peer 0 = NCCL's default for the NIC rate
  std::uint32_t p2p_channels = 32, channels_per_peer = 0, qps_per_connection = 1;
  bool pxn = true;
  // send: one transfer src → dst, or (when `shift` != 0) member i → member i+shift of every group
  std::uint32_t src = 0, dst = 0;
  std::int32_t shift = 0;
  std::uint32_t qp = 0;
  std::optional<Time> start;                      // earliest start, from the iteration's start
  std::vector<std::string> deps;
};

struct JobSpec {
  std::string name;
  std::string path;
  std::uint32_t world_size = 1;
  Time start{};
  std::uint32_t iterations = 1;
  PlacementSpec placement;
  Parallelism parallelism;  // default: dp = world_size, the rest 1
  std::uint8_t traffic_class = 0;  // data priority of its transfers, [0, 5] (packet: a queue class, e.g.
                                   // its transport; fluid: strict priority, 0 highest)
  std::vector<OpSpec> ops;
  std::vector<std::uint32_t> topo_order;  // op indices, dependencies first (file order otherwise)
};

struct WorkloadSpec {
  std::string name;
  std::string file;
  std::vector<JobSpec> jobs;
};

WorkloadSpec parse_workload(const nlohmann::json& doc, const std::string& file);
nlohmann::json to_json(const WorkloadSpec& spec);

// The native document of a workload file: JSON is read as is; other formats (.csv flow lists,
// Chakra .et, SimAI .txt; see workloads/traces.md) are converted by workload::import_trace.
nlohmann::json load_workload_document(const std::string& path);
WorkloadSpec load_workload_file(const std::string& path);

// The built-in default study's traffic: a 64 MiB ring all-reduce over all ranks, then a 16 MiB
// pairwise all-to-all, on `world` ranks placed contiguously.
nlohmann::json default_workload_json(std::uint32_t world);

}  // namespace rocesim::workload
