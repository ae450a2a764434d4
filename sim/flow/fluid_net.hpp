// FluidNet: the flow-level backend. Each transfer is a fluid flow at its max-min fair rate.
//
// Units: rates in bit/s (double inside the solver), bytes as double while draining, time in
// integer picoseconds on the shared Simulator.
// Model and equations:
//   path      = Router::path(FlowKey::for_qp(src, dst, flow_label)): the exact per-flow ECMP path
//               the packet backend's switches pick (same hash, same seeds).
//   start     : a transfer requested at t0 joins the solver at t0 + Σ_path latency + overhead
//               (propagation of the first byte plus the fixed per-transfer cost), so a lone
//               transfer of B bytes on a path whose narrowest port is R completes at
//               t0 + Σ latency + overhead + ceil(8·B·1e12 / R) ps.
//   rates     : x = weighted max-min fair allocation (MaxMinSolver) with one constraint per port
//               (egress direction of a full-duplex link, capacity = link rate; the first port is the
//               NIC, so the NIC line rate is a constraint too) and an optional per-flow cap.
//   draining  : remaining_f(t) = remaining_f(t_f) − x_f·(t − t_f)/8, brought up to date only
//               when x_f changes; finish_f = t_f + ceil(8·remaining_f·1e12 / x_f) ps.
//   batching  : activations and completions at one instant are applied to the solver, then a
//               single solve event (scheduled at the same instant, after them) re-solves once.
//   events    : one completion timer for the whole backend, armed at the earliest finish_f
//               (a lazy min-heap of (finish, flow, version) holds the candidates).
//   reports   : port_bytes(p) = ∫ load_p dt = Σ_f bytes f has pushed through p (exact: completed
//               flows at completion, in-flight flows by their drained bytes);
//               utilization_p = 8·port_bytes(p) / (rate_p · elapsed).
// Not modelled (by design, see the packet backend): queueing delay, PFC pauses, incast transients,
// congestion-control dynamics; priority classes share links max-min fairly (priority is ignored).
// Thread safety: none; driven by the Simulator's thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "flow/fluid_params.hpp"
#include "flow/max_min_solver.hpp"
#include "routing/router.hpp"

namespace rocesim::flow {

struct FluidStats {
  std::uint64_t started = 0;     // transfers accepted by start()
  std::uint64_t completed = 0;   // transfers reported done
  std::uint64_t batches = 0;     // solve events (one per instant with changes)
  std::uint64_t rate_updates = 0;  // flows whose rate changed, summed over batches
  std::size_t peak_active = 0;   // most flows in the solver at once
};

class FluidNet final : public TransferBackend, public EventHandler {
 public:
  // REQUIRES: fabric and router outlive the backend; router routes over `fabric`.
  FluidNet(Simulator& sim, const topology::Fabric& fabric, const routing::Router& router, FluidParams params);

  std::string_view name() const override { return "fluid"; }
  void set_sink(TransferSink* sink) override { sink_ = sink; }
  // Throws ConfigError naming the endpoints if the router finds no path.
  void start(const TransferRequest& request) override;
  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override;

  const FluidParams& params() const { return params_; }
  const FluidStats& stats() const { return stats_; }
  const MaxMinSolver& solver() const { return solver_; }
  std::size_t active_flows() const { return solver_.live_variables(); }
  // Sum of the current rates of all active flows (bit/s).
  double aggregate_rate() const;
  // Current load of a port (bit/s).
  double port_load(topology::PortId p) const { return solver_.load(p); }
  // Bytes every port has carried up to sim.now(), indexed by port id.
  std::vector<double> port_bytes() const;
  // 8·bytes / (rate · window) per port; REQUIRES: window > 0.
  std::vector<double> port_utilization(Time window) const;

 private:
  enum Kind : std::uint32_t { kActivate = 0, kSolve = 1, kComplete = 2 };
  struct Completion {
    std::int64_t at;
    std::uint32_t flow;
    std::uint32_t version;
    bool operator>(const Completion& o) const { return at != o.at ? at > o.at : flow > o.flow; }
  };

  std::uint32_t allocate_flow();
  void activate(std::uint32_t f);
  void request_solve();
  void solve();
  void complete_due();
  void arm_next();
  void push_completion(std::uint32_t f);
  std::span<const topology::PortId> path_of(std::uint32_t f) const {
    return {path_.data() + static_cast<std::size_t>(f) * kMaxPath, path_len_[f]};
  }

  static constexpr std::uint32_t kMaxPath = 16;

  Simulator& sim_;
  const topology::Fabric& fabric_;
  const routing::Router& router_;
  FluidParams params_;
  TransferSink* sink_ = nullptr;
  MaxMinSolver solver_;
  TimerId timer_;
  bool solve_pending_ = false;

  // Flows, struct of arrays indexed by flow slot (slots are reused).
  std::vector<std::uint64_t> tag_;
  std::vector<double> total_, remaining_, rate_;
  std::vector<std::int64_t> last_;  // ps at which remaining_ was last brought up to date
  std::vector<std::uint32_t> version_, var_, path_len_;
  std::vector<topology::PortId> path_;  // stride kMaxPath
  std::vector<std::uint32_t> free_flows_;
  std::vector<std::uint32_t> flow_of_var_;

  std::vector<Completion> heap_;
  std::vector<double> carried_;  // bytes of completed flows per port
  std::vector<topology::PortId> scratch_path_;
  std::vector<std::uint64_t> done_tags_;
  FluidStats stats_;
};

}  // namespace rocesim::flow
