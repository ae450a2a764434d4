// FluidNet::ideal_fct: a lone transfer's completion time (fluid_net.hpp, "start"), the
// denominator of FCT slowdown in reports. Kept apart from the solver's files.
#include "flow/fluid_net.hpp"

namespace rocesim::flow {

Time FluidNet::ideal_fct(const TransferRequest& request) const {
  if (request.bytes.n <= 0 || request.src == request.dst) return Time{};
  std::vector<topology::PortId> path;
  if (!router_.path(routing::FlowKey::for_qp(request.src, request.dst, request.flow_label), path) || path.empty()) {
    return Time{};
  }
  Time t = params_.overhead;
  Rate narrowest = params_.flow_rate_cap;
  for (topology::PortId p : path) {
    const Rate r = router_.port_rate(p);
    if (r.bps == 0) return Time{};
    t += fabric_.port_latency(p);
    if (narrowest.bps == 0 || r < narrowest) narrowest = r;
  }
  return t + serialization_time(wire_bytes(params_, request.bytes), narrowest);
}

}  // namespace rocesim::flow
