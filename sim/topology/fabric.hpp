// Fabric: the built network graph every backend and the router read.
//
// Nodes are accelerators (endpoints, ids 0 .. endpoints-1, always first), packet switches of tier
// 1 (leaf / ToR / rail leaf), 2 (spine / aggregation), 3 (core) or 4, and scale-up switches
// (NVLink / Infinity Fabric class, joining the accelerators of one scale-up domain).
// A link is one full-duplex cable with a rate (bit/s) and a propagation latency (ps); it yields two
// ports, one per direction. A port is the egress side of one direction: `node` transmits to `peer`.
//
// Structural addressing (what routing needs, O(nodes) memory):
//   domain[t] names the tier-t block a node belongs to. A tier-t switch serves exactly the
//   endpoints whose domain[t] equals its own; a leaf's domain[1] is unique per leaf; an endpoint's
//   domain[0] is its own id and its domain[1..] are those of its leaf. A switch of tier t covers
//   endpoint e iff domain[t] matches; it then forwards down to the children c with
//   c.domain[t-1] == e.domain[t-1], otherwise up on all its uplinks (valley-free up-down routing).
// Ports of a node are contiguous: [first_port, up_begin) lead down or sideways (sorted by the
// peer's domain at the tier below, so a down group is a contiguous range found by binary search),
// [up_begin, first_port + port_count) lead up.
// Link state (failures, topology/failures.hpp): a link that is down keeps its id, its ports and its
// healthy rate; link_up(l) is false. Node, link and port ids are therefore the same with and without
// failures, and routing (routing/router.hpp) steers around down links. Code that sums capacity or
// counts cables of the working fabric skips links with !link_up(l).
// Invariants (checked by FabricBuilder::build): accelerators first; every link joins two distinct
// existing nodes; rates > 0.
// Switch buffers (topology/switch_buffer.hpp): a small table of the distinct buffers the topology
// gives (entry 0: none), indexed per node by Node::buffer (one byte, so at most kMaxBuffers
// entries); generators give one per switch tier and one for the scale-up switches, explicit graphs
// one per listed switch. Read per node by switch_buffer(); the packet tier sizes each switch's MMU
// from it.
// Thread safety: immutable after build (build_fabric labels it with set_source() before
// returning it); share freely between threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/units.hpp"

namespace rocesim::topology {

using NodeId = std::uint32_t;
using LinkId = std::uint32_t;
using PortId = std::uint32_t;
inline constexpr std::uint32_t kNone = UINT32_MAX;
inline constexpr int kMaxTier = 4;

enum class NodeRole : std::uint8_t { accelerator, fabric_switch, scale_up_switch };
enum class LinkKind : std::uint8_t { nic, fabric, scale_up };

const char* to_string(NodeRole r);
const char* to_string(LinkKind k);

struct Node {
  NodeRole role = NodeRole::accelerator;
  std::uint8_t tier = 0;   // 0 for accelerators and scale-up switches, 1..kMaxTier for switches
  std::uint8_t plane = 0;  // fabric plane (multi-plane designs); 0 otherwise
  std::uint8_t buffer = 0;  // switches: index into the fabric's buffer table (0: none given)
  std::uint32_t first_port = 0;
  std::uint32_t port_count = 0;
  std::uint32_t up_begin = 0;  // first up port (absolute port id)
  std::array<std::uint32_t, kMaxTier + 1> domain{kNone, kNone, kNone, kNone, kNone};
  std::uint32_t scale_up_domain = kNone;  // accelerators and scale-up switches
  std::uint32_t server = kNone;           // accelerators: server (host) index
  std::uint32_t local_index = 0;          // accelerators: index inside the server (= rail)
  std::uint32_t pod = kNone;              // pod / scalable unit, for reports
};

struct Link {
  NodeId a = kNone;  // lower end (accelerator, or the lower-tier switch)
  NodeId b = kNone;  // upper end
  Rate rate{};
  Time latency{};
  LinkKind kind = LinkKind::fabric;
  std::uint8_t tier = 0;  // tier of the upper end for fabric/nic links; 0 for scale-up links
};

struct Port {
  NodeId node = kNone;
  NodeId peer = kNone;
  LinkId link = kNone;
  PortId peer_port = kNone;  // the reverse direction
};

// Per-tier facts the generator declares, for validation and `rocesim topo`.
struct TierInfo {
  std::string name;            // "leaf", "spine", "core", "rail-leaf", ...
  std::uint32_t radix = 0;     // declared ports per switch (0: not declared)
};

// The buffer a topology gives a switch (topology/switch_buffer.hpp): `size` 0 B means none (the
// packet tier then uses its mmu.buffer); `key` is the topology key that set it, as `--set` spells
// it ("scale_up.buffer", "rail_optimized.spine.buffer"), or kNodeBufferKey for an explicit graph's
// per-node `buffer` (an array element, which --set cannot name).
struct SwitchBuffer {
  Bytes size{};
  std::string key;
  bool operator==(const SwitchBuffer&) const = default;
};

// Distinct buffers one fabric may hold, "none" included (Node::buffer is one byte).
inline constexpr std::size_t kMaxBuffers = 256;

class Fabric {
 public:
  const std::string& name() const { return name_; }
  const std::string& generator() const { return generator_; }
  // The topology file it was built from (build_fabric sets it; "" for fabrics built directly),
  // for errors about the topology's own fields found later (a switch buffer too small).
  const std::string& source() const { return source_; }
  void set_source(std::string source) { source_ = std::move(source); }
  std::uint32_t endpoints() const { return endpoints_; }
  std::size_t node_count() const { return nodes_.size(); }
  std::size_t link_count() const { return links_.size(); }
  std::size_t port_count() const { return ports_.size(); }
  int max_tier() const { return max_tier_; }
  std::uint32_t planes() const { return planes_; }
  // False for explicit graphs without domain addressing: routing then uses BFS shortest paths.
  bool structural() const { return structural_; }
  const TierInfo& tier_info(int tier) const { return tiers_[static_cast<std::size_t>(tier)]; }
  // The buffer the topology gives switch n (size 0 B and no key: none given). O(1).
  const SwitchBuffer& switch_buffer(NodeId n) const { return buffers_[nodes_[n].buffer]; }
  // The distinct buffers switch_buffer() returns, entry 0 being "none".
  const std::vector<SwitchBuffer>& buffer_table() const { return buffers_; }

  const Node& node(NodeId n) const { return nodes_[n]; }
  const Link& link(LinkId l) const { return links_[l]; }
  const Port& port(PortId p) const { return ports_[p]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Link>& links() const { return links_; }

  std::span<const Port> ports_of(NodeId n) const {
    return {ports_.data() + nodes_[n].first_port, nodes_[n].port_count};
  }
  // Port ids of node n in [first, up_begin) and [up_begin, end).
  std::uint32_t down_port_count(NodeId n) const { return nodes_[n].up_begin - nodes_[n].first_port; }
  std::uint32_t up_port_count(NodeId n) const {
    return nodes_[n].first_port + nodes_[n].port_count - nodes_[n].up_begin;
  }
  // For a down/sideways port p of node n (p < n.up_begin): the peer's domain at tier
  // down_key_tier(n), the key those ports are sorted by (a down group is one binary search over
  // this contiguous array, not over the peers' node records).
  std::uint32_t down_key(PortId p) const { return down_key_[p]; }
  const std::uint32_t* down_keys() const { return down_key_.data(); }
  static std::size_t down_key_tier(const Node& n) { return n.tier > 0 ? n.tier - 1u : 0u; }
  Rate port_rate(PortId p) const { return links_[ports_[p].link].rate; }
  // A copy with link l running at link_rates[l] (what-if studies, e.g. "this tier non-blocking");
  // structure and ids are unchanged. REQUIRES: link_rates.size() == link_count(), every rate > 0.
  Fabric with_link_rates(std::span<const Rate> link_rates) const;
  Time port_latency(PortId p) const { return links_[ports_[p].link].latency; }

  // False for a link marked down by failures. O(1).
  bool link_up(LinkId l) const { return link_down_.empty() || link_down_[l] == 0; }
  bool port_up(PortId p) const { return link_up(ports_[p].link); }
  std::uint64_t links_down() const { return links_down_; }
  // One byte per link (1 = down), or empty when every link is up.
  std::span<const std::uint8_t> link_down_mask() const { return link_down_; }
  // A copy with link l at link_rates[l] and down where down[l] != 0 (an empty `down` leaves every
  // link up). REQUIRES: link_rates.size() == link_count(), rates > 0, down empty or link_count().
  Fabric with_link_state(std::span<const Rate> link_rates, std::span<const std::uint8_t> down) const;

 private:
  friend class FabricBuilder;
  std::string name_;
  std::string generator_;
  std::string source_;
  std::uint32_t endpoints_ = 0;
  int max_tier_ = 0;
  std::uint32_t planes_ = 1;
  bool structural_ = true;
  std::array<TierInfo, kMaxTier + 1> tiers_{};
  std::vector<SwitchBuffer> buffers_{SwitchBuffer{}};  // by Node::buffer; [0]: none
  std::vector<Node> nodes_;
  std::vector<Link> links_;
  std::vector<Port> ports_;
  std::vector<std::uint32_t> down_key_;  // by port (kNone for up ports)
  std::vector<std::uint8_t> link_down_;  // empty: all links up
  std::uint64_t links_down_ = 0;
};

// Builds a Fabric. Add every accelerator first, then switches, then links; build() lays out the
// ports (CSR, sorted as described above) and checks the invariants (throws std::logic_error on a
// generator bug; user-input errors are caught earlier, during spec validation).
class FabricBuilder {
 public:
  FabricBuilder(std::string name, std::string generator);

  NodeId add_accelerator(std::uint32_t server, std::uint32_t local_index, std::uint32_t scale_up_domain,
                         std::uint32_t pod);
  // `domain` holds the node's domain ids for tiers tier..kMaxTier (lower entries are ignored).
  NodeId add_switch(int tier, std::uint8_t plane, const std::array<std::uint32_t, kMaxTier + 1>& domain,
                    std::uint32_t pod);
  NodeId add_scale_up_switch(std::uint32_t scale_up_domain);
  LinkId add_link(NodeId lower, NodeId upper, Rate rate, Time latency, LinkKind kind);
  void set_tier_info(int tier, TierInfo info);
  // The buffer of every switch of `tier` (0: the scale-up switches) that has none of its own
  // (set_node_buffer); a size of 0 B sets none. May be called before or after adding them.
  void set_switch_buffer(int tier, SwitchBuffer buffer);
  // The buffer of switch n alone (explicit graphs); a size of 0 B sets none. Throws
  // std::logic_error beyond kMaxBuffers distinct buffers (readers check that first).
  void set_node_buffer(NodeId n, SwitchBuffer buffer);
  void set_planes(std::uint32_t planes);
  void set_structural(bool structural);
  void reserve(std::size_t nodes, std::size_t links);

  // Fills accelerators' domain[1..] from the leaf each attaches to, sorts ports, checks invariants.
  Fabric build() &&;

 private:
  std::uint8_t intern_buffer(SwitchBuffer buffer);

  Fabric f_;
  bool switches_started_ = false;
  std::array<SwitchBuffer, kMaxTier + 1> tier_buffers_{};  // by tier; [0]: scale-up switches
};

}  // namespace rocesim::topology
