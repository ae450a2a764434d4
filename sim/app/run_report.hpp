// The `rocesim run` report: summary.json assembled from a finished run, and the stdout summary.
//
// summary.json keys (units in the key names): "version", "seed", "backend", "effective_config"
// (topology, workload, routing, backend params, every default filled), "run" (simulated end time,
// events, DAG size), "jobs" (per job: placement, start/end, bytes sent and received per rank),
// "ops" (per op and iteration: type, algorithm, group, start/end/duration, algbw and busbw per
// NCCL-tests: algbw = bytes / duration in GB/s (1e9 B/s), busbw = algbw · factor). Above
// report::kSummaryOpLimit ops (1,000), "ops" aggregates them per (job, iteration, type) with
// distributions and the slowest instances (report/op_aggregate.hpp) and "ops_aggregated" says so;
// only those slowest instances get "critical_links". With `collectives_csv`, every op's row is
// appended there as its object is built (collectives.csv keeps every op in both forms).
// With a RunContext, more sections (each omitted when the context cannot support it):
//   from the record (report/run_analysis.hpp, utilization over run.sim_end_us): "tiers",
//   "hot_links", "fct", "pfc", "drops", "conservation"; and "slowdown" (FCT / FCT alone on the
//   idle fabric, overall and per flow-size bucket, report/slowdown.hpp) when every op is a send
//   (a flow list, e.g. `rocesim traffic` output) and the backend knows the ideal FCT;
//   only when context.attribution is true (false skips all of it, critical links included): per op "ideal_us" (a lower bound, report/op_lower_bound.hpp)
//   and "efficiency"; from the fluid re-runs and the record (report/attribution.hpp): per op
//   "nonblocking_us" and "attribution" {"bottleneck_tier", "speedup_if_nonblocking",
//   "critical_links", "ecmp_collisions"}, and the global "bottleneck" {"tier", "summary",
//   "fluid_reruns"}. Re-runs happen only when context.attribution is true and rerun is set.
// "notes": what the reader should know about how the numbers were obtained (the record's notes:
// recording off, sampling per tier, a PFC headroom below the lossless requirement, ...; and when
// the re-runs modelled the run's load balancing by its fluid counterpart); omitted when empty.
// `rocesim run` adds "failures" (app/run_command.cpp) when the topology has timed failures.
// summary.json is deterministic: the same inputs and seed give the same bytes. What the run cost
// on this machine goes to timing.json instead (run_timing below), so two summaries can be diffed.
// Kept in one file so it can move to sim/report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"
#include "routing/router.hpp"
#include "topology/fabric.hpp"
#include "topology/failures.hpp"
#include "workload/dag_executor.hpp"
#include "workload/lower_workload.hpp"
#include "workload/workload_spec.hpp"

namespace rocesim::app {

struct RunFacts {
  nlohmann::json effective_config;
  std::uint64_t seed = 0;
  std::string backend;
  double wall_time_s = 0.0;
  std::uint64_t events = 0;
  Time sim_end{};
};

// Runs the same lowered workload on the fluid backend over `fabric` (same node/link/port ids as the
// main run's fabric, e.g. a Fabric::with_link_rates copy) and returns what it measured. Used for
// the ideal (non-blocking) time and the per-tier what-if of bottleneck attribution.
using FluidRerun = std::function<observe::RunRecord(const topology::Fabric& fabric)>;

// What the report builder may read beyond the executor: the fabric and router of the run, the
// observation record (sim/observe), and a way to re-run on modified fabrics. Pointers may be null
// and `rerun` empty (the corresponding sections are then omitted, never invented).
struct RunContext {
  const topology::Fabric* fabric = nullptr;
  const routing::Router* router = nullptr;
  const observe::RunRecord* record = nullptr;
  FluidRerun rerun;
  bool attribution = true;  // compute the lower bounds and run the what-if re-runs
  std::span<const topology::LinkChange> link_changes;  // the failure schedule (peak link rates of the bound)
};

nlohmann::json build_run_summary(const RunFacts& facts, const workload::WorkloadSpec& spec,
                                 const workload::LoweredWorkload& lowered, const workload::DagExecutor& executor,
                                 const RunContext& context, std::ostream* collectives_csv = nullptr);

// timing.json, the run's only non-deterministic figures: {"run": {"wall_time_s" (input reading to
// the last event), "events_per_wall_s"}, "wall_clock": `wall_clock`} (the phases' wall, CPU and
// peak RSS, app/run_command.cpp). Before session 7 these keys were in summary.json.
nlohmann::json run_timing(const RunFacts& facts, nlohmann::json wall_clock);

// A few lines for the terminal: fabric, backend, one line per op (first 20), totals, and the wall
// time from `timing` (run_timing).
std::string run_summary_text(const nlohmann::json& summary, const nlohmann::json& timing);

// Writes `text` to dir/name through a temporary file and a rename, so a reader never sees a
// partial file. Throws ConfigError if the directory cannot be created or written.
void write_file_atomically(const std::string& dir, const std::string& name, const std::string& text);
// The same, with the content written by `write` to the temporary file as it goes (large files
// need not sit in memory whole).
void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::function<void(std::ostream&)>& write);

// dir/name written through a temporary file (dir/.name.tmp) that commit() renames into place;
// without commit() the destructor removes it, so an interrupted report leaves the old file. For a
// file produced while the rest of the report is still being computed (collectives.csv: its rows
// stream out as the summary is built). Throws ConfigError as write_file_atomically.
class AtomicFile {
 public:
  AtomicFile(const std::string& dir, const std::string& name);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  std::ostream& stream() { return file_; }
  void commit();

 private:
  std::filesystem::path final_, tmp_;
  std::ofstream file_;
  bool committed_ = false;
};

}  // namespace rocesim::app
