#include "workload/lower_workload.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "core/config_error.hpp"
#include "core/memory_budget.hpp"
#include "workload/dag_executor.hpp"

namespace rocesim::workload {

double busbw_factor(OpType type, std::uint32_t n) {
  if (n == 0) return 0.0;
  const double nn = n;
  switch (type) {
    case OpType::all_reduce: return 2.0 * (nn - 1.0) / nn;
    case OpType::reduce_scatter:
    case OpType::all_gather:
    case OpType::all_to_all: return (nn - 1.0) / nn;
    case OpType::broadcast:
    case OpType::send: return 1.0;
    case OpType::compute: return 0.0;
  }
  return 0.0;
}

namespace {

const std::string kHorizonText = "2^61 ps (26.7 days)";  // kRunHorizon = INT64_MAX/4 ps

// What a run can represent (core/units.hpp kRunHorizon): a rank sending more than `max_rank_bytes`
// (the bytes the slowest NIC moves in the horizon) would finish after it, and byte sums past
// INT64_MAX would wrap every per-op, per-port and conservation total. Both are rejected while
// lowering, with the op's JSON path, so later sums cannot overflow.
struct ByteBudget {
  Rate slowest_nic{};
  std::int64_t max_rank_bytes = INT64_MAX;
  std::int64_t total = 0;
  std::vector<std::int64_t> by_rank;
  std::vector<std::int64_t> delay_by_rank;  // ps of compute per rank
};

// The distinct "start" offsets (ps) of a job's ops, ascending.
std::vector<std::int64_t> start_offsets(const JobSpec& job) {
  std::vector<std::int64_t> offsets;
  for (const OpSpec& op : job.ops) {
    if (op.start) offsets.push_back(op.start->ps);
  }
  std::sort(offsets.begin(), offsets.end());
  offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
  offsets.shrink_to_fit();
  return offsets;
}

class JobLowering {
 public:
  JobLowering(const WorkloadSpec& spec, const JobSpec& job, std::uint32_t job_index, LoweredWorkload& out,
              const std::vector<std::uint32_t>& node_of, const std::vector<std::uint32_t>& rail_of, double nic_bps,
              ByteBudget& budget)
      : spec_(spec), job_(job), job_index_(job_index), out_(out), node_of_(node_of), rail_of_(rail_of),
        nic_bps_(nic_bps), budget_(budget) {}

  void run(std::uint32_t rank_offset) {
    offset_ = rank_offset;
    NodeIndex iteration_start = kNoNode;
    std::vector<NodeIndex> op_end(job_.ops.size(), kNoNode), ends;
    // The job's start and, per iteration, its latest op start offset lie on one chain of delays.
    std::int64_t offsets = job_.start.ps, latest_start = 0;
    for (const OpSpec& op : job_.ops) latest_start = std::max(latest_start, op.start ? op.start->ps : 0);
    // Ops with the same start offset in one iteration share its delay node.
    const std::vector<std::int64_t> offsets_used = start_offsets(job_);
    std::vector<NodeIndex> offset_node;
    for (std::uint32_t it = 0; it < job_.iterations; ++it) {
      if (job_.start > kRunHorizon || latest_start > kRunHorizon.ps ||
          __builtin_add_overflow(offsets, latest_start, &offsets) || offsets > kRunHorizon.ps) {
        throw ConfigError(spec_.file, job_.path + "/start",
                          "the job's start and its ops' start offsets over " + std::to_string(it + 1) +
                              " iterations add up to more than the simulator's horizon of " + kHorizonText);
      }
      iteration_start = it == 0 ? out_.dag.add_delay(job_.start, kNoRank, kNoOp, {}) : out_.dag.add_join(kNoOp, ends);
      ends.clear();
      offset_node.assign(offsets_used.size(), kNoNode);
      for (std::uint32_t i : job_.topo_order) {
        const OpSpec& op = job_.ops[i];
        const auto record = static_cast<std::uint32_t>(out_.ops.size());
        out_.ops.push_back(OpRecord{job_index_, it, i, 0, 0, 0, 0});
        deps_.assign(1, iteration_start);
        if (op.start) {
          const auto k = static_cast<std::size_t>(
              std::lower_bound(offsets_used.begin(), offsets_used.end(), op.start->ps) - offsets_used.begin());
          if (offset_node[k] == kNoNode) offset_node[k] = out_.dag.add_delay(*op.start, kNoRank, kNoOp, {iteration_start});
          deps_[0] = offset_node[k];
        }
        for (std::uint32_t d : job_.deps_of(i)) deps_.push_back(op_end[d]);
        if (op.type == OpType::send && op.args().shift == 0) {
          // A plain send is its one transfer: it waits for what an op-start join would, and ends
          // the op itself (no joins: a flow list of a million sends keeps 1 node per flow).
          check_horizon(op);
          OpRecord& rec = out_.ops[record];
          rec.groups = 1;
          rec.group_size = 2;
          const NodeIndex t = out_.dag.add_transfer(offset_ + op.src, offset_ + op.dst, op.bytes,
                                                    static_cast<std::uint16_t>(op.qp), record, deps_);
          count_bytes(op, out_.dag.node(t));
          rec.transfers = 1;
          rec.wire_bytes = op.bytes.n;
          op_end[i] = t;
          ends.push_back(t);
          continue;
        }
        const NodeIndex start = out_.dag.add_join(record, deps_);
        const std::size_t before = out_.dag.size(), transfers_before = out_.dag.transfer_count();
        done_all_.clear();
        lower_op(op, record, start);
        done_all_.push_back(start);
        op_end[i] = out_.dag.add_join(record, done_all_);
        ends.push_back(op_end[i]);
        OpRecord& rec = out_.ops[record];
        rec.transfers = out_.dag.transfer_count() - transfers_before;
        for (std::size_t v = before; v < out_.dag.size(); ++v) {
          const DagNode n = out_.dag.node(static_cast<NodeIndex>(v));
          if (n.kind == DagNodeKind::transfer) count_bytes(op, n);
          if (n.kind == DagNodeKind::delay) count_delay(op, n);
          if (n.kind == DagNodeKind::transfer) rec.wire_bytes += n.amount;  // ≤ budget_.total: no overflow
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const OpSpec& op, const std::string& key, const std::string& msg) const {
    const auto index = static_cast<std::size_t>(&op - job_.ops.data());
    throw ConfigError(spec_.file, op_path(job_, index) + (key.empty() ? "" : "/" + key), msg);
  }

  // The op's communicators as global ranks.
  const std::vector<std::vector<std::uint32_t>>& communicators(const OpSpec& op) {
    scratch_groups_.clear();
    const OpGroupArgs& a = op.args();
    if (a.ranks) {
      scratch_groups_.push_back(*a.ranks);
    } else {
      auto it = group_cache_.find(a.group);
      if (it == group_cache_.end()) {
        try {
          it = group_cache_.emplace(a.group, parallel_groups(job_.parallelism, a.group)).first;
        } catch (const std::invalid_argument& e) {
          fail(op, "group", e.what());
        }
      }
      scratch_groups_ = it->second;
    }
    for (auto& g : scratch_groups_) {
      for (auto& r : g) r += offset_;
    }
    return scratch_groups_;
  }

  // Adds one transfer to the byte budget; fails naming the op when it would overflow it.
  void count_bytes(const OpSpec& op, const DagNode& n) {
    std::int64_t& sent = budget_.by_rank[n.src];
    if (__builtin_add_overflow(budget_.total, n.amount, &budget_.total)) {
      fail(op, "", "the workload's transfers add up to more than 2^63-1 bytes (9.2e18), which no counter can hold");
    }
    sent += n.amount;  // ≤ total
    if (sent > budget_.max_rank_bytes) {
      fail(op, op.type == OpType::compute ? "" : "bytes",
           "rank " + std::to_string(n.src) + " would send " + std::to_string(sent) + " B in total; at the slowest NIC (" +
               to_string(budget_.slowest_nic) + ") that takes longer than the simulator's horizon of " +
               kHorizonText + " (at most " + std::to_string(budget_.max_rank_bytes) + " B per rank)");
    }
  }

  // Delays on one rank (compute) run one after another, and op start offsets of a job add up
  // over its iterations: each sum must stay within the horizon for the clock not to wrap.
  void count_delay(const OpSpec& op, const DagNode& n) {
    if (n.src == kNoRank) return;  // joins: zero length
    std::int64_t& sum = budget_.delay_by_rank[n.src];
    sum += n.amount;  // both terms ≤ kRunHorizon = INT64_MAX/4: no overflow
    if (sum > kRunHorizon.ps) {
      fail(op, "duration", "the compute of rank " + std::to_string(n.src) +
                               " adds up to more than the simulator's horizon of " + kHorizonText);
    }
  }

  // Inputs whose times cannot be simulated, before lowering them (the per-transfer sums above
  // catch what this cannot see).
  void check_horizon(const OpSpec& op) {
    if (op.type == OpType::compute && op.duration > kRunHorizon) {
      fail(op, "duration", "duration " + to_string(op.duration) + " exceeds the simulator's horizon of " + kHorizonText);
    }
    if (op.start && *op.start > kRunHorizon) {
      fail(op, "start", "start " + to_string(*op.start) + " exceeds the simulator's horizon of " + kHorizonText);
    }
    if (op.type != OpType::compute && op.bytes.n > budget_.max_rank_bytes) {
      fail(op, "bytes", std::to_string(op.bytes.n) + " B at the slowest NIC (" + to_string(budget_.slowest_nic) +
                            ") take longer than the simulator's horizon of " + kHorizonText + " (at most " +
                            std::to_string(budget_.max_rank_bytes) + " B)");
    }
  }

  void lower_op(const OpSpec& op, std::uint32_t record, NodeIndex start) {
    check_horizon(op);
    OpRecord& rec = out_.ops[record];
    if (op.type == OpType::compute) {
      std::vector<std::uint32_t> ranks;
      if (op.args().ranks) {
        ranks = *op.args().ranks;
      } else {
        for (std::uint32_t r = 0; r < job_.world_size; ++r) ranks.push_back(r);
      }
      rec.groups = 1;
      rec.group_size = static_cast<std::uint32_t>(ranks.size());
      for (std::uint32_t r : ranks) done_all_.push_back(out_.dag.add_delay(op.duration, offset_ + r, record, {start}));
      return;
    }
    const OpGroupArgs& a = op.args();
    const auto& groups = communicators(op);
    rec.groups = static_cast<std::uint32_t>(groups.size());
    rec.group_size = groups.empty() ? 0 : static_cast<std::uint32_t>(groups[0].size());
    if (op.type == OpType::send) {
      // Pipeline-parallel style: member i of every group sends to member i + shift (no wrap).
      for (const auto& g : groups) {
        const auto n = static_cast<std::int64_t>(g.size());
        for (std::int64_t i = 0; i < n; ++i) {
          const std::int64_t j = i + a.shift;
          if (j < 0 || j >= n) continue;
          done_all_.push_back(out_.dag.add_transfer(g[static_cast<std::size_t>(i)], g[static_cast<std::size_t>(j)], op.bytes,
                                                    static_cast<std::uint16_t>(op.qp), record, {start}));
        }
      }
      return;
    }
    CollectiveArgs args{op.bytes, a.channels, a.chunks, a.max_concurrent, a.root, record};
    args.p2p_channels = a.p2p_channels;
    args.channels_per_peer = a.channels_per_peer;
    args.qps_per_connection = a.qps_per_connection;
    args.pxn = a.pxn;
    args.rings = a.rings;
    const Locality loc{node_of_, rail_of_, nic_bps_};
    if (op.algorithm == Algorithm::ring && !groups.empty() && !groups[0].empty()) {
      // Ring: every rank sends C channels × K chunks per step, 2(n−1) steps (all-reduce) or n−1.
      const std::uint64_t n = groups[0].size(), steps = op.type == OpType::all_reduce ? 2 * (n - 1) : n - 1;
      const long double transfers = static_cast<long double>(groups.size()) * n * steps * a.channels * a.chunks * a.rings;
      // About one node and two edges per transfer; clamped so the product cannot overflow.
      const auto clamp = [](long double x) {
        return static_cast<std::uint64_t>(std::min<long double>(x, static_cast<long double>(UINT64_MAX / 64)));
      };
      TransferDag::check_growth(clamp(out_.dag.size() + transfers), clamp(out_.dag.edge_count() + 2 * transfers), 0);
    }
    for (const auto& g : groups) {
      if (op.type == OpType::broadcast && a.root >= g.size()) {
        fail(op, "root", "root " + std::to_string(a.root) + " is outside the group of " + std::to_string(g.size()) +
                             " ranks (root is a position in the communicator)");
      }
      ready_.assign(g.size(), start);
      try {
        lower_collective(out_.dag, collective_kind(op.type), op.algorithm, g, args, loc, ready_, done_);
      } catch (const LoweringError& e) {
        fail(op, "algorithm", std::string(e.what()) + " (op \"" + op.id + "\", group of " + std::to_string(g.size()) +
                                  " ranks starting at job rank " + std::to_string(g.empty() ? 0 : g[0] - offset_) + ")");
      } catch (const std::length_error& e) {
        fail(op, "", std::string("workload too large: ") + e.what());
      }
      done_all_.insert(done_all_.end(), done_.begin(), done_.end());
    }
  }

  const WorkloadSpec& spec_;
  const JobSpec& job_;
  std::uint32_t job_index_;
  LoweredWorkload& out_;
  const std::vector<std::uint32_t>& node_of_;
  const std::vector<std::uint32_t>& rail_of_;
  double nic_bps_;
  ByteBudget& budget_;
  std::uint32_t offset_ = 0;
  std::map<std::string, std::vector<std::vector<std::uint32_t>>> group_cache_;
  std::vector<std::vector<std::uint32_t>> scratch_groups_;
  std::vector<NodeIndex> ready_, done_, done_all_, deps_;
};

}  // namespace

LoweredWorkload lower_workload(const WorkloadSpec& spec, const topology::Fabric& fabric) {
  ActivityScope activity("lowering the workload of " + spec.file);
  LoweredWorkload out;
  std::vector<bool> used(fabric.endpoints(), false);
  for (std::uint32_t j = 0; j < spec.jobs.size(); ++j) {
    const JobSpec& job = spec.jobs[j];
    std::vector<std::uint32_t> endpoints;
    try {
      endpoints = place(job.placement, job.world_size, used);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(spec.file, job.path + "/placement",
                        std::string(e.what()) + " (job \"" + job.name + "\", placement " +
                            to_string(job.placement.kind) + ")");
    }
    for (std::uint32_t e : endpoints) used[e] = true;
    out.jobs.push_back(JobRecord{static_cast<std::uint32_t>(out.rank_endpoint.size()), job.world_size});
    out.rank_endpoint.insert(out.rank_endpoint.end(), endpoints.begin(), endpoints.end());
  }
  // The packed DAG node's limits (workload/transfer_dag.hpp), named before anything is lowered.
  if (out.rank_endpoint.size() >= kMaxDagRanks) {
    throw ConfigError(spec.file, "/jobs", "the jobs have " + std::to_string(out.rank_endpoint.size()) +
                                              " ranks in total; a lowered workload holds at most " +
                                              std::to_string(kMaxDagRanks - 1));
  }
  // Scale-up node of each rank: its scale-up domain, else its server, else itself.
  std::vector<std::uint32_t> node_of, rail_of;
  node_of.reserve(out.rank_endpoint.size());
  rail_of.reserve(out.rank_endpoint.size());
  for (std::uint32_t e : out.rank_endpoint) {
    const topology::Node& n = fabric.node(e);
    node_of.push_back(n.scale_up_domain != topology::kNone ? n.scale_up_domain
                      : n.server != topology::kNone        ? kServerNodeTag | n.server
                                                           : kSelfNodeTag | e);
    rail_of.push_back(n.local_index);
  }
  // Network bandwidth the p2p planner sizes channels with: the first rank's NIC ports together.
  double nic_bps = 0.0;
  if (!out.rank_endpoint.empty()) {
    for (const topology::Port& port : fabric.ports_of(out.rank_endpoint[0])) {
      const topology::Link& link = fabric.link(port.link);
      if (link.kind == topology::LinkKind::nic) nic_bps += static_cast<double>(link.rate.bps);
    }
  }
  ByteBudget budget;
  budget.by_rank.assign(out.rank_endpoint.size(), 0);
  budget.delay_by_rank.assign(out.rank_endpoint.size(), 0);
  for (std::uint32_t e : out.rank_endpoint) {
    for (const topology::Port& port : fabric.ports_of(e)) {
      const topology::Link& link = fabric.link(port.link);
      if (link.kind != topology::LinkKind::nic) continue;
      if (budget.slowest_nic.bps == 0 || link.rate < budget.slowest_nic) budget.slowest_nic = link.rate;
    }
  }
  if (budget.slowest_nic.bps > 0) {
    const unsigned __int128 b =
        static_cast<unsigned __int128>(kRunHorizon.ps) * budget.slowest_nic.bps / (8u * 1000000000000ULL);
    budget.max_rank_bytes = b > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(b);
  }
  // Exact sizes up front where they are known (every op a plain send: a flow list), so no array
  // doubles at the peak: one record per op and iteration; per iteration a start node, one delay
  // per distinct start offset and one transfer per op, with ≤ 1 + its deps edges each.
  std::size_t records = 0, nodes = 0, edges = 0;
  bool plain = true;
  for (const JobSpec& job : spec.jobs) {
    records += job.ops.size() * job.iterations;
    for (const OpSpec& op : job.ops) plain = plain && op.type == OpType::send && op.args().shift == 0;
    if (!plain) continue;
    const std::size_t starts = start_offsets(job).size();
    nodes += (1 + starts + job.ops.size()) * job.iterations;
    edges += (starts + job.ops.size() + job.dep_ops.size()) * job.iterations + job.ops.size() * (job.iterations - 1);
  }
  if (records >= kMaxDagOpRecords) {
    throw ConfigError(spec.file, "/jobs", "the jobs have " + std::to_string(records) +
                                              " ops over all iterations; a lowered workload holds at most " +
                                              std::to_string(kMaxDagOpRecords - 1));
  }
  out.ops.reserve(records);
  if (plain) out.dag.reserve(nodes, edges);
  for (std::uint32_t j = 0; j < spec.jobs.size(); ++j) {
    const std::size_t first = out.dag.size();
    JobLowering(spec, spec.jobs[j], j, out, node_of, rail_of, nic_bps, budget).run(out.jobs[j].rank_offset);
    if (spec.jobs[j].traffic_class != 0) out.dag.set_traffic_class(first, out.dag.size(), spec.jobs[j].traffic_class);
  }
  out.dag.finalize();
  return out;
}

}  // namespace rocesim::workload
