// AnalyticBackend: the third fidelity tier — every transfer sees an empty network.
//
// Equation (per transfer, no contention, no queueing, cut-through):
//   t_done = t_start + Σ_{links on path} latency + ⌈8·bytes·1e12 / min_{links on path} rate⌉ ps
// The path is the one the Router picks for the transfer's flow label (QP): FlowKey::for_qp(src,
// dst, flow_label), so ECMP still decides which links are used (it matters for hop counts on
// irregular fabrics), but transfers sharing a link do not slow each other. Results are therefore a
// lower bound on any real completion time; the packet and fluid backends model the sharing.
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
  AnalyticBackend(Simulator& sim, const routing::Router& router);

  std::string_view name() const override { return "analytic"; }
  void set_sink(TransferSink* sink) override { sink_ = sink; }
  void start(const TransferRequest& request) override;
  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override;

  // The completion delay start() would use for `request` (latency + bytes / bottleneck).
  Time transfer_time(const TransferRequest& request);
  std::uint64_t transfers_started() const { return started_; }

 private:
  Simulator& sim_;
  const routing::Router& router_;
  TransferSink* sink_ = nullptr;
  std::vector<topology::PortId> path_;
  std::uint64_t started_ = 0;
};

}  // namespace rocesim::workload
