// FluidNet at a timed link change (TransferBackend::on_links_changed): new port capacities, every
// flow re-routed on the live Router, one re-solve. The model is stated in fluid_net.hpp ("link
// changes"). Kept apart from fluid_net.cpp: nothing here runs per start or finish.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "flow/fluid_net.hpp"

namespace rocesim::flow {
namespace {

constexpr double kPsPerSecond = 1e12;

}  // namespace

double FluidNet::live_capacity(topology::PortId p) const {
  const topology::LinkId l = fabric_.port(p).link;
  return router_.link_up(l) ? static_cast<double>(router_.port_rate(p).bps) : 0.0;
}

void FluidNet::respread(std::uint32_t f) {
  const auto spread_key = [&](const routing::FlowKey& key, std::vector<ConstraintId>& ports, std::vector<double>& coefs) {
    scratch_path_.clear();
    if (!router_.path(key, scratch_path_) || scratch_path_.empty()) {
      throw std::logic_error("FluidNet::on_links_changed: no path from endpoint " + std::to_string(key.src) +
                             " to endpoint " + std::to_string(key.dst) + " (flow label " +
                             std::to_string(key.sport - routing::kBaseSourcePort) + ") after the link change at " +
                             std::to_string(sim_.now().ps) + " ps in fabric '" + fabric_.name() +
                             "' (the run checks reachability at every change)");
    }
    ports.clear();
    coefs.clear();
    spreader_.spread(key, scratch_path_, ports, coefs);
  };
  const routing::FlowKey key = flows_[f].key();
  spread_key(key, scratch_ports_, scratch_coefs_);
  if (!flows_[f].bundled) return;
  // A bundle: its lanes merged in start order, as they joined (same arithmetic, same result on
  // unchanged routes).
  const BundleLane* lanes = lanes_of(f);
  double w = lanes[0].wire;
  for (std::uint32_t i = 1; i < bundle_lanes_[f]; ++i) {
    const routing::FlowKey lane{key.src, key.dst, static_cast<std::uint16_t>(lanes[i].sport), key.dport};
    spread_key(lane, lane_ports_, lane_coefs_);
    merge_lane(scratch_ports_, scratch_coefs_, w, lane_ports_, lane_coefs_, lanes[i].wire);
    w += lanes[i].wire;
  }
}

void FluidNet::move_flow(std::uint32_t f) {
  const std::int64_t now = sim_.now().ps;
  Class& cls = *classes_[flows_[f].prio];
  const VarId old_var = flows_[f].var;
  flows_[f].remaining = flows_[f].remaining_at(now);
  flows_[f].last = now;
  // The old ports are credited what f pushed through them; from here on total_ is what the new
  // ports will carry (credited at completion, and counted in flight by port_bytes()).
  const double sent = std::clamp(flows_[f].total - flows_[f].remaining, 0.0, flows_[f].total);
  cls.solver.set_clock(now);
  cls.solver.remove_variable(old_var, sent);
  cls.flow_of_var[old_var] = kNoFlow;
  flows_[f].total -= sent;
  flows_[f].rate = 0.0;
  supersede(f);  // its completion entry was for the old rate
  bool pinned = true;
  for (double a : scratch_coefs_) pinned &= a == 1.0;
  const VarId v = add_var(cls, f, pinned);
  if (v >= cls.flow_of_var.size()) cls.flow_of_var.resize(v + 1, kNoFlow);
  note_loaded(scratch_ports_);
  cls.flow_of_var[v] = f;
  flows_[f].var = v;
}

void FluidNet::on_links_changed(std::span<const std::uint32_t> links) {
  const std::int64_t now = sim_.now().ps;
  // Routing reconverged: cached paths are the old routes (UINT32_MAX: no cached destination).
  for (CachedPath& c : path_cache_) c.dst = UINT32_MAX;

  std::vector<std::uint8_t> is_free(flows_.size(), 0);
  for (std::uint32_t f : free_flows_) is_free[f] = 1;
  // Slots in ascending order: the re-solve (and so every later time) does not depend on the
  // order flows were started in beyond their slots, and is the same on every run.
  for (std::uint32_t f = 0; f < flows_.size(); ++f) {
    if (is_free[f]) continue;
    if (flows_[f].var == kNoId) {
      // Started, not yet in a solver: its shares wait for activation; replace them.
      respread(f);
      const auto n = static_cast<std::uint32_t>(scratch_ports_.size());
      const topology::PortId* old = share_ports(f);
      bool same = n == share_count(f);
      for (std::uint32_t k = 0; same && k < n; ++k)
        same = old[k] == scratch_ports_[k] && share_coef(f, k) == scratch_coefs_[k];
      if (same) continue;
      store_shares(f, true);
      continue;
    }
    // A flow due at this instant (push_completion's finish time, same arithmetic) completes
    // before the instant's re-solve (the completion timer was armed before this change's solve
    // event is scheduled); it pushes no bytes after now, so it keeps its ports.
    if (flows_[f].rate > 0.0) {
      const double dt = std::ceil(std::max(0.0, flows_[f].remaining) * 8.0 * kPsPerSecond / flows_[f].rate);
      if (static_cast<double>(flows_[f].last) + dt <= static_cast<double>(now)) continue;
    }
    respread(f);
    const IncidenceRange inc = classes_[flows_[f].prio]->solver.incidences_of(flows_[f].var);
    bool same = inc.size() == scratch_ports_.size();
    for (std::size_t k = 0; same && k < inc.size(); ++k)
      same = inc[k].c == scratch_ports_[k] && inc[k].coef == scratch_coefs_[k];
    if (!same) move_flow(f);
  }

  // Capacities: C^0 = r_p, and each class below gets what the one above leaves (as solve() chains
  // them; it re-chains every port whose load changes in the re-solve).
  for (std::uint32_t l : links) {
    const topology::Link& link = fabric_.link(l);
    const topology::Node& a = fabric_.node(link.a);
    for (topology::PortId p = a.first_port; p < a.first_port + a.port_count; ++p) {
      if (fabric_.port(p).link != l) continue;
      for (const topology::PortId q : {p, fabric_.port(p).peer_port}) {
        double cap = live_capacity(q);
        for (std::uint8_t k : class_order_) {
          MaxMinSolver& solver = classes_[k]->solver;
          solver.set_capacity(q, cap);
          const double left = cap - solver.load(q);
          cap = left <= MaxMinSolver::kRelTol * cap ? 0.0 : left;
        }
      }
      break;
    }
  }
  request_solve();
}

}  // namespace rocesim::flow
