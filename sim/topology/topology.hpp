// Topology specs: JSON data → validated TopologySpec → Fabric.
//
// A topology file names a `generator` (the form of the fabric) and carries that generator's
// parameters in an object of the same name, plus the server and scale-up description shared by all
// forms. Every field, its unit and its default are documented in topologies/README.md.
//
// Units: rates are bit/s (`Rate`, JSON strings such as "400Gbps"), latencies are one-way
// propagation per link (`Time`, "1us"), counts are plain integers.
//
// Definitions used by every generator:
//   endpoints E      = accelerators; each has its own NIC (one cable to a tier-1 switch).
//   oversubscription = (capacity of a switch's down links) / (capacity of its up links), ≥ 1.
//                      "7:1" and "1:7" both mean 7 (vendors write it both ways; Meta's Llama 3
//                      cluster is "1:7"). A number (1.5) is the same ratio written as a decimal.
//   uplinks u        = down capacity / (ratio × uplink rate); it must be a whole number of ports,
//                      otherwise the spec is rejected ("does not divide into whole ports").
//   k-ary fat tree   : k pods, k/2 ToRs and k/2 aggregation switches per pod, (k/2)² cores,
//                      k³/4 hosts, 5k²/4 switches, 3k³/4 links; host h under ToR ⌊h/(k/2)⌋.
//
// Staging: parse_topology() checks everything that can be checked on the spec (types, units,
// sizes, radix, port arithmetic), so build_fabric() on a spec it returned only fails on a
// property of the built graph (connectivity), still with a ConfigError naming the file.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/units.hpp"
#include "topology/fabric.hpp"
#include "topology/cost_model.hpp"
#include "topology/explicit_graph.hpp"
#include "topology/failures.hpp"

namespace rocesim::topology {

struct LinkSpec {
  Rate rate = Rate::gbps(400);
  Time latency = Time::from_ns(500);
  bool operator==(const LinkSpec&) const = default;
};

// Oversubscription down:up as an exact ratio (down ≥ up ≥ 1 after normalization).
struct Ratio {
  std::uint64_t down = 1;
  std::uint64_t up = 1;
  double value() const { return static_cast<double>(down) / static_cast<double>(up); }
  std::string str() const { return std::to_string(down) + ":" + std::to_string(up); }
  bool operator==(const Ratio&) const = default;
};

// A switch tier that has uplinks: its declared radix and how many uplinks each switch has, given
// either as an oversubscription ratio or as an explicit count (exactly one of the two).
struct SwitchTierSpec {
  std::uint32_t radix = 0;              // declared ports per switch; 0 = not declared
  std::optional<Ratio> oversubscription;  // default 1:1 when `uplinks` is absent
  std::optional<std::uint32_t> uplinks;
  LinkSpec uplink;                      // the links from this tier to the next
  Bytes buffer{};                       // each switch's buffer; 0 = the packet tier's mmu.buffer
  bool operator==(const SwitchTierSpec&) const = default;
};

// Two tiers: leaves with hosts, spines; every leaf links to every spine `parallel_links` times.
struct LeafSpineSpec {
  std::uint32_t leaves = 0;
  std::uint32_t hosts_per_leaf = 0;
  std::uint32_t spines = 0;            // 0: single-tier (one leaf; more leaves are disconnected)
  std::uint32_t parallel_links = 1;    // uplinks per leaf = spines × parallel_links
  LinkSpec host_link;
  LinkSpec fabric_link;
  std::uint32_t leaf_radix = 0;
  std::uint32_t spine_radix = 0;
  Bytes leaf_buffer{};                 // switch buffers (topology/switch_buffer.hpp); 0 = mmu.buffer
  Bytes spine_buffer{};
  bool operator==(const LeafSpineSpec&) const = default;
};

// k-ary fat tree (Al-Fares et al. 2008), one link rate and latency everywhere.
struct FatTreeSpec {
  std::uint32_t k = 0;  // even, ≥ 2; also the declared radix of every switch
  LinkSpec link;
  Bytes buffer{};       // every switch's buffer (all have k ports); 0 = mmu.buffer
  bool operator==(const FatTreeSpec&) const = default;
};

// General 3-tier Clos: pods of ToRs and aggregation switches, cores in planes. Aggregation switch j
// of every pod links to every core of plane j; there are aggs_per_pod planes.
struct Clos3Spec {
  std::uint32_t pods = 0;
  std::uint32_t tors_per_pod = 0;
  std::uint32_t hosts_per_tor = 0;     // endpoints (NICs) per ToR
  std::uint32_t aggs_per_pod = 0;
  std::uint32_t cores_per_plane = 0;   // 0 = one core per aggregation uplink
  LinkSpec host_link;
  SwitchTierSpec tor;                  // tor.uplink: ToR ↔ aggregation links
  SwitchTierSpec agg;                  // agg.uplink: aggregation ↔ core links
  std::uint32_t core_radix = 0;
  Bytes core_buffer{};                 // 0 = mmu.buffer
  bool operator==(const Clos3Spec&) const = default;
};

// Rail-optimized: NIC i of every server of a scalable unit goes to rail leaf i of that unit; rail
// leaves link to spines; an optional core tier joins pods of `units_per_pod` units.
struct RailOptimizedSpec {
  std::uint32_t units = 0;             // scalable units
  std::uint32_t servers_per_unit = 0;
  std::uint32_t spines = 0;            // total (2 tiers) or per pod (3 tiers); 0 = one per leaf uplink
  LinkSpec nic_link;
  SwitchTierSpec rail_leaf;            // rail_leaf.uplink: leaf ↔ spine links
  SwitchTierSpec spine;                // spine.uplink: spine ↔ core links (3 tiers only)
  bool core = false;                   // third tier present
  std::uint32_t units_per_pod = 1;     // 3 tiers only
  std::uint32_t cores_per_plane = 0;   // 3 tiers only; 0 = one core per spine uplink
  std::uint32_t core_radix = 0;
  Bytes core_buffer{};                 // 3 tiers only; 0 = mmu.buffer
  bool operator==(const RailOptimizedSpec&) const = default;
};

// The shape of a scale-up domain (topology/scale_up.hpp builds both):
//   switched   every accelerator has one link (`link`) to the domain's scale-up switch (NVSwitch,
//              UALink / Ethernet rack-scale switches): any pair meets through the switch.
//   full_mesh  every pair of accelerators has `links_per_pair` direct links of `link` each
//              (AMD Infinity Fabric / xGMI on 8-GPU Instinct platforms): no switch; a pair's
//              traffic uses only its own links.
enum class ScaleUpShape : std::uint8_t { switched, full_mesh };

struct ScaleUpSpec {
  std::uint32_t size = 0;  // accelerators per scale-up domain; 0 = none
  ScaleUpShape shape = ScaleUpShape::switched;
  LinkSpec link{Rate::gbps(3600), Time::from_ns(250)};  // accelerator ↔ scale-up switch, or one mesh link
  std::uint32_t links_per_pair = 1;  // full_mesh: parallel links between each pair of accelerators
  Bytes buffer{};                    // switched: each scale-up switch's buffer; 0 = mmu.buffer
  bool operator==(const ScaleUpSpec&) const = default;
};

// Catalog forms (topology/catalog.hpp lowers and builds them; topologies/README.md documents them).
// Rail-only (Wang et al., HOTI'24): like rail-optimized, but rail r's leaves link only to rail r's
// spines; no tier joins rails, so cross-rail traffic first crosses the scale-up domain.
// With `core`, each rail is its own 3-tier fat tree (rail leaves, rail spines in pods of
// `units_per_pod` units, a rail core tier), laid out per rail exactly as a rail_optimized plane of
// one accelerator per server.
struct RailOnlySpec {
  std::uint32_t units = 0;
  std::uint32_t servers_per_unit = 0;
  std::uint32_t spines_per_rail = 0;  // per pod with `core`; 0: no spine tier (then units must be 1)
  LinkSpec nic_link;
  SwitchTierSpec rail_leaf;           // rail_leaf.uplink: rail leaf ↔ rail spine links
  std::uint32_t spine_radix = 0;      // with `core`: spine.radix
  bool core = false;                  // third tier (rail cores) present
  std::uint32_t units_per_pod = 1;    // `core` only
  SwitchTierSpec spine;               // `core` only; spine.uplink: rail spine ↔ rail core links
  std::uint32_t cores_per_plane = 0;  // `core` only, per rail and spine index; 0 = one per spine uplink
  std::uint32_t core_radix = 0;       // `core` only
  Bytes spine_buffer{};               // 2 tiers (with `core`: spine.buffer); 0 = mmu.buffer
  Bytes core_buffer{};                // `core` only
  bool operator==(const RailOnlySpec&) const = default;
};

// Multi-plane: `planes` copies of one Clos fabric (`plane`, a generator object such as
// {"generator": "rail_optimized", "rail_optimized": {...}}) sharing the endpoints; every NIC has one
// port per plane and a flow stays in the plane it enters.
struct MultiPlaneSpec {
  std::uint32_t planes = 0;
  std::uint32_t nic_ports = 0;  // per accelerator; must equal planes
  nlohmann::json plane;         // effective JSON of the per-plane Clos form
  bool operator==(const MultiPlaneSpec&) const = default;
};

// Dual-ToR: the `base` Clos form with every tier-1 switch doubled into a ToR pair; each NIC has two
// ports, one to each ToR of its pair (non-stacked, both active).
struct DualTorSpec {
  nlohmann::json base;  // effective JSON of the single-ToR Clos form
  bool operator==(const DualTorSpec&) const = default;
};

using GeneratorSpec = std::variant<LeafSpineSpec, FatTreeSpec, Clos3Spec, RailOptimizedSpec, RailOnlySpec,
                                   MultiPlaneSpec, DualTorSpec, ExplicitGraphSpec>;

struct TopologySpec {
  std::string name;
  std::string source = "<spec>";          // file label used in later error messages
  std::uint32_t accelerators_per_server = 1;  // each with its own NIC
  ScaleUpSpec scale_up;
  GeneratorSpec form;
  std::vector<FailureSpec> failures;  // what-if failures at time zero (topology/failures.hpp)
  CostSpec cost;                      // per-port prices for the cost summary (topology/cost_model.hpp)

  // "leaf_spine", "fat_tree", "clos3", "rail_optimized", "rail_only", "multi_plane", "dual_tor" or
  // "explicit".
  const char* generator() const;
  std::uint64_t endpoint_count() const;
};

// The generator names parse_topology accepts, in documentation order.
const std::vector<std::string>& generator_names();

// JSON → validated spec. Throws ConfigError(file_label, json path, message) on any bad input.
TopologySpec parse_topology(const nlohmann::json& doc, const std::string& file_label);

// Reads `path`, applies each "key.path=value" override (--set), then parse_topology.
TopologySpec load_topology_file(const std::string& path, const std::vector<std::string>& overrides = {});

// The spec as JSON with every default filled in (the effective config for reports).
// parse_topology(topology_to_json(s), ...) yields a spec equal to s.
nlohmann::json topology_to_json(const TopologySpec& spec);

// The built-in default: rail-optimized, 2 units × 8 servers × 8 accelerators (128), 400 Gb/s NICs,
// one 8-accelerator scale-up switch per server, 16-port switches.
nlohmann::json default_topology_json();

// Builds the Fabric with the failures at time zero applied. Throws ConfigError (naming spec.source)
// if the graph is disconnected or a failure entry is invalid. Timed entries ("at" > 0) and ends
// ("until") are left out: failure_schedule (topology/failures.hpp) lists them for the run; it is
// computed (and its errors thrown) here too, into `schedule` when given.
Fabric build_fabric(const TopologySpec& spec, std::vector<LinkChange>* schedule = nullptr);

// Bytes a built fabric of `nodes` and `links` holds at least while build_fabric runs (its own arrays
// and the connectivity check's graph); build_fabric refuses (MemoryLimitError, core/memory_budget.hpp)
// a plan above the memory limit before allocating it.
std::uint64_t fabric_memory_estimate(std::uint64_t nodes, std::uint64_t links);

// Throws ConfigError(file_label, "/", ...) naming two nodes in different components unless every
// node of `fabric` is reachable from every other (Boost.Graph connected_components).
void check_connected(const Fabric& fabric, const std::string& file_label);

}  // namespace rocesim::topology
