// AnalyticBackend: the third fidelity tier — closed-form transfer times, one event per transfer.
//
// Units: time in integer ps, bytes as counts, rates in bit/s. For a transfer of B bytes started
// at t_start on the path the Router picks for its flow label (FlowKey::for_qp(src, dst,
// flow_label); ECMP decides which links are used), with egress ports p_1 … p_H:
//   ser = ⌈8·B·1e12 / r⌉ ps,  r = min_h rate(p_h)  (the bottleneck)
//   L_h = Σ_{k<h} latency(p_k)  (when the head of the transfer reaches p_h),  L = Σ_h latency(p_h)
// and a contention model, parameter `contention` (app/backends.cpp; default "links"):
//   "links" (default): every port (directed link) is a FIFO resource, in the spirit of ASTRA-sim
//     2.0's congestion-aware analytical network. Cut-through: the transfer streams through its
//     whole path at r and holds port p_h during [t_tx + L_h, t_tx + L_h + ser); it may start at
//     time t only if every port is free by the time its head gets there:
//       start condition at t:  free_at[p_h] ≤ t + L_h  for every h
//       on start (t_tx = t):   free_at[p_h] = t_tx + L_h + ser;  t_done = t_tx + ser + L
//     A transfer that cannot start at t_start waits, without holding anything, in the FIFO of its
//     blocking port b = argmax_h (free_at[p_h] − L_h); the head of each FIFO is retried at the time
//     that port clears for it, and starts or moves on to the FIFO of the port blocking it then.
//     So t_tx ≥ max(t_start, max_h (free_at[p_h] − L_h)) with equality when nothing else claims
//     those ports first, and a waiting transfer never blocks a later one whose ports are idle
//     (booking ports at t_start instead serializes e.g. a direct reduce-scatter over 4 ranks into
//     9 transfer times where 3 suffice).
//     The windows of one port never overlap and lie inside [0, t_done], and a port carries at most
//     its rate during its window (r ≤ rate(p)), so every port's utilization is ≤ 1, every NIC's
//     throughput is ≤ its line rate, and N transfers of S bytes into one port take N·S/r (+ L).
//     Why cut-through over the whole path rather than store-and-forward per hop (ASTRA-sim
//     forwards chunk by chunk): a whole transfer stored at each hop costs H·ser instead of ser
//     (every multi-hop step of a ring 2–3× too slow) unless it is cut into chunks, and chunks cost
//     one event per chunk and hop instead of one per transfer. The price of cut-through: a port
//     faster than the path's bottleneck is held for the whole ser, so two transfers that could
//     share it at r each are serialized (pessimistic where fabric links are faster than NICs; on
//     fabrics whose NIC and switch links run at one rate, e.g. the default, it costs nothing).
//     Order is greedy, not fair: transfers are never interleaved or preempted, so completion times
//     are those of one valid schedule, not of max-min sharing (use the fluid tier for that).
//   "endpoints": only the NICs contend: each accelerator sends one transfer at a time and
//     receives one at a time, in start order; the fabric between them is contention-free:
//       t_tx = max(t_start, free_out[src], free_in[dst]);  free_out[src] = free_in[dst] = t_tx + ser
//       t_done = t_tx + ser + L
//     Fabric links can carry more than their rate (utilization > 1) when flows converge on them.
//   "none": every transfer sees an empty network: t_done = t_start + ser + L. Links and NICs can
//     carry several transfers at full rate at once, so utilizations and bus bandwidths above the
//     line rate are possible; useful only as an ideal latency+bandwidth (α–β) model.
// Timed failures (TransferBackend::on_links_changed): a transfer takes the path and rates of the
// moment it starts (Router::port_rate); transfers already under way keep their reservations and
// completion time (a port's free_at outlives a rate change). A transfer waiting in a FIFO ("links")
// re-reads its path when retried, so it may leave by another route than the one the run's
// per-port accounting (observe/transfer_recorder.hpp) charged when it was handed over.
// Cost: one path query (O(hops · log ports)), O(hops) arithmetic and one event per transfer, plus
// for "links" one path query and one event per retry of a waiting transfer (a transfer is retried
// only as the head of a FIFO whose port has just cleared for it, so an N:1 incast costs O(N)
// retries, not O(N²)); no allocation per transfer once the path buffer and the waiting-transfer
// pool have grown. Memory: 16 B per port and 32 B per waiting transfer ("links"), 16 B per
// endpoint ("endpoints").
// Thread safety: none; belongs to one Simulator.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "routing/router.hpp"

namespace rocesim::workload {

enum class Contention : std::uint8_t { links, endpoints, none };

const char* to_string(Contention c);
// The model named `name` ("links", "endpoints", "none"), or nullopt.
std::optional<Contention> parse_contention(std::string_view name);

class AnalyticBackend final : public TransferBackend, public EventHandler {
 public:
  AnalyticBackend(Simulator& sim, const routing::Router& router, Contention contention = Contention::links);

  std::string_view name() const override { return "analytic"; }
  void set_sink(TransferSink* sink) override { sink_ = sink; }
  void start(const TransferRequest& request) override;
  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override;
  bool models_link_changes() const override { return true; }

  // The completion delay of `request` on an idle network (L + ser); fills path_ as a side effect.
  Time transfer_time(const TransferRequest& request);
  Contention contention() const { return contention_; }
  std::uint64_t transfers_started() const { return started_; }

 private:
  enum EventKind : std::uint32_t { kDone = 0, kRetry = 1 };
  static constexpr std::uint32_t kNil = UINT32_MAX;
  // A transfer waiting for a port ("links"), linked into that port's FIFO.
  struct Waiting {
    std::uint64_t tag = 0;
    std::int64_t bytes = 0;
    std::uint32_t src = 0, dst = 0, flow_label = 0;
    std::uint32_t next = kNil;  // in its port's FIFO, or in the free list
  };
  struct PortFifo {
    std::uint32_t head = kNil, tail = kNil;
  };

  // "links": starts `w` now if every port of path_ is free for it, else returns the blocking
  // port and the time it clears (w keeps waiting).
  bool try_start_links(const Waiting& w, topology::PortId& blocking, Time& clears);
  void wait_at(topology::PortId port, std::uint32_t slot, Time clears);
  void retry(std::uint32_t slot);
  std::uint32_t new_slot(const TransferRequest& r);

  Simulator& sim_;
  const routing::Router& router_;
  TransferSink* sink_ = nullptr;
  std::vector<topology::PortId> path_;
  std::uint64_t started_ = 0;
  Contention contention_;
  Rate last_rate_{};
  std::vector<Time> free_out_, free_in_;  // per endpoint ("endpoints")
  std::vector<Time> free_at_;             // per port ("links")
  std::vector<PortFifo> fifo_;            // per port ("links")
  std::vector<Waiting> waiting_;          // pool of waiting transfers ("links")
  std::vector<topology::PortId> waits_at_;  // per pool slot: the port whose FIFO holds it
  std::uint32_t free_slot_ = kNil;
};

}  // namespace rocesim::workload
