// FabricSummary: the structural facts `rocesim topo` reports about a built Fabric.
//
// Definitions (units: counts, bit/s, hops):
//   links by level   "nic"        accelerator ↔ tier-1 switch (one NIC port and one cable each)
//                    "<a>-<b>"    tier t-1 ↔ tier t fabric links, named by the two tiers
//                    "scale_up"   accelerator ↔ scale-up switch (not a cable of the scale-out fabric)
//   cables           = nic links + fabric links (scale-up links excluded).
//   ports per tier   = ports in use on each switch of the tier (min and max), beside the declared
//                      radix (0 = not declared).
//   oversubscription of tier t (t below the top) = Σ capacity of the tier's down links /
//                      Σ capacity of its up links, summed over all its switches.
//   bisection_bps    = min over levels ℓ = 1..T of ½ · C_ℓ, where C_1 is the total capacity of
//                      the NIC links and C_t (t ≥ 2) that of the links between tier t-1 and t.
//                      This is the capacity one half of the endpoints can push to the other half
//                      through the narrowest level, for a balanced cut aligned with pods/units
//                      (each half holds half of every tier, as when the top-level blocks split
//                      evenly); with an odd number of top-level blocks it is an upper bound on the
//                      worst balanced cut. Scale-up links are not counted.
//   Failures (topology/failures.hpp): counts of switches, links, cables and ports are the built
//                      hardware, down links included (they still cost ports and optics);
//                      capacities, oversubscription and bisection_bps are the working fabric:
//                      down links count 0 and degraded links their lowered rate.
//   representative pairs: from endpoint 0 to, for each class, the lowest-numbered endpoint of that
//                      class: same scale-up domain; lowest common tier t = 1..T (same tier-t block,
//                      different tier-(t-1) block); different pod/unit; and the last endpoint.
//                      Generated fabrics are symmetric under permuting servers, pods and rails,
//                      so these pairs stand for every pair of their class; no all-pairs loop runs,
//                      which keeps the summary linear in fabric size (131,072 accelerators: ms).
//   scale_up         topology::scale_up_summary (topology/scale_up.hpp): shape, domains, links,
//                      and the scale-up bisection: per domain, the capacity one half of its
//                      accelerators can push to the other half (switched ⌊n/2⌋·r, full mesh
//                      ⌊n/2⌋·⌈n/2⌉·m·r), the smallest domain's and the sum over domains.
//   switch buffers   the buffers the topology gives (topology/switch_buffer.hpp, bytes), per tier
//                      and for the scale-up switches: each distinct buffer with its key and the
//                      count of switches holding it, in node-id order of first use; switches with
//                      none (the packet tier's mmu.buffer) are counted apart. Empty when the
//                      topology gives none.
//   ecmp_paths       = routing::Router::path_count: distinct up-down port sequences end to end.
//   first_hop_width  = ECMP candidates at the first switch the flow enters (leaf or scale-up).
//   diameter_hops    = max hop count over the representative pairs (links traversed).
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "routing/router.hpp"
#include "topology/fabric.hpp"
#include "topology/scale_up.hpp"

namespace rocesim::report {

// One topology buffer and how many switches of a tier (or of the scale-up switches) hold it.
struct BufferUse {
  Bytes size{};
  std::string key;
  std::uint64_t switches = 0;
};

// The buffers of one group of switches: those the topology gives, and the count left to mmu.buffer.
struct BufferSummary {
  std::vector<BufferUse> given;     // empty: every switch of the group uses mmu.buffer
  std::uint64_t mmu_default = 0;    // switches without a topology buffer
};

struct TierSummary {
  int tier = 0;
  std::string name;
  std::uint64_t switches = 0;
  std::uint32_t radix = 0;          // declared; 0 = not declared
  std::uint32_t ports_min = 0;      // ports in use per switch
  std::uint32_t ports_max = 0;
  std::uint64_t ports_used = 0;     // summed over the tier
  std::uint64_t down_bps = 0;       // Σ down-link capacity
  std::uint64_t up_bps = 0;         // Σ up-link capacity
  double oversubscription = 0;      // down/up; 0 for the top tier
  BufferSummary buffers;
};

struct LinkLevel {
  std::string name;                 // "nic", "tor-agg", "scale_up"
  std::uint64_t links = 0;
  std::uint64_t capacity_bps = 0;   // Σ link rates (one direction)
};

struct PairSummary {
  std::string kind;                 // "same scale-up domain", "same tor", "same agg", "other pod", ...
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  int hops = -1;
  std::uint64_t ecmp_paths = 0;
  std::uint32_t first_hop_width = 0;
};

struct FabricSummary {
  std::string name;
  std::string generator;
  std::uint64_t endpoints = 0;
  std::uint64_t nics = 0;
  std::uint64_t servers = 0;
  std::uint64_t pods = 0;               // distinct pod / unit labels of endpoints
  std::uint64_t switches = 0;           // packet switches, all tiers
  std::uint64_t scale_up_switches = 0;
  std::uint64_t scale_up_ports_max = 0;
  BufferSummary scale_up_buffers;
  std::uint64_t cables = 0;
  std::vector<TierSummary> tiers;       // tier 1 .. T
  std::vector<LinkLevel> link_levels;   // nic, tier pairs upward, scale_up
  std::uint64_t bisection_bps = 0;
  int diameter_hops = 0;
  std::vector<PairSummary> pairs;
  std::uint64_t ecmp_paths_across_pods = 0;  // 0 when there is a single pod / unit
  topology::ScaleUpSummary scale_up;         // domains == 0: no scale-up links
};

FabricSummary summarize(const topology::Fabric& fabric, const routing::Router& router);

// Machine-readable form; keys documented in topologies/README.md ("rocesim topo --json").
nlohmann::json to_json(const FabricSummary& s);

// Human-readable form, one fact per line.
std::string to_text(const FabricSummary& s);

}  // namespace rocesim::report
