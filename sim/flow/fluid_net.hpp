// FluidNet: the flow-level backend. Each transfer is a fluid flow at its max-min fair rate.
//
// Units: rates in bit/s (double inside the solver), bytes as double while draining, time in
// integer picoseconds on the shared Simulator.
// Model and equations:
//   path      = Router::path(FlowKey::for_qp(src, dst, flow_label)): the exact per-flow ECMP path
//               the packet backend's switches pick (same hash, same seeds). The last path of each
//               source is cached (a ring sends every step to the same peer on the same label).
//   spreading : a flow crosses port p with a coefficient a_p (MaxMinSolver), per
//               routing.load_balancing (flow/spread.hpp has the derivation):
//                 ecmp     a_p = 1 on the path above, 0 elsewhere;
//                 spray    the packet tier's per-packet hash, in the fluid limit: at every fabric
//                          switch n the fraction φ_n of the flow reaching n splits over the ECMP
//                          candidates K_n in proportion to their rates (evenly on a healthy
//                          fabric): a_p = Σ_n φ_n · r_p / Σ_{q∈K_n} r_q; a port carries rate·a_p;
//                 adaptive the fluid limit of least-queue choice among backlogged candidates:
//                          queues grow alike, so traffic splits in proportion to drain rates —
//                          the same coefficients as spray. Load that other flows put on a
//                          candidate is not steered around (an approximation, stated);
//                 flowlet  rejected with a ConfigError: flowlets are cut by packet gaps, which a
//                          fluid flow does not have.
//               The source's first hop and paths relayed through a scale-up domain stay on their
//               ECMP choice in every mode, as in the packet tier (sim/net/load_balancing.hpp).
//   start     : a transfer requested at t0 joins the solver at t0 + Σ_path latency + overhead
//               (propagation of the first byte plus the fixed per-transfer cost), so a lone
//               transfer of B bytes on a path whose narrowest port is R completes at
//               t0 + Σ latency + overhead + ceil(8·W(B)·1e12 / R) ps.
//   wire bytes: a flow carries W(B) = B + ⌈B/mtu⌉·data_overhead bytes (FluidParams "wire", the
//               packet tier's headers, FCS, preamble and gap per packet: 82 B per 4000 B by
//               default, so a long flow's payload reaches 4000/4082 = 98.0 % of line rate, as on
//               the packet tier). Rates, remaining bytes and port_bytes below are wire bytes.
//               Not modelled: ACK/CNP frames on the reverse links (86 B per acknowledged
//               packet or coalesced group on the packet tier).
//   rates     : strict priority between traffic classes (TransferRequest::priority; 0 is the
//               lossless data class and the highest, as the packet tier's strict scheduler serves
//               data priority 0 first). Class k is a weighted max-min fair allocation
//               (MaxMinSolver) with one constraint per port (egress direction of a full-duplex
//               link; the first port is the NIC, so the NIC line rate is a constraint too) of
//               capacity  C_p^k = r_p − Σ_{j<k} load_p^j  (what the higher classes leave), and an
//               optional per-flow cap. Classes are solved in order 0, 1, …; a change in class j's
//               load on p updates C_p^k of the classes below, which re-solve only those ports.
//   draining  : remaining_f(t_0) = W(B), remaining_f(t) = remaining_f(t_f) − x_f·(t − t_f)/8, brought up to date only
//               when x_f changes; finish_f = t_f + ceil(8·remaining_f·1e12 / x_f) ps.
//   batching  : activations and completions at one instant are applied to the solvers, then a
//               single solve event (scheduled at the same instant, after them) re-solves once.
//               Both are applied as batches whose memory is prefetched ahead (at 10^6 ports the
//               cost of a start or finish is its cache misses).
//   events    : one completion timer for the whole backend, armed at the earliest finish_f
//               (a CompletionQueue holds the candidates bucketed by finish time: a ring step's
//               flows share one bucket), and one activation timer per distinct path latency (a
//               FIFO of pending activations).
//   reports   : port_bytes(p) = ∫ load_p dt = Σ_f a_fp · bytes f has pushed (exact: completed flows
//               at completion via the solver's accumulators, in-flight flows by their drained
//               bytes); utilization_p = 8·port_bytes(p) / (rate_p · elapsed).
//   link changes (timed failures, on_links_changed; fluid_link_change.cpp): at the change instant t
//               every port p of a changed link gets  C_p^0 = r_p  (Router::port_rate; 0 if the link
//               is down) and C_p^k = C_p^{k-1} − load_p^{k-1} below it. Routing reconverges at t:
//               every flow, active or started but not yet activated, takes its path from the live
//               Router (the path cache is dropped; spray/adaptive coefficients are recomputed, with
//               the live rates). An active flow whose ports or coefficients change is drained to t
//               (remaining_f(t) = remaining_f(t_f) − x_f·(t − t_f)/8), leaves its solver crediting
//               the bytes it pushed so far to its old ports, and rejoins on the new ones with the
//               rest, so port_bytes stays exact. Fluid loses no bytes: packets in flight on a link
//               that goes down, their loss and retransmission are not modelled. One re-solve for
//               the instant; finish times follow from the new rates. A flow finishing at t keeps
//               its path (it is done before t's re-solve); a pending flow keeps its activation
//               time (its first byte's propagation is not re-timed). A flow left without a path is
//               a caller bug (runs check reachability at every change): std::logic_error.
//   resolve slack (FluidParams::resolve_slack = ε, default 0 = exact): a contended all-to-all
//               finishes its flows at thousands of distinct instants, each re-solving a component
//               that holds most active flows. With ε > 0 the re-solve that a finish triggers may
//               wait: after flow f (S_f bytes, final rate x_f) finishes at t, the next solve is at
//               the latest t + ε·8·S_f/x_f (finishes inside that window share it); a flow that
//               starts waits at most ε·8·S/r̂ for its first rate, r̂ = min_p C_p/(n_p + 1) over
//               the ports p of its path (C_p its class's capacity, n_p the flows already on p): the
//               equal share of its most crowded port. For one class without coefficients r̂ is a
//               lower bound on the rate the next solve gives it (at its bottleneck a flow has the
//               largest rate, so at least the equal share), so the wait is at most ε times the
//               flow's duration at r̂: ~ε of its duration when its path is evenly shared, as in an
//               all-to-all; more when it would get far more than the equal share. Alone on its
//               path r̂ is the narrowest port's rate: ε of its contention-free duration, so a
//               chain of dependent transfers on an idle fabric is delayed by at most ε of its own.
//               (Until session 14 r̂ was the first port's rate: at 8,192 ranks the NCCL MoE then
//               re-solved every ~0.2 µs for its starts alone.) A waiting start has rate 0: letting
//               it run on its path's idle capacity meanwhile was tried in session 14 and withdrawn,
//               as first-come capacity is not max-min and let contended DP rings drift from exact
//               (−1.1 % at 8,192 ranks, −2.9 % at 16,384, −21 % at 131,072, ε = 0.01).
//               Meanwhile every other flow keeps its rate (finishes only free capacity, so the
//               allocation stays feasible: no port is ever over its rate) and finishes at the
//               instant its own rate gives. What it costs: freed capacity idles for at most
//               ε·(the finished flow's duration at its final rate). Tested against ε = 0: op
//               durations within 1 % at ε = 0.01 on contended all-to-alls (tests/flow).
//   bundles   (FluidParams::bundle_parallel, default off = one variable per transfer): transfers
//               with the same source, destination and class, started at the same instant on paths
//               of equal latency, with payloads within 1 % of each other (consecutive starts: the
//               k channels × Q QPs NCCL splits one peer's piece over) form one variable of k lanes.
//               Lane i (w_i wire bytes, W = Σ w_i) runs at x·w_i/W on its own path, so the
//               variable crosses port p with a_p = Σ_{lanes i on p} w_i/W (1 on the shared NIC,
//               ~1/k on a spine link only one lane takes), has weight k (its level x/k, the mean
//               lane rate, is what max-min compares with single flows) and, with a per-QP cap c,
//               the bound c·W/max_i w_i. Every lane finishes when the variable does (W drained),
//               reported in start order. Exact when the lanes share every port (one path); on
//               distinct paths a lane that separate max-min would give more is held to the pace of
//               the slowest, its path's spare capacity going to other flows (tests/flow/
//               bundle_test.cpp shows both on closed forms). Why: a contended all-to-all's cost is
//               its rate changes, and one variable per peer instead of per QP cuts them ~k-fold.
//               Measured against one variable per transfer (op durations, exact solver): NCCL
//               all-to-all of 64 hosts, k = 4: +0.30 % (1:1), +0.45 % (2:1) (tested ≤ 1 %); k = 2:
//               +1.24 % (1:1, tested ≤ 1.5 %: two lanes, so one collision holds half a bundle);
//               bench_fluid DP + NCCL MoE, k = 4, exact: 4,096 −0.44 %, 6,144 −0.04 %; 8,192 at
//               ε = 0.01: −0.51 % (BENCHMARKS.md, session 15). Link changes re-route each lane and
//               re-merge them.
//   fairness tolerance (FluidParams::fair_tolerance = δ, default 0 = exact): every class's solver
//               keeps max-min's bottleneck conditions within a factor 1 + δ (max_min_solver.hpp,
//               "Fairness tolerance"): the allocation stays feasible, and every flow has a port
//               loaded to at least r_p/(1 + δ) on which no flow's level exceeds its own by more
//               than 1 + δ. A finish's re-allocation then stops where the change it causes falls
//               below δ instead of rippling through the whole contended component. Not a bound on
//               each rate (a small unfairness can shift a cascade); what it does to op durations,
//               measured against δ = 0: NCCL all-to-all of 64 hosts (k = 4) +0.05 % (1:1) and
//               −0.07 % (2:1) at δ = 0.05 with 42 % / 29 % fewer variables filled (tested ≤ 1 %, and
//               with bundles and ε = 0.01 on top); a ring all-reduce and an every-peer all-to-all
//               identical (tests/flow/fair_tolerance_test.cpp); bench_fluid DP + NCCL MoE at 8,192
//               ranks (bundles, ε = 0.01): end 34.121 ms instead of 34.045 (+0.22 %), 31.8 M
//               variables filled instead of 52.8 M, 0.60× the CPU (BENCHMARKS.md, session 16).
//   memory    : each time the per-transfer slot arrays double past 2^16 slots, the resident set
//               plus the new slots' cost (640 B each: 3/4 of the ~850 B per concurrent transfer
//               measured on an all-to-all, or the resident growth per slot observed since the
//               previous doubling if larger) is checked against the memory limit
//               (core/memory_budget.hpp): MemoryLimitError (exit 3) instead of the OOM killer.
// Not modelled (by design, see the packet backend): queueing delay, PFC pauses, incast transients,
// congestion-control dynamics, DWRR between classes (priorities are strict here).
// Thread safety: none; driven by the Simulator's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "flow/block_pool.hpp"
#include "flow/completion_queue.hpp"
#include "flow/fluid_params.hpp"
#include "flow/max_min_solver.hpp"
#include "flow/spread.hpp"
#include "routing/router.hpp"

namespace rocesim::flow {

struct FluidStats {
  std::uint64_t started = 0;     // transfers accepted by start()
  std::uint64_t completed = 0;   // transfers reported done
  std::uint64_t batches = 0;     // solve events (one per instant with changes)
  std::uint64_t rate_updates = 0;  // flows whose rate changed, summed over batches
  std::uint64_t incidences = 0;  // flow-port incidences of the started transfers
  std::uint64_t path_cache_hits = 0;  // ECMP paths reused from the per-source cache
  std::uint64_t bundled = 0;     // transfers that joined another's variable (bundle_parallel)
  std::size_t peak_active = 0;   // most flows in the solvers at once
};

class FluidNet final : public TransferBackend, public EventHandler {
 public:
  // REQUIRES: fabric and router outlive the backend; router routes over `fabric`.
  // Throws ConfigError for a load-balancing mode the fluid tier does not model (flowlet).
  FluidNet(Simulator& sim, const topology::Fabric& fabric, const routing::Router& router, FluidParams params);
  ~FluidNet() override;

  std::string_view name() const override { return "fluid"; }
  void set_sink(TransferSink* sink) override { sink_ = sink; }
  // Throws ConfigError naming the endpoints if the router finds no path.
  void start(const TransferRequest& request) override;
  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override;
  // Timed link failures (header comment, "link changes"). Throws std::logic_error if a flow has
  // no path on the live routes.
  bool models_link_changes() const override { return true; }
  void on_links_changed(std::span<const std::uint32_t> links) override;
  // A lone transfer's completion time on its ECMP path (header, "start"): overhead + Σ latency +
  // ceil(8·W(B)·1e12 / R), R = the path's narrowest port (and flow_rate_cap). fluid_ideal.cpp.
  Time ideal_fct(const TransferRequest& request) const override;

  const FluidParams& params() const { return params_; }
  const FluidStats& stats() const { return stats_; }
  // Solver work summed over the priority classes.
  SolveStats solver_stats() const;
  std::size_t active_flows() const;
  // Sum of the current rates of all active flows (bit/s).
  double aggregate_rate() const;
  // Current rate of the transfer with `tag` if it is active (bit/s), else -1 (linear scan: tests).
  double rate_of(std::uint64_t tag) const;
  // Current load of a port over all classes (bit/s).
  double port_load(topology::PortId p) const;
  // Bytes every port has carried up to sim.now(), indexed by port id.
  std::vector<double> port_bytes() const;
  // The same from each port's integrated load (∫ load dt / 8), O(ports) instead of a pass over
  // every active flow: for time-series sampling. Differs from port_bytes() only by rounding
  // (a finish rounds up to the next ps: at most rate · 1 ps per flow).
  void sampled_port_bytes(std::span<double> out) const;
  // Sampling only the ports that carry something (fluid_port_activity.cpp). Once
  // track_loaded_ports() is called, loaded_ports() lists, each once and in no particular order,
  // every port a flow has joined since the last prune_loaded_ports(), plus the ports a live flow
  // still crosses. A port not listed carries no flow, so its load is exactly 0 and its ∫ load dt
  // has not moved since it was last listed. prune_loaded_ports() drops the ports no live flow
  // crosses (call it after reading them). Cost: a byte per port, one load per incidence a flow
  // adds (only while tracking), O(listed ports) per prune.
  void track_loaded_ports();
  std::span<const topology::PortId> loaded_ports() const { return loaded_ports_; }
  void prune_loaded_ports();
  // sampled_port_bytes() for the listed ports only: writes out[p] for each p in `ports` (the same
  // doubles the full call computes).
  void sampled_port_bytes_of(std::span<const topology::PortId> ports, std::span<double> out) const;
  // 8·bytes / (rate · window) per port; REQUIRES: window > 0.
  std::vector<double> port_utilization(Time window) const;

 private:
  enum Kind : std::uint32_t { kActivate = 0, kSolve = 1, kComplete = 2, kLane = 3 };
  // Starts with equal latency activate in start order, so each latency value keeps a FIFO of
  // (activation time, flow) with one timer at its head, instead of one queued event per
  // transfer (a fabric has few distinct path latencies; beyond kMaxLanes, plain events).
  struct Lane {
    Time latency;
    std::vector<std::pair<std::int64_t, std::uint32_t>> fifo;
    std::size_t head = 0;
    TimerId timer;
  };
  static constexpr std::size_t kMaxLanes = 32;
  // One strict-priority class: its solver (constraint id == port id) and its flows by variable.
  struct Class {
    MaxMinSolver solver;
    std::vector<std::uint32_t> flow_of_var;
  };

  std::uint32_t allocate_flow();
  // Before the slot arrays double past kGuardFlows: MemoryLimitError (exit 3) if the process's
  // resident set plus the new slots' cost (their records, or the resident growth per slot seen
  // since the previous check if larger) would pass the memory limit (core/memory_budget.hpp).
  static constexpr std::size_t kGuardFlows = std::size_t{1} << 16;
  static constexpr std::uint64_t kGuardBytesPerSlot = 640;
  void guard_growth();
  std::uint64_t guard_slots_ = 0, guard_resident_ = 0;  // at the previous check
  Class& class_for(std::uint8_t priority);
  void activate(std::uint32_t f);
  void schedule_activation(std::uint32_t f, Time latency);
  void drain_lane(std::uint32_t lane);
  void add_activated();  // moves the flows activated at this instant into their solvers
  void request_solve();
  void request_solve_at(Time at);  // a pending solve moves earlier, never later
  std::int64_t resolve_lag_ps() const;  // of the flows in done_flows_
  double slack_ps(double bytes, double bps) const;  // ε·8·bytes/bps in ps, at most 1 s
  void solve();
  void complete_due();
  void arm_next();
  void push_completion(std::uint32_t f);
  // The flow's pending completion (if any) is superseded: bumps its version, releases its bucket.
  void supersede(std::uint32_t f);
  // The ECMP path for (src, dst, label) and its latency (cached per source). The span is valid
  // until the next call.
  Time ecmp_path(const TransferRequest& request, std::span<const topology::PortId>& path);
  // Link changes (fluid_link_change.cpp).
  double live_capacity(topology::PortId p) const;  // r_p now; 0 while its link is down
  void respread(std::uint32_t f);                   // f's live ports and coefficients into scratch_
  void move_flow(std::uint32_t f);                  // an active flow onto those ports, drained to now
  // A flow joined the solver on `ports`: list the ones not yet listed (while tracking).
  void note_loaded(std::span<const ConstraintId> ports) {
    if (loaded_mark_.empty()) return;
    for (const ConstraintId p : ports) {
      if (loaded_mark_[p] == 0) {
        loaded_mark_[p] = 1;
        loaded_ports_.push_back(p);
      }
    }
  }

  static constexpr std::uint32_t kMaxPath = 16;
  static constexpr std::uint32_t kNoFlow = UINT32_MAX;

  Simulator& sim_;
  const topology::Fabric& fabric_;
  const routing::Router& router_;
  FluidParams params_;
  TransferSink* sink_ = nullptr;
  std::vector<std::unique_ptr<Class>> classes_;  // by priority; null until used
  std::vector<std::uint8_t> class_order_;        // priorities in use, ascending
  TimerId timer_;
  TimerId solve_timer_;  // resolve_slack > 0: the deferred solve
  bool solve_pending_ = false;
  Time solve_at_{};
  Spreader spreader_;

  // Flows by slot (slots are reused): what a start, a rate change and a finish touch, in one
  // cache line (a rate change at 10^5 active flows is a cache miss per flow, not arithmetic).
  struct alignas(64) Flow {
    double total = 0, remaining = 0, rate = 0;
    std::int64_t last = 0;  // ps at which remaining was last brought up to date
    std::uint64_t tag = 0;
    std::uint32_t version = 0;
    std::uint32_t var = kNoId;
    std::uint32_t pending_bucket = CompletionQueue::kNoBucket;  // bucket of its live completion entry
    std::uint32_t src = 0, dst = 0;  // endpoints (their path-cache lines are prefetched at completion)
    std::uint16_t sport = routing::kBaseSourcePort;  // the QP's UDP source port (its ECMP entropy)
    std::uint8_t prio = 0;  // traffic class
    std::uint8_t bundled = 0;  // 1: a bundle of lanes (bundle_lanes_, bundle_block_)
    // Bytes left at `now` (ps): remaining drained at the current rate since last.
    double remaining_at(std::int64_t now) const {
      return remaining - rate * static_cast<double>(now - last) / (8.0 * 1e12);
    }
    // The 5-tuple it is routed by (re-routing at link changes).
    routing::FlowKey key() const { return routing::FlowKey{src, dst, sport, routing::kRoceUdpPort}; }
  };
  static_assert(sizeof(Flow) == 64, "one cache line per flow");
  std::vector<Flow> flows_;
  // Until activation: the flow's ports and coefficients (cold, so kept out of Flow). A block holds
  // the n ports, then, only if some coefficient is not 1 (spraying), the n coefficients as doubles
  // in 2n words (kSharesCoefs set in shares_len_): a pinned ECMP flow, the bulk of an all-to-all
  // whose transfers all start at once, waits in 4 bytes per port instead of 16.
  static constexpr std::uint32_t kSharesCoefs = 0x80000000u;
  std::vector<std::uint32_t> shares_len_;
  std::vector<BlockPool<std::uint32_t>::Block> shares_;
  BlockPool<std::uint32_t> share_pool_;
  std::uint32_t share_count(std::uint32_t f) const { return shares_len_[f] & ~kSharesCoefs; }
  const topology::PortId* share_ports(std::uint32_t f) const { return share_pool_.data(shares_[f]); }
  double share_coef(std::uint32_t f, std::uint32_t k) const;
  // scratch_ports_ / scratch_coefs_ become f's pending shares (its old block, if any, released first).
  void store_shares(std::uint32_t f, bool release_old);
  // f's pending shares back into scratch_ports_ / scratch_coefs_ (block released); true if every
  // coefficient is 1.
  bool take_shares(std::uint32_t f);
  std::vector<std::uint32_t> free_flows_;

  // Bundles (header: "bundles"). A bundled slot's lanes, in start order (lane 0 is the transfer
  // that opened it): the tag to report, the wire bytes it carries, its UDP source port.
  struct BundleLane {
    std::uint64_t tag = 0;
    double wire = 0;
    std::uint32_t sport = 0, unused = 0;
  };
  static constexpr std::uint32_t kMaxBundle = 1024;
  static constexpr double kBundleSizeRatio = 1.01;  // largest / smallest lane payload
  std::vector<std::uint16_t> bundle_lanes_;                 // by slot; valid while bundled
  std::vector<BlockPool<BundleLane>::Block> bundle_block_;  // by slot; valid while bundled
  BlockPool<BundleLane> lane_pool_;
  BundleLane* lanes_of(std::uint32_t f) { return lane_pool_.data(bundle_block_[f]); }
  const BundleLane* lanes_of(std::uint32_t f) const { return lane_pool_.data(bundle_block_[f]); }
  // The slot the next start may join: opened by a start at open_at_ (ps) whose activation is
  // still pending, with payload sizes in [open_min_, open_max_] so far.
  std::uint32_t open_ = UINT32_MAX;
  std::int64_t open_at_ = -1;
  Time open_latency_{};
  std::int64_t open_min_ = 0, open_max_ = 0;
  // The request (routed by `key`, spread into scratch_ports_/scratch_coefs_) joins open_ if it
  // may; true if it did.
  bool join_bundle(const TransferRequest& request, const routing::FlowKey& key, Time latency);
  // ports/coefs of weight w_old absorb a lane of weight w: a_p = (a_old·w_old + a_lane·w)/(w_old + w).
  static void merge_lane(std::vector<ConstraintId>& ports, std::vector<double>& coefs, double w_old,
                         std::span<const ConstraintId> lane_ports, std::span<const double> lane_coefs, double w);
  // The solver variable of f on scratch_ports_/scratch_coefs_: weight 1 (a bundle: its lanes)
  // and the per-QP cap (a bundle: the rate at which its largest lane reaches the cap).
  VarId add_var(Class& cls, std::uint32_t f, bool pinned);
  double bound_of(std::uint32_t f) const;
  std::vector<ConstraintId> lane_ports_;
  std::vector<double> lane_coefs_;

  // Per-source ECMP path cache, one cache line per source (a start touches one line, not five);
  // longer paths are not cached.
  static constexpr std::uint32_t kCachedPath = 11;
  struct alignas(64) CachedPath {
    Time latency;
    std::uint32_t dst = UINT32_MAX;  // UINT32_MAX: empty
    std::uint32_t label = 0;
    std::uint32_t len = 0;
    topology::PortId ports[kCachedPath];
  };
  std::vector<CachedPath> path_cache_;

  CompletionQueue completions_;
  std::vector<CompletionQueue::Entry> popped_;
  std::vector<Lane> lanes_;
  std::vector<topology::PortId> scratch_path_;
  std::vector<ConstraintId> scratch_ports_;
  std::vector<double> scratch_coefs_;
  std::vector<std::uint64_t> done_tags_;
  std::vector<std::uint32_t> to_add_, done_flows_;
  std::vector<VarId> done_vars_;
  std::vector<ConstraintId> cap_carry_, cap_next_;  // solve(): ports whose capacity a class passes down
  std::vector<double> done_credits_;
  std::vector<std::uint8_t> loaded_mark_;         // per port: in loaded_ports_ (empty: not tracking)
  std::vector<topology::PortId> loaded_ports_;
  FluidStats stats_;
};

}  // namespace rocesim::flow
