#include "workload/analytic_backend.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace rocesim::workload {

AnalyticBackend::AnalyticBackend(Simulator& sim, const routing::Router& router, bool endpoint_fifo)
    : sim_(sim), router_(router), endpoint_fifo_(endpoint_fifo) {
  if (endpoint_fifo_) {
    free_out_.assign(router.fabric().endpoints(), Time{});
    free_in_.assign(router.fabric().endpoints(), Time{});
  }
}

Time AnalyticBackend::transfer_time(const TransferRequest& r) {
  path_.clear();
  if (!router_.path(routing::FlowKey::for_qp(r.src, r.dst, r.flow_label), path_) || path_.empty()) {
    throw std::logic_error("analytic backend: no path from endpoint " + std::to_string(r.src) + " to " +
                           std::to_string(r.dst));
  }
  const topology::Fabric& f = router_.fabric();
  Time latency{};
  Rate bottleneck = router_.port_rate(path_.front());
  for (topology::PortId p : path_) {
    latency += f.port_latency(p);
    bottleneck = std::min(bottleneck, router_.port_rate(p));
  }
  last_rate_ = bottleneck;
  return latency + serialization_time(r.bytes, bottleneck);
}

void AnalyticBackend::start(const TransferRequest& r) {
  ++started_;
  const Time idle = transfer_time(r);
  if (!endpoint_fifo_) {
    sim_.schedule_in(idle, this, 0, r.tag);
    return;
  }
  const Time ser = serialization_time(r.bytes, last_rate_);
  const Time tx = std::max({sim_.now(), free_out_[r.src], free_in_[r.dst]});
  free_out_[r.src] = free_in_[r.dst] = tx + ser;
  sim_.schedule_at(tx + idle, this, 0, r.tag);  // idle = latency + ser
}

void AnalyticBackend::on_event(Simulator& sim, std::uint32_t, std::uint64_t arg) {
  sink_->on_transfer_done(arg, sim.now());
}

}  // namespace rocesim::workload
