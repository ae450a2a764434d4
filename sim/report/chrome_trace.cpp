#include "report/chrome_trace.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "report/csv_writers.hpp"
#include "topology/failures.hpp"

namespace rocesim::report {
namespace {

using workload::NodeIndex;
constexpr std::uint32_t kNoOp = UINT32_MAX;  // workload::kNoOp (dag_executor.hpp): node of no op

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::uint64_t key(std::uint32_t op, std::uint32_t rank) { return (static_cast<std::uint64_t>(op) << 32) | rank; }

// (op, global rank) pairs taking part in each op, sorted.
std::vector<std::uint64_t> op_ranks(const workload::LoweredWorkload& lw) {
  std::vector<std::uint64_t> keys;
  keys.reserve(2 * lw.dag.transfer_count() + (lw.dag.size() - lw.dag.transfer_count()));  // at most 2 per node
  std::vector<std::uint32_t> last_op(lw.rank_endpoint.size(), kNoOp);  // skips runs of one op
  const auto add = [&](std::uint32_t op, std::uint32_t rank) {
    if (rank >= last_op.size() || last_op[rank] == op) return;
    last_op[rank] = op;
    keys.push_back(key(op, rank));
  };
  for (std::size_t v = 0; v < lw.dag.size(); ++v) {
    const workload::DagNode& n = lw.dag.node(static_cast<NodeIndex>(v));
    if (n.op == kNoOp) continue;
    if (n.kind == workload::DagNodeKind::transfer) {
      add(n.op, n.src);
      add(n.op, n.dst);
    } else if (n.src != workload::kNoRank) {
      add(n.op, n.src);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

class RankOfEndpoint {
 public:
  explicit RankOfEndpoint(const workload::LoweredWorkload& lw) : lw_(lw) {
    for (std::uint32_t r = 0; r < lw.rank_endpoint.size(); ++r) pairs_.emplace_back(lw.rank_endpoint[r], r);
    std::sort(pairs_.begin(), pairs_.end());
  }
  // The global rank of `job` placed on endpoint e, or kNoRank.
  std::uint32_t find(std::uint32_t job, std::uint32_t e) const {
    const workload::JobRecord& j = lw_.jobs[job];
    for (auto it = std::lower_bound(pairs_.begin(), pairs_.end(), std::make_pair(e, 0u));
         it != pairs_.end() && it->first == e; ++it) {
      if (it->second >= j.rank_offset && it->second < j.rank_offset + j.world_size) return it->second;
    }
    return workload::kNoRank;
  }

 private:
  const workload::LoweredWorkload& lw_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs_;
};

// Greedy interval partitioning of one rank's slices into lanes (tracks) in which slices never
// overlap: a slice goes to the first lane whose last slice has ended by its start. Slices must be
// offered in start order. Touching slices (end == next start) share a lane.
// The lanes' last ends sit in a min-tree (leaves = lanes, unused leaves Time::max()), so the first
// free lane is found in O(log lanes): a rank of a flow list can have thousands of lanes.
class Lanes {
 public:
  std::uint32_t place(Time start, Time end) {
    if (count_ == 0 || tree_[1] > start) {  // no lane is free: open one
      if (count_ == cap_) grow();
      set(count_, end);
      return count_++;
    }
    std::size_t node = 1;
    while (node < cap_) node = tree_[2 * node] <= start ? 2 * node : 2 * node + 1;
    const auto lane = static_cast<std::uint32_t>(node - cap_);
    set(lane, end);
    return lane;
  }
  std::uint32_t count() const { return count_; }

 private:
  void set(std::size_t lane, Time end) {
    std::size_t node = cap_ + lane;
    tree_[node] = end;
    for (node /= 2; node >= 1; node /= 2) tree_[node] = std::min(tree_[2 * node], tree_[2 * node + 1]);
  }
  void grow() {
    const std::size_t cap = cap_ == 0 ? 1 : 2 * cap_;
    std::vector<Time> tree(2 * cap, Time::max());
    for (std::size_t k = 0; k < count_; ++k) tree[cap + k] = tree_[cap_ + k];
    for (std::size_t node = cap - 1; node >= 1; --node) tree[node] = std::min(tree[2 * node], tree[2 * node + 1]);
    tree_.swap(tree);
    cap_ = cap;
  }
  std::vector<Time> tree_;  // [1, 2·cap_): node n's children are 2n and 2n+1; leaves from cap_
  std::size_t cap_ = 0;
  std::uint32_t count_ = 0;
};

// Track ids: rank r of a job of n ranks, op lane k → tid r + n·2k; transfer lane k → r + n·(2k+1).
// Lane 0 of the ops is tid r, as before lanes existed.
std::uint32_t lane_tid(std::uint32_t rank, std::uint32_t world, std::uint32_t lane, bool transfers) {
  return rank + world * (2 * lane + (transfers ? 1 : 0));
}

// The middle of a complete ("X") event, after its name and category: ph, pid, tid, ts, dur and
// the opening of "args" (the caller appends the args and "}}"). Appended piece by piece: one event
// per transfer, so no temporary strings.
void complete_event_times(std::string& out, std::uint32_t pid, std::uint32_t tid, Time start, Time end) {
  out += ",\"ph\":\"X\",\"pid\":";
  append_uint(out, pid);
  out += ",\"tid\":";
  append_uint(out, tid);
  out += ",\"ts\":";
  append_us(out, start);
  out += ",\"dur\":";
  append_us(out, end - start);
  out += ",\"args\":{";
}

}  // namespace

std::string chrome_trace_json(const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lw,
                              const observe::RunRecord& rec, std::size_t max_transfer_events) {
  std::ostringstream os;
  write_chrome_trace(os, spec, lw, rec, max_transfer_events);
  return os.str();
}

void write_chrome_trace(std::ostream& os, const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lw,
                        const observe::RunRecord& rec, std::size_t max_transfer_events, const topology::Fabric* fabric) {
  // Text goes out in pieces of about kFlushBytes, so a trace of millions of slices never sits in
  // memory whole.
  constexpr std::size_t kFlushBytes = 1 << 20;
  std::string out = "{\"traceEvents\": [\n";
  const auto flush_if_full = [&] {
    if (out.size() >= kFlushBytes) {
      os << out;
      out.clear();
    }
  };
  bool first = true;
  // Metadata too is flushed as it goes: a flow list's ranks can have thousands of lanes each.
  const auto meta = [&](const char* what, std::uint32_t pid, std::uint32_t tid, const std::string& name) {
    flush_if_full();
    out += first ? "" : ",\n";
    first = false;
    out += std::string("{\"name\":\"") + what + "\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
           ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"name\":" + json_string(name) + "}}";
  };
  const auto sort_index = [&](std::uint32_t pid, std::uint32_t tid, std::uint32_t rank, std::uint32_t k) {
    flush_if_full();
    out += ",\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
           ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"sort_index\":" +
           std::to_string(static_cast<std::uint64_t>(rank) * 1'000'000 + k) + "}}";
  };
  for (std::uint32_t j = 0; j < lw.jobs.size(); ++j) {
    meta("process_name", j, 0, spec.jobs[j].name);
    for (std::uint32_t r = 0; r < lw.jobs[j].world_size; ++r) {
      meta("thread_name", j, r,
           "rank " + std::to_string(r) + " (acc" + std::to_string(lw.rank_endpoint[lw.jobs[j].rank_offset + r]) + ")");
    }
  }
  if (first) out += "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"tid\":0,\"args\":{\"name\":\"(no jobs)\"}}";

  // Op slices: one per (op, rank) pair, in key order; a collective's span on the rank is
  // accumulated into its slice from the recorded transfers (start Time::max() = none yet).
  struct Slice {
    Time start, end;
    std::uint32_t op, rank;  // global rank
    std::uint32_t transfer;  // index into rec.transfers, or kSpan for an op span
    std::uint32_t lane = 0;
  };
  static_assert(sizeof(Slice) == 32);
  constexpr std::uint32_t kSpan = UINT32_MAX;
  std::vector<Slice> slices;
  const RankOfEndpoint rank_of(lw);
  const bool transfer_events = rec.transfers_recorded && rec.transfers.size() <= max_transfer_events;
  {
    std::vector<std::uint64_t> keys = op_ranks(lw);
    slices.reserve(keys.size() + (transfer_events ? rec.transfers.size() : 0));
    for (const std::uint64_t k : keys) {
      slices.push_back(Slice{Time::max(), Time{}, static_cast<std::uint32_t>(k >> 32),
                             static_cast<std::uint32_t>(k & 0xffffffffu), kSpan});
    }
    if (rec.transfers_recorded) {
      for (const observe::TransferRecord& t : rec.transfers) {
        if (t.op == observe::kNoOpIndex || t.end == Time::max()) continue;
        const std::uint32_t job = lw.ops[t.op].job;
        for (const std::uint32_t e : {t.src, t.dst}) {
          const std::uint64_t k = key(t.op, rank_of.find(job, e));
          const auto it = std::lower_bound(keys.begin(), keys.end(), k);
          if (it == keys.end() || *it != k) continue;
          Slice& sl = slices[static_cast<std::size_t>(it - keys.begin())];
          sl.start = std::min(sl.start, t.start);
          sl.end = std::max(sl.end, t.end);
        }
      }
    }
  }  // keys freed
  // A pair no transfer spanned shows the op's span; pairs of ops that never ended are left out.
  std::size_t kept = 0;
  for (Slice& sl : slices) {
    if (sl.start == Time::max()) {
      sl.start = rec.op_start[sl.op];
      sl.end = rec.op_end[sl.op];
    }
    if (sl.start == Time::max() || sl.end == Time::max()) continue;  // the op never ran to its end
    slices[kept++] = sl;
  }
  slices.resize(kept);
  std::string note;
  if (!rec.transfers_recorded) {
    note = "transfers not recorded";
  } else if (!transfer_events) {
    note = std::to_string(rec.transfers.size()) + " transfers exceed " + std::to_string(max_transfer_events) +
           ": transfer events left out";
  } else {
    for (std::size_t i = 0; i < rec.transfers.size(); ++i) {
      const observe::TransferRecord& t = rec.transfers[i];
      if (t.op == observe::kNoOpIndex || t.end == Time::max()) continue;
      const std::uint32_t job = lw.ops[t.op].job;
      const std::uint32_t src = rank_of.find(job, t.src), dst = rank_of.find(job, t.dst);
      if (src == workload::kNoRank || dst == workload::kNoRank) continue;
      slices.push_back(Slice{t.start, t.end, t.op, src, static_cast<std::uint32_t>(i)});
    }
  }
  // By start; ties: op spans by (op, rank) before transfers by index — the order they were
  // appended in, as a stable sort would keep it, without a stable sort's buffer.
  std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.transfer != b.transfer) return a.transfer == kSpan || (b.transfer != kSpan && a.transfer < b.transfer);
    return a.op != b.op ? a.op < b.op : a.rank < b.rank;
  });
  std::vector<Lanes> op_lanes(lw.rank_endpoint.size()), transfer_lanes(lw.rank_endpoint.size());
  for (Slice& sl : slices) sl.lane = (sl.transfer == kSpan ? op_lanes : transfer_lanes)[sl.rank].place(sl.start, sl.end);
  // Names of the extra lanes (lane 0 of the ops is the rank's own track, named above).
  for (std::uint32_t j = 0; j < lw.jobs.size(); ++j) {
    const std::uint32_t off = lw.jobs[j].rank_offset, n = lw.jobs[j].world_size;
    for (std::uint32_t r = 0; r < n; ++r) {
      for (std::uint32_t k = 0; k < op_lanes[off + r].count() || k < transfer_lanes[off + r].count(); ++k) {
        if (k > 0 && k < op_lanes[off + r].count()) {
          meta("thread_name", j, lane_tid(r, n, k, false), "rank " + std::to_string(r) + " ops " + std::to_string(k));
        }
        if (k < transfer_lanes[off + r].count()) {
          meta("thread_name", j, lane_tid(r, n, k, true), "rank " + std::to_string(r) + " transfers " + std::to_string(k));
        }
      }
    }
  }
  // Perfetto orders tracks by sort index: a rank's lanes stay together, ops above transfers.
  for (std::uint32_t j = 0; j < lw.jobs.size(); ++j) {
    const std::uint32_t off = lw.jobs[j].rank_offset, n = lw.jobs[j].world_size;
    for (std::uint32_t r = 0; r < n; ++r) {
      const std::uint32_t ops_n = std::max<std::uint32_t>(1, op_lanes[off + r].count());
      for (std::uint32_t k = 0; k < ops_n; ++k) sort_index(j, lane_tid(r, n, k, false), r, k);
      for (std::uint32_t k = 0; k < transfer_lanes[off + r].count(); ++k) sort_index(j, lane_tid(r, n, k, true), r, ops_n + k);
    }
  }
  for (std::size_t k = 0; k < slices.size(); ++k) {
    flush_if_full();
    const Slice& sl = slices[k];
    const workload::OpRecord& o = lw.ops[sl.op];
    const std::uint32_t off = lw.jobs[o.job].rank_offset, n = lw.jobs[o.job].world_size;
    if (sl.transfer == kSpan) {
      const workload::OpSpec& os = spec.jobs[o.job].ops[o.spec_index];
      out += ",\n{\"name\":";
      append_json_string(out, os.id);
      out += ",\"cat\":";
      append_json_string(out, to_string(os.type));
      complete_event_times(out, o.job, lane_tid(sl.rank - off, n, sl.lane, false), sl.start, sl.end);
      out += "\"op\":";
      append_uint(out, sl.op);
      out += ",\"iteration\":";
      append_uint(out, o.iteration);
      if (workload::is_collective(os.type)) {
        out += ",\"algorithm\":";
        append_json_string(out, to_string(os.algorithm));
      }
      out += "}}";
    } else {
      const observe::TransferRecord& t = rec.transfers[sl.transfer];
      const std::uint32_t dst = rank_of.find(o.job, t.dst);
      out += ",\n{\"name\":\"to rank ";
      append_uint(out, dst - off);
      out += "\",\"cat\":\"transfer\"";
      complete_event_times(out, o.job, lane_tid(sl.rank - off, n, sl.lane, true), t.start, t.end);
      out += "\"bytes\":";
      append_int(out, t.bytes);
      out += ",\"op\":";
      append_uint(out, t.op);
      out += ",\"flow_label\":";
      append_uint(out, t.flow_label);
      out += "}}";
    }
  }
  // Counter tracks of the sampled ports (or tiers): one process after the jobs, "fabric".
  const observe::TimeSeries& ts = rec.series;
  if (!ts.at.empty() && (ts.series() > 0 || !ts.tier_names.empty())) {
    const auto fabric_pid = static_cast<std::uint32_t>(lw.jobs.size());
    // A counter event of track `name` (a JSON string) at `from`, up to the opening of its args.
    const auto counter_head = [&](const std::string& name, Time from) {
      out += ",\n{\"name\":";
      out += name;
      out += ",\"ph\":\"C\",\"pid\":";
      append_uint(out, fabric_pid);
      out += ",\"tid\":0,\"ts\":";
      append_us(out, from);
      out += ",\"args\":{";
    };
    meta("process_name", fabric_pid, 0, "fabric (sampled links)");
    std::vector<std::string> names(ts.series());
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (ts.ports.empty()) {
        names[k] = json_string(ts.tiers[k]);
      } else {
        const topology::PortId p = ts.ports[k];
        names[k] = json_string(fabric != nullptr ? "port " + std::to_string(p) + " " + topology::node_name(*fabric, fabric->port(p).node) +
                                                       "->" + topology::node_name(*fabric, fabric->port(p).peer)
                                                 : "port " + std::to_string(p));
      }
    }
    const bool queues = !ts.queue_bytes.empty();
    // A sample is the mean over the interval that ends at it: the counter holds it from the
    // interval's start.
    for (std::size_t i = 0; i < ts.at.size(); ++i) {
      flush_if_full();
      const Time from = i == 0 ? Time{} : ts.at[i - 1];
      for (std::size_t k = 0; k < names.size(); ++k) {
        counter_head(names[k], from);
        out += "\"utilization\":";
        append_real(out, ts.utilization[i * names.size() + k]);
        if (queues) {
          out += ",\"queue_bytes\":";
          append_int(out, ts.queue_bytes[i * names.size() + k]);
        }
        out += "}}";
      }
    }
    // Per-tier counters (tier_series.csv): where the fabric was hot, tier by tier.
    const std::size_t tiers = ts.tier_names.size();
    std::vector<std::string> tier_track(tiers);
    for (std::size_t k = 0; k < tiers; ++k) tier_track[k] = json_string("tier " + ts.tier_names[k]);
    for (std::size_t i = 0; i < ts.at.size() && tiers > 0; ++i) {
      flush_if_full();
      const Time from = i == 0 ? Time{} : ts.at[i - 1];
      for (std::size_t k = 0; k < tiers; ++k) {
        const std::size_t j = i * tiers + k;
        counter_head(tier_track[k], from);
        out += "\"mean_utilization\":";
        append_real(out, ts.tier_mean_utilization[j]);
        if (!ts.tier_max_utilization.empty()) {
          out += ",\"max_utilization\":";
          append_real(out, ts.tier_max_utilization[j]);
        }
        if (!ts.tier_queue_bytes.empty()) {
          out += ",\"queued_bytes\":";
          append_int(out, ts.tier_queue_bytes[j]);
        }
        out += "}}";
      }
    }
  }
  out += "\n],\n\"displayTimeUnit\": \"ns\",\n\"otherData\": {\"backend\":" + json_string(rec.backend);
  if (!note.empty()) out += ",\"note\":" + json_string(note);
  out += "}}\n";
  os << out;
}

}  // namespace rocesim::report
