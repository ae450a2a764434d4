// Scale-up domains: their JSON, their links in a built Fabric, and their bisection.
//
// A scale-up domain is `size` consecutive accelerators (ids d·size .. d·size + size - 1). Two
// shapes (ScaleUpShape, topology.hpp):
//   switched   one scale-up switch per domain; accelerator ↔ switch links of rate r (per
//              direction). Links per domain: n. The switch is non-blocking.
//   full_mesh  no switch; each of the n(n-1)/2 accelerator pairs has m = links_per_pair direct
//              links of rate r. Links per domain: m·n(n-1)/2; ports per accelerator: m(n-1).
// Units: rates bit/s per direction, latencies one way per link.
//
// Scale-up bisection of one domain (one direction, the capacity one half can push to the other
// when the domain's n accelerators split into halves A (⌊n/2⌋) and B (⌈n/2⌉)):
//   switched   B_su = min(|A|, |B|)·r = ⌊n/2⌋·r            (each accelerator's link to the switch)
//   full_mesh  B_su = |A|·|B|·m·r    = ⌊n/2⌋·⌈n/2⌉·m·r      (every A–B pair's direct links)
// Every balanced split of a full mesh cuts the same pairs, so this is also its minimum balanced
// cut. scale_up_bisection() measures it on the built graph (links that are down count 0), summed
// over all domains, and the tests compare it with these closed forms.
//
// Fabric layout: a full mesh adds its links to the accelerators' down/sideways port range
// (fabric.hpp), sorted by the peer's id (an accelerator's down key is domain[0], the node id),
// so the ports toward one peer are one binary search (routing/router.hpp takes them).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "topology/fabric.hpp"
#include "topology/topology.hpp"

namespace rocesim::topology {

// Largest full mesh accepted: each accelerator needs (size - 1)·links_per_pair ports; past 64
// accelerators a real domain is switched.
inline constexpr std::uint32_t kMaxMeshSize = 64;
inline constexpr std::uint32_t kMaxLinksPerPair = 16;

const char* to_string(ScaleUpShape s);

// Reads the optional "scale_up" object of `top` into `s` (whose size already holds its default).
// Throws ConfigError naming /scale_up/... on a bad field.
void parse_scale_up(JsonReader& top, ScaleUpSpec& s);

// The effective "scale_up" object. "shape" and "links_per_pair" appear only for a full mesh, so a
// switched domain writes exactly what it always did.
nlohmann::json scale_up_to_json(const ScaleUpSpec& s);

// Scale-up switches and links of `endpoints` accelerators (see the header for the formulas).
std::uint64_t scale_up_switch_count(const ScaleUpSpec& s, std::uint64_t endpoints);
std::uint64_t scale_up_link_count(const ScaleUpSpec& s, std::uint64_t endpoints);

// Adds the scale-up switches of `endpoints` accelerators (switched only); returns the first one's
// id (kNone when none was added), and gives them `s.buffer` (Fabric::switch_buffer).
NodeId add_scale_up_switches(FabricBuilder& b, const ScaleUpSpec& s, std::uint32_t endpoints);
// Adds accelerator e's scale-up links: to its switch (first_switch + e / size), or to every
// higher-numbered accelerator of its mesh. REQUIRES: s.size > 0.
void add_scale_up_links(FabricBuilder& b, const ScaleUpSpec& s, NodeId e, NodeId first_switch);

// The shape a built fabric has (full_mesh when a scale-up link joins two accelerators).
ScaleUpShape scale_up_shape(const Fabric& f);

struct ScaleUpSummary {
  ScaleUpShape shape = ScaleUpShape::switched;
  std::uint64_t domains = 0;
  std::uint32_t size = 0;              // accelerators per domain (of the largest domain)
  std::uint32_t links_per_pair = 0;    // full mesh; 0 when switched
  std::uint32_t ports_per_accelerator = 0;  // scale-up ports of accelerator 0
  std::uint64_t link_bps = 0;          // rate of one scale-up link (the fastest)
  std::uint64_t links = 0;
  std::uint64_t domain_bisection_bps = 0;  // smallest over domains
  std::uint64_t bisection_bps = 0;         // Σ over domains
};

// Measured on the graph (header). domains == 0 when the fabric has no scale-up links.
ScaleUpSummary scale_up_summary(const Fabric& f);

}  // namespace rocesim::topology
