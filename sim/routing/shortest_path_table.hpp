// ShortestPathTable: next hops for fabrics without structural addressing (explicit graphs, such as
// the ns-3 / SimAI text topologies).
//
// Endpoints are grouped by the set of fabric switches they attach to (one group per leaf; one per
// ToR pair for dual-homed NICs). For each group a multi-source BFS over the switch graph gives the
// hop distance d(S) of every switch S to the group; S's candidates toward an endpoint of the group
// are its ports to switches N with d(N) = d(S) − 1 (all shortest paths, so ECMP width is the number
// of shortest paths). Accelerators and scale-up switches are never transit nodes here.
// Memory: O(switches × groups) entries of 8 bytes plus the next-hop lists; the constructor refuses
// (std::length_error) tables above 2^28 entries, which no explicit graph written by hand reaches.
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "topology/fabric.hpp"

namespace rocesim::routing {

class ShortestPathTable {
 public:
  // `link_down` (one byte per link, 1 = down) overrides the fabric's link state when not empty.
  explicit ShortestPathTable(const topology::Fabric& fabric, std::span<const std::uint8_t> link_down = {});

  // Ports at switch `node` one hop closer to `dst`'s attachment switches; count 0 if unreachable
  // or if `node` is itself an attachment switch of dst (the caller then uses the direct port).
  // REQUIRES: node is a fabric switch, dst an endpoint.
  const topology::PortId* next_hops(topology::NodeId node, topology::NodeId dst, std::uint32_t& count) const;

  // The NIC ports of endpoint e that are up, or nullptr when all are (then count is unset).
  const topology::PortId* live_uplinks(topology::NodeId e, std::uint32_t& count) const;

 private:
  struct Entry {
    std::uint32_t offset = 0;
    std::uint32_t count = 0;
  };
  std::vector<std::uint32_t> switch_index_;    // node → dense switch index (kNone for others)
  std::vector<std::uint32_t> group_of_;        // endpoint → group
  std::uint32_t groups_ = 0;
  std::vector<Entry> table_;                   // [switch index × groups + group]
  std::vector<topology::PortId> hops_;
  std::vector<std::pair<topology::NodeId, Entry>> live_uplinks_;  // endpoints with a NIC link down, sorted
};

}  // namespace rocesim::routing
