#include "report/chrome_trace.hpp"

#include <algorithm>
#include <cstdio>

#include "report/csv_writers.hpp"

namespace rocesim::report {
namespace {

using workload::NodeIndex;
constexpr std::uint32_t kNoOp = UINT32_MAX;  // workload::kNoOp (dag_executor.hpp): node of no op

std::string json_string(const std::string& s) {
  std::string out = "\"";
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
  return out + '"';
}

std::uint64_t key(std::uint32_t op, std::uint32_t rank) { return (static_cast<std::uint64_t>(op) << 32) | rank; }

// (op, global rank) pairs taking part in each op, sorted.
std::vector<std::uint64_t> op_ranks(const workload::LoweredWorkload& lw) {
  std::vector<std::uint64_t> keys;
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

void complete_event(std::string& out, const std::string& name, const std::string& cat, std::uint32_t pid,
                    std::uint32_t tid, Time start, Time end, const std::string& args) {
  out += ",\n{\"name\":" + name + ",\"cat\":" + cat + ",\"ph\":\"X\",\"pid\":" + std::to_string(pid) +
         ",\"tid\":" + std::to_string(tid) + ",\"ts\":" + format_us(start) + ",\"dur\":" + format_us(end - start) +
         ",\"args\":{" + args + "}}";
}

}  // namespace

std::string chrome_trace_json(const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lw,
                              const observe::RunRecord& rec, std::size_t max_transfer_events) {
  std::string out = "{\"traceEvents\": [\n";
  bool first = true;
  const auto meta = [&](const char* what, std::uint32_t pid, std::uint32_t tid, const std::string& name) {
    out += first ? "" : ",\n";
    first = false;
    out += std::string("{\"name\":\"") + what + "\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
           ",\"tid\":" + std::to_string(tid) + ",\"args\":{\"name\":" + json_string(name) + "}}";
  };
  for (std::uint32_t j = 0; j < lw.jobs.size(); ++j) {
    meta("process_name", j, 0, spec.jobs[j].name);
    for (std::uint32_t r = 0; r < lw.jobs[j].world_size; ++r) {
      meta("thread_name", j, r,
           "rank " + std::to_string(r) + " (acc" + std::to_string(lw.rank_endpoint[lw.jobs[j].rank_offset + r]) + ")");
    }
  }
  if (first) out += "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"tid\":0,\"args\":{\"name\":\"(no jobs)\"}}";

  const std::vector<std::uint64_t> keys = op_ranks(lw);
  std::vector<Time> span_start(keys.size(), Time::max()), span_end(keys.size(), Time{});
  const RankOfEndpoint rank_of(lw);
  const auto slot = [&](std::uint32_t op, std::uint32_t rank) -> std::size_t {
    const auto it = std::lower_bound(keys.begin(), keys.end(), key(op, rank));
    return it != keys.end() && *it == key(op, rank) ? static_cast<std::size_t>(it - keys.begin()) : keys.size();
  };
  if (rec.transfers_recorded) {
    for (const observe::TransferRecord& t : rec.transfers) {
      if (t.op == observe::kNoOpIndex || t.end == Time::max()) continue;
      const std::uint32_t job = lw.ops[t.op].job;
      for (const std::uint32_t e : {t.src, t.dst}) {
        const std::size_t s = slot(t.op, rank_of.find(job, e));
        if (s == keys.size()) continue;
        span_start[s] = std::min(span_start[s], t.start);
        span_end[s] = std::max(span_end[s], t.end);
      }
    }
  }
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const auto op = static_cast<std::uint32_t>(keys[k] >> 32);
    const auto rank = static_cast<std::uint32_t>(keys[k] & 0xffffffffu);
    Time s = rec.op_start[op], e = rec.op_end[op];
    if (span_start[k] != Time::max()) {
      s = span_start[k];
      e = span_end[k];
    }
    if (s == Time::max() || e == Time::max()) continue;  // the op never ran to its end
    const workload::OpRecord& o = lw.ops[op];
    const workload::OpSpec& os = spec.jobs[o.job].ops[o.spec_index];
    std::string args = "\"op\":" + std::to_string(op) + ",\"iteration\":" + std::to_string(o.iteration);
    if (workload::is_collective(os.type)) args += ",\"algorithm\":" + json_string(to_string(os.algorithm));
    complete_event(out, json_string(os.id), json_string(to_string(os.type)), o.job, rank - lw.jobs[o.job].rank_offset, s,
                   e, args);
  }
  std::string note;
  if (!rec.transfers_recorded) {
    note = "transfers not recorded";
  } else if (rec.transfers.size() > max_transfer_events) {
    note = std::to_string(rec.transfers.size()) + " transfers exceed " + std::to_string(max_transfer_events) +
           ": transfer events left out";
  } else {
    for (const observe::TransferRecord& t : rec.transfers) {
      if (t.op == observe::kNoOpIndex || t.end == Time::max()) continue;
      const std::uint32_t job = lw.ops[t.op].job;
      const std::uint32_t src = rank_of.find(job, t.src), dst = rank_of.find(job, t.dst);
      if (src == workload::kNoRank || dst == workload::kNoRank) continue;
      const std::uint32_t off = lw.jobs[job].rank_offset;
      complete_event(out, "\"to rank " + std::to_string(dst - off) + "\"", "\"transfer\"", job, src - off, t.start, t.end,
                     "\"bytes\":" + std::to_string(t.bytes) + ",\"op\":" + std::to_string(t.op) +
                         ",\"flow_label\":" + std::to_string(t.flow_label));
    }
  }
  out += "\n],\n\"displayTimeUnit\": \"ns\",\n\"otherData\": {\"backend\":" + json_string(rec.backend);
  if (!note.empty()) out += ",\"note\":" + json_string(note);
  out += "}}\n";
  return out;
}

}  // namespace rocesim::report
