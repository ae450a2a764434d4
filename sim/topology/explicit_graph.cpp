// Explicit graphs: the "explicit" JSON form, its effective JSON, and the Fabric builder shared with
// the ns-3 / SimAI text reader.
#include "topology/explicit_graph.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <queue>
#include <set>

#include "topology/switch_buffer.hpp"
#include "topology/topology.hpp"

namespace rocesim::topology {
namespace {

constexpr std::size_t kMaxElements = std::size_t{1} << 27;

const char* role_key(NodeRole r) {
  switch (r) {
    case NodeRole::accelerator: return "accelerator";
    case NodeRole::fabric_switch: return "switch";
    case NodeRole::scale_up_switch: return "scale_up_switch";
  }
  return "?";
}

// Union-find over accelerators for the scale-up domains.
std::uint32_t find_root(std::vector<std::uint32_t>& parent, std::uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

}  // namespace

std::string link_roles_problem(NodeRole a, NodeRole b) {
  if (a == NodeRole::accelerator && b == NodeRole::accelerator) {
    return "accelerators cannot be linked directly (join them through a switch or a scale-up switch)";
  }
  const bool a_su = a == NodeRole::scale_up_switch, b_su = b == NodeRole::scale_up_switch;
  if (a_su && b_su) return "scale-up switches cannot be linked to each other";
  if ((a_su && b == NodeRole::fabric_switch) || (b_su && a == NodeRole::fabric_switch)) {
    return "a scale-up switch links only to accelerators, not to fabric switches";
  }
  return "";
}

std::uint32_t ExplicitGraphSpec::accelerator_count() const {
  return static_cast<std::uint32_t>(
      std::count_if(nodes.begin(), nodes.end(), [](const ExplicitNode& n) { return n.role == NodeRole::accelerator; }));
}

std::vector<NodeId> ExplicitGraphSpec::fabric_order() const {
  std::vector<NodeId> id(nodes.size(), kNone);
  NodeId next = 0;
  for (NodeRole role : {NodeRole::accelerator, NodeRole::fabric_switch, NodeRole::scale_up_switch}) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].role == role) id[i] = next++;
    }
  }
  return id;
}

SwitchBuffer ExplicitGraphSpec::buffer_of(std::size_t i) const {
  const ExplicitNode& n = nodes[i];
  if (n.role == NodeRole::accelerator) return {};
  if (n.buffer.n > 0) return {n.buffer, std::string(kNodeBufferKey)};
  const bool su = n.role == NodeRole::scale_up_switch;
  const Bytes fallback = su ? scale_up_switch_buffer : switch_buffer;
  if (fallback.n == 0) return {};
  return {fallback, su ? "explicit.scale_up_switch.buffer" : "explicit.switch.buffer"};
}

ExplicitGraphSpec parse_explicit_graph(JsonReader& r) {
  ExplicitGraphSpec g;
  LinkSpec fallback;
  if (auto l = r.object_opt("link")) {
    fallback.rate = l->rate_or("rate", fallback.rate);
    if (fallback.rate.bps == 0) l->fail("rate", "rate must be positive");
    fallback.latency = l->time_or("latency", fallback.latency);
    l->finish();
  }
  // Per-role defaults, like `link` for links.
  if (auto d = r.object_opt("switch")) {
    g.switch_buffer = parse_switch_buffer(*d, "buffer");
    d->finish();
  }
  if (auto d = r.object_opt("scale_up_switch")) {
    g.scale_up_switch_buffer = parse_switch_buffer(*d, "buffer");
    d->finish();
  }
  // A Fabric holds at most kMaxBuffers distinct buffers: "none", the role defaults, and the
  // distinct per-node sizes (which share one key).
  std::set<std::int64_t> node_sizes;
  const std::size_t fixed_entries = 1 + (g.switch_buffer.n > 0) + (g.scale_up_switch_buffer.n > 0);
  const nlohmann::json& nodes = r.array("nodes");
  if (nodes.size() > kMaxElements) r.fail("nodes", "too many nodes");
  std::map<std::string, std::uint32_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    JsonReader n(nodes[i], r.file(), r.element_path("nodes", i));
    ExplicitNode node;
    node.name = n.string("name");
    if (node.name.empty()) n.fail("name", "a node name must not be empty");
    const std::string role = n.choice("role", {"accelerator", "switch", "scale_up_switch"});
    node.role = role == "accelerator" ? NodeRole::accelerator
                : role == "switch"    ? NodeRole::fabric_switch
                                      : NodeRole::scale_up_switch;
    if (node.role == NodeRole::fabric_switch) {
      node.tier = static_cast<std::uint8_t>(n.integer_or("tier", 0, 0, kMaxTier));
    } else if (n.has("tier")) {
      n.fail("tier", "only switches have a tier");
    }
    if (node.role != NodeRole::accelerator) {
      node.buffer = parse_switch_buffer(n, "buffer");
      if (node.buffer.n > 0 && node_sizes.insert(node.buffer.n).second && fixed_entries + node_sizes.size() > kMaxBuffers) {
        n.fail("buffer", "expected at most " + std::to_string(kMaxBuffers - fixed_entries) +
                             " distinct switch buffer sizes in one graph (a fabric holds " + std::to_string(kMaxBuffers - 1) +
                             " buffers, the role defaults included); give switches of one kind the same size");
      }
    } else if (n.has("buffer")) {
      n.fail("buffer", "only switches have a buffer (role \"switch\" or \"scale_up_switch\")");
    }
    n.finish();
    if (!index.emplace(node.name, static_cast<std::uint32_t>(i)).second) {
      n.fail("name", "duplicate node name \"" + node.name + "\"");
    }
    g.nodes.push_back(std::move(node));
  }
  const nlohmann::json& links = r.array("links");
  if (links.size() > kMaxElements) r.fail("links", "too many links");
  for (std::size_t i = 0; i < links.size(); ++i) {
    JsonReader l(links[i], r.file(), r.element_path("links", i));
    ExplicitLink link;
    for (const char* end : {"a", "b"}) {
      const std::string name = l.string(end);
      const auto it = index.find(name);
      if (it == index.end()) l.fail(end, "unknown node \"" + name + "\"");
      (end[0] == 'a' ? link.a : link.b) = it->second;
    }
    link.rate = l.rate_or("rate", fallback.rate);
    if (link.rate.bps == 0) l.fail("rate", "rate must be positive");
    link.latency = l.time_or("latency", fallback.latency);
    l.finish();
    g.links.push_back(link);
  }
  check_explicit_links(g, r.file(), [&](std::size_t i) { return r.element_path("links", i); });
  return g;
}

nlohmann::json explicit_graph_to_json(const ExplicitGraphSpec& g) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const ExplicitNode& n : g.nodes) {
    nlohmann::json j{{"name", n.name}, {"role", role_key(n.role)}};
    if (n.role == NodeRole::fabric_switch) j["tier"] = n.tier;
    if (n.buffer.n > 0) j["buffer"] = to_string(n.buffer);
    nodes.push_back(std::move(j));
  }
  nlohmann::json links = nlohmann::json::array();
  for (const ExplicitLink& l : g.links) {
    links.push_back({{"a", g.nodes[l.a].name},
                     {"b", g.nodes[l.b].name},
                     {"rate", to_string(l.rate)},
                     {"latency", to_string(l.latency)}});
  }
  nlohmann::json out{{"nodes", std::move(nodes)}, {"links", std::move(links)}};
  if (g.switch_buffer.n > 0) out["switch"] = {{"buffer", to_string(g.switch_buffer)}};
  if (g.scale_up_switch_buffer.n > 0) out["scale_up_switch"] = {{"buffer", to_string(g.scale_up_switch_buffer)}};
  return out;
}

Fabric build_explicit_fabric(const ExplicitGraphSpec& g, std::uint32_t accelerators_per_server,
                             const std::string& name, const std::string& file_label) {
  check_explicit_links(g, file_label, [](std::size_t i) { return "/explicit/links/" + std::to_string(i); });
  const std::size_t n = g.nodes.size();
  const std::vector<NodeId> id = g.fabric_order();

  // Adjacency by listing index, deterministic (links in listing order).
  std::vector<std::vector<std::uint32_t>> adj(n);
  for (const ExplicitLink& l : g.links) {
    adj[l.a].push_back(l.b);
    adj[l.b].push_back(l.a);
  }

  // Derived tiers: multi-source BFS over switch–switch links from the switches next to accelerators.
  std::vector<std::uint32_t> dist(n, kNone);
  std::queue<std::uint32_t> queue;
  for (std::uint32_t v = 0; v < n; ++v) {
    if (g.nodes[v].role != NodeRole::fabric_switch) continue;
    for (std::uint32_t w : adj[v]) {
      if (g.nodes[w].role == NodeRole::accelerator) {
        dist[v] = 0;
        queue.push(v);
        break;
      }
    }
  }
  while (!queue.empty()) {
    const std::uint32_t v = queue.front();
    queue.pop();
    for (std::uint32_t w : adj[v]) {
      if (g.nodes[w].role == NodeRole::fabric_switch && dist[w] == kNone) {
        dist[w] = dist[v] + 1;
        queue.push(w);
      }
    }
  }

  // Scale-up domains: components of accelerator – scale-up switch links, labelled in order of
  // their lowest accelerator.
  std::vector<std::uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0u);
  for (const ExplicitLink& l : g.links) {
    const bool su = g.nodes[l.a].role == NodeRole::scale_up_switch || g.nodes[l.b].role == NodeRole::scale_up_switch;
    if (su) parent[find_root(parent, l.a)] = find_root(parent, l.b);
  }
  std::vector<std::uint32_t> label(n, kNone);
  std::vector<std::uint32_t> domain_of(n, kNone);
  std::uint32_t domains = 0;
  for (std::uint32_t v = 0; v < n; ++v) {
    if (g.nodes[v].role != NodeRole::accelerator) continue;
    bool joined = false;
    for (std::uint32_t w : adj[v]) joined |= g.nodes[w].role == NodeRole::scale_up_switch;
    if (!joined) continue;
    const std::uint32_t root = find_root(parent, v);
    if (label[root] == kNone) label[root] = domains++;
    domain_of[v] = label[root];
  }
  for (std::uint32_t v = 0; v < n; ++v) {
    // A scale-up switch with no accelerator still gets its own (empty) domain id.
    if (g.nodes[v].role == NodeRole::scale_up_switch) {
      const std::uint32_t root = find_root(parent, v);
      if (label[root] == kNone) label[root] = domains++;
      domain_of[v] = label[root];
    }
  }

  FabricBuilder b(name, "explicit");
  b.reserve(n, g.links.size());
  b.set_structural(false);
  const std::uint32_t per_server = std::max<std::uint32_t>(1, accelerators_per_server);
  std::uint32_t acc = 0;
  int max_tier = 0;
  std::vector<std::uint8_t> tier(n, 0);
  for (std::uint32_t v = 0; v < n; ++v) {
    if (g.nodes[v].role != NodeRole::fabric_switch) continue;
    const std::uint32_t derived = dist[v] == kNone ? 1 : std::min<std::uint32_t>(kMaxTier, dist[v] + 1);
    tier[v] = g.nodes[v].tier != 0 ? g.nodes[v].tier : static_cast<std::uint8_t>(derived);
    max_tier = std::max<int>(max_tier, tier[v]);
  }
  for (NodeRole role : {NodeRole::accelerator, NodeRole::fabric_switch, NodeRole::scale_up_switch}) {
    for (std::uint32_t v = 0; v < n; ++v) {
      if (g.nodes[v].role != role) continue;
      if (role == NodeRole::accelerator) {
        b.add_accelerator(acc / per_server, acc % per_server, domain_of[v], 0);
        ++acc;
      } else if (role == NodeRole::fabric_switch) {
        b.set_node_buffer(b.add_switch(tier[v], 0, {kNone, kNone, kNone, kNone, kNone}, 0), g.buffer_of(v));
      } else {
        b.set_node_buffer(b.add_scale_up_switch(domain_of[v]), g.buffer_of(v));
      }
    }
  }
  for (const ExplicitLink& l : g.links) {
    const NodeRole ra = g.nodes[l.a].role, rb = g.nodes[l.b].role;
    // The lower end first: accelerator, then the lower-tier switch.
    const bool a_lower = ra == NodeRole::accelerator ||
                         (rb != NodeRole::accelerator && ra == NodeRole::fabric_switch && rb == NodeRole::fabric_switch &&
                          tier[l.a] <= tier[l.b]);
    const std::uint32_t lo = a_lower ? l.a : l.b, hi = a_lower ? l.b : l.a;
    const LinkKind kind = g.nodes[hi].role == NodeRole::scale_up_switch ? LinkKind::scale_up
                          : g.nodes[lo].role == NodeRole::accelerator   ? LinkKind::nic
                                                                        : LinkKind::fabric;
    b.add_link(id[lo], id[hi], l.rate, l.latency, kind);
  }
  for (int t = 1; t <= max_tier; ++t) b.set_tier_info(t, TierInfo{"tier" + std::to_string(t), 0});
  Fabric f = std::move(b).build();
  check_connected(f, file_label);
  return f;
}

}  // namespace rocesim::topology
