// PacketNet::ideal_fct: a transfer's completion time alone on the idle fabric (equation in
// packet_net.hpp), the denominator of FCT slowdown.
#include <algorithm>

#include "net/packet_net.hpp"

namespace rocesim::net {

Time PacketNet::ideal_fct(const TransferRequest& req) const {
  if (req.bytes.n <= 0 || req.src == req.dst) return Time{};
  const std::uint32_t qp_number = req.flow_label * static_cast<std::uint32_t>(params_.nic.qps_per_connection);
  // The route the transfer's first QP took; the Router's current choice for one never started.
  std::vector<PortId> fwd;
  std::vector<PortId> rev;
  const auto route = [&](std::uint32_t s, std::uint32_t d, std::vector<PortId>& out) {
    if (auto it = route_cache_.find(route_key(s, d, qp_number)); it != route_cache_.end()) {
      out.assign(route_ports_.begin() + route_begin_[it->second], route_ports_.begin() + route_begin_[it->second + 1]);
      return true;
    }
    return router_.path(routing::FlowKey::for_qp(s, d, qp_number), out);
  };
  if (!route(req.src, req.dst, fwd) || fwd.empty()) return Time{};
  const std::int64_t packets = (req.bytes.n + mtu_ - 1) / mtu_;
  const Bytes overhead = params_.wire.data_overhead;
  const Bytes first{std::min<std::int64_t>(req.bytes.n, mtu_) + overhead.n};
  const Bytes total{req.bytes.n + packets * overhead.n};
  Time t{};
  Rate slowest{};
  for (PortId p : fwd) {
    const Rate r = router_.port_rate(p);
    if (r.bps == 0) return Time{};  // a link down on the path: no idle-fabric figure
    t += ports_[p].latency + serialization_time(first, r);
    if (slowest.bps == 0 || r < slowest) slowest = r;
  }
  t += serialization_time(Bytes{total.n - first.n}, slowest);
  if (params_.nic.complete_on == CompleteOn::ack && route(req.dst, req.src, rev)) {
    for (PortId p : rev) {
      const Rate r = router_.port_rate(p);
      if (r.bps > 0) t += ports_[p].latency + serialization_time(params_.wire.control_bytes, r);
    }
  }
  return t;
}

}  // namespace rocesim::net
