#include "workload/node_grid.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace rocesim::workload {

NodeGrid grid_of(std::span<const std::uint32_t> ranks, const Locality& loc, const char* algorithm) {
  if (loc.node_of.empty()) throw LoweringError(std::string(algorithm) + " needs the fabric's scale-up layout");
  const auto n = static_cast<std::uint32_t>(ranks.size());
  NodeGrid g;
  g.node_index.resize(n);
  g.rail_index.resize(n);
  std::map<std::uint32_t, std::uint32_t> node_slot;  // ordered: deterministic, independent of hashing
  for (std::uint32_t p = 0; p < n; ++p) {
    auto [it, fresh] = node_slot.emplace(loc.node_of[ranks[p]], static_cast<std::uint32_t>(g.nodes.size()));
    if (fresh) g.nodes.emplace_back();
    g.nodes[it->second].push_back(p);
    g.node_index[p] = it->second;
  }
  std::vector<std::uint32_t> rails0;
  for (std::size_t a = 0; a < g.nodes.size(); ++a) {
    auto& members = g.nodes[a];
    std::stable_sort(members.begin(), members.end(),
                     [&](std::uint32_t x, std::uint32_t y) { return loc.rail_of[ranks[x]] < loc.rail_of[ranks[y]]; });
    std::vector<std::uint32_t> rails;
    for (std::uint32_t p : members) rails.push_back(loc.rail_of[ranks[p]]);
    if (std::adjacent_find(rails.begin(), rails.end()) != rails.end()) {
      throw LoweringError(std::string(algorithm) + " needs at most one rank per rail on each scale-up node, but rank " +
                          std::to_string(ranks[members[0]]) + "'s node holds two ranks on rail " +
                          std::to_string(*std::adjacent_find(rails.begin(), rails.end())));
    }
    if (a == 0) rails0 = rails;
    if (rails != rails0) {
      throw LoweringError(std::string(algorithm) + " needs every scale-up node of the group to hold the same rails: node of rank " +
                          std::to_string(ranks[members[0]]) + " holds " + std::to_string(rails.size()) +
                          " ranks, that of rank " + std::to_string(ranks[g.nodes[0][0]]) + " holds " +
                          std::to_string(rails0.size()) + " (or different rails)");
    }
    for (std::uint32_t j = 0; j < members.size(); ++j) g.rail_index[members[j]] = j;
  }
  return g;
}

}  // namespace rocesim::workload
