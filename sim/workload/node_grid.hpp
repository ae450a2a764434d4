// NodeGrid: a communicator's positions arranged by scale-up node and rail, for the algorithms
// whose pattern depends on which ranks share a node (hierarchical, rail_aligned, nccl with PXN).
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "workload/collectives.hpp"

namespace rocesim::workload {

// Positions of the communicator grouped by scale-up node (nodes in order of first appearance), each
// node's positions sorted by rail. Every node must hold the same set of rails, once each.
struct NodeGrid {
  std::vector<std::vector<std::uint32_t>> nodes;  // nodes[a][j]: position with the j-th rail on node a
  std::vector<std::uint32_t> node_index;          // per position: a
  std::vector<std::uint32_t> rail_index;          // per position: j
};

// Throws LoweringError naming `algorithm` if `loc` is empty, a node holds two ranks on one rail,
// or nodes hold different rails.
NodeGrid grid_of(std::span<const std::uint32_t> ranks, const Locality& loc, const char* algorithm);

}  // namespace rocesim::workload
