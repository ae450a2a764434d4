// AnalyticBackend: the third fidelity tier — every transfer sees an empty network.
//
// Equation (per transfer, no contention, no queueing, cut-through):
//   t_done = t_start + Σ_{links on path} latency + ⌈8·bytes·1e12 / min_{links on path} rate⌉ ps
// The path is the one the Router picks for the transfer's flow label (QP): FlowKey::for_qp(src,
// dst, flow_label), so ECMP still decides which links are used (it matters for hop counts on
// irregular fabrics), but transfers sharing a link do not slow each other. Results are therefore a
// lower bound on any real completion time; the packet and fluid backends model the sharing.
// Option `endpoint_fifo` (default off; `--set endpoint_fifo=true`): each accelerator's NIC sends one
// transfer at a time and receives one at a time, in start order (FIFO, non-preemptive):
//   t_tx = max(t_start, free_out[src], free_in[dst]);  free_out[src] = free_in[dst] = t_tx + bytes/rate
//   t_done = t_tx + bytes/rate + latency
// The fabric between the NICs stays contention-free. This keeps multi-channel rings and windowed
// all-to-alls from exceeding the NIC's line rate, at the cost of FIFO (not fair-share) ordering.
// Timed failures (TransferBackend::on_links_changed): a transfer takes the path and rates of the
// moment it starts (Router::port_rate); transfers already under way keep their completion time,
// as they would on an empty network whose links they no longer use.
// Cost: one path query (O(hops · log ports)) and one event per transfer; no allocation per transfer
// once the path buffer has grown.
// Thread safety: none; belongs to one Simulator.
#pragma once

#include <cstdint>
#include <vector>

#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "routing/router.hpp"

namespace rocesim::workload {

class AnalyticBackend final : public TransferBackend, public EventHandler {
 public:
  AnalyticBackend(Simulator& sim, const routing::Router& router, bool endpoint_fifo = false);

  std::string_view name() const override { return "analytic"; }
  void set_sink(TransferSink* sink) override { sink_ = sink; }
  void start(const TransferRequest& request) override;
  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override;
  bool models_link_changes() const override { return true; }

  // The completion delay of `request` on an idle network (latency + bytes / bottleneck).
  Time transfer_time(const TransferRequest& request);
  bool endpoint_fifo() const { return endpoint_fifo_; }
  std::uint64_t transfers_started() const { return started_; }

 private:
  Simulator& sim_;
  const routing::Router& router_;
  TransferSink* sink_ = nullptr;
  std::vector<topology::PortId> path_;
  std::uint64_t started_ = 0;
  bool endpoint_fifo_;
  Rate last_rate_{};
  std::vector<Time> free_out_, free_in_;  // per endpoint, when endpoint_fifo_
};

}  // namespace rocesim::workload
