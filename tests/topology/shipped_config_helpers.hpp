// Helpers for tests of the configs shipped in topologies/: their path and per-tier switch counts.
#pragma once

#include <cstddef>
#include <string>

#include "topology/fabric.hpp"

namespace rocesim::topology::testing {

inline std::string config(const std::string& name) { return std::string(ROCESIM_SOURCE_DIR) + "/topologies/" + name; }

inline std::size_t count_switches(const Fabric& f, int tier) {
  std::size_t n = 0;
  for (const Node& node : f.nodes()) n += node.role == NodeRole::fabric_switch && node.tier == tier;
  return n;
}

}  // namespace rocesim::topology::testing
