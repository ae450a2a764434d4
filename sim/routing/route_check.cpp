// Route checks: one pair explained, a set of endpoints checked, endpoints cut off (see header).
#include "routing/route_check.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "core/config_error.hpp"
#include "routing/failure_routes.hpp"

namespace rocesim::routing {
namespace {

using topology::Fabric;
using topology::kNone;
using topology::Node;
using topology::NodeRole;
using Pair = std::pair<NodeId, NodeId>;

bool routes(const Router& router, NodeId a, NodeId b) {
  std::vector<PortId> path;
  return a == b || router.path(FlowKey::for_qp(a, b, 0), path);
}

std::uint32_t top_domain(const Fabric& f, NodeId e) { return f.node(e).domain[static_cast<std::size_t>(f.max_tier())]; }

// Structural fabric with links down: only pairs the pruned-set index marks can fail.
std::optional<Pair> structural_pair(const Router& router, const FailureRoutes& fr, const std::vector<NodeId>& set) {
  const Fabric& f = router.fabric();
  std::vector<std::uint8_t> in_set(f.endpoints(), 0);
  for (const NodeId e : set) in_set[e] = 1;
  // Members of the set by the climbing table they use as a destination (one per turn tier).
  std::vector<std::vector<NodeId>> users(fr.table_count());
  for (const NodeId b : set) {
    for (int l = 1; l <= f.max_tier(); ++l) {
      const std::uint32_t t = fr.table_of(fr.group_of(b), l);
      if (fr.table_turn(t) == l) users[t].push_back(b);
    }
  }
  for (std::uint32_t t = 0; t < fr.table_count(); ++t) {
    const int turn = fr.table_turn(t);
    for (const NodeId b : users[t]) {
      for (const NodeId a : fr.unreachable_in(t)) {
        if (a >= f.endpoints() || !in_set[a] || a == b || turn_tier(f, a, b) != turn) continue;
        if (!routes(router, a, b)) return Pair{a, b};
      }
    }
  }
  if (!fr.relays()) return std::nullopt;
  // Rail-only relays: sources whose scale-up link is down reach no other rail; relays that are cut
  // off (R = 0 toward some destinations, or scale-up link down) may leave no way to a rail.
  std::map<std::uint32_t, std::vector<NodeId>> by_domain;  // scale-up domain → members of the set
  for (const NodeId e : set) by_domain[f.node(e).scale_up_domain].push_back(e);
  for (const NodeId a : fr.scale_up_cut()) {
    if (!in_set[a]) continue;
    for (const NodeId b : set) {
      if (top_domain(f, b) != top_domain(f, a) && !routes(router, a, b)) return Pair{a, b};
    }
  }
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> seen;  // (table, domain, rail)
  auto relay_pairs = [&](NodeId r, std::uint32_t table, const std::vector<NodeId>& dsts, int turn) -> std::optional<Pair> {
    const auto it = by_domain.find(f.node(r).scale_up_domain);
    const std::uint32_t rail = top_domain(f, r);
    if (it == by_domain.end() || !seen.emplace(table, f.node(r).scale_up_domain, rail).second) return std::nullopt;
    for (const NodeId a : it->second) {
      if (top_domain(f, a) == rail) continue;
      for (const NodeId b : dsts) {
        if (top_domain(f, b) == rail && (turn == 0 || turn_tier(f, r, b) == turn) && !routes(router, a, b)) return Pair{a, b};
      }
    }
    return std::nullopt;
  };
  for (const NodeId r : fr.scale_up_cut()) {
    if (auto p = relay_pairs(r, UINT32_MAX, set, 0)) return p;
  }
  for (std::uint32_t t = 0; t < fr.table_count(); ++t) {
    for (const NodeId r : fr.unreachable_in(t)) {
      if (r >= f.endpoints()) continue;
      if (auto p = relay_pairs(r, t, users[t], fr.table_turn(t))) return p;
    }
  }
  return std::nullopt;
}

std::uint32_t find_root(std::vector<std::uint32_t>& parent, std::uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

// Component of each endpoint's first live attachment switch over the switch links that are up
// (kNone without one): the reachability BFS routing sees.
std::vector<std::uint32_t> attachment_components(const Router& router) {
  const Fabric& f = router.fabric();
  std::vector<std::uint32_t> parent(f.node_count());
  std::iota(parent.begin(), parent.end(), 0u);
  for (topology::LinkId l = 0; l < f.link_count(); ++l) {
    const topology::Link& link = f.link(l);
    if (router.link_up(l) && link.kind == topology::LinkKind::fabric) parent[find_root(parent, link.a)] = find_root(parent, link.b);
  }
  std::vector<std::uint32_t> comp(f.endpoints(), kNone);
  for (NodeId e = 0; e < f.endpoints(); ++e) {
    for (const topology::Port& p : f.ports_of(e)) {
      if (router.link_up(p.link) && f.node(p.peer).role == NodeRole::fabric_switch) {
        comp[e] = find_root(parent, p.peer);
        break;
      }
    }
  }
  return comp;
}

// Explicit graphs: one representative per component; pairs across components are tried.
std::optional<Pair> component_pair(const Router& router, const std::vector<NodeId>& set) {
  const std::vector<std::uint32_t> comp = attachment_components(router);
  std::vector<NodeId> reps;
  std::set<std::uint32_t> comps;
  for (const NodeId e : set) {
    if (comp[e] == kNone || comps.insert(comp[e]).second) reps.push_back(e);
  }
  for (std::size_t i = 0; i < reps.size(); ++i) {
    for (std::size_t j = 0; j < reps.size(); ++j) {
      if (i != j && !routes(router, reps[i], reps[j])) return Pair{reps[i], reps[j]};
    }
  }
  return std::nullopt;
}

}  // namespace

std::string describe_endpoint(const topology::Fabric& fabric, NodeId e) {
  const topology::Node& n = fabric.node(e);
  std::string s = "endpoint " + std::to_string(e);
  if (n.server != topology::kNone) s += " (server " + std::to_string(n.server) + ", rail " + std::to_string(n.local_index) + ")";
  return s;
}

void require_route(const Router& router, NodeId src, NodeId dst, const std::string& file_label) {
  std::vector<PortId> path;
  if (src == dst || router.path(FlowKey::for_qp(src, dst, 0), path)) return;
  const topology::Fabric& f = router.fabric();
  const auto top = static_cast<std::size_t>(f.max_tier());
  std::string why = router.links_down() > 0 ? "the failures leave no path between them" : "no path in the fabric";
  if (f.structural() && f.node(src).domain[top] != f.node(dst).domain[top]) {
    const bool has_scale_up = f.down_port_count(src) > 0;
    why = has_scale_up ? "they share no scale-out tier and no accelerator of the source's scale-up domain reaches the "
                         "destination's"
                       : "they share no scale-out tier (different rails) and the source has no scale-up domain to "
                         "relay through";
  }
  throw ConfigError(file_label, "/",
                    "no route from " + describe_endpoint(f, src) + " to " + describe_endpoint(f, dst) + ": " + why);
}

std::optional<std::pair<NodeId, NodeId>> find_unreachable_pair(const Router& router, std::span<const std::uint32_t> endpoints) {
  if (router.links_down() == 0) return std::nullopt;
  std::vector<NodeId> set(endpoints.begin(), endpoints.end());
  std::sort(set.begin(), set.end());
  set.erase(std::unique(set.begin(), set.end()), set.end());
  if (set.size() < 2) return std::nullopt;
  if (const FailureRoutes* fr = router.failure_routes()) return structural_pair(router, *fr, set);
  return component_pair(router, set);
}

void require_reachable(const Router& router, std::span<const std::uint32_t> endpoints, const std::string& label) {
  const auto pair = find_unreachable_pair(router, endpoints);
  if (!pair) return;
  const Fabric& f = router.fabric();
  throw ConfigError(label, "/",
                    "the failures cut " + describe_endpoint(f, pair->first) + " off from " + describe_endpoint(f, pair->second) +
                        ": no route between them, and the workload needs both (fewer failures, or place the job elsewhere)");
}

std::vector<NodeId> cut_off_endpoints(const Router& router) {
  const Fabric& f = router.fabric();
  std::vector<NodeId> out;
  if (router.links_down() == 0) return out;
  auto outside = [&](NodeId a, NodeId b) {
    const std::uint32_t d = f.node(a).scale_up_domain;
    return a != b && (d == kNone || f.node(b).scale_up_domain != d);
  };
  if (const FailureRoutes* fr = router.failure_routes()) {
    // Candidates cannot climb to any turn tier even toward undamaged destinations: their own NIC
    // links or leaf are gone. Without relays that is final (damage elsewhere only prunes more);
    // with relays, another rail may still be reached through the scale-up domain.
    std::vector<NodeId> cand;
    for (NodeId e = 0; e < f.endpoints(); ++e) cand.push_back(e);
    for (int l = 1; l <= f.max_tier(); ++l) {
      const auto dead = fr->unreachable_in(fr->table_of(FailureRoutes::kClean, l));
      std::vector<NodeId> keep;
      std::set_intersection(cand.begin(), cand.end(), dead.begin(), dead.end(), std::back_inserter(keep));
      cand.swap(keep);
    }
    for (const NodeId a : cand) {
      bool reaches = false;
      for (NodeId b = 0; fr->relays() && b < f.endpoints() && !reaches; ++b) reaches = outside(a, b) && routes(router, a, b);
      if (!reaches) out.push_back(a);
    }
    return out;
  }
  const std::vector<std::uint32_t> comp = attachment_components(router);
  std::map<std::uint32_t, std::vector<NodeId>> members;
  for (NodeId e = 0; e < f.endpoints(); ++e) members[comp[e]].push_back(e);
  for (NodeId a = 0; a < f.endpoints(); ++a) {
    bool reaches = false;
    if (comp[a] != kNone) {
      for (const NodeId b : members[comp[a]]) {
        reaches = outside(a, b);
        if (reaches) break;
      }
    }
    if (!reaches) out.push_back(a);
  }
  return out;
}

}  // namespace rocesim::routing
