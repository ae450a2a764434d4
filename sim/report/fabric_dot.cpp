#include "report/fabric_dot.hpp"

#include <sstream>
#include <vector>

namespace rocesim::report {
namespace {

using topology::Fabric;
using topology::Node;
using topology::NodeId;
using topology::NodeRole;

std::string node_name(const Fabric& f, NodeId n) {
  switch (f.node(n).role) {
    case NodeRole::accelerator: return "a" + std::to_string(n);
    case NodeRole::fabric_switch: return "s" + std::to_string(n);
    case NodeRole::scale_up_switch: return "u" + std::to_string(n);
  }
  return "x" + std::to_string(n);
}

std::string label(const Fabric& f, NodeId n) {
  const Node& node = f.node(n);
  switch (node.role) {
    case NodeRole::accelerator:
      return "acc " + std::to_string(n) + "\\nsrv " + std::to_string(node.server) + "." + std::to_string(node.local_index);
    case NodeRole::fabric_switch: {
      const std::string& name = f.tier_info(node.tier).name;
      return (name.empty() ? "tier" + std::to_string(node.tier) : name) + " " + std::to_string(n);
    }
    case NodeRole::scale_up_switch: return "scale-up " + std::to_string(node.scale_up_domain);
  }
  return "?";
}

}  // namespace

std::string to_dot(const Fabric& f) {
  std::ostringstream os;
  os << "graph \"" << f.name() << "\" {\n  rankdir=BT;\n  node [fontsize=9];\n";
  // Rows: accelerators, scale-up switches beside them, then tiers 1..T.
  std::vector<std::vector<NodeId>> rows(static_cast<std::size_t>(topology::kMaxTier) + 1);
  std::vector<NodeId> scale_up;
  for (NodeId n = 0; n < f.node_count(); ++n) {
    const Node& node = f.node(n);
    if (node.role == NodeRole::scale_up_switch) {
      scale_up.push_back(n);
    } else {
      rows[node.tier].push_back(n);
    }
  }
  for (std::size_t t = 0; t < rows.size(); ++t) {
    if (rows[t].empty()) continue;
    os << "  { rank=same;";
    for (NodeId n : rows[t]) {
      os << " " << node_name(f, n) << " [label=\"" << label(f, n) << "\""
         << (t == 0 ? ", shape=box" : ", shape=ellipse") << "];";
    }
    os << " }\n";
  }
  for (NodeId n : scale_up) os << "  " << node_name(f, n) << " [label=\"" << label(f, n) << "\", shape=hexagon];\n";
  for (const topology::Link& l : f.links()) {
    os << "  " << node_name(f, l.a) << " -- " << node_name(f, l.b) << " [label=\"" << to_string(l.rate) << "\""
       << (l.kind == topology::LinkKind::scale_up ? ", style=dashed" : "") << "];\n";
  }
  os << "}\n";
  return os.str();
}

}  // namespace rocesim::report
