#include "app/run_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config_error.hpp"
#include "flow/spread.hpp"
#include "report/attribution.hpp"
#include "report/csv_writers.hpp"
#include "report/op_aggregate.hpp"
#include "report/op_lower_bound.hpp"
#include "report/run_analysis.hpp"
#include "report/slowdown.hpp"
#include "report/tidy.hpp"

namespace rocesim::app {
namespace {

// The project version (CMakeLists.txt `project(rocesim VERSION ...)`).
constexpr const char* kVersion = ROCESIM_VERSION;  // from project() in CMakeLists.txt

double gbps_of(std::int64_t bytes, Time t) { return t.ps > 0 ? static_cast<double>(bytes) / t.seconds() * 1e-9 : 0.0; }

using report::tidy;

std::string pad_right(std::string s, int width) {
  if (static_cast<int>(s.size()) < width) s.append(static_cast<std::size_t>(width) - s.size(), ' ');
  return s;
}

// Payload bytes of every transfer the workload lowered to (the conservation check's expectation).
std::int64_t dag_payload_bytes(const workload::TransferDag& dag) {
  std::int64_t sum = 0;
  for (workload::NodeIndex v = 0; v < dag.size(); ++v) {
    if (dag.node(v).kind == workload::DagNodeKind::transfer) sum += dag.node(v).amount;
  }
  return sum;
}

// The measured sections merged into the summary, and the attribution's per-op fields (returned,
// merged by the caller as it builds each op). Sections the context cannot support are left out
// (report/run_analysis.hpp, report/attribution.hpp). `detail[i]`: op i gets its critical links.
report::AttributionResult add_analysis(nlohmann::json& summary, const RunFacts& facts, const workload::WorkloadSpec& spec,
                                       const workload::LoweredWorkload& lw, const workload::DagExecutor& ex,
                                       const RunContext& ctx, const std::vector<char>& detail) {
  if (ctx.fabric == nullptr) return {};
  if (ctx.record != nullptr) {
    nlohmann::json sections =
        report::run_analysis_sections(*ctx.fabric, *ctx.record, facts.sim_end, dag_payload_bytes(lw.dag));
    for (auto& [key, value] : sections.items()) summary[key] = std::move(value);
    // A flow list (every op a send): its transfers are the flows whose slowdown the datacenter
    // CC evaluations report. Collective workloads leave it out (their figure is the op's time).
    const bool flow_list = !lw.ops.empty() && std::all_of(lw.ops.begin(), lw.ops.end(), [&](const workload::OpRecord& r) {
      return spec.jobs[r.job].ops[r.spec_index].type == workload::OpType::send;
    });
    if (flow_list) {
      if (nlohmann::json s = report::slowdown_json(*ctx.record); !s.is_null()) summary["slowdown"] = std::move(s);
    }
  }
  // Critical links, lower bounds and re-runs serve attribution only: --attribution off skips them.
  if (!ctx.attribution) return {};
  report::AttributionInput in;
  in.fabric = ctx.fabric;
  in.router = ctx.router;
  in.record = ctx.record;
  in.rerun = ctx.rerun;
  in.main_is_fluid = facts.backend == "fluid";
  const std::vector<Time> bounds =
      report::op_lower_bounds(*ctx.fabric, lw.dag, lw.rank_endpoint, lw.ops.size(), ctx.link_changes);
  in.ops.reserve(lw.ops.size());
  for (std::uint32_t i = 0; i < lw.ops.size(); ++i) {
    const workload::OpSpec& op = spec.jobs[lw.ops[i].job].ops[lw.ops[i].spec_index];
    in.ops.push_back(report::OpInput{op.id, to_string(op.type), op.type != workload::OpType::compute, ex.op_start(i),
                                     ex.op_end(i), bounds.empty() ? Time::max() : bounds[i], detail[i] != 0});
  }
  report::AttributionResult res = report::attribute(in);
  if (!res.bottleneck.is_null()) summary["bottleneck"] = std::move(res.bottleneck);
  return res;
}

// Op i's collectives.csv row and its group's figures straight from the values (the aggregated
// form's common case: no per-op JSON object). `fields`, `ideal_us`, `efficiency`: the
// attribution's per-op fields (NaN: none).
void add_plain_op(const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lw, std::uint32_t i, Time s,
                  Time e, bool ran, const nlohmann::json& fields, double ideal_us, double efficiency,
                  const report::OpGroupKey& key, report::OpAggregator& aggregator, std::string* csv) {
  const workload::OpRecord& rec = lw.ops[i];
  const workload::OpSpec& op = spec.jobs[rec.job].ops[rec.spec_index];
  const bool network = op.type != workload::OpType::compute;
  report::CollectiveRow row;
  row.job = spec.jobs[rec.job].name;
  row.id = op.id;
  row.type = key.type;
  if (workload::is_collective(op.type)) row.algorithm = to_string(op.algorithm);
  row.iteration = rec.iteration;
  row.group_size = rec.group_size;
  row.groups = rec.groups;
  if (network) row.bytes = op.bytes.n;
  if (ran) {
    const Time d = e - s;
    row.start_us = s.us();
    row.end_us = e.us();
    row.duration_us = d.us();
    if (network) {
      row.algbw = gbps_of(op.bytes.n, d);
      row.busbw = row.algbw * workload::busbw_factor(op.type, rec.group_size);
    }
  }
  row.ideal_us = ideal_us;
  row.efficiency = efficiency;
  std::string tier;
  if (fields.contains("attribution") && fields["attribution"].contains("bottleneck_tier") &&
      fields["attribution"]["bottleneck_tier"].is_string()) {
    tier = fields["attribution"]["bottleneck_tier"].get<std::string>();
  }
  row.bottleneck_tier = tier;
  if (csv != nullptr) report::append_collectives_row(row, *csv);
  aggregator.add(key, row.job, ran, row.bytes, row.duration_us, row.busbw, row.efficiency);
}

// Group keys and durations (µs, −1 if the op did not complete) of every op, for the aggregation.
std::vector<report::OpGroupKey> op_group_keys(const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lw) {
  std::vector<report::OpGroupKey> keys;
  keys.reserve(lw.ops.size());
  for (const workload::OpRecord& rec : lw.ops) {
    keys.push_back(report::OpGroupKey{rec.job, rec.iteration, to_string(spec.jobs[rec.job].ops[rec.spec_index].type)});
  }
  return keys;
}

}  // namespace

nlohmann::json build_run_summary(const RunFacts& facts, const workload::WorkloadSpec& spec,
                                 const workload::LoweredWorkload& lw, const workload::DagExecutor& ex,
                                 const RunContext& context, std::ostream* collectives_os) {
  using nlohmann::json;
  using workload::DagExecutor;
  json summary = json::object();
  const bool aggregate = lw.ops.size() > report::kSummaryOpLimit;
  const std::vector<report::OpGroupKey> keys = aggregate ? op_group_keys(spec, lw) : std::vector<report::OpGroupKey>{};
  std::vector<char> detail(lw.ops.size(), 1);
  if (aggregate) {
    std::vector<double> duration_us(lw.ops.size(), -1.0);
    for (std::uint32_t i = 0; i < lw.ops.size(); ++i) {
      if (ex.op_start(i) != DagExecutor::kNever && ex.op_end(i) != DagExecutor::kNever) {
        duration_us[i] = (ex.op_end(i) - ex.op_start(i)).us();
      }
    }
    detail = report::slowest_of_groups(keys, duration_us, report::kSlowestPerGroup);
  }
  report::AttributionResult attribution = add_analysis(summary, facts, spec, lw, ex, context, detail);
  // collectives.csv rows go out in pieces of ~1 MiB (a flow list has a row per flow).
  std::string csv_buffer;
  std::string* const collectives_csv = collectives_os != nullptr ? &csv_buffer : nullptr;
  const auto flush_csv = [&](bool last) {
    if (collectives_os != nullptr && (last || csv_buffer.size() >= (std::size_t{1} << 20))) {
      *collectives_os << csv_buffer;
      csv_buffer.clear();
    }
  };
  if (collectives_csv != nullptr) *collectives_csv = report::collectives_csv_header();
  json ops = json::array();
  report::OpAggregator aggregator;
  std::vector<Time> job_start(spec.jobs.size(), DagExecutor::kNever), job_end(spec.jobs.size(), Time{});
  for (std::uint32_t i = 0; i < lw.ops.size(); ++i) {
    const workload::OpRecord& rec = lw.ops[i];
    const workload::OpSpec& op = spec.jobs[rec.job].ops[rec.spec_index];
    const Time s = ex.op_start(i), e = ex.op_end(i);
    const bool ran = s != DagExecutor::kNever && e != DagExecutor::kNever;
    if (ran) {
      job_start[rec.job] = std::min(job_start[rec.job], s);
      job_end[rec.job] = std::max(job_end[rec.job], e);
    }
    if (aggregate && detail[i] == 0) {
      // An op only the CSV row and the group's distributions show: no JSON object for it.
      const bool attributed = i < attribution.op_fields.size();
      add_plain_op(spec, lw, i, s, e, ran, attributed ? attribution.op_fields[i] : json(),
                   attributed ? attribution.ideal_us[i] : NAN, attributed ? attribution.efficiency[i] : NAN, keys[i],
                   aggregator, collectives_csv);
      if (i < attribution.op_fields.size()) attribution.op_fields[i] = json();
      flush_csv(false);
      continue;
    }
    json o{{"job", spec.jobs[rec.job].name}, {"iteration", rec.iteration}, {"id", op.id}, {"type", to_string(op.type)}};
    if (workload::is_collective(op.type)) {
      o["algorithm"] = to_string(op.algorithm);
      o["group"] = op.args().ranks ? "explicit" : op.args().group;
    }
    o["groups"] = rec.groups;
    o["group_size"] = rec.group_size;
    if (op.type != workload::OpType::compute) {
      o["bytes"] = op.bytes.n;
      o["transfers"] = rec.transfers;
      o["wire_bytes"] = rec.wire_bytes;
    }
    o["completed"] = ran;
    if (ran) {
      const Time d = e - s;
      o["start_us"] = tidy(s.us());
      o["end_us"] = tidy(e.us());
      o["duration_us"] = tidy(d.us());
      if (op.type != workload::OpType::compute) {
        const double algbw = gbps_of(op.bytes.n, d);
        o["algbw_GBps"] = tidy(algbw);
        o["busbw_GBps"] = tidy(algbw * workload::busbw_factor(op.type, rec.group_size));
      }
    }
    if (i < attribution.op_fields.size()) {
      for (auto& [key, value] : attribution.op_fields[i].items()) o[key] = std::move(value);
      attribution.op_fields[i] = json();
    }
    if (collectives_csv != nullptr) report::append_collectives_row(o, *collectives_csv);
    if (aggregate) aggregator.add(keys[i], std::move(o), detail[i] != 0);
    else ops.push_back(std::move(o));
    flush_csv(false);
  }
  flush_csv(true);
  if (aggregate) {
    ops = aggregator.finish();
    summary["ops_aggregated"] = {
        {"ops", lw.ops.size()},
        {"limit", report::kSummaryOpLimit},
        {"note", "more than " + std::to_string(report::kSummaryOpLimit) +
                     " ops: ops[] holds one entry per (job, iteration, type) with distributions and the slowest " +
                     std::to_string(report::kSlowestPerGroup) + "; every op's row is in collectives.csv"}};
  }
  json jobs = json::array();
  for (std::uint32_t j = 0; j < spec.jobs.size(); ++j) {
    const workload::JobRecord& jr = lw.jobs[j];
    const auto first = lw.rank_endpoint.begin() + jr.rank_offset;
    std::vector<std::int64_t> sent(ex.bytes_sent().begin() + jr.rank_offset,
                                   ex.bytes_sent().begin() + jr.rank_offset + jr.world_size);
    std::vector<std::int64_t> received(ex.bytes_received().begin() + jr.rank_offset,
                                       ex.bytes_received().begin() + jr.rank_offset + jr.world_size);
    json job{{"name", spec.jobs[j].name},
             {"world_size", jr.world_size},
             {"endpoints", std::vector<std::uint32_t>(first, first + jr.world_size)},
             {"bytes_sent_per_rank", sent},
             {"bytes_received_per_rank", received}};
    if (job_start[j] != DagExecutor::kNever) {
      job["start_us"] = tidy(job_start[j].us());
      job["end_us"] = tidy(job_end[j].us());
      job["duration_us"] = tidy((job_end[j] - job_start[j]).us());
    }
    jobs.push_back(std::move(job));
  }
  const json run_facts{{"version", kVersion},
                       {"seed", facts.seed},
                       {"backend", facts.backend},
                       {"effective_config", facts.effective_config},
                       {"run",
                        {{"completed", ex.finished()},
                         {"dag_nodes", lw.dag.size()},
                         {"transfers", lw.dag.transfer_count()},
                         {"sim_end_us", tidy(facts.sim_end.us())},
                         {"events", facts.events}}},
                       {"jobs", jobs}};
  for (const auto& [key, value] : run_facts.items()) summary[key] = value;
  summary["ops"] = std::move(ops);
  nlohmann::json notes = nlohmann::json::array();
  if (context.record != nullptr) {
    for (const std::string& n : context.record->notes) notes.push_back(n);
  }
  if (context.attribution && context.rerun && context.router != nullptr) {
    const routing::LoadBalancing lb = context.router->params().load_balancing;
    const routing::LoadBalancing fluid_lb = flow::fluid_routing_params(context.router->params()).load_balancing;
    if (fluid_lb != lb) {
      notes.push_back(std::string("fluid re-runs (ideal_us, efficiency, attribution) model routing.load_balancing=") +
                      routing::to_string(lb) + " as " + routing::to_string(fluid_lb) +
                      ": the fluid tier has no packet gaps to cut flowlets at (flow/spread.hpp)");
    }
  }
  if (!notes.empty()) summary["notes"] = std::move(notes);
  return summary;
}

nlohmann::json run_timing(const RunFacts& facts, nlohmann::json wall_clock) {
  return {{"run",
           {{"wall_time_s", tidy(facts.wall_time_s)},
            {"events_per_wall_s",
             tidy(facts.wall_time_s > 0 ? static_cast<double>(facts.events) / facts.wall_time_s : 0.0)}}},
          {"wall_clock", std::move(wall_clock)}};
}

std::string run_summary_text(const nlohmann::json& s, const nlohmann::json& timing) {
  std::ostringstream out;
  const auto& topo = s["effective_config"]["topology"];
  out << "rocesim " << s["version"].get<std::string>() << "  backend " << s["backend"].get<std::string>() << "  seed "
      << s["seed"].get<std::uint64_t>() << '\n';
  out << "fabric  " << topo.value("name", std::string("?")) << " (" << topo.value("generator", std::string("?")) << ")\n";
  out << "workload " << s["effective_config"]["workload"].value("name", std::string("?")) << ": "
      << s["run"]["transfers"].get<std::uint64_t>() << " transfers\n";
  // Job and op columns as wide as their longest name (never cut: the name is how a reader finds
  // the op in summary.json); a value an op does not have (a compute op's bandwidth) prints "-".
  // An aggregated summary (above report::kSummaryOpLimit ops) shows one line per group: its op
  // count in the op column and the group's median duration and busbw.
  const auto& ops = s["ops"];
  const std::size_t shown_ops = std::min<std::size_t>(ops.size(), 20);
  const auto op_label = [](const nlohmann::json& o) {
    return o.value("aggregated", false) ? std::to_string(o["count"].get<std::size_t>()) + " ops"
                                        : o["id"].get<std::string>();
  };
  int job_w = 3, op_w = 2;
  for (std::size_t i = 0; i < shown_ops; ++i) {
    job_w = std::max(job_w, static_cast<int>(ops[i]["job"].get<std::string>().size()));
    op_w = std::max(op_w, static_cast<int>(op_label(ops[i]).size()));
  }
  char line[256];
  std::snprintf(line, sizeof line, "%-15s %-18s %10s %12s %10s %10s %10s\n", "type", "algorithm", "group",
                "duration_us", "algbw_GBps", "busbw_GBps", "efficiency");
  out << pad_right("job", job_w) << " iter " << pad_right("op", op_w) << ' ' << line;
  for (std::size_t i = 0; i < shown_ops; ++i) {
    const auto& o = ops[i];
    const auto num = [&](const char* k, const char* fmt, int width) {
      char cell[32] = "-";
      if (o.contains(k) && o[k].is_number()) std::snprintf(cell, sizeof cell, fmt, o[k].get<double>());
      if (o.contains(k) && o[k].is_object() && o[k].contains("p50")) std::snprintf(cell, sizeof cell, fmt, o[k]["p50"].get<double>());
      char padded[48];
      std::snprintf(padded, sizeof padded, "%*s", width, cell);
      return std::string(padded);
    };
    std::snprintf(line, sizeof line, " %-4u ", o["iteration"].get<unsigned>());
    out << pad_right(o["job"].get<std::string>(), job_w) << line << pad_right(op_label(o), op_w) << ' ';
    const bool group = o.value("aggregated", false);
    std::snprintf(line, sizeof line, "%-15s %-18s %10s ", o["type"].get<std::string>().c_str(),
                  group ? "(median of group)" : o.value("algorithm", std::string("-")).c_str(),
                  o.value("group", std::string("-")).c_str());
    out << line << num("duration_us", "%.3f", 12) << ' ' << num("algbw_GBps", "%.3f", 10) << ' '
        << num("busbw_GBps", "%.3f", 10) << ' ' << num("efficiency", "%.3f", 10) << '\n';
  }
  if (ops.size() > shown_ops) {
    out << "... " << ops.size() - shown_ops << " more " << (s.contains("ops_aggregated") ? "op groups" : "ops")
        << " in summary.json\n";
  }
  if (s.contains("tiers")) {
    out << "link utilization per tier (mean / max over the run):\n";
    for (const auto& t : s["tiers"]) {
      std::snprintf(line, sizeof line, "  %-24s %-4s %6.3f / %6.3f\n", t["tier"].get<std::string>().c_str(),
                    t["direction"].get<std::string>().c_str(), t["util_mean"].get<double>(), t["util_max"].get<double>());
      out << line;
    }
  }
  if (s.contains("bottleneck")) out << "bottleneck: " << s["bottleneck"]["summary"].get<std::string>() << '\n';
  const auto sim_us = s["run"]["sim_end_us"].get<double>();
  const auto events = static_cast<unsigned long long>(s["run"]["events"].get<std::uint64_t>());
  if (timing.contains("wall_clock") && timing["wall_clock"].is_object()) {
    // The whole run's wall time, then its phases (rocesim run's "wall_clock").
    const nlohmann::json& w = timing["wall_clock"];
    std::snprintf(line, sizeof line, "simulated %.3f us, %llu events, wall %.3f s (setup %.3f s, simulation %.3f s, report %.3f s)\n",
                  sim_us, events, w["total_wall_s"].get<double>(), w["setup"]["wall_s"].get<double>(),
                  w["simulation"]["wall_s"].get<double>(), w["report"]["wall_s"].get<double>());
  } else {
    std::snprintf(line, sizeof line, "simulated %.3f us, %llu events, wall %.3f s\n", sim_us, events,
                  timing["run"]["wall_time_s"].get<double>());
  }
  out << line;
  return out.str();
}

void write_file_atomically(const std::string& dir, const std::string& name, const std::string& text) {
  write_file_atomically(dir, name, [&](std::ostream& f) { f << text; });
}

void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::function<void(std::ostream&)>& write) {
  AtomicFile file(dir, name);
  write(file.stream());
  file.commit();
}

AtomicFile::AtomicFile(const std::string& dir, const std::string& name)
    : final_(std::filesystem::path(dir) / name), tmp_(std::filesystem::path(dir) / ("." + name + ".tmp")) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw ConfigError(dir, "", "cannot create the output directory: " + ec.message());
  file_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!file_) throw ConfigError(final_.string(), "", "cannot open for writing");
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  file_.close();
  std::error_code ec;
  std::filesystem::remove(tmp_, ec);  // best effort: the old file stays
}

void AtomicFile::commit() {
  file_.flush();
  if (!file_) throw ConfigError(final_.string(), "", "write failed");
  file_.close();
  if (!file_) throw ConfigError(final_.string(), "", "write failed");
  std::error_code ec;
  std::filesystem::rename(tmp_, final_, ec);
  if (ec) throw ConfigError(final_.string(), "", "cannot rename the finished file into place: " + ec.message());
  committed_ = true;
}

}  // namespace rocesim::app
