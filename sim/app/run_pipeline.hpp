// The run pipeline: one lowered workload on one backend over a fabric and router, observed.
//
// run_pipeline() builds a Simulator, the backend (app/backends.hpp), a TransferRecorder between
// the DagExecutor and the backend (sim/observe), runs to completion and returns the executor
// (for the summary) and an observe::RunRecord: transfers (when recorded), per-port counters, the
// sampled time series, conservation and per-op start/end. `rocesim run` uses it, and so does the
// fluid re-run of the summary (make_fluid_rerun), so both measure the same way.
// How the run is driven: Simulator::run_until in chunks ending at the sampler's next instant (and,
// with a progress line, at short simulated-time steps sized to ~0.1 s of wall time), so neither
// sampling nor progress puts an event in the queue; the recorder stops the loop when the DAG's
// last transfer completes, then the backend's trailing events run as in a plain run, so the
// simulated end equals an unobserved run's (exception: if the DAG ends with a compute delay while
// the packet backend holds cancelled timers, record.end is the DAG's last completion).
// Transfer recording: on, off, or auto (off above kAutoFlowLimit transfers, with a note).
// Timed failures (PipelineOptions::link_changes, topology/failures.hpp failure_schedule): the run
// gets its own copy of the router; at each change instant one event applies every change of that
// instant to it (Router::set_link_states) and then tells the backend (on_links_changed). The
// pending change is cancelled when the DAG's last transfer completes, so a failure scheduled after
// the workload ends does not stretch the run. A backend that does not model link changes is a
// ConfigError before anything runs.
// Thread safety: none; each call owns its Simulator, so calls may run on different threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/run_report.hpp"
#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "observe/run_record.hpp"
#include "observe/transfer_recorder.hpp"
#include "routing/router.hpp"
#include "topology/fabric.hpp"
#include "topology/failures.hpp"
#include "app/progress.hpp"
#include "workload/dag_executor.hpp"
#include "workload/lower_workload.hpp"

namespace rocesim::app {

enum class FlowRecording { on, off, automatic };
// Above this many transfers `--flows auto` turns recording off (48 B per transfer).
inline constexpr std::size_t kAutoFlowLimit = 2'000'000;

struct PipelineOptions {
  std::string backend = "analytic";
  nlohmann::json backend_params = nlohmann::json::object();
  FlowRecording flows = FlowRecording::automatic;
  bool sample = true;        // time series (observe::PortSampler)
  Time sample_interval{};    // first interval; Time{} = automatic
  std::size_t series_ports = 16;  // hottest ports with their own series (--series-ports)
  bool progress = false;     // progress line on stderr (the caller decides: a terminal, not quiet)
  double progress_quiet_s = kQuietSeconds;  // wall seconds before the first draw (--progress on: 0)
  std::vector<topology::LinkChange> link_changes;  // timed failures, ordered as failure_schedule orders them
  // Watchdog (Simulator::set_stall_limit): a clock stuck for this many consecutive events stops the
  // run with a ResourceError (exit 3). 10^8 is far above any legitimate burst at one instant
  // (a same-instant event per transfer start or completion of a lowered DAG, which the memory
  // budget keeps below ~10^8 nodes on a 4 GB machine) and reached in seconds by a livelock.
  std::uint64_t stall_events = 100000000;
  // Called with the backend once it is built, before any event (input checks that need it).
  std::function<void(const TransferBackend&)> check_backend;
};

struct PipelineRun {
  std::unique_ptr<Simulator> sim;
  std::unique_ptr<routing::Router> live_router;  // the run's router when link_changes is not empty
  std::unique_ptr<TransferBackend> backend;
  std::unique_ptr<observe::TransferRecorder> recorder;
  std::unique_ptr<workload::DagExecutor> executor;
  observe::RunRecord record;
  double wall_time_s = 0.0;  // the run itself (not building inputs or writing reports)
};

// Applies to `router` every change of `changes` from index `from` on that happens at the same
// instant as changes[from] (one Router::set_link_states) and returns the index after them. The run
// and the reachability check before it both step through a schedule with this, so they see the
// same router states. `scratch` is reused. REQUIRES: from < changes.size().
std::size_t apply_instant(routing::Router& router, std::span<const topology::LinkChange> changes, std::size_t from,
                          std::vector<routing::Router::LinkState>& scratch);

// Throws ConfigError for a bad backend name or parameters (before anything runs).
PipelineRun run_pipeline(const topology::Fabric& fabric, const routing::Router& router,
                         const workload::LoweredWorkload& lowered, const PipelineOptions& options);

// A FluidRerun for the summary: builds a Router with `routing` (as flow::fluid_routing_params maps
// it: flowlet re-runs as ecmp) over the given fabric (a
// Fabric::with_link_rates copy of the run's) and runs `lowered` on the fluid backend with
// `fluid_params`, without transfer recording, sampling or progress. `lowered` must outlive it.
// `link_changes` (the run's failure schedule) apply to the re-runs too, by link id; with
// `run_fabric` (the main run's fabric, which must outlive the rerun), a scheduled rate is scaled by
// the re-run fabric's rate over the run's for that link, so a degradation to half stays half on a
// what-if fabric whose links are faster.
FluidRerun make_fluid_rerun(const workload::LoweredWorkload& lowered, const routing::RoutingParams& routing,
                            nlohmann::json fluid_params, std::vector<topology::LinkChange> link_changes = {},
                            const topology::Fabric* run_fabric = nullptr);

}  // namespace rocesim::app
