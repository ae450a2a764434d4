// ClosPlan: the one shape every generator lowers to, and the builder that turns it into a Fabric.
//
// A plan is a 2- or 3-tier folded Clos:
//   tier 1  `leaves` leaves, grouped into `pods` pods of `leaves_per_pod` consecutive leaves;
//           endpoint e attaches to leaf  ⌊e / hosts_per_leaf⌋  (contiguous mode) or, in rail mode,
//           to leaf  unit(e)·G + (e mod G)  with unit(e) = ⌊⌊e/G⌋ / servers_per_unit⌋;
//   tier 2  `tier2_per_pod` switches per pod (2 tiers: pods = 1, all leaves share the spines);
//           every leaf of a pod links to every tier-2 switch of that pod `p12` times;
//   tier 3  (optional) `tier2_per_pod` planes of `cores_per_plane` cores; tier-2 switch j of every
//           pod links to every core of plane j `p23` times.
// Node ids: endpoints 0..E-1, then leaves (pod by pod), tier-2 switches (pod by pod), cores
// (plane by plane), then scale-up switches. Domain addressing (see fabric.hpp): leaf domain[1] =
// leaf index; domain[2] = pod for leaves and tier-2 switches of a 3-tier plan, 0 otherwise; all
// higher entries 0.
// lower_spec() validates the port arithmetic and radix of every tier and throws ConfigError with
// the JSON path of the offending field.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "topology/fabric.hpp"
#include "topology/topology.hpp"

namespace rocesim::topology {

struct ClosPlan {
  std::string name;
  std::string generator;
  std::uint32_t endpoints = 0;
  std::uint32_t accelerators_per_server = 1;
  ScaleUpSpec scale_up;

  bool rail = false;
  std::uint32_t hosts_per_leaf = 0;    // contiguous mode
  std::uint32_t servers_per_unit = 0;  // rail mode
  std::uint32_t units = 0;             // rail mode: scalable units

  std::uint32_t leaves = 0;
  std::uint32_t pods = 1;
  std::uint32_t leaves_per_pod = 0;
  std::uint32_t tier2_per_pod = 0;
  std::uint32_t p12 = 0;
  bool tier3 = false;
  std::uint32_t cores_per_plane = 0;
  std::uint32_t p23 = 0;

  LinkSpec nic;
  LinkSpec l12;
  LinkSpec l23;
  std::array<TierInfo, kMaxTier + 1> tiers{};
  std::array<SwitchBuffer, kMaxTier + 1> buffers{};  // per switch tier; keys as `--set` spells them

  std::uint32_t leaf_of(std::uint32_t endpoint) const;
  // The pod label reports group endpoints by: the scalable unit of a 2-tier rail fabric, else the pod.
  std::uint32_t group_of_leaf(std::uint32_t leaf) const;
  std::uint64_t node_count() const;
  std::uint64_t link_count() const;
};

// Validates `spec` (beyond what the JSON reader checks) and lowers it. Throws ConfigError.
ClosPlan lower_spec(const TopologySpec& spec);

Fabric build_plan(const ClosPlan& plan);

// Prefixes the plan's buffer keys with where its spec sits in the user's file ("multi_plane.plane.").
void prefix_buffer_keys(ClosPlan& plan, const std::string& prefix);

}  // namespace rocesim::topology
