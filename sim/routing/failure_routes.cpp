// FailureRoutes: damaged blocks, per-group covering sets, shared climbing tables, relays (see header).
#include "routing/failure_routes.hpp"

#include <algorithm>

#include "routing/router.hpp"

namespace rocesim::routing {
namespace {

using topology::Fabric;
using topology::kNone;
using topology::LinkKind;
using topology::Node;
using topology::NodeId;
using topology::NodeRole;
using topology::PortId;

std::uint64_t pack(std::uint32_t owner, std::uint32_t node) { return (static_cast<std::uint64_t>(owner) << 32) | node; }

int tier_of(const Node& n) { return n.role == NodeRole::fabric_switch ? n.tier : 0; }

}  // namespace

PortRange structural_down_group(const Fabric& f, NodeId node, std::uint32_t want) {
  const Node& self = f.node(node);
  const std::uint32_t* keys = f.down_keys();
  const auto [lo, hi] = std::equal_range(keys + self.first_port, keys + self.up_begin, want);
  return PortRange{static_cast<PortId>(lo - keys), static_cast<std::uint32_t>(hi - lo)};
}

int turn_tier(const Fabric& f, NodeId node, NodeId dst) {
  const Node& n = f.node(node);
  const Node& d = f.node(dst);
  for (int l = tier_of(n) + 1; l <= f.max_tier(); ++l) {
    const auto ul = static_cast<std::size_t>(l);
    if (n.domain[ul] != kNone && n.domain[ul] == d.domain[ul]) return l;
  }
  return 0;
}

FailureRoutes::FailureRoutes(const Fabric& f, std::span<const std::uint8_t> link_down, bool relay)
    : fabric_(f), down_(link_down.begin(), link_down.end()), relay_on_(relay), top_(f.max_tier()) {
  stamp_.assign(f.node_count(), 0);
  dead_stamp_.assign(f.node_count(), 0);
  for (topology::LinkId l = 0; l < f.link_count(); ++l) {
    if (down_[l] == 0) continue;
    const topology::Link& link = f.link(l);
    if (link.kind == LinkKind::scale_up) {
      su_dead_.push_back(f.node(link.a).role == NodeRole::accelerator ? link.a : link.b);
    } else {
      dead_links_.push_back(l);
    }
  }
  std::sort(su_dead_.begin(), su_dead_.end());
  su_dead_.erase(std::unique(su_dead_.begin(), su_dead_.end()), su_dead_.end());
  for (int l = 1; l <= top_; ++l) clean_tables_[static_cast<std::size_t>(l)] = intern_table(l, {});
  build_groups();
  for (std::uint32_t t = 0; t < tables_.size(); ++t) build_table(t);
  if (relay_on_) {
    for (std::uint32_t t = 0; t < tables_.size(); ++t) build_relays(t);
  }
  std::sort(cover_.begin(), cover_.end());
  std::sort(climb_.begin(), climb_.end());
  std::sort(relay_.begin(), relay_.end());
  table_ids_.clear();
  stamp_ = {};
  dead_stamp_ = {};
}

std::uint32_t FailureRoutes::intern_table(int turn, std::vector<NodeId> dead) {
  auto [it, fresh] = table_ids_.emplace(std::make_pair(turn, dead), static_cast<std::uint32_t>(tables_.size()));
  if (fresh) {
    tables_.push_back(Table{turn, std::move(dead)});
    table_dead_.emplace_back();
  }
  return it->second;
}

void FailureRoutes::build_groups() {
  // Damaged blocks (level, key): the endpoints below the lower end of a down link.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks;
  for (const topology::LinkId l : dead_links_) {
    const Node& lower = fabric_.node(fabric_.link(l).a);
    const auto level = static_cast<std::uint32_t>(tier_of(lower));
    blocks.emplace_back(level, lower.domain[level]);
  }
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  if (blocks.empty()) return;
  std::vector<std::uint32_t> group_of_block(blocks.size(), kClean);
  std::vector<NodeId> reps;
  group_of_.assign(fabric_.endpoints(), kClean);
  for (NodeId e = 0; e < fabric_.endpoints(); ++e) {
    const Node& n = fabric_.node(e);
    for (std::uint32_t j = 0; j < static_cast<std::uint32_t>(top_); ++j) {
      const auto it = std::lower_bound(blocks.begin(), blocks.end(), std::make_pair(j, n.domain[j]));
      if (it == blocks.end() || *it != std::make_pair(j, n.domain[j])) continue;
      std::uint32_t& g = group_of_block[static_cast<std::size_t>(it - blocks.begin())];
      if (g == kClean) {
        g = static_cast<std::uint32_t>(reps.size());
        reps.push_back(e);
      }
      group_of_[e] = g;
      break;
    }
  }
  group_tables_.resize(reps.size());
  for (std::uint32_t g = 0; g < reps.size(); ++g) build_covering(g, reps[g]);
}

void FailureRoutes::build_covering(std::uint32_t group, NodeId rep) {
  const Node& e = fabric_.node(rep);
  std::array<std::vector<NodeId>, topology::kMaxTier + 2> bucket;
  for (const topology::LinkId l : dead_links_) {
    const topology::Link& link = fabric_.link(l);
    const auto level = static_cast<std::size_t>(tier_of(fabric_.node(link.a)));
    if (fabric_.node(link.a).domain[level] == e.domain[level]) bucket[level + 1].push_back(link.b);
  }
  const std::uint32_t gen = ++generation_;
  std::array<std::vector<NodeId>, topology::kMaxTier + 1> dead;
  std::vector<PortId> live;
  for (int t = 1; t <= top_; ++t) {
    const auto ut = static_cast<std::size_t>(t);
    for (const NodeId y : bucket[ut]) {
      if (stamp_[y] == gen) continue;
      stamp_[y] = gen;
      const PortRange range = structural_down_group(fabric_, y, e.domain[ut - 1]);
      live.clear();
      for (std::uint32_t i = 0; i < range.count; ++i) {
        const PortId p = range.at(i);
        if (port_up(p) && dead_stamp_[fabric_.port(p).peer] != gen) live.push_back(p);
      }
      if (live.size() != range.count) store(cover_, pack(group, y), 0, live);
      if (!live.empty()) continue;
      dead_stamp_[y] = gen;
      dead[ut].push_back(y);
      if (t == top_) continue;
      const Node& sy = fabric_.node(y);
      for (PortId p = sy.up_begin; p < sy.first_port + sy.port_count; ++p) {
        const NodeId q = fabric_.port(p).peer;
        if (port_up(p) && fabric_.node(q).domain[ut + 1] == e.domain[ut + 1]) bucket[ut + 1].push_back(q);
      }
    }
  }
  for (int l = 1; l <= top_; ++l) {
    auto& x = dead[static_cast<std::size_t>(l)];
    std::sort(x.begin(), x.end());
    group_tables_[group][static_cast<std::size_t>(l)] = x.empty() ? clean_tables_[static_cast<std::size_t>(l)] : intern_table(l, std::move(x));
  }
}

void FailureRoutes::build_table(std::uint32_t table) {
  const int turn = tables_[table].turn;
  const std::vector<NodeId>& x = tables_[table].dead;
  std::array<std::vector<NodeId>, topology::kMaxTier + 1> bucket;
  // Seeds: nodes below the turn tier with a down up-link, and the children of X.
  for (const topology::LinkId l : dead_links_) {
    const int t = tier_of(fabric_.node(fabric_.link(l).a));
    if (t < turn) bucket[static_cast<std::size_t>(t)].push_back(fabric_.link(l).a);
  }
  for (const NodeId s : x) {
    const Node& n = fabric_.node(s);
    for (PortId p = n.first_port; p < n.up_begin; ++p) {
      const NodeId c = fabric_.port(p).peer;
      if (port_up(p) && fabric_.node(c).role != NodeRole::scale_up_switch) bucket[static_cast<std::size_t>(tier_of(fabric_.node(c)))].push_back(c);
    }
  }
  const std::uint32_t gen = ++generation_;
  std::vector<PortId> live;
  std::vector<NodeId>& unreachable = table_dead_[table];
  for (int t = turn - 1; t >= 0; --t) {
    for (const NodeId n : bucket[static_cast<std::size_t>(t)]) {
      if (stamp_[n] == gen) continue;
      stamp_[n] = gen;
      const Node& node = fabric_.node(n);
      const std::uint32_t up_count = fabric_.up_port_count(n);
      live.clear();
      for (PortId p = node.up_begin; p < node.first_port + node.port_count; ++p) {
        if (!port_up(p)) continue;
        const NodeId q = fabric_.port(p).peer;
        const bool ok = tier_of(fabric_.node(q)) >= turn ? !std::binary_search(x.begin(), x.end(), q) : dead_stamp_[q] != gen;
        if (ok) live.push_back(p);
      }
      if (live.size() != up_count) store(climb_, pack(table, n), 0, live);
      if (!live.empty()) continue;
      dead_stamp_[n] = gen;
      unreachable.push_back(n);
      if (node.role != NodeRole::fabric_switch) continue;
      for (PortId p = node.first_port; p < node.up_begin; ++p) {
        const NodeId c = fabric_.port(p).peer;
        if (port_up(p)) bucket[static_cast<std::size_t>(tier_of(fabric_.node(c)))].push_back(c);
      }
    }
  }
  std::sort(unreachable.begin(), unreachable.end());
}

void FailureRoutes::build_relays(std::uint32_t table) {
  const auto top = static_cast<std::size_t>(top_);
  const std::vector<NodeId>& unreachable = table_dead_[table];
  // (scale-up switch, rail domain) pairs with a relay that is cut off or cannot reach on.
  std::vector<std::pair<NodeId, std::uint32_t>> pairs;
  auto add = [&](NodeId acc) {
    const Node& a = fabric_.node(acc);
    for (PortId p = a.first_port; p < a.up_begin; ++p) {
      const NodeId s = fabric_.port(p).peer;
      if (fabric_.node(s).role == NodeRole::scale_up_switch) pairs.emplace_back(s, a.domain[top]);
    }
  };
  for (const NodeId n : unreachable) {
    if (fabric_.node(n).role == NodeRole::accelerator) add(n);
  }
  for (const NodeId n : su_dead_) add(n);
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::vector<PortId> live;
  for (const auto& [s, rail] : pairs) {
    const Node& sw = fabric_.node(s);
    std::uint32_t full = 0;
    live.clear();
    for (PortId p = sw.first_port; p < sw.first_port + sw.port_count; ++p) {
      const NodeId r = fabric_.port(p).peer;
      if (fabric_.node(r).domain[top] != rail) continue;
      ++full;
      if (port_up(p) && !std::binary_search(unreachable.begin(), unreachable.end(), r)) live.push_back(p);
    }
    if (live.size() != full) store(relay_, pack(table, s), rail, live);
  }
}

void FailureRoutes::store(std::vector<Entry>& v, std::uint64_t key, std::uint32_t key2, const std::vector<PortId>& ports) {
  v.push_back(Entry{key, key2, static_cast<std::uint32_t>(lists_.size()), static_cast<std::uint32_t>(ports.size())});
  lists_.insert(lists_.end(), ports.begin(), ports.end());
}

bool FailureRoutes::find(const std::vector<Entry>& v, std::uint64_t key, std::uint32_t key2, PortRange& out) const {
  const Entry probe{key, key2, 0, 0};
  const auto it = std::lower_bound(v.begin(), v.end(), probe);
  if (it == v.end() || it->key != key || it->key2 != key2) return false;
  out = PortRange::of_list(lists_.data() + it->offset, it->count);
  return true;
}

std::uint32_t FailureRoutes::table_of(std::uint32_t group, int turn) const {
  const auto l = static_cast<std::size_t>(turn);
  return group == kClean ? clean_tables_[l] : group_tables_[group][l];
}

bool FailureRoutes::covering(NodeId node, NodeId dst, PortRange& out) const {
  const std::uint32_t g = group_of(dst);
  return g != kClean && find(cover_, pack(g, node), 0, out);
}

bool FailureRoutes::climbing(NodeId node, NodeId dst, int turn, PortRange& out) const {
  return find(climb_, pack(table_of(group_of(dst), turn), node), 0, out);
}

bool FailureRoutes::relay(NodeId su, NodeId dst, int turn, PortRange& out) const {
  const std::uint32_t rail = fabric_.node(dst).domain[static_cast<std::size_t>(top_)];
  return find(relay_, pack(table_of(group_of(dst), turn), su), rail, out);
}

}  // namespace rocesim::routing
