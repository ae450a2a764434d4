// FluidNet's provisional rates (fluid_net.hpp, "resolve slack"): with ε > 0 a flow that starts
// while the re-solve is deferred runs at once on capacity nobody holds, instead of at rate 0.
#include <algorithm>

#include "flow/fluid_net.hpp"

namespace rocesim::flow {

void FluidNet::give_provisional(std::uint32_t f, double bound) {
  // One class only: a provisional load in class k would not be subtracted from the capacity the
  // classes below it were solved with. Sprayed flows (coefficients) wait as before.
  if (class_order_.size() != 1 || (shares_len_[f] & kSharesCoefs) != 0) return;
  const MaxMinSolver& solver = classes_[flows_[f].prio]->solver;
  if (prov_load_.empty()) {
    prov_load_.assign(fabric_.port_count(), 0.0);
    prov_integral_.assign(fabric_.port_count(), 0.0);
    prov_since_.assign(fabric_.port_count(), 0);
  }
  const topology::PortId* ports = share_ports(f);
  const std::uint32_t n = share_count(f);
  double x = bound;
  if (params_.flow_rate_cap.bps) x = std::min(x, static_cast<double>(params_.flow_rate_cap.bps));
  for (std::uint32_t k = 0; k < n; ++k) {
    const topology::PortId p = ports[k];
    x = std::min(x, solver.capacity(p) - solver.load(p) - prov_load_[p]);
  }
  // Idle below rounding is not capacity (a rate of ~0 would only add an entry to undo).
  if (!(x > MaxMinSolver::kRelTol * solver.capacity(ports[0]))) return;  // it waits for the solve
  const std::int64_t now = sim_.now().ps;
  for (std::uint32_t k = 0; k < n; ++k) {
    const topology::PortId p = ports[k];
    prov_integral_[p] += prov_load_[p] * static_cast<double>(now - prov_since_[p]);
    prov_since_[p] = now;
    prov_load_[p] += x;
  }
  note_loaded({ports, n});
  flows_[f].rate = x;
  flows_[f].last = now;
  prov_flows_.push_back(f);
}

void FluidNet::end_provisional() {
  const std::int64_t now = sim_.now().ps;
  for (std::uint32_t f : prov_flows_) {
    flows_[f].remaining = flows_[f].remaining_at(now);
    flows_[f].last = now;
    flows_[f].rate = 0.0;  // the solve gives its rate (a rate of 0 is not reported as a change)
    const topology::PortId* ports = share_ports(f);
    for (std::uint32_t k = 0, n = share_count(f); k < n; ++k) {
      const topology::PortId p = ports[k];
      prov_integral_[p] += prov_load_[p] * static_cast<double>(now - prov_since_[p]);
      prov_since_[p] = now;
      prov_load_[p] = 0.0;
    }
  }
  prov_flows_.clear();
}

double FluidNet::provisional_integral(topology::PortId p, std::int64_t now) const {
  if (prov_load_.empty()) return 0.0;
  return prov_integral_[p] + prov_load_[p] * static_cast<double>(now - prov_since_[p]);
}

}  // namespace rocesim::flow
