#include "app/run_report.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config_error.hpp"
#include "flow/spread.hpp"
#include "report/attribution.hpp"
#include "report/op_lower_bound.hpp"
#include "report/run_analysis.hpp"
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

// The measured sections and the attribution, merged into the summary. Sections the context
// cannot support are left out (report/run_analysis.hpp, report/attribution.hpp).
void add_analysis(nlohmann::json& summary, const RunFacts& facts, const workload::WorkloadSpec& spec,
                  const workload::LoweredWorkload& lw, const workload::DagExecutor& ex, const RunContext& ctx) {
  if (ctx.fabric == nullptr) return;
  if (ctx.record != nullptr) {
    nlohmann::json sections =
        report::run_analysis_sections(*ctx.fabric, *ctx.record, facts.sim_end, dag_payload_bytes(lw.dag));
    for (auto& [key, value] : sections.items()) summary[key] = std::move(value);
  }
  const bool links = ctx.router != nullptr && ctx.record != nullptr && !ctx.record->transfers.empty();
  const bool reruns = ctx.attribution && static_cast<bool>(ctx.rerun);
  if (!links && !ctx.attribution) return;
  report::AttributionInput in;
  in.fabric = ctx.fabric;
  in.router = ctx.router;
  in.record = ctx.record;
  if (reruns) in.rerun = ctx.rerun;
  in.main_is_fluid = facts.backend == "fluid";
  std::vector<Time> bounds;
  if (ctx.attribution) {
    bounds = report::op_lower_bounds(*ctx.fabric, lw.dag, lw.rank_endpoint, lw.ops.size(), ctx.link_changes);
  }
  for (std::uint32_t i = 0; i < lw.ops.size(); ++i) {
    const workload::OpSpec& op = spec.jobs[lw.ops[i].job].ops[lw.ops[i].spec_index];
    in.ops.push_back(report::OpInput{op.id, to_string(op.type), op.type != workload::OpType::compute, ex.op_start(i),
                                     ex.op_end(i), bounds.empty() ? Time::max() : bounds[i]});
  }
  report::AttributionResult res = report::attribute(in);
  for (std::size_t i = 0; i < res.op_fields.size(); ++i) {
    for (auto& [key, value] : res.op_fields[i].items()) summary["ops"][i][key] = std::move(value);
  }
  if (!res.bottleneck.is_null()) summary["bottleneck"] = std::move(res.bottleneck);
}

}  // namespace

nlohmann::json build_run_summary(const RunFacts& facts, const workload::WorkloadSpec& spec,
                                 const workload::LoweredWorkload& lw, const workload::DagExecutor& ex,
                                 const RunContext& context) {
  using nlohmann::json;
  using workload::DagExecutor;
  json ops = json::array();
  std::vector<Time> job_start(spec.jobs.size(), DagExecutor::kNever), job_end(spec.jobs.size(), Time{});
  for (std::uint32_t i = 0; i < lw.ops.size(); ++i) {
    const workload::OpRecord& rec = lw.ops[i];
    const workload::OpSpec& op = spec.jobs[rec.job].ops[rec.spec_index];
    const Time s = ex.op_start(i), e = ex.op_end(i);
    const bool ran = s != DagExecutor::kNever && e != DagExecutor::kNever;
    json o{{"job", spec.jobs[rec.job].name}, {"iteration", rec.iteration}, {"id", op.id}, {"type", to_string(op.type)}};
    if (workload::is_collective(op.type)) {
      o["algorithm"] = to_string(op.algorithm);
      o["group"] = op.ranks ? "explicit" : op.group;
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
      job_start[rec.job] = std::min(job_start[rec.job], s);
      job_end[rec.job] = std::max(job_end[rec.job], e);
    }
    ops.push_back(std::move(o));
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
  json summary{{"version", kVersion},
              {"seed", facts.seed},
              {"backend", facts.backend},
              {"effective_config", facts.effective_config},
              {"run",
               {{"completed", ex.finished()},
                {"dag_nodes", lw.dag.size()},
                {"transfers", lw.dag.transfer_count()},
                {"sim_end_us", tidy(facts.sim_end.us())},
                {"events", facts.events},
                {"wall_time_s", tidy(facts.wall_time_s)},
                {"events_per_wall_s", tidy(facts.wall_time_s > 0 ? static_cast<double>(facts.events) / facts.wall_time_s : 0.0)}}},
              {"jobs", jobs},
              {"ops", ops}};
  add_analysis(summary, facts, spec, lw, ex, context);
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

std::string run_summary_text(const nlohmann::json& s) {
  std::ostringstream out;
  const auto& topo = s["effective_config"]["topology"];
  out << "rocesim " << s["version"].get<std::string>() << "  backend " << s["backend"].get<std::string>() << "  seed "
      << s["seed"].get<std::uint64_t>() << '\n';
  out << "fabric  " << topo.value("name", std::string("?")) << " (" << topo.value("generator", std::string("?")) << ")\n";
  out << "workload " << s["effective_config"]["workload"].value("name", std::string("?")) << ": "
      << s["run"]["transfers"].get<std::uint64_t>() << " transfers\n";
  // Job and op columns as wide as their longest name (never cut: the name is how a reader finds
  // the op in summary.json); a value an op does not have (a compute op's bandwidth) prints "-".
  const auto& ops = s["ops"];
  const std::size_t shown_ops = std::min<std::size_t>(ops.size(), 20);
  int job_w = 3, op_w = 2;
  for (std::size_t i = 0; i < shown_ops; ++i) {
    job_w = std::max(job_w, static_cast<int>(ops[i]["job"].get<std::string>().size()));
    op_w = std::max(op_w, static_cast<int>(ops[i]["id"].get<std::string>().size()));
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
      char padded[48];
      std::snprintf(padded, sizeof padded, "%*s", width, cell);
      return std::string(padded);
    };
    std::snprintf(line, sizeof line, " %-4u ", o["iteration"].get<unsigned>());
    out << pad_right(o["job"].get<std::string>(), job_w) << line << pad_right(o["id"].get<std::string>(), op_w) << ' ';
    std::snprintf(line, sizeof line, "%-15s %-18s %10s ", o["type"].get<std::string>().c_str(),
                  o.value("algorithm", std::string("-")).c_str(), o.value("group", std::string("-")).c_str());
    out << line << num("duration_us", "%.3f", 12) << ' ' << num("algbw_GBps", "%.3f", 10) << ' '
        << num("busbw_GBps", "%.3f", 10) << ' ' << num("efficiency", "%.3f", 10) << '\n';
  }
  if (ops.size() > shown_ops) out << "... " << ops.size() - shown_ops << " more ops in summary.json\n";
  if (s.contains("tiers")) {
    out << "link utilization per tier (mean / max over the run):\n";
    for (const auto& t : s["tiers"]) {
      std::snprintf(line, sizeof line, "  %-24s %-4s %6.3f / %6.3f\n", t["tier"].get<std::string>().c_str(),
                    t["direction"].get<std::string>().c_str(), t["util_mean"].get<double>(), t["util_max"].get<double>());
      out << line;
    }
  }
  if (s.contains("bottleneck")) out << "bottleneck: " << s["bottleneck"]["summary"].get<std::string>() << '\n';
  std::snprintf(line, sizeof line, "simulated %.3f us, %llu events, wall %.3f s\n", s["run"]["sim_end_us"].get<double>(),
                static_cast<unsigned long long>(s["run"]["events"].get<std::uint64_t>()),
                s["run"]["wall_time_s"].get<double>());
  out << line;
  return out.str();
}

void write_file_atomically(const std::string& dir, const std::string& name, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw ConfigError(dir, "", "cannot create the output directory: " + ec.message());
  const std::filesystem::path final_path = std::filesystem::path(dir) / name;
  const std::filesystem::path tmp = std::filesystem::path(dir) / ("." + name + ".tmp");
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw ConfigError(final_path.string(), "", "cannot open for writing");
    f << text;
    f.flush();
    if (!f) throw ConfigError(final_path.string(), "", "write failed");
  }
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) throw ConfigError(final_path.string(), "", "cannot rename the finished file into place: " + ec.message());
}

}  // namespace rocesim::app
