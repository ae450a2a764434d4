// `rocesim run [--topology T] [--workload W] [--backend B] [--set key=value ...] [--seed N]
//              [--out DIR] [--quiet]`
// Builds the fabric, lowers the workload to a transfer DAG, runs it on the chosen backend and
// writes DIR/summary.json (app/run_report.hpp) plus a short summary on stdout.
// With no arguments it runs the built-in default study: the default topology (rail-optimized,
// 128 accelerators) with a ring all-reduce and a pairwise all-to-all over every accelerator, and
// writes ./rocesim-report/summary.json.
// --set routing: "topology.<key>" edits the topology document, "workload.<key>" the workload
// document, "routing.hash" (crc|uniform) and "routing.per_switch_seed" the router, and any other
// key goes to the backend's parameter object (e.g. "cc.dcqcn.rate_ai=40Mbps" for the packet tier).
// Bad input throws ConfigError → exit 2; a run whose DAG does not complete exits 3.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/backends.hpp"
#include "app/commands.hpp"
#include "app/run_report.hpp"
#include "core/config_error.hpp"
#include "core/json_reader.hpp"
#include "core/rng.hpp"
#include "topology/topology.hpp"
#include "workload/lower_workload.hpp"
#include "workload/trace_import.hpp"

namespace rocesim::app {
namespace {

struct RunOptions {
  std::string topology;
  std::string workload;
  std::string backend = "analytic";
  std::vector<std::string> overrides;
  std::uint64_t seed = 1;
  std::string out = "rocesim-report";
  bool quiet = false;
};

constexpr int kExitIncomplete = 3;

bool take_prefix(std::string& s, std::string_view prefix) {
  if (s.rfind(prefix, 0) != 0) return false;
  s.erase(0, prefix.size());
  return true;
}

routing::RoutingParams read_routing(const nlohmann::json& doc, std::uint64_t seed) {
  JsonReader r(doc, "--set", "/routing");
  routing::RoutingParams p;
  p.hash = r.choice_or("hash", {"crc", "uniform"}, "crc") == "crc" ? routing::HashKind::crc : routing::HashKind::uniform;
  p.per_switch_seed = r.boolean_or("per_switch_seed", true);
  const std::string lb = r.choice_or("load_balancing", {"ecmp", "spray", "flowlet", "adaptive"}, "ecmp");
  p.load_balancing = lb == "spray"     ? routing::LoadBalancing::spray
                     : lb == "flowlet" ? routing::LoadBalancing::flowlet
                     : lb == "adaptive" ? routing::LoadBalancing::adaptive
                                        : routing::LoadBalancing::ecmp;
  p.flowlet_gap = r.time_or("flowlet_gap", p.flowlet_gap);
  p.seed = derive_seed(seed, "routing");
  r.finish();
  return p;
}

void run(const RunOptions& opt, CommandContext& ctx) {
  const auto wall_start = std::chrono::steady_clock::now();
  std::vector<std::string> topo_overrides, workload_overrides;
  nlohmann::json routing_doc = nlohmann::json::object(), backend_params = nlohmann::json::object();
  for (std::string o : opt.overrides) {
    if (take_prefix(o, "topology.")) {
      topo_overrides.push_back(o);
    } else if (take_prefix(o, "workload.")) {
      workload_overrides.push_back(o);
    } else if (take_prefix(o, "routing.")) {
      apply_override(routing_doc, o);
    } else {
      apply_override(backend_params, o);
    }
  }
  // Topology → fabric → router.
  topology::TopologySpec topo;
  if (opt.topology.empty()) {
    nlohmann::json doc = topology::default_topology_json();
    for (const auto& o : topo_overrides) apply_override(doc, o);
    topo = topology::parse_topology(doc, "<built-in default topology>");
  } else {
    topo = topology::load_topology_file(opt.topology, topo_overrides);
  }
  const topology::Fabric fabric = topology::build_fabric(topo);
  const routing::RoutingParams rp = read_routing(routing_doc, opt.seed);
  const routing::Router router(fabric, rp);
  // Workload → lowered DAG.
  nlohmann::json wdoc;
  std::string wfile = opt.workload;
  if (opt.workload.empty()) {
    wdoc = workload::default_workload_json(fabric.endpoints());
    wfile = "<built-in default workload>";
  } else {
    wdoc = workload::load_workload_document(opt.workload);
    const std::string note = workload::import_report_summary(wdoc);
    if (!note.empty() && !opt.quiet) std::cerr << note << '\n';
  }
  for (const auto& o : workload_overrides) apply_override(wdoc, o);
  const workload::WorkloadSpec wspec = workload::parse_workload(wdoc, wfile);
  const workload::LoweredWorkload lowered = workload::lower_workload(wspec, fabric);
  // Run.
  Simulator sim;
  std::unique_ptr<TransferBackend> backend = make_backend(opt.backend, sim, fabric, router, backend_params);
  workload::DagExecutor executor(sim, *backend, lowered.dag, lowered.rank_endpoint, lowered.ops.size());
  executor.start();
  sim.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  RunFacts facts;
  facts.seed = opt.seed;
  facts.backend = std::string(backend->name());
  facts.wall_time_s = wall;
  facts.events = sim.events_executed();
  facts.sim_end = sim.now();
  facts.effective_config = {
      {"topology", topology::topology_to_json(topo)},
      {"workload", workload::to_json(wspec)},
      {"routing",
       {{"hash", rp.hash == routing::HashKind::crc ? "crc" : "uniform"}, {"per_switch_seed", rp.per_switch_seed},
        {"load_balancing", routing::to_string(rp.load_balancing)},
        {"flowlet_gap", to_string(rp.flowlet_gap)}}},
      {"backend", {{"name", facts.backend}, {"params", effective_backend_params(opt.backend, backend_params)}}}};
  const nlohmann::json summary = build_run_summary(facts, wspec, lowered, executor, RunContext{&fabric, &router, nullptr, {}, false});
  write_file_atomically(opt.out, "summary.json", summary.dump(2) + "\n");
  if (!opt.quiet) std::cout << run_summary_text(summary) << "report: " << opt.out << "/summary.json\n";
  if (!executor.finished()) {
    std::cerr << "error: the run ended with " << lowered.dag.size() - executor.completed_nodes()
              << " DAG nodes not completed (backend \"" << facts.backend << "\" lost transfers)\n";
    const std::string stall = backend->stall_report();
    if (!stall.empty()) std::cerr << stall << '\n';
    ctx.exit_code = kExitIncomplete;
  }
}

}  // namespace

void register_run(CLI::App& app, CommandContext& ctx) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a workload on a fabric and write a report (no arguments: the built-in default study)");
  cmd->add_option("--topology", opt->topology, "Topology JSON (default: the built-in rail-optimized fabric)");
  cmd->add_option("--workload", opt->workload,
                  "Workload: native JSON, flow-list .csv, Chakra .et, SimAI .txt (default: all-reduce + all-to-all)");
  std::string names;
  for (const auto& n : backend_names()) names += (names.empty() ? "" : "|") + n;
  cmd->add_option("--backend", opt->backend, "Fidelity tier: " + names + " (default analytic)");
  cmd->add_option("--set", opt->overrides,
                  "key=value override: topology.<key>, workload.<key>, routing.<key>, or a backend parameter");
  cmd->add_option("--seed", opt->seed, "Master seed (default 1)");
  cmd->add_option("--out", opt->out, "Report directory (default ./rocesim-report)");
  cmd->add_flag("--quiet", opt->quiet, "No stdout summary");
  cmd->callback([opt, &ctx] { run(*opt, ctx); });
}

}  // namespace rocesim::app
