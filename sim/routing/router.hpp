// Router: ECMP next-hop groups, flow hashing and path queries over a Fabric.
//
// On structural fabrics, routing is valley-free up-down routing computed structurally from the fabric's domain
// addressing (see topology/fabric.hpp), so it needs no per-destination tables: at a switch of
// tier t, a destination endpoint e is either covered (domain[t] equal) and the candidates are the
// down ports whose peer has e's domain one tier below, or not covered and the candidates are all
// up ports. Both sets are contiguous port ranges, found in O(log ports). Memory: O(1) beyond the
// Fabric. Explicit graphs (Fabric::structural() false) fall back to BFS all-shortest-paths tables
// (routing/shortest_path_table.hpp). Accelerators in the same scale-up domain talk over the
// scale-up switch.
//
// Relay through the scale-up domain (rail-only fabrics, topology/catalog.hpp): when two endpoints'
// top-tier domains differ (structural fabrics; T = fabric.max_tier(), src.domain[T] != dst.domain[T]), no scale-out
// path joins them. The source then sends to its scale-up switch, which forwards to the
// accelerators of its domain whose top-tier domain is dst's (ECMP over them); such a relay
// accelerator sends on through its own NIC. The path reports this explicitly: scale-up hop,
// relay accelerator, then the rail. On a full-mesh scale-up domain (topology/scale_up.hpp) the
// source itself picks the relay: ECMP over its mesh ports to peers on dst's rail.
// Full mesh: two accelerators of one domain use only their direct links (ECMP over the
// links_per_pair parallel ones; the accelerator's mesh ports are sorted by peer id, so they are
// one binary search). With any of them down the pair goes over the scale-out fabric, as a
// switched pair does when its scale-up link is down. Without a scale-up port there is no path (path() is false).
// The relay order (each scale-up switch's ports sorted by the peer's top-tier domain) costs one
// PortId per port, and exists only for fabrics with differing top-tier domains.
// Multi-plane fabrics (fabric.planes() > 1) use plane-relative domain ids and a flow never leaves
// its plane, so switches there ignore the endpoint's (first-leaf) plane label.
// Failures (topology/failures.hpp): links marked down keep their ids. Structural fabrics keep
// up-down routing and prune each ECMP set to the candidates that still reach the destination
// (routing/failure_routes.hpp); a same-scale-up-domain pair whose scale-up link is down goes over
// the scale-out fabric; rail-only relays skip relays whose scale-up link or rail path is down.
// Explicit graphs compute their BFS tables over the links that are up.
// Weighted ECMP (WCMP): when links of one kind and tier differ in rate (a degraded link, see
// topology/failures.hpp), select() picks candidate i with probability rate_i / Σ rate over the
// candidates (h mod Σ, rates in Mb/s); otherwise h mod |candidates| as above.
//
// Hashing: the flow key is the RoCEv2 5-tuple (src IP = src endpoint, dst IP = dst endpoint,
// UDP source port chosen per QP, UDP destination port 4791, protocol 17). A switch picks
// candidate  h(key, seed_s) mod |candidates|  where seed_s is the switch's seed:
//   uniform : h = splitmix64 mix of the tuple and seed (an ideal hash)
//   crc     : h = rotr32(CRC-32C of the 13 tuple bytes with seed_s as initial value, o_s), a
//             realistic ASIC hash. CRC is affine over GF(2): the initial value only XORs a
//             constant into the result, so a seed alone never changes which flows collide, and
//             two tiers that read the same result bits are polarized (the flows a ToR sent to
//             uplink j all read the same bits again at the next switch and share one of its
//             uplinks). ASICs avoid this by selecting different result bits or functions per
//             switch (hash offset / rotation); here each switch reads the result rotated by
//             o_s = (b + 11·tier_s) mod 32, b from the master seed: the 3–5 tiers a path hashes
//             at read distinct bit windows (distinct linear functions of the tuple), and another
//             master seed moves every window (other collisions). With `per_switch_seed = false`
//             every switch uses the same seed and window (o = b), which reproduces polarization.
//   crc_select : the other ASIC remedy (Broadcom-style hash function and hash-bit selection),
//             chosen at random per switch: switch s takes from its seed one of four CRC-32
//             polynomials (CRC-32C 0x1EDC6F41, CRC-32/IEEE 0x04C11DB7, CRC-32K 0x741B8CD7,
//             CRC-32Q 0x814141AB, reflected) and a rotation r in 0..31 of the 32-bit result:
//             h = rotr(CRC_poly(s)(init(s), m), r(s)). Different polynomials and bit positions are
//             different GF(2)-linear maps of the tuple, so consecutive switches are de-correlated
//             unless two draw the same pair (1 in 128), and a new seed changes which flows
//             collide. With `per_switch_seed = false` every switch takes the same function and
//             bits: polarization again.
// Link state at run time (time-varying failures, topology/failures.hpp failure_schedule):
// set_link_state(link, up, rate) changes one link and rebuilds only the failure index (pruned sets
// or, for explicit graphs, the BFS tables), O(endpoints + damage); the healthy structure is untouched.
// Thread safety: const members are safe to share; set_link_state is not safe concurrently with any
// query, and it invalidates PortRange lists returned before it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "topology/fabric.hpp"

namespace rocesim::routing {

using topology::NodeId;
using topology::PortId;

inline constexpr std::uint16_t kRoceUdpPort = 4791;
inline constexpr std::uint16_t kBaseSourcePort = 49152;

struct FlowKey {
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::uint16_t sport = kBaseSourcePort;
  std::uint16_t dport = kRoceUdpPort;

  // The UDP source port of QP number `qp` of a connection: one entropy value per QP.
  static FlowKey for_qp(std::uint32_t src, std::uint32_t dst, std::uint32_t qp) {
    return FlowKey{src, dst, static_cast<std::uint16_t>(kBaseSourcePort + (qp % 16384)), kRoceUdpPort};
  }
};

class ShortestPathTable;
class FailureRoutes;

enum class HashKind : std::uint8_t { uniform, crc, crc_select };
const char* to_string(HashKind h);  // "uniform", "crc", "crc_select" (routing.hash)

// How a switch spreads traffic over the ECMP candidates (the Router computes the candidates; each
// backend applies the mode, since spraying and adaptive choice depend on its queue state):
//   ecmp     : per flow, by hash of the 5-tuple (default; what RoCE fabrics run today)
//   spray    : per packet, over all candidates (fluid: the flow's rate split evenly over them)
//   flowlet  : per flow, re-picked when the gap since the flow's previous packet exceeds flowlet_gap
//   adaptive : per packet, the candidate with the least queued bytes (fluid: least loaded)
enum class LoadBalancing : std::uint8_t { ecmp, spray, flowlet, adaptive };
const char* to_string(LoadBalancing lb);

struct RoutingParams {
  HashKind hash = HashKind::crc;  // realistic switch hash by default
  std::uint64_t seed = 1;         // master seed for per-switch hash seeds
  bool per_switch_seed = true;    // false: all switches hash alike (polarization studies)
  LoadBalancing load_balancing = LoadBalancing::ecmp;  // JSON "routing.load_balancing"
  Time flowlet_gap = Time::from_us(4);                 // JSON "routing.flowlet_gap" (flowlet mode)
};

// The candidate ports at one node: a contiguous range of port ids (structural routing) or a list
// (shortest-path tables). Read them with at(i), 0 <= i < count.
struct PortRange {
  PortId first = 0;  // the first candidate (for a list too: list[0]) when not empty
  std::uint32_t count = 0;
  const PortId* list = nullptr;
  bool empty() const { return count == 0; }
  PortId at(std::uint32_t i) const { return list != nullptr ? list[i] : first + i; }
  static PortRange of_list(const PortId* list, std::uint32_t count) {
    return count == 0 ? PortRange{} : PortRange{list[0], count, list};
  }
};

class Router {
 public:
  Router(const topology::Fabric& fabric, RoutingParams params);

  const topology::Fabric& fabric() const { return fabric_; }
  const RoutingParams& params() const { return params_; }

  // ECMP candidates at `node` for traffic to endpoint `dst`. Empty when `node` has no way toward
  // it. REQUIRES: node != dst.
  PortRange candidates(NodeId node, NodeId dst) const;

  // The hash value switch `node` computes for `key`.
  std::uint32_t hash(NodeId node, const FlowKey& key) const;

  // The egress port `node` picks for `key` (per-flow ECMP). Returns topology::kNone if none.
  PortId select(NodeId node, const FlowKey& key) const;

  // Appends to `out` the egress ports a flow with `key` takes from key.src to key.dst (first: the
  // source's NIC or scale-up port; last: the port into dst). Returns false if no path exists.
  bool path(const FlowKey& key, std::vector<PortId>& out) const;

  // Number of distinct shortest up-down paths from src to dst (the ECMP width end to end).
  std::uint64_t path_count(NodeId src, NodeId dst) const;

  // Hops (links) on the path between two endpoints; -1 if unreachable.
  int hop_count(NodeId src, NodeId dst) const;

  // The pruned-set index when the fabric has links down and is structural; null otherwise.
  const FailureRoutes* failure_routes() const { return failures_.get(); }

  // Sets link `link` down (up = false) or up at `rate` (Rate{} = its rate in the fabric), as a
  // timed failure does at its time. Routing from then on is what a fabric built with that link
  // state would give.
  void set_link_state(topology::LinkId link, bool up, Rate rate = Rate{});
  // Several links at one instant: the same as one set_link_state call per entry, with one rebuild.
  struct LinkState {
    topology::LinkId link = topology::kNone;
    bool up = false;
    Rate rate{};  // when up; Rate{} = the link's rate in the fabric
  };
  void set_link_states(std::span<const LinkState> changes);
  bool link_up(topology::LinkId link) const { return down_.empty() ? fabric_.link_up(link) : down_[link] == 0; }
  // Links down now (the fabric's, then as set_link_states left them).
  std::size_t links_down() const { return down_.empty() ? fabric_.links_down() : links_down_; }
  // The link's rate now (the fabric's unless set_link_state changed it); meaningful while up.
  Rate link_rate(topology::LinkId link) const { return rate_.empty() ? fabric_.link(link).rate : rate_[link]; }
  Rate port_rate(PortId p) const { return link_rate(fabric_.port(p).link); }

 private:
  std::uint64_t switch_seed(NodeId node) const;
  // The CRC result rotation o_s of switch `node` (see the hashing notes above).
  std::uint32_t hash_offset(NodeId node) const;
  std::uint64_t paths_from(NodeId node, NodeId dst, int depth) const;

  PortRange explicit_candidates(NodeId node, NodeId dst) const;
  PortRange relay_candidates(NodeId scale_up_switch, NodeId dst) const;
  PortRange down_group(NodeId node, std::uint32_t want) const;
  bool scale_up_direct(NodeId src, NodeId dst) const;
  bool mesh_direct_up(PortRange direct) const;
  PortRange up_set(NodeId node, NodeId dst) const;
  bool port_up(PortId p) const { return link_up(fabric_.port(p).link); }
  std::uint64_t weight(PortId p) const;
  void compute_weighted();

  const topology::Fabric& fabric_;
  RoutingParams params_;
  std::uint64_t seed_base_;
  bool mesh_ = false;  // full-mesh scale-up domains: accelerators link to each other directly
  std::shared_ptr<const ShortestPathTable> table_;  // only for non-structural fabrics
  std::shared_ptr<const FailureRoutes> failures_;   // only for structural fabrics with links down
  bool weighted_ = false;  // some links of one kind and tier differ in rate
  std::vector<std::uint8_t> down_;  // run-time link state; empty: the fabric's
  std::size_t links_down_ = 0;      // count of down_ entries set
  std::vector<Rate> rate_;          // run-time link rates; empty: the fabric's
  std::vector<PortId> relay_;  // by absolute port id, scale-up switch ranges only; empty unless relaying
};

}  // namespace rocesim::routing
