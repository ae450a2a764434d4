// Per-hop egress choice of the packet backend: equations in load_balancing.hpp.
#include "net/load_balancing.hpp"

#include "core/rng.hpp"

namespace rocesim::net {

using topology::NodeId;
using topology::PortId;

LoadBalancer::LoadBalancer(const topology::Fabric& fabric, const routing::Router& router, bool per_packet_entropy)
    : fabric_(fabric), router_(router), mode_(router.params().load_balancing) {
  if (mode_ == routing::LoadBalancing::ecmp && !per_packet_entropy) return;
  const NodeId nodes = static_cast<NodeId>(fabric_.node_count());
  seed_.resize(nodes);
  uniform_.assign(nodes, true);
  for (NodeId n = 0; n < nodes; ++n) {
    seed_[n] = derive_seed(router_.params().seed, "lb", n);
    refresh_rates(n);
  }
}

void LoadBalancer::refresh_rates(NodeId n) {
  if (uniform_.empty()) return;
  const auto& node = fabric_.node(n);
  uniform_[n] = true;
  for (PortId p = node.first_port + 1; p < node.first_port + node.port_count; ++p) {
    if (router_.port_rate(p) != router_.port_rate(node.first_port)) uniform_[n] = false;
  }
}

Steer LoadBalancer::steer() const {
  switch (mode_) {
    case routing::LoadBalancing::ecmp: return Steer::route;
    case routing::LoadBalancing::spray:
    case routing::LoadBalancing::flowlet: return Steer::hashed;
    case routing::LoadBalancing::adaptive: return Steer::adaptive;
  }
  return Steer::route;
}

std::uint64_t LoadBalancer::mix(NodeId node, std::uint32_t qp, std::uint32_t entropy) const {
  return splitmix64(seed_[node] ^ (static_cast<std::uint64_t>(qp) << 32 | entropy));
}

PortId LoadBalancer::hashed(NodeId node, NodeId dst, std::uint32_t qp, std::uint32_t entropy) const {
  const routing::PortRange c = router_.candidates(node, dst);
  if (c.count <= 1) return c.count == 1 ? c.at(0) : topology::kNone;
  const std::uint64_t h = mix(node, qp, entropy);
  if (uniform_[node]) return c.at(static_cast<std::uint32_t>(h % c.count));
  // Weighted by port rate (Mb/s), as Router::select does for weighted ECMP.
  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < c.count; ++i) total += router_.port_rate(c.at(i)).bps / 1'000'000;
  if (total == 0) return c.at(static_cast<std::uint32_t>(h % c.count));
  std::uint64_t x = h % total;
  for (std::uint32_t i = 0; i < c.count; ++i) {
    const std::uint64_t w = router_.port_rate(c.at(i)).bps / 1'000'000;
    if (x < w) return c.at(i);
    x -= w;
  }
  return c.at(c.count - 1);
}

}  // namespace rocesim::net
