// ExplicitGraphSpec: a fabric given node by node and link by link, instead of by a generator.
//
// Two sources produce it: the "explicit" JSON form (nodes and links listed in a topology file, see
// topologies/README.md) and the plain-text format of the ns-3 RDMA / SimAI lineage
// (topology/ns3_topology_reader.hpp). Both are validated completely when read, so building one
// only fails on a disconnected graph.
//
// Definitions:
//   node roles     accelerator (endpoint), fabric switch (packet switch, tier 1..4) and scale-up
//                  switch (NVLink / Infinity Fabric class).
//   tier           a switch's tier may be given; otherwise it is derived as
//                      tier(S) = min(kMaxTier, 1 + d(S)),
//                  d(S) = fewest switch-to-switch hops from S to a switch with an accelerator link
//                  (a ToR has d = 0, so tier 1). Tiers only label switches for reports: routing on
//                  an explicit graph is by BFS all-shortest-paths (the Fabric is built with
//                  set_structural(false)), never by tier.
//   server         accelerator i (in listing order) sits in server ⌊i / accelerators_per_server⌋ at
//                  local index i mod accelerators_per_server (the SimAI convention).
//   scale-up domain  accelerators joined through scale-up switches: the connected components of the
//                  accelerator ↔ scale-up-switch links, numbered by their lowest accelerator.
//   buffer         a switch's packet buffer (bytes, topology/switch_buffer.hpp): its own `buffer`,
//                  else its role's default (`switch.buffer`, `scale_up_switch.buffer`), else none
//                  (the packet tier's mmu.buffer). The ns-3 text format has no buffers.
//   link kinds     accelerator ↔ fabric switch: nic; accelerator ↔ scale-up switch: scale_up;
//                  fabric switch ↔ fabric switch: fabric. Other pairings (accelerator ↔ accelerator,
//                  scale-up switch ↔ fabric switch or ↔ scale-up switch) are rejected.
// Node order in the Fabric: accelerators first (in listing order), then fabric switches, then
// scale-up switches, each in listing order; fabric_order() maps listing indices to node ids.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "core/units.hpp"
#include "topology/fabric.hpp"

namespace rocesim::topology {

struct ExplicitNode {
  std::string name;
  NodeRole role = NodeRole::accelerator;
  std::uint8_t tier = 0;  // fabric switches: 1..kMaxTier, 0 = derive from hop distance
  Bytes buffer{};         // switches: their own buffer; 0 B = the role's default
  bool operator==(const ExplicitNode&) const = default;
};

struct ExplicitLink {
  std::uint32_t a = 0;  // indices into ExplicitGraphSpec::nodes
  std::uint32_t b = 0;
  Rate rate{};
  Time latency{};
  bool operator==(const ExplicitLink&) const = default;
};

struct ExplicitGraphSpec {
  std::vector<ExplicitNode> nodes;
  std::vector<ExplicitLink> links;
  std::string origin = "json";  // "json" or "ns3_text": where the graph was read from (for reports)
  Bytes switch_buffer{};           // default buffer of fabric switches; 0 B = none
  Bytes scale_up_switch_buffer{};  // default buffer of scale-up switches; 0 B = none
  bool operator==(const ExplicitGraphSpec&) const = default;

  std::uint32_t accelerator_count() const;
  // Node id in the built Fabric of every listed node, by listing index (see the node order above).
  std::vector<NodeId> fabric_order() const;
  // The buffer switch node i gets (its own, else its role's default) and the key naming it.
  SwitchBuffer buffer_of(std::size_t i) const;
};

// Reads the "explicit" object: {"nodes": [...], "links": [...], "link": {rate, latency},
// "switch": {buffer}, "scale_up_switch": {buffer}}. Throws ConfigError with the JSON path of the
// offending element, also when the graph gives more distinct buffers than a Fabric holds.
ExplicitGraphSpec parse_explicit_graph(JsonReader& r);

// The object parse_explicit_graph reads back into an equal spec.
nlohmann::json explicit_graph_to_json(const ExplicitGraphSpec& g);

// Checks what the readers cannot see element by element: at least one accelerator, every link
// between a permitted pair of roles, no self-link. `where(i)` names link i in messages (a JSON
// path or "line N"). Throws ConfigError(file_label, where(i), ...).
template <class Where>
void check_explicit_links(const ExplicitGraphSpec& g, const std::string& file_label, Where where);

// Builds the Fabric (non-structural: BFS all-shortest-paths routing). Throws ConfigError naming
// `file_label` if the graph is disconnected. `name` labels the fabric.
Fabric build_explicit_fabric(const ExplicitGraphSpec& g, std::uint32_t accelerators_per_server,
                             const std::string& name, const std::string& file_label);

// The one-line reason a link between roles `a` and `b` is not allowed, or "" if it is.
std::string link_roles_problem(NodeRole a, NodeRole b);

template <class Where>
void check_explicit_links(const ExplicitGraphSpec& g, const std::string& file_label, Where where) {
  if (g.accelerator_count() == 0) throw ConfigError(file_label, "/", "the graph has no accelerators");
  for (std::size_t i = 0; i < g.links.size(); ++i) {
    const ExplicitLink& l = g.links[i];
    if (l.a == l.b) throw ConfigError(file_label, where(i), "a link must join two different nodes");
    const std::string problem = link_roles_problem(g.nodes[l.a].role, g.nodes[l.b].role);
    if (!problem.empty()) {
      throw ConfigError(file_label, where(i), "link " + g.nodes[l.a].name + " – " + g.nodes[l.b].name + ": " + problem);
    }
  }
}

}  // namespace rocesim::topology
