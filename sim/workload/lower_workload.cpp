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

class JobLowering {
 public:
  JobLowering(const WorkloadSpec& spec, const JobSpec& job, std::uint32_t job_index, LoweredWorkload& out,
              const std::vector<std::uint32_t>& node_of, const std::vector<std::uint32_t>& rail_of, double nic_bps,
              ByteBudget& budget)
      : spec_(spec), job_(job), job_index_(job_index), out_(out), node_of_(node_of), rail_of_(rail_of),
        nic_bps_(nic_bps), budget_(budget) {}

  void run(std::uint32_t rank_offset) {
    offset_ = rank_offset;
    for (std::uint32_t k = 0; k < job_.ops.size(); ++k) op_index_.emplace(job_.ops[k].id, k);
    NodeIndex iteration_start = kNoNode;
    std::vector<NodeIndex> op_end(job_.ops.size(), kNoNode), ends;
    // The job's start and, per iteration, its latest op start offset lie on one chain of delays.
    std::int64_t offsets = job_.start.ps, latest_start = 0;
    for (const OpSpec& op : job_.ops) latest_start = std::max(latest_start, op.start ? op.start->ps : 0);
    for (std::uint32_t it = 0; it < job_.iterations; ++it) {
      if (job_.start > kRunHorizon || latest_start > kRunHorizon.ps ||
          __builtin_add_overflow(offsets, latest_start, &offsets) || offsets > kRunHorizon.ps) {
        throw ConfigError(spec_.file, job_.path + "/start",
                          "the job's start and its ops' start offsets over " + std::to_string(it + 1) +
                              " iterations add up to more than the simulator's horizon of " + kHorizonText);
      }
      iteration_start = it == 0 ? out_.dag.add_delay(job_.start, kNoRank, kNoOp, {}) : out_.dag.add_join(kNoOp, ends);
      ends.clear();
      for (std::uint32_t i : job_.topo_order) {
        const OpSpec& op = job_.ops[i];
        const auto record = static_cast<std::uint32_t>(out_.ops.size());
        out_.ops.push_back(OpRecord{job_index_, it, i, 0, 0, 0, 0});
        std::vector<NodeIndex> deps{iteration_start};
        if (op.start) deps[0] = out_.dag.add_delay(*op.start, kNoRank, kNoOp, {iteration_start});
        for (const std::string& d : op.deps) deps.push_back(op_end[op_index_.at(d)]);
        const NodeIndex start = out_.dag.add_join(record, deps);
        const std::size_t before = out_.dag.size(), transfers_before = out_.dag.transfer_count();
        done_all_.clear();
        lower_op(op, record, start);
        done_all_.push_back(start);
        op_end[i] = out_.dag.add_join(record, done_all_);
        ends.push_back(op_end[i]);
        OpRecord& rec = out_.ops[record];
        rec.transfers = out_.dag.transfer_count() - transfers_before;
        for (std::size_t v = before; v < out_.dag.size(); ++v) {
          const DagNode& n = out_.dag.node(static_cast<NodeIndex>(v));
          if (n.kind == DagNodeKind::transfer) count_bytes(op, n);
          if (n.kind == DagNodeKind::delay) count_delay(op, n);
          if (n.kind == DagNodeKind::transfer) rec.wire_bytes += n.amount;  // ≤ budget_.total: no overflow
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const OpSpec& op, const std::string& key, const std::string& msg) const {
    throw ConfigError(spec_.file, op.path + (key.empty() ? "" : "/" + key), msg);
  }

  // The op's communicators as global ranks.
  const std::vector<std::vector<std::uint32_t>>& communicators(const OpSpec& op) {
    scratch_groups_.clear();
    if (op.ranks) {
      scratch_groups_.push_back(*op.ranks);
    } else {
      auto it = group_cache_.find(op.group);
      if (it == group_cache_.end()) {
        try {
          it = group_cache_.emplace(op.group, parallel_groups(job_.parallelism, op.group)).first;
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
      if (op.ranks) {
        ranks = *op.ranks;
      } else {
        for (std::uint32_t r = 0; r < job_.world_size; ++r) ranks.push_back(r);
      }
      rec.groups = 1;
      rec.group_size = static_cast<std::uint32_t>(ranks.size());
      for (std::uint32_t r : ranks) done_all_.push_back(out_.dag.add_delay(op.duration, offset_ + r, record, {start}));
      return;
    }
    if (op.type == OpType::send && op.shift == 0) {
      rec.groups = 1;
      rec.group_size = 2;
      done_all_.push_back(out_.dag.add_transfer(offset_ + op.src, offset_ + op.dst, op.bytes,
                                                static_cast<std::uint16_t>(op.qp), record, {start}));
      return;
    }
    const auto& groups = communicators(op);
    rec.groups = static_cast<std::uint32_t>(groups.size());
    rec.group_size = groups.empty() ? 0 : static_cast<std::uint32_t>(groups[0].size());
    if (op.type == OpType::send) {
      // Pipeline-parallel style: member i of every group sends to member i + shift (no wrap).
      for (const auto& g : groups) {
        const auto n = static_cast<std::int64_t>(g.size());
        for (std::int64_t i = 0; i < n; ++i) {
          const std::int64_t j = i + op.shift;
          if (j < 0 || j >= n) continue;
          done_all_.push_back(out_.dag.add_transfer(g[static_cast<std::size_t>(i)], g[static_cast<std::size_t>(j)], op.bytes,
                                                    static_cast<std::uint16_t>(op.qp), record, {start}));
        }
      }
      return;
    }
    CollectiveArgs args{op.bytes, op.channels, op.chunks, op.max_concurrent, op.root, record};
    args.p2p_channels = op.p2p_channels;
    args.channels_per_peer = op.channels_per_peer;
    args.qps_per_connection = op.qps_per_connection;
    args.pxn = op.pxn;
    args.rings = op.rings;
    const Locality loc{node_of_, rail_of_, nic_bps_};
    if (op.algorithm == Algorithm::ring && !groups.empty() && !groups[0].empty()) {
      // Ring: every rank sends C channels × K chunks per step, 2(n−1) steps (all-reduce) or n−1.
      const std::uint64_t n = groups[0].size(), steps = op.type == OpType::all_reduce ? 2 * (n - 1) : n - 1;
      const long double transfers = static_cast<long double>(groups.size()) * n * steps * op.channels * op.chunks * op.rings;
      TransferDag::check_growth(static_cast<std::size_t>(std::min<long double>(
          out_.dag.size() + transfers, static_cast<long double>(SIZE_MAX / TransferDag::kBytesPerNode))));
    }
    for (const auto& g : groups) {
      if (op.type == OpType::broadcast && op.root >= g.size()) {
        fail(op, "root", "root " + std::to_string(op.root) + " is outside the group of " + std::to_string(g.size()) +
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
  std::map<std::string, std::uint32_t> op_index_;  // ids are unique and deps resolved by parse_workload
  std::map<std::string, std::vector<std::vector<std::uint32_t>>> group_cache_;
  std::vector<std::vector<std::uint32_t>> scratch_groups_;
  std::vector<NodeIndex> ready_, done_, done_all_;
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
  for (std::uint32_t j = 0; j < spec.jobs.size(); ++j) {
    const std::size_t first = out.dag.size();
    JobLowering(spec, spec.jobs[j], j, out, node_of, rail_of, nic_bps, budget).run(out.jobs[j].rank_offset);
    if (spec.jobs[j].traffic_class != 0) out.dag.set_traffic_class(first, out.dag.size(), spec.jobs[j].traffic_class);
  }
  out.dag.finalize();
  return out;
}

}  // namespace rocesim::workload
