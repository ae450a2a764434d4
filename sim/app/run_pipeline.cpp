#include "app/run_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

#include "app/backends.hpp"
#include "app/progress.hpp"
#include "core/config_error.hpp"
#include "flow/spread.hpp"
#include "core/interrupt.hpp"
#include "observe/analytic_series.hpp"
#include "observe/backend_observer.hpp"
#include "observe/port_sampler.hpp"
#include "report/link_tiers.hpp"

namespace rocesim::app {
namespace {

using Clock = std::chrono::steady_clock;

// Largest simulated time one progress refresh may cover (run_pipeline's chunk loop).
constexpr Time kMaxProgressChunk = Time::from_ms(1000);

// Applies the failure schedule: one timer, armed at the next change instant (header).
class LinkChangeDriver final : public EventHandler {
 public:
  // REQUIRES: router is not null when changes is not empty.
  LinkChangeDriver(Simulator& sim, routing::Router* router, TransferBackend& backend,
                   const std::vector<topology::LinkChange>& changes)
      : sim_(sim), router_(router), backend_(backend), changes_(changes) {
    if (changes_.empty()) return;
    timer_ = sim_.make_timer(this, 0);
    sim_.arm(timer_, changes_.front().at);
  }
  void on_event(Simulator&, std::uint32_t, std::uint64_t) override {
    const std::size_t first = next_;
    next_ = apply_instant(*router_, changes_, first, states_);
    links_.clear();
    for (std::size_t i = first; i < next_; ++i) links_.push_back(changes_[i].link);
    backend_.on_links_changed(links_);
    ++instants_;
    if (next_ < changes_.size()) sim_.arm(timer_, changes_[next_].at);
  }
  void cancel() {
    if (timer_.valid()) sim_.cancel(timer_);
  }
  std::size_t applied() const { return next_; }
  std::size_t instants() const { return instants_; }

 private:
  Simulator& sim_;
  routing::Router* router_;
  TransferBackend& backend_;
  const std::vector<topology::LinkChange>& changes_;
  TimerId timer_{};
  std::size_t next_ = 0;
  std::size_t instants_ = 0;
  std::vector<routing::Router::LinkState> states_;
  std::vector<std::uint32_t> links_;
};

// Stops the simulator when the DAG's last node completes through a transfer, so the driving
// loop can finish the backend's trailing events without a chunk limit bumping the clock.
class FinishWatch final : public TransferSink {
 public:
  FinishWatch(Simulator& sim, workload::DagExecutor& executor, LinkChangeDriver& changes)
      : sim_(sim), executor_(executor), changes_(changes) {}
  void on_transfer_done(std::uint64_t tag, Time now) override {
    executor_.on_transfer_done(tag, now);
    if (executor_.finished()) {
      fired_ = true;
      changes_.cancel();
      sim_.stop();
    }
  }
  bool fired() const { return fired_; }

 private:
  Simulator& sim_;
  workload::DagExecutor& executor_;
  LinkChangeDriver& changes_;
  bool fired_ = false;
};

// Tier groups ("<tier> up|down") for the sampler's aggregate mode, in first-seen port order.
void tier_groups(const topology::Fabric& fabric, std::vector<std::uint32_t>& group_of_port,
                 std::vector<std::string>& names) {
  group_of_port.assign(fabric.port_count(), 0);
  for (topology::PortId p = 0; p < fabric.port_count(); ++p) {
    const std::string name = report::link_tier_name(fabric, fabric.port(p).link) +
                             (report::port_goes_up(fabric, p) ? " up" : " down");
    const auto it = std::find(names.begin(), names.end(), name);
    group_of_port[p] = static_cast<std::uint32_t>(it - names.begin());
    if (it == names.end()) names.push_back(name);
  }
}

// Automatic first interval: the run cannot be shorter than all bytes through all NICs at line
// rate (T_min = Σ bytes · 8 / (endpoints · NIC rate)), so starting at T_min / max_samples leaves
// only the doublings the run's inefficiency needs (each doubling re-reads every port S/2 times).
Time first_interval(const topology::Fabric& fabric, const workload::LoweredWorkload& lowered,
                    const observe::SamplerConfig& cfg) {
  double bytes = 0.0;
  for (const workload::OpRecord& op : lowered.ops) bytes += static_cast<double>(op.wire_bytes);
  if (fabric.endpoints() == 0 || fabric.node(0).port_count == 0) return observe::kAutoFirstInterval;
  const double nic_bps = static_cast<double>(fabric.port_rate(fabric.node(0).first_port).bps);
  const double t_min_ps = bytes * 8.0 / (static_cast<double>(fabric.endpoints()) * nic_bps) * 1e12;
  const auto ps = static_cast<std::int64_t>(t_min_ps / static_cast<double>(cfg.max_samples));
  return std::max(observe::kAutoFirstInterval, Time{ps});
}

bool record_flows(FlowRecording mode, std::size_t transfers, observe::RunRecord& record) {
  if (mode == FlowRecording::on) return true;
  if (mode == FlowRecording::off) {
    record.notes.push_back("transfer recording off (--flows off): no flows.csv rows, FCT or per-transfer trace");
    return false;
  }
  if (transfers <= kAutoFlowLimit) return true;
  record.notes.push_back("transfer recording off: " + std::to_string(transfers) + " transfers exceed " +
                         std::to_string(kAutoFlowLimit) + " (--flows on forces it, 48 B per transfer)");
  return false;
}

}  // namespace

std::size_t apply_instant(routing::Router& router, std::span<const topology::LinkChange> changes, std::size_t from,
                          std::vector<routing::Router::LinkState>& scratch) {
  scratch.clear();
  std::size_t i = from;
  for (; i < changes.size() && changes[i].at == changes[from].at; ++i) {
    scratch.push_back(routing::Router::LinkState{changes[i].link, changes[i].up, changes[i].rate});
  }
  router.set_link_states(scratch);
  return i;
}

PipelineRun run_pipeline(const topology::Fabric& fabric, const routing::Router& given_router,
                         const workload::LoweredWorkload& lowered, const PipelineOptions& opt) {
  PipelineRun run;
  run.sim = std::make_unique<Simulator>();
  Simulator& sim = *run.sim;
  sim.set_stall_limit(opt.stall_events);
  sim.set_interrupt_flag(interrupt_flag());
  if (!opt.link_changes.empty()) run.live_router = std::make_unique<routing::Router>(given_router);
  const routing::Router& router = run.live_router ? *run.live_router : given_router;
  run.backend = make_backend(opt.backend, sim, fabric, router, opt.backend_params);
  if (opt.check_backend) opt.check_backend(*run.backend);
  if (!opt.link_changes.empty() && !run.backend->models_link_changes()) {
    throw ConfigError("--backend", opt.backend,
                      "the " + opt.backend + " backend does not apply timed failures (\"at\"/\"until\" in the topology's failures)");
  }
  observe::RunRecord& rec = run.record;
  rec.backend = std::string(run.backend->name());
  const bool flows = record_flows(opt.flows, lowered.dag.transfer_count(), rec);
  run.recorder = std::make_unique<observe::TransferRecorder>(sim, *run.backend, lowered.dag, flows);
  const std::unique_ptr<observe::PortProbe> probe = observe::make_port_probe(*run.backend);
  if (!probe) run.recorder->account_paths(router);  // analytic: bytes per port from routed paths
  run.executor = std::make_unique<workload::DagExecutor>(sim, *run.recorder, lowered.dag, lowered.rank_endpoint,
                                                         lowered.ops.size());
  LinkChangeDriver changes(sim, run.live_router.get(), *run.backend, opt.link_changes);
  FinishWatch watch(sim, *run.executor, changes);
  run.recorder->set_sink(&watch);

  std::unique_ptr<observe::PortSampler> sampler;
  if (opt.sample && probe) {
    std::vector<std::uint32_t> group_of_port;
    std::vector<std::string> groups;
    tier_groups(fabric, group_of_port, groups);
    observe::SamplerConfig cfg;
    cfg.top_ports = opt.series_ports;
    cfg.interval = opt.sample_interval.ps > 0 ? opt.sample_interval : first_interval(fabric, lowered, cfg);
    sampler = std::make_unique<observe::PortSampler>(fabric, *probe, cfg, std::move(group_of_port), std::move(groups));
    if (!sampler->per_port()) {
      rec.notes.push_back("time series per tier: " + std::to_string(fabric.port_count()) +
                          " ports exceed the per-port sampling budget");
    }
    if (!probe->has_queues() && rec.backend == "packet") {
      rec.notes.push_back("time series without queue depth: the packet backend exposes no per-port queue accessor");
    }
  } else if (opt.sample && !flows) {
    rec.notes.push_back("no time series: the " + rec.backend +
                        " tier's series is rebuilt from recorded transfers, and recording is off");
  }

  ProgressLine progress(std::cerr, opt.progress, opt.progress_quiet_s);
  const auto wall_start = Clock::now();
  run.executor->start();
  // The progress chunk (simulated time per refresh) adapts to ~0.1 s of wall time. It grows only
  // while it is what stops the chunk (a sampler limit may bind first), up to kMaxProgressChunk, and
  // the limit saturates: an unbounded chunk once wrapped the int64 clock and froze every run typed
  // in a terminal.
  Time chunk = Time::from_us(1);
  const double nodes = static_cast<double>(std::max<std::size_t>(1, lowered.dag.size()));
  bool chunked = false;  // a chunk limit may have moved the clock past the last live event
  for (;;) {
    Time limit = Time::max();
    if (sampler) limit = sampler->next_at();
    const Time chunk_end = sim.now().saturating_add(chunk);
    const bool chunk_binds = progress.enabled() && chunk_end < limit;
    if (chunk_binds) limit = chunk_end;
    chunked = chunked || limit != Time::max();
    const auto chunk_start = Clock::now();
    sim.run_until(limit);
    if (interrupt_signal() != 0) throw InterruptedError(interrupt_signal(), sim.now());
    if (sim.stalled()) {
      throw ResourceError("the simulated clock stopped advancing: " + std::to_string(opt.stall_events) +
                          " events in a row at t = " + to_string(sim.now()) + " (" + rec.backend +
                          " backend, " + std::to_string(run.executor->completed_nodes()) + " of " +
                          std::to_string(lowered.dag.size()) + " DAG nodes done); the model is livelocked, " +
                          "e.g. by a parameter far outside its plausible range");
    }
    if (sim.stopped() || sim.pending() == 0) break;
    if (sampler && sim.now() == sampler->next_at()) sampler->sample(sim.now());
    if (progress.enabled()) {
      const double took = std::chrono::duration<double>(Clock::now() - chunk_start).count();
      if (took < 0.05 && chunk_binds) chunk = std::min(kMaxProgressChunk, chunk + chunk);
      else if (took > 0.2 && chunk.ps > 1) chunk = Time{chunk.ps / 2};
      progress.update(sim.now(), sim.events_executed(), static_cast<double>(run.executor->completed_nodes()) / nodes);
    }
  }
  if (run.executor->finished()) sim.run();  // the backend's trailing events (ACKs, same-instant solves)
  progress.finish();
  run.wall_time_s = std::chrono::duration<double>(Clock::now() - wall_start).count();

  run.recorder->set_sink(run.executor.get());  // `watch` dies here
  rec.end = sim.now();
  if (run.executor->finished() && !watch.fired() && chunked) {
    rec.end = run.executor->last_completion();  // the DAG ended with a delay (header)
  }
  rec.last_completion = run.executor->last_completion();
  rec.link_changes_applied = changes.applied();
  if (!opt.link_changes.empty()) {
    rec.notes.push_back("timed failures: " + std::to_string(changes.applied()) + " of " +
                        std::to_string(opt.link_changes.size()) + " link changes applied at " +
                        std::to_string(changes.instants()) +
                        " instants; links.csv capacity and tier utilization use the time-zero link rates");
  }
  rec.events = sim.events_executed();
  rec.completed = run.executor->finished();
  rec.transfers_recorded = flows;
  rec.transfers = run.recorder->take_records();
  for (observe::TransferRecord& t : rec.transfers) {  // the slowdown's denominator (report/slowdown.hpp)
    t.ideal = run.backend->ideal_fct(TransferRequest{t.src, t.dst, Bytes{t.bytes}, t.flow_label, 0, 0});
  }
  rec.bytes_started = run.recorder->bytes_started();
  rec.bytes_delivered = run.recorder->bytes_delivered();
  observe::collect_ports(*run.backend, *run.recorder, rec);
  if (sampler) rec.series = sampler->finish(rec.end);
  if (!probe && opt.sample && flows) {
    std::vector<std::uint32_t> group_of_port;
    std::vector<std::string> groups;
    tier_groups(fabric, group_of_port, groups);
    rec.series = observe::analytic_series(rec.transfers, router, run.recorder->path_bytes(), rec.end, 256,
                                          opt.series_ports, group_of_port, groups);
  }
  rec.op_start.resize(lowered.ops.size());
  rec.op_end.resize(lowered.ops.size());
  for (std::uint32_t i = 0; i < lowered.ops.size(); ++i) {
    rec.op_start[i] = run.executor->op_start(i);
    rec.op_end[i] = run.executor->op_end(i);
  }
  return run;
}

FluidRerun make_fluid_rerun(const workload::LoweredWorkload& lowered, const routing::RoutingParams& routing,
                            nlohmann::json fluid_params, std::vector<topology::LinkChange> link_changes,
                            const topology::Fabric* run_fabric) {
  // A per-packet mode the fluid tier does not model re-runs as its fluid counterpart (flow/spread.hpp).
  return [&lowered, fluid_routing = flow::fluid_routing_params(routing), params = std::move(fluid_params),
          changes = std::move(link_changes), run_fabric](const topology::Fabric& fabric) {
    const routing::Router router(fabric, fluid_routing);
    PipelineOptions opt;
    opt.backend = "fluid";
    opt.backend_params = params;
    opt.flows = FlowRecording::off;
    opt.sample = false;
    opt.link_changes = changes;
    if (run_fabric != nullptr) {
      // A what-if fabric runs some links faster: a scheduled rate keeps its ratio to the link's rate.
      for (topology::LinkChange& c : opt.link_changes) {
        if (!c.up) continue;
        const double scale = static_cast<double>(fabric.link(c.link).rate.bps) /
                             static_cast<double>(run_fabric->link(c.link).rate.bps);
        c.rate = Rate{static_cast<std::uint64_t>(std::llround(static_cast<double>(c.rate.bps) * scale))};
      }
    }
    PipelineRun run = run_pipeline(fabric, router, lowered, opt);
    run.record.notes.clear();  // "recording off" is by design here
    return std::move(run.record);
  };
}

}  // namespace rocesim::app
