#include "workload/analytic_backend.hpp"

#include <stdexcept>
#include <string>

namespace rocesim::workload {

AnalyticBackend::AnalyticBackend(Simulator& sim, const routing::Router& router) : sim_(sim), router_(router) {}

Time AnalyticBackend::transfer_time(const TransferRequest& r) {
  path_.clear();
  if (!router_.path(routing::FlowKey::for_qp(r.src, r.dst, r.flow_label), path_) || path_.empty()) {
    throw std::logic_error("analytic backend: no path from endpoint " + std::to_string(r.src) + " to " +
                           std::to_string(r.dst));
  }
  const topology::Fabric& f = router_.fabric();
  Time latency{};
  Rate bottleneck = f.port_rate(path_.front());
  for (topology::PortId p : path_) {
    latency += f.port_latency(p);
    if (f.port_rate(p) < bottleneck) bottleneck = f.port_rate(p);
  }
  return latency + serialization_time(r.bytes, bottleneck);
}

void AnalyticBackend::start(const TransferRequest& r) {
  ++started_;
  sim_.schedule_in(transfer_time(r), this, 0, r.tag);
}

void AnalyticBackend::on_event(Simulator& sim, std::uint32_t, std::uint64_t arg) {
  sink_->on_transfer_done(arg, sim.now());
}

}  // namespace rocesim::workload
