#include "routing/shortest_path_table.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/adjacency_list.hpp>

namespace rocesim::routing {
namespace {

using topology::Fabric;
using topology::kNone;
using topology::NodeId;
using topology::NodeRole;
using topology::PortId;

using SwitchGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Records BFS discovery distances.
class DistanceRecorder : public boost::default_bfs_visitor {
 public:
  explicit DistanceRecorder(std::vector<std::uint32_t>& dist) : dist_(&dist) {}
  template <class Edge, class Graph>
  void tree_edge(Edge e, const Graph& g) const {
    (*dist_)[boost::target(e, g)] = (*dist_)[boost::source(e, g)] + 1;
  }

 private:
  std::vector<std::uint32_t>* dist_;
};

}  // namespace

ShortestPathTable::ShortestPathTable(const Fabric& fabric, std::span<const std::uint8_t> link_down) {
  const auto link_up = [&](topology::LinkId l) { return link_down.empty() ? fabric.link_up(l) : link_down[l] == 0; };
  const std::size_t n = fabric.node_count();
  switch_index_.assign(n, kNone);
  std::vector<NodeId> switches;
  for (NodeId v = 0; v < n; ++v) {
    if (fabric.node(v).role == NodeRole::fabric_switch) {
      switch_index_[v] = static_cast<std::uint32_t>(switches.size());
      switches.push_back(v);
    }
  }
  // Switch-to-switch edges (each direction), sorted for the CSR graph.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  for (NodeId s : switches) {
    for (const auto& p : fabric.ports_of(s)) {
      if (switch_index_[p.peer] != kNone && link_up(p.link)) edges.emplace_back(switch_index_[s], switch_index_[p.peer]);
    }
  }
  std::sort(edges.begin(), edges.end());  // deterministic adjacency order
  const SwitchGraph graph(edges.begin(), edges.end(), switches.size());

  // Group endpoints by their sorted set of attachment switches.
  std::map<std::vector<std::uint32_t>, std::uint32_t> group_ids;
  std::vector<std::vector<std::uint32_t>> group_sources;
  group_of_.assign(fabric.endpoints(), kNone);
  for (NodeId e = 0; e < fabric.endpoints(); ++e) {
    std::vector<std::uint32_t> attach;
    bool some_down = false;
    for (const auto& p : fabric.ports_of(e)) {
      if (switch_index_[p.peer] == kNone) continue;
      if (link_up(p.link)) attach.push_back(switch_index_[p.peer]); else some_down = true;
    }
    if (some_down) {
      const Entry live{static_cast<std::uint32_t>(hops_.size()), 0};
      const topology::Node& node = fabric.node(e);
      for (PortId p = node.up_begin; p < node.first_port + node.port_count; ++p) {
        if (link_up(fabric.port(p).link)) hops_.push_back(p);
      }
      live_uplinks_.emplace_back(e, Entry{live.offset, static_cast<std::uint32_t>(hops_.size()) - live.offset});
    }
    std::sort(attach.begin(), attach.end());
    attach.erase(std::unique(attach.begin(), attach.end()), attach.end());
    if (attach.empty()) continue;
    auto [it, fresh] = group_ids.emplace(attach, static_cast<std::uint32_t>(group_sources.size()));
    if (fresh) group_sources.push_back(attach);
    group_of_[e] = it->second;
  }
  groups_ = static_cast<std::uint32_t>(group_sources.size());
  const std::uint64_t entries = static_cast<std::uint64_t>(switches.size()) * groups_;
  if (entries > (1ULL << 28)) throw std::length_error("explicit graph too large for shortest-path routing tables");
  table_.assign(entries, Entry{});

  std::vector<std::uint32_t> dist(switches.size());
  std::vector<boost::default_color_type> color(switches.size());
  for (std::uint32_t g = 0; g < groups_; ++g) {
    std::fill(dist.begin(), dist.end(), kNone);
    std::fill(color.begin(), color.end(), boost::white_color);
    for (std::uint32_t s : group_sources[g]) dist[s] = 0;
    boost::queue<std::size_t> queue;
    boost::breadth_first_search(graph, group_sources[g].begin(), group_sources[g].end(), queue,
                                DistanceRecorder(dist),
                                boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, graph)));
    for (std::uint32_t si = 0; si < switches.size(); ++si) {
      if (dist[si] == kNone || dist[si] == 0) continue;
      Entry& entry = table_[static_cast<std::size_t>(si) * groups_ + g];
      entry.offset = static_cast<std::uint32_t>(hops_.size());
      const NodeId s = switches[si];
      for (PortId p = fabric.node(s).first_port; p < fabric.node(s).first_port + fabric.node(s).port_count; ++p) {
        const std::uint32_t peer = switch_index_[fabric.port(p).peer];
        if (peer != kNone && dist[peer] + 1 == dist[si] && link_up(fabric.port(p).link)) hops_.push_back(p);
      }
      entry.count = static_cast<std::uint32_t>(hops_.size()) - entry.offset;
    }
  }
}

const PortId* ShortestPathTable::live_uplinks(NodeId e, std::uint32_t& count) const {
  const auto it = std::lower_bound(live_uplinks_.begin(), live_uplinks_.end(), e,
                                   [](const std::pair<NodeId, Entry>& x, NodeId v) { return x.first < v; });
  if (it == live_uplinks_.end() || it->first != e) return nullptr;
  count = it->second.count;
  return hops_.data() + it->second.offset;
}

const PortId* ShortestPathTable::next_hops(NodeId node, NodeId dst, std::uint32_t& count) const {
  count = 0;
  const std::uint32_t si = switch_index_[node];
  const std::uint32_t g = group_of_[dst];
  if (si == kNone || g == kNone) return nullptr;
  const Entry& e = table_[static_cast<std::size_t>(si) * groups_ + g];
  count = e.count;
  return hops_.data() + e.offset;
}

}  // namespace rocesim::routing
