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
#include <memory>
#include <optional>
#include <span>
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

// What only some ops have: an explicit rank list (collectives, compute on listed ranks), a
// parallel-group token (collectives, group sends) and the collective schedules' parameters. A plain
// send (one flow of a flow list) and a compute on every rank keep none, so a flow list of a million
// sends costs ~80 B per op in its WorkloadSpec (issue 20), not ~250 B.
struct OpGroupArgs {
  std::optional<std::vector<std::uint32_t>> ranks;  // explicit communicator / compute ranks (job ranks)
  std::string group = "world";                    // parallel-group token when `ranks` is absent
  std::uint32_t channels = 1, chunks = 1, max_concurrent = 1, root = 0;
  std::uint32_t rings = 1;  // ring all_reduce / reduce_scatter / all_gather, hierarchical all_reduce
  // all_to_all nccl (CollectiveArgs): channels_per_peer 0 = NCCL's default for the NIC rate
  std::uint32_t p2p_channels = 32, channels_per_peer = 0, qps_per_connection = 1;
  bool pxn = true;
  // send: member i → member i+shift of every group (0: a plain send src → dst)
  std::int32_t shift = 0;
};

struct OpSpec {
  std::string id;
  Bytes bytes{};
  Time duration{};                                // compute
  std::optional<Time> start;                      // earliest start, from the iteration's start
  std::uint32_t src = 0, dst = 0;                 // plain send: one transfer src → dst
  std::uint32_t qp = 0;                           // send
  OpType type = OpType::compute;
  Algorithm algorithm = Algorithm::ring;          // collectives: resolved (default per type)

  // The group arguments (defaults when the op has none). The JSON path of op i of a job is
  // op_path(job, i), and its dependencies are JobSpec::deps_of(i).
  const OpGroupArgs& args() const { return args_.get() != nullptr ? *args_.get() : kNoArgs; }
  OpGroupArgs& mutable_args() { return args_.get_or_make(); }

 private:
  // A heap value copied with its owner, so OpSpec stays a plain copyable value.
  class BoxedArgs {
   public:
    BoxedArgs() = default;
    BoxedArgs(const BoxedArgs& o) : p_(o.p_ ? std::make_unique<OpGroupArgs>(*o.p_) : nullptr) {}
    BoxedArgs(BoxedArgs&&) noexcept = default;
    BoxedArgs& operator=(const BoxedArgs& o) {
      p_ = o.p_ ? std::make_unique<OpGroupArgs>(*o.p_) : nullptr;
      return *this;
    }
    BoxedArgs& operator=(BoxedArgs&&) noexcept = default;
    ~BoxedArgs() = default;
    const OpGroupArgs* get() const { return p_.get(); }
    OpGroupArgs& get_or_make() {
      if (!p_) p_ = std::make_unique<OpGroupArgs>();
      return *p_;
    }

   private:
    std::unique_ptr<OpGroupArgs> p_;
  };
  static const OpGroupArgs kNoArgs;
  BoxedArgs args_;
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
  // Dependencies as op indices, CSR: op i waits for ops dep_ops[dep_begin[i] .. dep_begin[i+1])
  // in the order the document lists them; dep_begin is empty when no op has any.
  std::vector<std::uint32_t> dep_begin, dep_ops;

  std::span<const std::uint32_t> deps_of(std::size_t i) const {
    if (dep_begin.empty()) return {};
    return {dep_ops.data() + dep_begin[i], dep_begin[i + 1] - dep_begin[i]};
  }
};

// "<job.path>/ops/<i>": op i's JSON path, for errors.
std::string op_path(const JobSpec& job, std::size_t i);

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
