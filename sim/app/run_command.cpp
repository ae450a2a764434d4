// `rocesim run [--topology T] [--workload W] [--backend B] [--set key=value ...] [--seed N]
//              [--out DIR] [--quiet] [--flows on|off|auto] [--sample-interval T|auto]
//              [--attribution on|off|auto] [--plots]`
// Builds the fabric, lowers the workload to a transfer DAG, runs it on the chosen backend through
// the observed pipeline (app/run_pipeline.hpp) and writes DIR/summary.json (app/run_report.hpp),
// collectives.csv, flows.csv, links.csv, timeseries.csv (report/csv_writers.hpp) and trace.json
// (report/chrome_trace.hpp), each through a temporary name and a rename, plus a short summary on
// stdout and, on a terminal without --quiet, a progress line on stderr (app/progress.hpp).
// --attribution auto (default): the summary's fluid what-if re-runs (ideal time, per-tier
// speedup) run when the DAG has at most kAutoAttributionLimit transfers, whatever the backend: a
// fluid re-run costs far less than a packet run of the same DAG, and one re-run per tier plus
// the ideal is what attribution needs; above the limit they would dominate the wall time. Nor do
// they run above report::kSummaryOpLimit ops (e.g. a flow list, one op per flow): their answers
// are per op, the summary aggregates such ops, and two fluid re-runs of 32,640 one-flow ops cost
// about 40 % of the packet run itself (issue 16's budget: report ≤ 20 % of the simulation).
// The lower bounds and critical links still come (one pass each); --attribution on forces all.
// --plots runs scripts/plot_report.py DIR with the first python3 that has matplotlib (PATH's,
// then /usr/bin/python3: app/plot_python.hpp) and names it on stderr (the script is found from
// $ROCESIM_SOURCE_DIR, the source tree this binary was compiled from, or upward from the
// executable); otherwise it prints a note. It never fails the run.
// With no arguments it runs the built-in default study: the default topology (rail-optimized,
// 128 accelerators) with a ring all-reduce and a pairwise all-to-all over every accelerator, and
// writes ./rocesim-report/summary.json.
// --set routing: "topology.<key>" edits the topology document, "workload.<key>" the workload
// document, "routing.hash" (crc|crc_select|uniform) and "routing.per_switch_seed" the router, and any other
// key goes to the backend's parameter object (e.g. "cc.dcqcn.rate_ai=40Mbps" for the packet tier).
// Bad input throws ConfigError → exit 2; a run whose DAG does not complete exits 3.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/backends.hpp"
#include "app/commands.hpp"
#include "app/plot_python.hpp"
#include "app/process_usage.hpp"
#include "app/progress.hpp"
#include "app/run_pipeline.hpp"
#include "app/run_report.hpp"
#include "core/config_error.hpp"
#include "core/interrupt.hpp"
#include "core/memory_budget.hpp"
#include "core/json_reader.hpp"
#include "core/rng.hpp"
#include "flow/spread.hpp"
#include "observe/port_sampler.hpp"
#include "report/chrome_trace.hpp"
#include "report/op_aggregate.hpp"
#include "routing/route_check.hpp"
#include "report/csv_writers.hpp"
#include "topology/failures.hpp"
#include "topology/topology.hpp"
#include "workload/lower_workload.hpp"
#include "workload/readers/flow_csv_reader.hpp"
#include "workload/trace_import.hpp"

namespace rocesim::app {
namespace {

struct RunOptions {
  std::string topology;
  std::string workload;
  std::string backend = "fluid";
  std::vector<std::string> overrides;
  std::uint64_t seed = 1;
  std::string out = "rocesim-report";
  bool quiet = false;
  bool plots = false;
  std::string attribution = "auto";
  std::string flows = "auto";
  std::string sample_interval = "auto";
  std::size_t series_ports = 16;
  bool check = false;  // validate every input, then stop: no run, nothing written
  std::uint64_t watchdog_events = PipelineOptions{}.stall_events;  // hidden --watchdog-events (tests)
  std::string progress = "auto";
};

constexpr int kExitIncomplete = 3;
// --attribution auto: the fluid what-if re-runs run up to this many transfers.
constexpr std::size_t kAutoAttributionLimit = 200'000;

// summary.json "failures": the timed link changes in order, and which of them the run reached
// (a change after the workload's last transfer is not applied).
nlohmann::json failure_schedule_json(const topology::Fabric& fabric, const std::vector<topology::LinkChange>& schedule,
                                     std::size_t applied) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    const topology::LinkChange& c = schedule[i];
    const topology::Link& l = fabric.link(c.link);
    nlohmann::json e{{"at_us", c.at.us()},
                     {"link", {topology::node_name(fabric, l.a), topology::node_name(fabric, l.b)}},
                     {"link_id", c.link},
                     {"state", c.up ? "up" : "down"},
                     {"entry", c.entry},
                     {"restore", c.restore},
                     {"applied", i < applied}};
    if (c.up) e["rate_gbps"] = static_cast<double>(c.rate.bps) * 1e-9;
    list.push_back(std::move(e));
  }
  return {{"link_changes", schedule.size()}, {"applied", applied}, {"schedule", std::move(list)}};
}

// Every job's endpoints reach each other at time zero and after each instant of the schedule.
void require_jobs_reachable(const routing::Router& router, const std::vector<topology::LinkChange>& schedule,
                            const workload::LoweredWorkload& lowered, const workload::WorkloadSpec& wspec,
                            const std::string& wfile) {
  const auto check = [&](const routing::Router& r, const std::string& when) {
    for (std::size_t j = 0; j < lowered.jobs.size(); ++j) {
      const workload::JobRecord& job = lowered.jobs[j];
      const std::span<const std::uint32_t> endpoints(lowered.rank_endpoint.data() + job.rank_offset, job.world_size);
      routing::require_reachable(r, endpoints, wfile + " (job \"" + wspec.jobs[j].name + "\"" + when + ")");
    }
  };
  check(router, "");
  if (schedule.empty()) return;
  routing::Router live(router);
  std::vector<routing::Router::LinkState> states;
  for (std::size_t i = 0; i < schedule.size();) {
    const Time at = schedule[i].at;
    i = apply_instant(live, schedule, i, states);
    check(live, ", after the timed failures at " + to_string(at));
  }
}

// "0x" and 16 hex digits.
std::string hex64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// effective_config "workload": the whole effective workload up to report::kSummaryOpLimit ops;
// above it (e.g. a flow list of 32,640 flows, 3 MB of JSON) its name, file, counts, the
// --set workload.* overrides and FNV-1a 64 digests: "file_fnv1a64" of the file's bytes, and
// "effective_fnv1a64" of those bytes followed by each override (what the effective workload is
// made from), so two summaries from different workloads never look alike to `rocesim compare`.
// Hashing the file costs one read; rebuilding and printing the workload as JSON cost more than
// the rest of the report.
nlohmann::json workload_config_json(const workload::WorkloadSpec& spec, const std::string& file,
                                    const std::vector<std::string>& overrides, std::size_t ops) {
  std::error_code ec;
  if (ops <= report::kSummaryOpLimit || file.empty() || !std::filesystem::is_regular_file(file, ec)) {
    return workload::to_json(spec);
  }
  std::ifstream in(file, std::ios::binary);
  std::uint64_t h = fnv1a64("");
  std::string chunk(1 << 16, '\0');
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    h = fnv1a64(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())), h);
  }
  std::uint64_t effective = h;
  for (const std::string& o : overrides) effective = fnv1a64(o + '\n', effective);
  return {{"name", spec.name},         {"file", file},
          {"jobs", spec.jobs.size()},  {"ops", ops},
          {"overrides", overrides},    {"file_fnv1a64", hex64(h)},
          {"effective_fnv1a64", hex64(effective)}};
}

// timing.json "wall_clock": the phases' costs (kept out of summary.json, which is deterministic).
// setup = reading inputs, building the fabric, lowering; simulation = the events; report = the
// analysis and every report file except summary.json's own serialization. "simulation alone"
// is the process up to the last event (setup + simulation): its peak RSS is VmHWM sampled then.
// Wall-clock figures keep 4 decimals (0.1 ms, 1e-4 of a ratio): finer digits are noise.
double round4(double x) { return std::round(x * 1e4) / 1e4; }

nlohmann::json phase_figures(const ProcessUsage& setup, const ProcessUsage& sim, const ProcessUsage& report,
                             double sim_wall_s, double wall_at_sim_end_s, double wall_at_report_end_s) {
  constexpr double kMiB = 1024.0 * 1024.0;
  const auto mib = [](std::uint64_t b) { return static_cast<double>(b) / kMiB; };
  const double report_cpu = report.cpu_s - sim.cpu_s;
  return {{"total_wall_s", round4(wall_at_report_end_s)},
          {"setup", {{"wall_s", round4(wall_at_sim_end_s - sim_wall_s)}, {"cpu_s", round4(setup.cpu_s)}}},
          {"simulation", {{"wall_s", round4(sim_wall_s)}, {"cpu_s", round4(sim.cpu_s - setup.cpu_s)}, {"peak_rss_MiB", round4(mib(sim.peak_rss_bytes))}}},
          {"report", {{"wall_s", round4(wall_at_report_end_s - wall_at_sim_end_s)}, {"cpu_s", round4(report_cpu)}, {"peak_rss_MiB", round4(mib(report.peak_rss_bytes))}}},
          {"report_over_run_cpu", round4(sim.cpu_s > 0 ? report_cpu / sim.cpu_s : 0.0)},
          {"peak_rss_over_run", round4(sim.peak_rss_bytes > 0 ? static_cast<double>(report.peak_rss_bytes) / static_cast<double>(sim.peak_rss_bytes) : 0.0)}};
}

// Every transfer of the lowered workload must fit the backend (TransferBackend::max_transfer_bytes):
// the first op with one that does not is named with its JSON path, before anything runs.
void require_transfers_fit(const TransferBackend& backend, const workload::LoweredWorkload& lowered,
                           const workload::WorkloadSpec& spec, const std::string& file) {
  const std::int64_t limit = backend.max_transfer_bytes();
  if (limit == INT64_MAX) return;
  for (workload::NodeIndex v = 0; v < lowered.dag.size(); ++v) {
    const workload::DagNode& n = lowered.dag.node(v);
    if (n.kind != workload::DagNodeKind::transfer || n.amount <= limit) continue;
    const workload::OpRecord& rec = lowered.ops[n.op];
    const workload::OpSpec& op = spec.jobs[rec.job].ops[rec.spec_index];
    throw ConfigError(file, workload::op_path(spec.jobs[rec.job], rec.spec_index) + "/bytes",
                      "op \"" + op.id + "\" has a transfer of " + std::to_string(n.amount) + " B, more than the " +
                          std::string(backend.name()) + " backend's " + std::to_string(limit) + " B (" +
                          backend.max_transfer_reason() + "; raise wire.mtu or split the op)");
  }
}

PipelineOptions pipeline_options(const RunOptions& opt, const nlohmann::json& backend_params) {
  PipelineOptions p;
  p.backend = opt.backend;
  p.backend_params = backend_params;
  p.stall_events = opt.watchdog_events;
  p.flows = opt.flows == "on" ? FlowRecording::on : opt.flows == "off" ? FlowRecording::off : FlowRecording::automatic;
  if (opt.sample_interval != "auto") {
    try {
      p.sample_interval = parse_time(opt.sample_interval);
    } catch (const std::exception& e) {
      throw ConfigError("--sample-interval", "", std::string(e.what()) + " (expected a time such as 10us, or auto)");
    }
    if (p.sample_interval.ps <= 0) throw ConfigError("--sample-interval", "", "expected a time > 0, or auto");
  }
  p.series_ports = opt.series_ports;
  if (opt.progress == "on") {
    p.progress = true;
    p.progress_quiet_s = 0.0;
  } else {
    p.progress = opt.progress == "auto" && !opt.quiet && stderr_is_terminal();
  }
  return p;
}

// scripts/plot_report.py of the source tree: $ROCESIM_SOURCE_DIR, the tree this file was compiled
// from (__FILE__ is absolute under CMake), or a parent of the executable's directory.
std::filesystem::path find_plot_script() {
  namespace fs = std::filesystem;
  const fs::path rel = fs::path("scripts") / "plot_report.py";
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("ROCESIM_SOURCE_DIR")) roots.emplace_back(env);
  roots.push_back(fs::path(__FILE__).parent_path().parent_path().parent_path());
  std::error_code ec;
  for (fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path(); !ec && !dir.empty();
       dir = dir.parent_path()) {
    roots.push_back(dir);
    if (dir == dir.root_path()) break;
  }
  for (const fs::path& root : roots) {
    if (fs::is_regular_file(root / rel, ec)) return root / rel;
  }
  return {};
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void run_plots(const std::string& out_dir, bool quiet) {
  const std::filesystem::path script = find_plot_script();
  if (script.empty()) {
    std::cerr << "note: --plots: scripts/plot_report.py not found (set ROCESIM_SOURCE_DIR to the rocesim source tree)\n";
    return;
  }
  const PlotPython python = find_plot_python();  // app/plot_python.hpp: PATH's python3, then /usr/bin/python3
  if (python.path.empty()) {
    std::string tried;
    for (const std::string& t : python.tried) tried += (tried.empty() ? "" : ", ") + t;
    std::cerr << "note: --plots: no python3 with matplotlib (tried: " << (tried.empty() ? "none found" : tried)
              << "; Debian: apt-get install python3-matplotlib)\n";
    return;
  }
  std::cerr << "plots: using " << python.path << " (has matplotlib)\n";
  const std::string cmd =
      shell_quote(python.path) + " " + shell_quote(script.string()) + " " + shell_quote(out_dir) + (quiet ? " >/dev/null" : "");
  if (std::system(cmd.c_str()) != 0) {
    std::cerr << "note: --plots: " << python.path << " " << script.string() << " failed; the report files are complete\n";
  } else if (!quiet) {
    std::cout << "plots: " << out_dir << "\n";
  }
}

bool take_prefix(std::string& s, std::string_view prefix) {
  if (s.rfind(prefix, 0) != 0) return false;
  s.erase(0, prefix.size());
  return true;
}

routing::RoutingParams read_routing(const nlohmann::json& doc, std::uint64_t seed) {
  JsonReader r(doc, "--set", "/routing");
  routing::RoutingParams p;
  const std::string hash = r.choice_or("hash", {"crc", "crc_select", "uniform"}, "crc");
  p.hash = hash == "crc" ? routing::HashKind::crc : hash == "crc_select" ? routing::HashKind::crc_select : routing::HashKind::uniform;
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

// Fails before the run, not after it, when the report directory cannot be written.
void require_writable_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    throw ConfigError("--out", "", "cannot create the report directory \"" + dir + "\"" + (ec ? ": " + ec.message() : ""));
  }
  const fs::path probe = fs::path(dir) / ".rocesim-write-test";
  {
    std::ofstream f(probe);
    if (!f) throw ConfigError("--out", "", "the report directory \"" + dir + "\" is not writable");
  }
  fs::remove(probe, ec);
}

void run(const RunOptions& opt, CommandContext& ctx) {
  const auto wall_start = std::chrono::steady_clock::now();
  if (!opt.check) require_writable_dir(opt.out);
  if (!opt.check) install_interrupt_handlers();
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
  std::vector<topology::LinkChange> schedule;  // timed failures, applied during the run
  const topology::Fabric fabric = topology::build_fabric(topo, &schedule);
  // UET sprays by entropy: the fluid tier models it as the spray split (flow/spread.hpp), for its
  // own runs and for the fluid re-runs of a UET packet run.
  const bool fluid_uet = opt.backend == "fluid" && flow::take_fluid_transport(backend_params);
  const bool packet_uet = opt.backend == "packet" && backend_params.contains("nic") && backend_params["nic"].is_object() &&
                          backend_params["nic"].value("transport", nlohmann::json()) == "uet";
  const routing::RoutingParams given_rp = read_routing(routing_doc, opt.seed);
  const routing::RoutingParams rp = fluid_uet ? flow::uet_routing_params(given_rp) : given_rp;
  const routing::RoutingParams rerun_rp = packet_uet ? flow::uet_routing_params(rp) : rp;
  const routing::Router router(fabric, rp);
  // Workload → lowered DAG.
  const std::string wfile = opt.workload.empty() ? std::string("<built-in default workload>") : opt.workload;
  // The document lives only until it is parsed (a flow list of 1 M rows is ~0.9 GB of JSON); a
  // flow-list CSV without workload.* overrides skips it altogether.
  const workload::WorkloadSpec wspec = [&] {
    if (!opt.workload.empty() && workload_overrides.empty() && workload::detect_trace_format(opt.workload) == "flows") {
      return workload::flow_list_to_spec(workload::parse_flow_csv_file(opt.workload), wfile);
    }
    nlohmann::json wdoc;
    if (opt.workload.empty()) {
      wdoc = workload::default_workload_json(fabric.endpoints());
    } else {
      wdoc = workload::load_workload_document(opt.workload);
      const std::string note = workload::import_report_summary(wdoc);
      if (!note.empty() && !opt.quiet) std::cerr << note << '\n';
    }
    for (const auto& o : workload_overrides) apply_override(wdoc, o);
    return workload::parse_workload(wdoc, wfile);
  }();
  const workload::LoweredWorkload lowered = workload::lower_workload(wspec, fabric);
  // Failures may cut endpoints off: every job's ranks must reach each other before anything runs,
  // at time zero and after every instant of the failure schedule.
  require_jobs_reachable(router, schedule, lowered, wspec, wfile);
  PipelineOptions popt = pipeline_options(opt, backend_params);
  popt.link_changes = schedule;
  popt.check_backend = [&](const TransferBackend& b) { require_transfers_fit(b, lowered, wspec, wfile); };
  const bool attribution = opt.attribution == "on" ||
                           (opt.attribution == "auto" && lowered.dag.transfer_count() <= kAutoAttributionLimit);
  const nlohmann::json rerun_params = opt.backend == "fluid" ? backend_params : nlohmann::json::object();
  if (opt.check) {
    // Backend parameters are validated by constructing the backend, exactly as a run would; so is
    // the fluid backend of the summary's re-runs, with the routing they use (make_fluid_rerun).
    Simulator check_sim;
    const auto backend = make_backend(opt.backend, check_sim, fabric, router, backend_params);
    require_transfers_fit(*backend, lowered, wspec, wfile);
    if (!schedule.empty() && !backend->models_link_changes()) {
      throw ConfigError("--backend", opt.backend, "the " + opt.backend + " backend does not apply timed failures");
    }
    if (attribution) {
      const routing::Router fluid_router(fabric, flow::fluid_routing_params(rerun_rp));
      (void)make_backend("fluid", check_sim, fabric, fluid_router, rerun_params);
    }
    (void)effective_backend_params(opt.backend, backend_params);
    if (!opt.quiet) std::cout << "inputs ok\n";
    return;
  }
  // Run, observed.
  ActivityScope activity("running the simulation");
  const ProcessUsage at_setup_end = sample_process_usage();
  PipelineRun run = run_pipeline(fabric, router, lowered, popt);
  const ProcessUsage at_sim_end = sample_process_usage();
  const workload::DagExecutor& executor = *run.executor;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  RunFacts facts;
  facts.seed = opt.seed;
  facts.backend = std::string(run.backend->name());
  facts.wall_time_s = wall;
  facts.events = run.record.events;
  facts.sim_end = run.record.end;
  // The report reads the record and the executor, not the backend: its queues and packet pools go
  // before the report phase grows (a stalled run keeps it for the stall report).
  std::string stall;
  if (!executor.finished()) stall = run.backend->stall_report();
  run.backend.reset();
  facts.effective_config = {
      {"topology", topology::topology_to_json(topo)},
      {"workload", workload_config_json(wspec, opt.workload, workload_overrides, lowered.ops.size())},
      {"routing",
       {{"hash", routing::to_string(rp.hash)}, {"per_switch_seed", rp.per_switch_seed},
        {"load_balancing", routing::to_string(rp.load_balancing)},
        {"flowlet_gap", to_string(rp.flowlet_gap)}}},
      {"backend", {{"name", facts.backend}, {"params", effective_backend_params(opt.backend, backend_params)}}}};
  if (fluid_uet) facts.effective_config["backend"]["params"]["nic"] = {{"transport", "uet"}};
  RunContext context{&fabric, &router, &run.record, {}, false, schedule};
  context.attribution = attribution;
  const bool reruns = opt.attribution == "on" || lowered.ops.size() <= report::kSummaryOpLimit;
  if (context.attribution && !reruns) {
    run.record.notes.push_back("no fluid what-if re-runs (bottleneck, nonblocking_us): " +
                               std::to_string(lowered.ops.size()) + " ops exceed " +
                               std::to_string(report::kSummaryOpLimit) + " (--attribution on forces them)");
  }
  if (context.attribution && reruns) {
    context.rerun = make_fluid_rerun(lowered, rerun_rp, rerun_params, schedule, &fabric);
    if (packet_uet && rerun_rp.load_balancing != rp.load_balancing) {
      run.record.notes.push_back("fluid re-runs (nonblocking_us, attribution) model UET's entropy spraying as "
                                 "routing.load_balancing=spray (flow/spread.hpp)");
    }
  }
  // collectives.csv streams out while the summary is built (a row per op), into a temporary file
  // renamed into place only once the report is certain.
  AtomicFile collectives(opt.out, "collectives.csv");
  nlohmann::json summary = build_run_summary(facts, wspec, lowered, executor, context, &collectives.stream());
  if (!schedule.empty()) summary["failures"] = failure_schedule_json(fabric, schedule, run.record.link_changes_applied);
  // A signal during the what-if re-runs or the analysis: still no report (the old one survives).
  if (interrupt_signal() != 0) throw InterruptedError(interrupt_signal(), run.record.end);
  collectives.commit();
  write_file_atomically(opt.out, "flows.csv",
                        [&](std::ostream& os) { report::write_flows_csv(os, run.record, wspec, lowered); });
  write_file_atomically(opt.out, "links.csv", report::links_csv(run.record, fabric));
  write_file_atomically(opt.out, "timeseries.csv", report::timeseries_csv(run.record, fabric));
  write_file_atomically(opt.out, "tier_series.csv", report::tier_series_csv(run.record));
  write_file_atomically(opt.out, "trace.json",
                        [&](std::ostream& os) {
                          report::write_chrome_trace(os, wspec, lowered, run.record, report::kMaxTraceTransfers, &fabric);
                        });
  const ProcessUsage at_report_end = sample_process_usage();
  const double wall_report_end = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const nlohmann::json timing =
      run_timing(facts, phase_figures(at_setup_end, at_sim_end, at_report_end, run.wall_time_s, wall, wall_report_end));
  // summary.json last: its presence marks a finished report (sweep resume reads it).
  write_file_atomically(opt.out, "timing.json", timing.dump(2) + "\n");
  write_file_atomically(opt.out, "summary.json", summary.dump(2) + "\n");
  if (!opt.quiet) {
    std::cout << run_summary_text(summary, timing);
    for (const std::string& note : run.record.notes) std::cout << "note: " << note << '\n';
    std::cout << "report: " << opt.out
              << "/summary.json (+ collectives.csv flows.csv links.csv timeseries.csv tier_series.csv trace.json timing.json)\n";
  }
  if (opt.plots) run_plots(opt.out, opt.quiet);
  if (!executor.finished()) {
    std::cerr << "error: the run ended with " << lowered.dag.size() - executor.completed_nodes()
              << " DAG nodes not completed (backend \"" << facts.backend << "\" lost transfers)\n";
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
  cmd->add_option("--backend", opt->backend, "Fidelity tier: " + names + " (default fluid)");
  cmd->add_option("--set", opt->overrides,
                  "key=value override: topology.<key>, workload.<key>, routing.<key>, or a backend parameter");
  add_seed_option(cmd, opt->seed, "Master seed, 0..2^64-1 (default 1)");
  cmd->add_option("--out", opt->out, "Report directory (default ./rocesim-report)");
  cmd->add_flag("--quiet", opt->quiet, "No stdout summary and no progress line");
  cmd->add_flag("--plots", opt->plots, "Then run scripts/plot_report.py on the report directory (needs python3-matplotlib)");
  cmd->add_option("--attribution", opt->attribution,
                  "Fluid what-if re-runs for ideal time and bottleneck attribution: on|off|auto (auto: up to 200,000 transfers, re-runs up to 1,000 ops)")
      ->check(CLI::IsMember({"on", "off", "auto"}));
  cmd->add_option("--flows", opt->flows, "Record every transfer (flows.csv, FCT, trace): on|off|auto (auto: up to 2,000,000)")
      ->check(CLI::IsMember({"on", "off", "auto"}));
  cmd->add_option("--sample-interval", opt->sample_interval,
                  "First time-series interval, e.g. 10us (doubles to fit the run), or auto (default)");
  cmd->add_option("--series-ports", opt->series_ports,
                  "Hottest ports with their own time series in timeseries.csv and the trace (default 16; "
                  "tier_series.csv covers every tier)")
      ->check(CLI::Range(std::size_t{0}, observe::kMaxSeriesPorts));
  cmd->add_option("--progress", opt->progress,
                  "Progress line on stderr: auto (a terminal, not --quiet, after 2 s), on (from the start, any stderr), off")
      ->check(CLI::IsMember({"on", "off", "auto"}));
  add_max_memory_option(cmd);
  cmd->add_option("--watchdog-events", opt->watchdog_events, "Stop a run whose clock is stuck this many events")
      ->group("");  // hidden: the default suits every real run; tests lower it
  cmd->add_flag("--check", opt->check, "Validate topology, workload, routing and backend parameters, then exit (0 or 2)");
  cmd->callback([opt, &ctx] {
    try {
      run(*opt, ctx);
    } catch (const InterruptedError& e) {
      std::cerr << "rocesim run: " << e.what() << '\n';
      ctx.exit_code = 128 + e.signal();  // 130 SIGINT, 143 SIGTERM, as a shell reports a killed child
    }
  });
}

void check_run_arguments(const std::vector<std::string>& run_args) {
  CLI::App app;
  CommandContext ctx;
  register_run(app, ctx);
  std::vector<std::string> args{"run"};
  args.insert(args.end(), run_args.begin(), run_args.end());
  args.insert(args.end(), {"--check", "--quiet"});
  std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw ConfigError("rocesim run", "", std::string("bad arguments: ") + e.what());
  }
}

}  // namespace rocesim::app
