#include "report/fabric_dot.hpp"

#include <sstream>
#include <vector>

namespace rocesim::report {
namespace {

using topology::Fabric;
using topology::Node;
using topology::NodeId;
using topology::NodeRole;

// Built with streams: GCC 12 -O2 gives -Wrestrict false positives on short std::string assignments.
std::string node_name(const Fabric& f, NodeId n) {
  char prefix = 'a';
  switch (f.node(n).role) {
    case NodeRole::accelerator: prefix = 'a'; break;
    case NodeRole::fabric_switch: prefix = 's'; break;
    case NodeRole::scale_up_switch: prefix = 'u'; break;
  }
  std::ostringstream os;
  os << prefix << n;
  return os.str();
}

std::string label(const Fabric& f, NodeId n) {
  const Node& node = f.node(n);
  std::ostringstream os;
  switch (node.role) {
    case NodeRole::accelerator:
      os << "acc " << n << "\\nsrv " << node.server << "." << node.local_index;
      break;
    case NodeRole::fabric_switch: {
      const std::string& name = f.tier_info(node.tier).name;
      if (name.empty()) {
        os << "tier" << static_cast<int>(node.tier);
      } else {
        os << name;
      }
      os << " " << n;
      break;
    }
    case NodeRole::scale_up_switch: os << "scale-up " << node.scale_up_domain; break;
  }
  return os.str();
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
