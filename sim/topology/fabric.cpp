#include "topology/fabric.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace rocesim::topology {

const char* to_string(NodeRole r) {
  switch (r) {
    case NodeRole::accelerator: return "accelerator";
    case NodeRole::fabric_switch: return "switch";
    case NodeRole::scale_up_switch: return "scale_up_switch";
  }
  return "?";
}

const char* to_string(LinkKind k) {
  switch (k) {
    case LinkKind::nic: return "nic";
    case LinkKind::fabric: return "fabric";
    case LinkKind::scale_up: return "scale_up";
  }
  return "?";
}

FabricBuilder::FabricBuilder(std::string name, std::string generator) {
  f_.name_ = std::move(name);
  f_.generator_ = std::move(generator);
}

void FabricBuilder::reserve(std::size_t nodes, std::size_t links) {
  f_.nodes_.reserve(nodes);
  f_.links_.reserve(links);
}

NodeId FabricBuilder::add_accelerator(std::uint32_t server, std::uint32_t local_index,
                                      std::uint32_t scale_up_domain, std::uint32_t pod) {
  if (switches_started_) throw std::logic_error("FabricBuilder: accelerators must be added first");
  Node n;
  n.role = NodeRole::accelerator;
  n.server = server;
  n.local_index = local_index;
  n.scale_up_domain = scale_up_domain;
  n.pod = pod;
  const auto id = static_cast<NodeId>(f_.nodes_.size());
  n.domain[0] = id;
  f_.nodes_.push_back(n);
  ++f_.endpoints_;
  return id;
}

NodeId FabricBuilder::add_switch(int tier, std::uint8_t plane, const std::array<std::uint32_t, kMaxTier + 1>& domain,
                                 std::uint32_t pod) {
  if (tier < 1 || tier > kMaxTier) throw std::logic_error("FabricBuilder: switch tier out of range");
  switches_started_ = true;
  Node n;
  n.role = NodeRole::fabric_switch;
  n.tier = static_cast<std::uint8_t>(tier);
  n.plane = plane;
  for (int t = tier; t <= kMaxTier; ++t) n.domain[static_cast<std::size_t>(t)] = domain[static_cast<std::size_t>(t)];
  n.pod = pod;
  f_.max_tier_ = std::max(f_.max_tier_, tier);
  f_.nodes_.push_back(n);
  return static_cast<NodeId>(f_.nodes_.size() - 1);
}

NodeId FabricBuilder::add_scale_up_switch(std::uint32_t scale_up_domain) {
  switches_started_ = true;
  Node n;
  n.role = NodeRole::scale_up_switch;
  n.scale_up_domain = scale_up_domain;
  f_.nodes_.push_back(n);
  return static_cast<NodeId>(f_.nodes_.size() - 1);
}

LinkId FabricBuilder::add_link(NodeId lower, NodeId upper, Rate rate, Time latency, LinkKind kind) {
  if (lower >= f_.nodes_.size() || upper >= f_.nodes_.size() || lower == upper) {
    throw std::logic_error("FabricBuilder: link must join two distinct existing nodes");
  }
  if (rate.bps == 0) throw std::logic_error("FabricBuilder: link rate must be positive");
  Link l;
  l.a = lower;
  l.b = upper;
  l.rate = rate;
  l.latency = latency;
  l.kind = kind;
  l.tier = kind == LinkKind::scale_up ? 0 : f_.nodes_[upper].tier;
  f_.links_.push_back(l);
  return static_cast<LinkId>(f_.links_.size() - 1);
}

void FabricBuilder::set_tier_info(int tier, TierInfo info) { f_.tiers_[static_cast<std::size_t>(tier)] = std::move(info); }

void FabricBuilder::set_switch_buffer(int tier, SwitchBuffer buffer) {
  if (tier < 0 || tier > kMaxTier) throw std::logic_error("FabricBuilder: switch tier out of range");
  if (buffer.size.n > 0) tier_buffers_[static_cast<std::size_t>(tier)] = std::move(buffer);
}

void FabricBuilder::set_node_buffer(NodeId n, SwitchBuffer buffer) {
  if (n >= f_.nodes_.size() || f_.nodes_[n].role == NodeRole::accelerator) {
    throw std::logic_error("FabricBuilder: a buffer belongs to an existing switch");
  }
  if (buffer.size.n > 0) f_.nodes_[n].buffer = intern_buffer(std::move(buffer));
}

std::uint8_t FabricBuilder::intern_buffer(SwitchBuffer buffer) {
  // Linear search: the table holds a handful of entries (at most kMaxBuffers).
  const auto it = std::find(f_.buffers_.begin(), f_.buffers_.end(), buffer);
  if (it != f_.buffers_.end()) return static_cast<std::uint8_t>(it - f_.buffers_.begin());
  if (f_.buffers_.size() >= kMaxBuffers) throw std::logic_error("FabricBuilder: too many distinct switch buffers");
  f_.buffers_.push_back(std::move(buffer));
  return static_cast<std::uint8_t>(f_.buffers_.size() - 1);
}

void FabricBuilder::set_planes(std::uint32_t planes) { f_.planes_ = planes; }

void FabricBuilder::set_structural(bool structural) { f_.structural_ = structural; }

Fabric FabricBuilder::build() && {
  Fabric& f = f_;
  const std::size_t n_nodes = f.nodes_.size();

  // Tier buffers reach the switches without one of their own; entries are interned in tier order
  // so the table is the same whatever order the generator called set_switch_buffer in.
  std::array<std::uint8_t, kMaxTier + 1> tier_index{};
  for (std::size_t t = 0; t <= kMaxTier; ++t) {
    if (tier_buffers_[t].size.n > 0) tier_index[t] = intern_buffer(tier_buffers_[t]);
  }
  for (Node& node : f.nodes_) {
    if (node.role != NodeRole::accelerator && node.buffer == 0) node.buffer = tier_index[node.tier];
  }

  // Counting sort of the two directions of every link by transmitting node.
  std::vector<std::uint32_t> count(n_nodes + 1, 0);
  for (const Link& l : f.links_) {
    ++count[l.a + 1];
    ++count[l.b + 1];
  }
  for (std::size_t i = 0; i < n_nodes; ++i) count[i + 1] += count[i];
  for (std::size_t i = 0; i < n_nodes; ++i) {
    f.nodes_[i].first_port = count[i];
    f.nodes_[i].port_count = count[i + 1] - count[i];
  }
  f.ports_.assign(f.links_.size() * 2, Port{});
  std::vector<std::uint32_t> fill(count.begin(), count.end() - 1);
  for (LinkId id = 0; id < f.links_.size(); ++id) {
    const Link& l = f.links_[id];
    f.ports_[fill[l.a]++] = Port{l.a, l.b, id, kNone};
    f.ports_[fill[l.b]++] = Port{l.b, l.a, id, kNone};
  }

  // Accelerators inherit the domains of their first leaf (the lowest-numbered tier-1 peer).
  for (NodeId e = 0; e < f.endpoints_; ++e) {
    Node& acc = f.nodes_[e];
    NodeId leaf = kNone;
    for (std::uint32_t p = acc.first_port; p < acc.first_port + acc.port_count; ++p) {
      const NodeId peer = f.ports_[p].peer;
      if (f.nodes_[peer].role == NodeRole::fabric_switch && (leaf == kNone || peer < leaf)) leaf = peer;
    }
    if (leaf != kNone) {
      for (int t = 1; t <= kMaxTier; ++t) acc.domain[static_cast<std::size_t>(t)] = f.nodes_[leaf].domain[static_cast<std::size_t>(t)];
      acc.plane = f.nodes_[leaf].plane;
    }
  }

  // Per node: down/sideways ports first, sorted by the peer's domain one tier below; then up ports.
  auto is_up = [&f](const Node& self, const Node& peer) {
    if (peer.role != NodeRole::fabric_switch) return false;
    if (self.role != NodeRole::fabric_switch) return true;
    return peer.tier > self.tier;
  };
  for (NodeId n = 0; n < n_nodes; ++n) {
    Node& self = f.nodes_[n];
    auto first = f.ports_.begin() + self.first_port;
    auto last = first + self.port_count;
    const std::size_t below = Fabric::down_key_tier(self);
    std::sort(first, last, [&](const Port& x, const Port& y) {
      const Node& px = f.nodes_[x.peer];
      const Node& py = f.nodes_[y.peer];
      const bool ux = is_up(self, px), uy = is_up(self, py);
      if (ux != uy) return !ux;
      const std::uint32_t dx = ux ? 0 : px.domain[below];
      const std::uint32_t dy = uy ? 0 : py.domain[below];
      return std::tie(dx, x.peer, x.link) < std::tie(dy, y.peer, y.link);
    });
    self.up_begin = self.first_port + self.port_count;
    for (std::uint32_t p = self.first_port; p < self.first_port + self.port_count; ++p) {
      if (is_up(self, f.nodes_[f.ports_[p].peer])) {
        self.up_begin = p;
        break;
      }
    }
  }
  f.down_key_.assign(f.ports_.size(), kNone);
  for (const Node& self : f.nodes_) {
    const std::size_t below = Fabric::down_key_tier(self);
    for (PortId p = self.first_port; p < self.up_begin; ++p) f.down_key_[p] = f.nodes_[f.ports_[p].peer].domain[below];
  }

  // Pair each direction with its reverse.
  std::vector<PortId> first_of_link(f.links_.size(), kNone);
  for (PortId p = 0; p < f.ports_.size(); ++p) {
    const LinkId l = f.ports_[p].link;
    if (first_of_link[l] == kNone) {
      first_of_link[l] = p;
    } else {
      f.ports_[p].peer_port = first_of_link[l];
      f.ports_[first_of_link[l]].peer_port = p;
    }
  }
  return std::move(f_);
}

Fabric Fabric::with_link_rates(std::span<const Rate> link_rates) const {
  if (link_rates.size() != links_.size()) throw std::logic_error("Fabric::with_link_rates: one rate per link expected");
  Fabric copy = *this;
  for (std::size_t l = 0; l < links_.size(); ++l) {
    if (link_rates[l].bps == 0) throw std::logic_error("Fabric::with_link_rates: rates must be positive");
    copy.links_[l].rate = link_rates[l];
  }
  return copy;
}

Fabric Fabric::with_link_state(std::span<const Rate> link_rates, std::span<const std::uint8_t> down) const {
  if (!down.empty() && down.size() != links_.size()) throw std::logic_error("Fabric::with_link_state: one state per link expected");
  Fabric copy = with_link_rates(link_rates);
  copy.link_down_.clear();
  copy.links_down_ = 0;
  for (const std::uint8_t d : down) copy.links_down_ += d != 0;
  if (copy.links_down_ > 0) {
    copy.link_down_.resize(links_.size());
    for (std::size_t l = 0; l < links_.size(); ++l) copy.link_down_[l] = down[l] != 0 ? 1 : 0;
  }
  return copy;
}

}  // namespace rocesim::topology
