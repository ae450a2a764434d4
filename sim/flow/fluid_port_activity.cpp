// FluidNet's list of loaded ports for the time-series sampler (fluid_net.hpp, loaded_ports()).
// Why it is exact: a port's load is the sum over the flows crossing it, and the solver sets it to
// exactly 0 when its last flow leaves; a port no flow crosses therefore adds 0 · dt to its
// ∫ load dt, so a sampler that skips it reads the same double it read last time.
#include "flow/fluid_net.hpp"

#include <algorithm>

namespace rocesim::flow {

void FluidNet::track_loaded_ports() {
  if (!loaded_mark_.empty()) return;
  loaded_mark_.assign(fabric_.port_count(), 0);
  // Flows already in a solver (tracking normally starts before the first one).
  for (topology::PortId p = 0; p < fabric_.port_count(); ++p) {
    for (std::uint8_t k : class_order_) {
      if (!classes_[k]->solver.vars_of(p).empty()) {
        loaded_mark_[p] = 1;
        loaded_ports_.push_back(p);
        break;
      }
    }
  }
}

void FluidNet::prune_loaded_ports() {
  const auto crossed = [&](topology::PortId p) {
    for (std::uint8_t k : class_order_)
      if (!classes_[k]->solver.vars_of(p).empty()) return true;
    return false;
  };
  std::size_t kept = 0;
  for (const topology::PortId p : loaded_ports_) {
    if (crossed(p)) {
      loaded_ports_[kept++] = p;
    } else {
      loaded_mark_[p] = 0;
    }
  }
  loaded_ports_.resize(kept);
}

void FluidNet::sampled_port_bytes_of(std::span<const topology::PortId> ports, std::span<double> out) const {
  constexpr double kPsPerSecond = 1e12;
  const std::int64_t now = sim_.now().ps;
  for (const topology::PortId p : ports) {
    // The same sum, in the same class order, as sampled_port_bytes().
    double bytes = 0.0;
    for (std::uint8_t k : class_order_) bytes += classes_[k]->solver.load_integral(p, now) / (8.0 * kPsPerSecond);
    out[p] = bytes;
  }
}

}  // namespace rocesim::flow
