// Connectivity check of a built Fabric with Boost.Graph connected_components.
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>

#include <vector>

#include "core/config_error.hpp"
#include "topology/topology.hpp"

namespace rocesim::topology {
namespace {

std::string describe(const Fabric& f, NodeId n) {
  const Node& node = f.node(n);
  std::string s = std::string(to_string(node.role)) + " " + std::to_string(n);
  if (node.role == NodeRole::fabric_switch) {
    const TierInfo& t = f.tier_info(node.tier);
    s += " (tier " + std::to_string(node.tier) + (t.name.empty() ? "" : " " + t.name) + ")";
  }
  return s;
}

}  // namespace

void check_connected(const Fabric& fabric, const std::string& file_label) {
  const std::size_t n = fabric.node_count();
  if (n <= 1) return;
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  Graph g(n);
  for (const Link& l : fabric.links()) boost::add_edge(l.a, l.b, g);
  std::vector<int> component(n);
  const int components = boost::connected_components(g, component.data());
  if (components == 1) return;
  // The first node (lowest id) outside node 0's component names the split deterministically.
  NodeId other = 0;
  while (component[other] == component[0]) ++other;
  throw ConfigError(file_label, "/",
                    "the fabric is disconnected: " + std::to_string(components) + " components; " +
                        describe(fabric, 0) + " cannot reach " + describe(fabric, other));
}

}  // namespace rocesim::topology
