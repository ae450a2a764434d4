// Graphviz DOT rendering of a Fabric, for drawing small fabrics (`rocesim topo --dot`).
//
// One undirected graph; nodes are named a<i> (accelerators), s<i> (packet switches) and u<i>
// (scale-up switches) by node id; each tier is one `rank=same` row so `dot` draws the Clos layers
// bottom to top. Edges carry the link rate; parallel links stay separate edges. Output order is
// node id then link id, so equal fabrics give byte-identical text.
#pragma once

#include <cstddef>
#include <string>

#include "topology/fabric.hpp"

namespace rocesim::report {

// Largest fabric (nodes) we render: dot's layout time grows super-linearly and a drawing of more
// nodes is unreadable anyway. A k = 16 fat tree (1,344 nodes) fits.
inline constexpr std::size_t kMaxDotNodes = 5000;

std::string to_dot(const topology::Fabric& fabric);

}  // namespace rocesim::report
