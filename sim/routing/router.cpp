#include "routing/router.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <tuple>

#include "core/rng.hpp"
#include "routing/failure_routes.hpp"
#include "routing/shortest_path_table.hpp"
#include "topology/scale_up.hpp"

namespace rocesim::routing {

const char* to_string(LoadBalancing lb) {
  switch (lb) {
    case LoadBalancing::ecmp: return "ecmp";
    case LoadBalancing::spray: return "spray";
    case LoadBalancing::flowlet: return "flowlet";
    case LoadBalancing::adaptive: return "adaptive";
  }
  return "?";
}

const char* to_string(HashKind h) {
  switch (h) {
    case HashKind::uniform: return "uniform";
    case HashKind::crc: return "crc";
    case HashKind::crc_select: return "crc_select";
  }
  return "?";
}

namespace {

using topology::Fabric;
using topology::kMaxTier;
using topology::kNone;
using topology::Node;
using topology::NodeRole;

// Reflected CRC-32 tables built at compile time: CRC-32C (Castagnoli) first, then the other
// polynomials crc_select chooses from (router.hpp): IEEE 802.3, Koopman (CRC-32K), CRC-32Q.
constexpr std::array<std::uint32_t, 256> make_crc_table(std::uint32_t reflected_poly) {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ reflected_poly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<std::array<std::uint32_t, 256>, 4> kCrcTables = {
    make_crc_table(0x82F63B78u), make_crc_table(0xEDB88320u), make_crc_table(0xEB31D82Eu), make_crc_table(0xD5828281u)};

std::uint32_t crc32(const std::array<std::uint32_t, 256>& table, const std::uint8_t* data, std::size_t n,
                    std::uint32_t init) {
  std::uint32_t c = ~init;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xFFu] ^ (c >> 8);
  return ~c;
}

// Loop bound on path length: an up-down path has at most 2·kMaxTier + 2 links; explicit graphs
// may be longer, and a path that is not done by then is treated as unreachable.
constexpr int kMaxHops = 64;

}  // namespace

void Router::compute_weighted() {
  // WCMP only when rates within a (kind, tier) class differ.
  std::array<std::array<std::uint64_t, kMaxTier + 1>, 3> class_rate{};
  weighted_ = false;
  for (topology::LinkId id = 0; id < fabric_.link_count(); ++id) {
    const topology::Link& l = fabric_.link(id);
    if (!link_up(id)) continue;  // a down link carries nothing, whatever its rate
    const std::uint64_t bps = rate_.empty() ? l.rate.bps : rate_[id].bps;
    std::uint64_t& r = class_rate[static_cast<std::size_t>(l.kind)][l.tier];
    if (r == 0) r = bps;
    weighted_ |= r != bps;
  }
}

std::uint64_t Router::weight(PortId p) const {
  const topology::LinkId l = fabric_.port(p).link;
  const std::uint64_t bps = rate_.empty() ? fabric_.link(l).rate.bps : rate_[l].bps;
  return std::max<std::uint64_t>(1, bps / 1000000);
}

void Router::set_link_state(topology::LinkId link, bool up, Rate rate) {
  const LinkState change{link, up, rate};
  set_link_states(std::span<const LinkState>(&change, 1));
}

void Router::set_link_states(std::span<const LinkState> changes) {
  if (down_.empty()) {
    down_.assign(fabric_.link_count(), 0);
    const auto mask = fabric_.link_down_mask();
    std::copy(mask.begin(), mask.end(), down_.begin());
  }
  for (const LinkState& c : changes) {
    down_[c.link] = c.up ? 0 : 1;
    const Rate rate = c.rate.bps > 0 ? c.rate : fabric_.link(c.link).rate;
    if (c.up && (!rate_.empty() || rate != fabric_.link(c.link).rate)) {
      if (rate_.empty()) {
        for (const topology::Link& l : fabric_.links()) rate_.push_back(l.rate);
      }
      rate_[c.link] = rate;
    }
  }
  links_down_ = static_cast<std::size_t>(std::count(down_.begin(), down_.end(), std::uint8_t{1}));
  if (table_) {
    table_ = std::make_shared<const ShortestPathTable>(fabric_, down_);
  } else {
    const bool any_down = links_down_ > 0;
    failures_ = any_down ? std::make_shared<const FailureRoutes>(fabric_, down_, !relay_.empty()) : nullptr;
  }
  compute_weighted();
}

Router::Router(const Fabric& fabric, RoutingParams params)
    : fabric_(fabric),
      params_(params),
      seed_base_(derive_seed(params.seed, "ecmp")),
      mesh_(topology::scale_up_shape(fabric) == topology::ScaleUpShape::full_mesh) {
  if (!fabric.structural()) table_ = std::make_shared<const ShortestPathTable>(fabric);
  compute_weighted();
  // Relay order, only when some endpoints share no top-tier domain (rail-only). Explicit graphs
  // carry no addressing to compare: BFS decides there.
  if (!fabric.structural()) return;
  const auto top = static_cast<std::size_t>(fabric.max_tier());
  bool split = false;
  for (NodeId e = 1; e < fabric.endpoints() && !split; ++e) split = fabric.node(e).domain[top] != fabric.node(0).domain[top];
  if (fabric.links_down() > 0) failures_ = std::make_shared<const FailureRoutes>(fabric, fabric.link_down_mask(), split);
  if (!split) return;
  relay_.assign(fabric.port_count(), kNone);
  for (NodeId n = 0; n < fabric.node_count(); ++n) {
    // The relaying node: a scale-up switch, or on a full mesh the source accelerator itself.
    const Node& s = fabric.node(n);
    if (s.role != (mesh_ ? NodeRole::accelerator : NodeRole::scale_up_switch)) continue;
    const auto first = relay_.begin() + s.first_port, last = relay_.begin() + s.up_begin;
    for (std::uint32_t i = 0; i < s.up_begin - s.first_port; ++i) first[i] = s.first_port + i;
    std::sort(first, last, [&](PortId x, PortId y) {
      const Node& px = fabric.node(fabric.port(x).peer);
      const Node& py = fabric.node(fabric.port(y).peer);
      return std::tie(px.domain[top], x) < std::tie(py.domain[top], y);
    });
  }
}

PortRange Router::relay_candidates(NodeId node, NodeId dst) const {
  const auto top = static_cast<std::size_t>(fabric_.max_tier());
  const Node& self = fabric_.node(node);
  const std::uint32_t want = fabric_.node(dst).domain[top];
  const auto first = relay_.begin() + self.first_port, last = relay_.begin() + self.up_begin;
  const auto key = [&](PortId p) { return fabric_.node(fabric_.port(p).peer).domain[top]; };
  const auto lo = std::partition_point(first, last, [&](PortId p) { return key(p) < want; });
  const auto hi = std::partition_point(lo, last, [&](PortId p) { return key(p) == want; });
  return hi == lo ? PortRange{} : PortRange::of_list(&*lo, static_cast<std::uint32_t>(hi - lo));
}

PortRange Router::explicit_candidates(NodeId node, NodeId dst) const {
  // A switch adjacent to dst delivers directly; otherwise one hop closer along shortest paths.
  const Node& self = fabric_.node(node);
  for (PortId p = self.first_port; p < self.first_port + self.port_count; ++p) {
    if (fabric_.port(p).peer == dst && port_up(p)) return PortRange{p, 1, nullptr};
  }
  std::uint32_t count = 0;
  const PortId* hops = table_->next_hops(node, dst, count);
  return PortRange::of_list(hops, count);
}

std::uint64_t Router::switch_seed(NodeId node) const {
  return params_.per_switch_seed ? splitmix64(seed_base_ + node) : seed_base_;
}

PortRange Router::down_group(NodeId node, std::uint32_t want) const {
  return structural_down_group(fabric_, node, want);
}

bool Router::mesh_direct_up(PortRange direct) const {
  for (std::uint32_t i = 0; i < direct.count; ++i) {
    if (!failures_->port_up(direct.at(i))) return false;
  }
  return true;
}

bool Router::scale_up_direct(NodeId src, NodeId dst) const {
  // src → its scale-up switch → dst, both links up (one scale-up port per accelerator).
  const Node& self = fabric_.node(src);
  if (self.up_begin == self.first_port || !failures_->port_up(self.first_port)) return false;
  const PortRange last = down_group(fabric_.port(self.first_port).peer, dst);
  return !last.empty() && failures_->port_up(last.first);
}

PortRange Router::up_set(NodeId node, NodeId dst) const {
  const Node& self = fabric_.node(node);
  const PortRange all{self.up_begin, self.first_port + self.port_count - self.up_begin};
  if (!failures_) return all;
  const int turn = turn_tier(fabric_, node, dst);
  if (turn == 0) return PortRange{};  // no tier joins them: going up cannot help
  PortRange pruned;
  return failures_->climbing(node, dst, turn, pruned) ? pruned : all;
}

PortRange Router::candidates(NodeId node, NodeId dst) const {
  const Node& self = fabric_.node(node);
  const Node& target = fabric_.node(dst);
  const PortId first = self.first_port;
  const PortId up = self.up_begin;

  switch (self.role) {
    case NodeRole::accelerator: {
      const bool same_scale_up = self.scale_up_domain != kNone && self.scale_up_domain == target.scale_up_domain;
      if (same_scale_up && up > first) {
        if (mesh_) {
          const PortRange direct = down_group(node, dst);  // the pair's own links (down key = peer id)
          if (!direct.empty() && (!failures_ || mesh_direct_up(direct))) return direct;
        } else if (!failures_ || scale_up_direct(node, dst)) {
          return PortRange{first, up - first};
        }
      }
      if (table_) {
        std::uint32_t count = 0;
        const PortId* live = table_->live_uplinks(node, count);
        if (live != nullptr) return PortRange::of_list(live, count);
        return PortRange{up, self.first_port + self.port_count - up};
      }
      if (!relay_.empty()) {
        const auto top = static_cast<std::size_t>(fabric_.max_tier());
        // No scale-out path to dst: cross the scale-up domain first (empty without one).
        if (self.domain[top] != target.domain[top]) {
          if (mesh_) return relay_candidates(node, dst);  // straight to a mesh peer on dst's rail
          if (failures_ && (up == first || !failures_->port_up(first))) return PortRange{};
          return PortRange{first, up - first};
        }
      }
      return up_set(node, dst);
    }
    case NodeRole::scale_up_switch: {
      const PortRange direct = down_group(node, dst);
      if (!failures_) {
        if (!direct.empty() || relay_.empty()) return direct;
        return relay_candidates(node, dst);
      }
      if (!direct.empty() && failures_->port_up(direct.first)) return direct;
      if (relay_.empty()) return PortRange{};
      const PortRange relays = relay_candidates(node, dst);
      if (relays.empty()) return relays;
      // Every relay toward one rail hangs off the same rail leaf, so they share one turn tier.
      const int turn = turn_tier(fabric_, fabric_.port(relays.at(0)).peer, dst);
      if (turn == 0) return PortRange{};
      PortRange pruned;
      return failures_->relay(node, dst, turn, pruned) ? pruned : relays;
    }
    case NodeRole::fabric_switch: {
      if (table_) return explicit_candidates(node, dst);
      const std::size_t t = self.tier;
      const bool same_plane = fabric_.planes() > 1 || self.plane == target.plane;  // see the header
      if (self.domain[t] == target.domain[t] && same_plane) {
        PortRange pruned;
        if (failures_ && failures_->covering(node, dst, pruned)) return pruned;
        return down_group(node, target.domain[t - 1]);
      }
      return up_set(node, dst);
    }
  }
  return PortRange{};
}

std::uint32_t Router::hash(NodeId node, const FlowKey& key) const {
  const std::uint64_t seed = switch_seed(node);
  if (params_.hash == HashKind::uniform) {
    const std::uint64_t a = (static_cast<std::uint64_t>(key.src) << 32) | key.dst;
    const std::uint64_t b = (static_cast<std::uint64_t>(key.sport) << 16) | key.dport;
    return static_cast<std::uint32_t>(splitmix64(splitmix64(a ^ seed) + b) >> 32);
  }
  std::array<std::uint8_t, 13> t{};
  for (int i = 0; i < 4; ++i) {
    t[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(key.src >> (24 - 8 * i));
    t[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(key.dst >> (24 - 8 * i));
  }
  t[8] = static_cast<std::uint8_t>(key.sport >> 8);
  t[9] = static_cast<std::uint8_t>(key.sport);
  t[10] = static_cast<std::uint8_t>(key.dport >> 8);
  t[11] = static_cast<std::uint8_t>(key.dport);
  t[12] = 17;  // UDP
  if (params_.hash == HashKind::crc) {
    const std::uint32_t crc = crc32(kCrcTables[0], t.data(), t.size(), static_cast<std::uint32_t>(seed));
    return std::rotr(crc, static_cast<int>(hash_offset(node)));
  }
  // crc_select: polynomial from bits 32..33 of the seed, rotation from bits 40..44, the low 32 bits
  // as the initial value (router.hpp).
  const std::uint32_t h = crc32(kCrcTables[(seed >> 32) & 3u], t.data(), t.size(), static_cast<std::uint32_t>(seed));
  return std::rotr(h, static_cast<int>(seed >> 40) & 31);
}

std::uint32_t Router::hash_offset(NodeId node) const {
  const std::uint32_t base = static_cast<std::uint32_t>(seed_base_ >> 59);  // b in [0, 32)
  if (!params_.per_switch_seed) return base;
  return (base + 11u * fabric_.node(node).tier) % 32u;
}

PortId Router::select(NodeId node, const FlowKey& key) const {
  const PortRange c = candidates(node, key.dst);
  if (c.empty()) return kNone;
  if (c.count == 1) return c.at(0);
  if (weighted_) {
    std::uint64_t total = 0;
    for (std::uint32_t i = 0; i < c.count; ++i) total += weight(c.at(i));
    std::uint64_t x = hash(node, key) % total;
    for (std::uint32_t i = 0; i < c.count; ++i) {
      const std::uint64_t w = weight(c.at(i));
      if (x < w) return c.at(i);
      x -= w;
    }
  }
  return c.at(hash(node, key) % c.count);
}

bool Router::path(const FlowKey& key, std::vector<PortId>& out) const {
  NodeId at = key.src;
  for (int hop = 0; hop < kMaxHops; ++hop) {
    if (at == key.dst) return true;
    const PortId p = select(at, key);
    if (p == kNone) return false;
    out.push_back(p);
    at = fabric_.port(p).peer;
  }
  return at == key.dst;
}

std::uint64_t Router::paths_from(NodeId node, NodeId dst, int depth) const {
  if (node == dst) return 1;
  if (depth >= kMaxHops) return 0;
  const PortRange c = candidates(node, dst);
  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < c.count; ++i) total += paths_from(fabric_.port(c.at(i)).peer, dst, depth + 1);
  return total;
}

std::uint64_t Router::path_count(NodeId src, NodeId dst) const { return src == dst ? 1 : paths_from(src, dst, 0); }

int Router::hop_count(NodeId src, NodeId dst) const {
  if (src == dst) return 0;
  NodeId at = src;
  for (int hop = 0; hop < kMaxHops; ++hop) {
    const PortRange c = candidates(at, dst);
    if (c.empty()) return -1;
    at = fabric_.port(c.at(0)).peer;  // every candidate is on a shortest path: hops are equal
    if (at == dst) return hop + 1;
  }
  return -1;
}

}  // namespace rocesim::routing
