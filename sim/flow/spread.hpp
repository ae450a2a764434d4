// Spreader: the fraction of a flow's rate that crosses each port under spray and adaptive load
// balancing (routing.load_balancing), for the fluid backend's weighted incidence.
//
// Equations. Let K_n = Router::candidates(n, dst) at a fabric switch n, r_p the rate of port p
// (Router::port_rate: lowered by a timed degradation) and φ_n the fraction of the flow that
// reaches n (φ = 1 at the first switch). In the fluid limit
// of per-packet spraying (the packet tier hashes each packet's PSN, picking C[i] with probability
// r_i / Σ r, i.e. evenly when the rates are equal), n forwards
//     φ_n · r_p / Σ_{q∈K_n} r_q   over each p ∈ K_n,
// so the coefficient of port p is a_p = φ_n(p) · r_p / Σ_{q∈K_n(p)} r_q and the peer of p receives
// that much: φ_m = Σ_{p into m} a_p. Up-down routes are shortest paths, so the switches a flow
// reaches form a DAG visited level by level; Σ over the ports into dst of a_p = 1.
// Adaptive (least-queue choice per packet) uses the same coefficients: when every candidate of n
// is backlogged, least-queue keeps their queues equal, so each receives traffic at its drain rate
// r_p and the split is r_p / Σ r_q. When other flows load some candidates more than others, real
// adaptive routing steers around them and this model does not (it would need the flows' splits
// to depend on the solution: a multipath max-min problem); so adaptive here equals spray, exact
// when the spread flows are what loads the candidates.
// Kept on their ECMP choice, as in the packet tier: the first hop (the source NIC's port), hops
// at non-switch nodes, and the whole path when it is relayed through a scale-up domain.
// Flowlet switching is rejected: it cuts a flow at packet gaps, which a fluid flow does not
// have (a flow sending at line rate never has a gap and stays ECMP; between that and spray the
// split depends on the packet timing the fluid tier does not model).
// A fluid re-run of a packet-tier run (the summary's ideal time and bottleneck attribution) uses
// fluid_routing_params(): the run's own mode when modelled here, ecmp for flowlet. A collective's
// flows are bulk RDMA writes that the NIC sends back-to-back; a flowlet gap (routing.flowlet_gap, default 4 µs) opens
// only when a flow stalls that long (a PFC pause, a deep rate cut), so in the fluid limit each flow
// keeps its ECMP path (exact for a flow that never stalls, less spreading than the packet tier's
// otherwise).
// Cost: O(ports the flow reaches) per start; scratch arrays of one double per node and per port
// exist only when the mode spreads.
// Thread safety: none.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "flow/max_min_solver.hpp"
#include "routing/router.hpp"

namespace rocesim::flow {

// `p` with the load-balancing mode the fluid tier models in its place (see above): the same mode,
// or ecmp for flowlet.
routing::RoutingParams fluid_routing_params(routing::RoutingParams p);

// UET on the fluid tier (`--set nic.transport=uet`, issue 18). A UET QP sprays by design: each
// packet carries an entropy value (EV) the switches hash, whatever routing.load_balancing says
// (net/uet_transport.hpp). Its fluid limit is the spray split above: each flow spread evenly
// (in proportion to port rate) over its ECMP candidates at every switch, so the flow becomes
// multi-link weights in the solver's incidence (nothing in the solver changes). Adaptive stays
// adaptive, as on the packet tier; ecmp and flowlet become spray.
// What the fluid limit misses (the packet tier has them):
//   * per-packet collisions: spraying n flows' packets over n links is a queue at load 1 per
//     link with Binomial arrivals, so the packet tier gets 0.94-0.96 of line on a 1:1
//     permutation where the fluid split gets 1.0;
//   * REPS: recycling the EVs of unmarked packets steers away from congested or failed paths;
//     the fluid split is oblivious (it sees failures only through routing's pruned candidates);
//   * queues, ECN, trimming, NACKs, resends and the RTO: a fluid flow loses nothing and has
//     no queue, and an incast shares the port max-min at once instead of trimming a burst;
//   * NSCC and RCCC dynamics: max-min sharing is the ideal they converge to, reached at once;
//   * reordering costs and per-packet header overheads beyond the wire rate.
routing::RoutingParams uet_routing_params(routing::RoutingParams p);

// Fluid backend parameters may name the transport as the packet tier does: `nic` must then be
// {"transport": "roce" | "uet"} and nothing else (other NIC keys are the packet tier's). Removes
// `nic` from `params` and returns true for "uet". Throws ConfigError ("--set", "/backend/nic/...").
bool take_fluid_transport(nlohmann::json& params);

class Spreader {
 public:
  // Throws ConfigError for load-balancing modes the fluid tier does not model (flowlet).
  Spreader(const topology::Fabric& fabric, const routing::Router& router);

  routing::LoadBalancing mode() const { return mode_; }
  bool spreads() const { return mode_ != routing::LoadBalancing::ecmp; }

  // The ports and coefficients of a flow with `key` whose ECMP path is `path` (non-empty):
  // the path with coefficients 1 in ecmp mode, else the spread described above. Appends to
  // ports/coefs; ports are distinct, in a deterministic order.
  void spread(const routing::FlowKey& key, std::span<const topology::PortId> path, std::vector<ConstraintId>& ports,
              std::vector<double>& coefs);

 private:
  const topology::Fabric& fabric_;
  const routing::Router& router_;
  routing::LoadBalancing mode_;
  std::vector<double> node_frac_, port_frac_;
  std::vector<topology::NodeId> level_, next_;
};

}  // namespace rocesim::flow
