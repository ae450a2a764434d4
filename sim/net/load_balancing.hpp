// LoadBalancer: how a switch of the packet backend picks a data packet's egress among the
// Router's ECMP candidates C = Router::candidates(node, dst), |C| = n, per
// RoutingParams::load_balancing:
//   ecmp     : per flow. The QP's whole path is precomputed once from Router::path (the router's
//              5-tuple hash and per-switch seed); switches never choose (Steer::route, the fast path).
//   spray    : per packet, hashed: h = splitmix64(seed_s ^ (qp << 32 | psn)) with a per-switch seed
//              seed_s = derive_seed(routing seed, "lb", s); egress C[h mod n]. A retransmission of a
//              PSN takes the same path as its first copy; packets of one QP spread uniformly and
//              independently over the candidates. (Per-packet hashing, not a round robin per switch:
//              a round robin shared by flows that send in lockstep can pin each flow to one port.)
//   flowlet  : per flowlet, hashed as spray with the QP's flowlet number f instead of the PSN. The
//              sender NIC starts a new flowlet (f + 1) when the gap since the QP's previous data
//              packet exceeded flowlet_gap, so a flowlet keeps one path at every hop and a new one
//              gets a fresh hashed choice at each hop. (Real switches detect gaps in their own
//              flowlet tables; measuring at the source is exact for the first hop and close for
//              the later ones, whose gaps differ only by queueing jitter.) Flowlet state is per
//              QP and every transfer gets its own QPs, so each transfer starts a new flowlet.
//   adaptive : per packet, at each switch a candidate with the lowest load level: the bytes
//              queued in the packet's class at that egress (PacketNet's queue, wire bytes) in
//              whole data frames, floor(q / (MTU + overhead)); ties are broken uniformly by the
//              spray hash of (QP, PSN), so an idle switch sprays (switch-local adaptive routing,
//              which ASICs run on quantized port-load levels). Why a uniform tie-break: with a
//              per-switch rotating one, hosts sending in lockstep at line rate meet the rotation
//              in phase and each flow stays pinned to one spine (measured 1.7x the non-blocking
//              max FCT on the test permutation of load_balancing_test.cpp; this rule: 1.17x).
// Weights: when the ports of a switch differ in rate (degraded links, weighted ECMP), the hashed
// modes pick C[i] with probability rate_i / Σ rate (h mod Σ rates in Mb/s), as Router::select
// does; adaptive compares queued bytes alone (a slow port's queue grows and repels traffic).
// Rates are the Router's live ones (link changes, PacketNet::on_links_changed, which calls
// refresh_rates for both ends of a changed link); candidates are read afresh per packet, so no
// PortRange outlives a Router::set_link_states.
// Limits: the sender's NIC port stays the QP's first-hop port (a dual-ported NIC does not spray
// over its ports); paths relayed through a scale-up domain and pinned paths keep Steer::route.
// ACK/NAK/CNP frames always follow the reverse path's per-flow ECMP route.
// Memory: 9 B per node, only when the mode is not ecmp or packets carry entropy (UET).
// Thread safety: none; one per PacketNet.
#pragma once

#include <cstdint>
#include <vector>

#include "net/packet.hpp"
#include "routing/router.hpp"

namespace rocesim::net {

class LoadBalancer {
 public:
  // `per_packet_entropy`: hashed steering is used whatever the mode (UET), so seeds are needed.
  LoadBalancer(const topology::Fabric& fabric, const routing::Router& router, bool per_packet_entropy = false);

  routing::LoadBalancing mode() const { return mode_; }
  // How data packets of a QP that may be steered per hop are forwarded in this mode.
  Steer steer() const;
  Time flowlet_gap() const { return router_.params().flowlet_gap; }

  // Recomputes whether the ports of `node` all run at one rate (after a link of it changed rate).
  void refresh_rates(topology::NodeId node);

  // Steer::hashed egress at `node` toward endpoint `dst`; topology::kNone if no candidate.
  topology::PortId hashed(topology::NodeId node, topology::NodeId dst, std::uint32_t qp, std::uint32_t entropy) const;

  // Steer::adaptive egress: uniformly (by the spray hash) among the candidates whose load level
  // queued(port) is lowest; topology::kNone if no candidate.
  template <class Queued>
  topology::PortId least_queued(topology::NodeId node, topology::NodeId dst, std::uint32_t qp, std::uint32_t psn,
                                Queued&& queued) const {
    const routing::PortRange c = router_.candidates(node, dst);
    if (c.count <= 1) return c.count == 1 ? c.at(0) : topology::kNone;
    std::int64_t low = INT64_MAX;
    std::uint32_t ties = 0;
    for (std::uint32_t i = 0; i < c.count; ++i) {
      const std::int64_t q = queued(c.at(i));
      if (q < low) {
        low = q;
        ties = 1;
      } else if (q == low) {
        ++ties;
      }
    }
    std::uint32_t pick = ties == 1 ? 0 : static_cast<std::uint32_t>(mix(node, qp, psn) % ties);
    for (std::uint32_t i = 0; i < c.count; ++i) {
      if (queued(c.at(i)) == low && pick-- == 0) return c.at(i);
    }
    return c.at(0);  // unreachable: some candidate holds the minimum
  }

 private:
  const topology::Fabric& fabric_;
  const routing::Router& router_;
  routing::LoadBalancing mode_;
  std::uint64_t mix(topology::NodeId node, std::uint32_t qp, std::uint32_t entropy) const;

  std::vector<std::uint64_t> seed_;  // per node
  std::vector<bool> uniform_;        // per node: all its ports run at one rate
};

}  // namespace rocesim::net
