// Op lower bound: per op of a lowered workload, a duration that no backend, routing or load
// balancing can beat on the fabric. It is the report's `ideal_us`, so efficiency = ideal / duration
// ≤ 1 on every tier (packet, fluid, analytic; ECMP, spray, adaptive, any number of QPs), except
// the analytic tier's contention=none, which breaks the port-rate assumption below.
//
// Units: time in integer ps, rates in bit/s, bytes as counts.
// Model assumptions every tier satisfies: a transfer's bytes leave its source through the source's
// own ports and enter the destination through its own ports; a route relays through a third
// accelerator only when no switch path joins the pair (the Router's rail-only relay), so a pair
// that a switch path joins uses only ports leading into that path's switches; a port moves at
// most its link's rate of payload (headers only lower that); a transfer is delivered no earlier
// than the path's propagation latency after its last byte left the source; a DAG node starts no
// earlier than its predecessors complete.
// Rates are each link's peak over the run (its rate, or a higher one a timed failure schedule
// restores it to), so a degraded link only loosens the bound.
// Definitions (s, d endpoints; a "switch component" is a connected set of non-accelerator nodes
// over links between two such nodes, e.g. one scale-up domain, or the whole scale-out fabric):
//   s's port p can reach d  ⇔  peer(p) = d, or peer(p) is a switch in the component of the peer of
//                              one of d's ports; when no port of s can, every port of s and of d
//                              can (a relayed pair) and lat(s,d) = the least latency of a port
//                              of s + that of a port of d
//   C_out(s,d) = Σ rate(p) over s's ports that can reach d;  C_in(s,d) likewise over d's ports
//   lat(s,d)   = min over usable port pairs (p of s, q of d) of latency(p) + D(peer(p), peer(q))
//                + latency(q), D = the least latency between two switches over switch–switch
//                links (Dijkstra from each switch the workload's endpoints hang off, up to 256 of
//                them; beyond, the component's smallest switch–switch link when they differ);
//                latency(p) for a direct s–d link
//   w(v)       = lat(s,d) + ⌊8·B·1e12 / min(C_out, C_in)⌋ for a transfer of B bytes; a delay's amount
// Bound of op o (its nodes V_o, run from op_start = the first release of any node in V_o):
//   chain(o)  = max over v ∈ V_o of EF(v),
//               EF(v) = w(v) + max(0, max over predecessors u ∈ V_o of EF(u))
//               (predecessors outside o finished before op_start or delay v further: no loss)
//   volume(o) = max over endpoints e, directions (out, in) and port sets M of e among the sets
//               "ports that can reach the peer" of o's transfers at e:
//                 ⌊8·Σ{B of o's transfers at e whose port set ⊆ M}·1e12 / Σ_{p∈M} rate(p)⌋
//                 + min lat(s,d) over those transfers
//               (all those bytes cross M inside the op's window; the last byte still has to
//               propagate, the first one had to arrive before the ingress could start)
//   bound(o)  = max(chain(o), volume(o))
// Loose where the fabric offers capacity the run's routing cannot use: an accelerator with two NIC
// ports (dual-ToR, multi-plane) counts both for one transfer (some routing could spray over them;
// ECMP with one QP does not: baselines dual_tor_128 and multi_plane_hpn_2x256 show efficiency
// ≈ 0.52), and a relayed pair on a rail-only fabric counts every port of both ends though the
// relay's NIC limits it (rail_only_4su_32x8: 0.13). Still a bound; efficiency there understates.
// Why not the fluid "non-blocking" re-run (switch links × 1000): it routes by ECMP hash and shares
// by max-min, so spray, adaptive routing or several QPs beat it (efficiencies above 1 were seen);
// it is still reported as `nonblocking_us` (report/attribution.hpp), an estimate, not a bound.
// Why no linear algebra (Eigen): the bound is per endpoint and per dependency chain; a routing
// matrix would bind the bound to one routing, which is exactly what it must not depend on.
// Cost: O(nodes + edges + transfers · ports_s · ports_d + t log t per op of t transfers) time,
// plus one Dijkstra over the switches per edge switch (≤ 256); 8 B per DAG node, 4 B per transfer
// and 8 B per pair of edge switches of scratch memory.
// Thread safety: pure function of its inputs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "topology/failures.hpp"
#include "topology/fabric.hpp"
#include "workload/transfer_dag.hpp"

namespace rocesim::report {

// Per op (index of LoweredWorkload::ops) its lower bound; Time{} for an op without nodes.
// REQUIRES: dag finalized; every rank of the DAG < rank_endpoint.size(); every node's op is
// < op_count or UINT32_MAX (no op); link_changes from the fabric's failure schedule (may be empty).
std::vector<Time> op_lower_bounds(const topology::Fabric& fabric, const workload::TransferDag& dag,
                                  std::span<const std::uint32_t> rank_endpoint, std::size_t op_count,
                                  std::span<const topology::LinkChange> link_changes = {});

}  // namespace rocesim::report
