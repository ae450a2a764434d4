// Shared test fixtures: hand-built 2-tier leaf-spine Fabrics (500 ns links; 400 Gb/s unless given).
#pragma once

#include "flow/fluid_params.hpp"

#include <utility>
#include <vector>

#include "topology/fabric.hpp"

namespace rocesim::flow::testing {

inline constexpr Rate kLine = Rate::gbps(400);
inline constexpr Time kHop = Time::from_ns(500);

// The allocation mechanics alone: payload at line rate (no per-packet wire overhead, W(B) = B),
// so a test's closed forms stay S/B. The wire-bytes model has its own tests.
inline FluidParams payload_only(FluidParams p = {}) {
  p.data_overhead = Bytes{0};
  return p;
}

// `leaves` leaves of `hosts` hosts, `spines` spines, every leaf joined to every spine.
// spines == 0 leaves the leaves disconnected.
inline topology::Fabric leaf_spine(std::uint32_t leaves, std::uint32_t hosts, std::uint32_t spines) {
  using namespace topology;
  FabricBuilder b("leaf-spine", "hand");
  for (std::uint32_t e = 0; e < leaves * hosts; ++e) b.add_accelerator(e, 0, kNone, 0);
  std::vector<NodeId> leaf_ids, spine_ids;
  for (std::uint32_t l = 0; l < leaves; ++l) leaf_ids.push_back(b.add_switch(1, 0, {kNone, l, 0, 0, 0}, 0));
  for (std::uint32_t s = 0; s < spines; ++s) spine_ids.push_back(b.add_switch(2, 0, {kNone, kNone, 0, 0, 0}, 0));
  for (std::uint32_t e = 0; e < leaves * hosts; ++e) b.add_link(e, leaf_ids[e / hosts], kLine, kHop, LinkKind::nic);
  for (NodeId l : leaf_ids)
    for (NodeId s : spine_ids) b.add_link(l, s, kLine, kHop, LinkKind::fabric);
  return std::move(b).build();
}

// Like leaf_spine, with spine s joined to every leaf by links of spine_rates[s].
inline topology::Fabric leaf_spine_rates(std::uint32_t leaves, std::uint32_t hosts, const std::vector<Rate>& spine_rates) {
  using namespace topology;
  FabricBuilder b("leaf-spine-uneven", "hand");
  for (std::uint32_t e = 0; e < leaves * hosts; ++e) b.add_accelerator(e, 0, kNone, 0);
  std::vector<NodeId> leaf_ids, spine_ids;
  for (std::uint32_t l = 0; l < leaves; ++l) leaf_ids.push_back(b.add_switch(1, 0, {kNone, l, 0, 0, 0}, 0));
  for (std::size_t s = 0; s < spine_rates.size(); ++s) spine_ids.push_back(b.add_switch(2, 0, {kNone, kNone, 0, 0, 0}, 0));
  for (std::uint32_t e = 0; e < leaves * hosts; ++e) b.add_link(e, leaf_ids[e / hosts], kLine, kHop, LinkKind::nic);
  for (NodeId l : leaf_ids)
    for (std::size_t s = 0; s < spine_rates.size(); ++s) b.add_link(l, spine_ids[s], spine_rates[s], kHop, LinkKind::fabric);
  return std::move(b).build();
}

}  // namespace rocesim::flow::testing
