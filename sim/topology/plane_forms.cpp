// Multi-plane and dual-ToR fabrics: a Clos plan (topology/clos_plan.hpp) replicated per plane, or
// with its tier-1 switches doubled into ToR pairs.
//
// Layout: endpoints 0..E-1; then, plane by plane, the plan's leaves (T copies of each, leaf l's
// copy c at offset l·T + c), tier-2 switches and cores; then the scale-up switches. T = 1 for
// multi-plane, P = 1 for dual-ToR.
// Addressing (topology/fabric.hpp): every copy of leaf l, in every plane, has domain[1] = l, and
// tier-2 and core switches keep the plan's domains; the planes are told apart by Node::plane.
//   multi-plane  domains are plane-relative: a flow that enters plane q (by the source's choice of
//                NIC port) only ever meets plane-q switches, which route it exactly as the single
//                plan would, so it leaves through the destination's plane-q port.
//   dual-ToR     both ToRs of pair l carry domain[1] = l, so a tier-2 switch's down group toward an
//                endpoint holds both (ECMP over the pair) and either ToR delivers directly.
#include "core/config_error.hpp"
#include "topology/catalog.hpp"
#include "topology/clos_plan.hpp"
#include "topology/scale_up.hpp"

namespace rocesim::topology {
namespace {

Fabric build_replicated(const ClosPlan& p, std::uint32_t planes, std::uint32_t tor_copies, const std::string& generator) {
  FabricBuilder b(p.name, generator);
  const std::uint32_t g = p.accelerators_per_server;
  const std::uint32_t su = p.scale_up.size;
  const std::uint32_t leaves = p.leaves * tor_copies;
  const std::uint32_t t2 = p.pods * p.tier2_per_pod;
  const std::uint32_t cores = p.tier3 ? p.tier2_per_pod * p.cores_per_plane : 0;
  const std::uint32_t per_plane = leaves + t2 + cores;
  const std::uint64_t fabric_links =
      std::uint64_t{leaves} * p.tier2_per_pod * p.p12 + (p.tier3 ? std::uint64_t{t2} * p.cores_per_plane * p.p23 : 0);
  b.reserve(std::size_t{p.endpoints} + std::size_t{planes} * per_plane + scale_up_switch_count(p.scale_up, p.endpoints),
            std::size_t{p.endpoints} * planes * tor_copies + scale_up_link_count(p.scale_up, p.endpoints) +
                planes * fabric_links);
  for (std::uint32_t e = 0; e < p.endpoints; ++e) {
    b.add_accelerator(e / g, e % g, su > 0 ? e / su : kNone, p.group_of_leaf(p.leaf_of(e)));
  }
  const NodeId first_plane = p.endpoints;
  for (std::uint32_t q = 0; q < planes; ++q) {
    const auto plane = static_cast<std::uint8_t>(q);
    for (std::uint32_t l = 0; l < p.leaves; ++l) {
      const std::uint32_t pod = l / p.leaves_per_pod;
      for (std::uint32_t c = 0; c < tor_copies; ++c) b.add_switch(1, plane, {kNone, l, p.tier3 ? pod : 0, 0, 0}, p.group_of_leaf(l));
    }
    for (std::uint32_t pod = 0; pod < p.pods; ++pod) {
      for (std::uint32_t j = 0; j < p.tier2_per_pod; ++j) b.add_switch(2, plane, {kNone, kNone, p.tier3 ? pod : 0, 0, 0}, pod);
    }
    for (std::uint32_t c = 0; c < cores; ++c) b.add_switch(3, plane, {kNone, kNone, kNone, 0, 0}, kNone);
  }
  const NodeId first_su = add_scale_up_switches(b, p.scale_up, p.endpoints);
  for (std::uint32_t e = 0; e < p.endpoints; ++e) {
    for (std::uint32_t q = 0; q < planes; ++q) {
      for (std::uint32_t c = 0; c < tor_copies; ++c) {
        b.add_link(e, first_plane + q * per_plane + p.leaf_of(e) * tor_copies + c, p.nic.rate, p.nic.latency, LinkKind::nic);
      }
    }
    if (su > 0) add_scale_up_links(b, p.scale_up, e, first_su);
  }
  for (std::uint32_t q = 0; q < planes; ++q) {
    const NodeId base = first_plane + q * per_plane;
    const NodeId first_t2 = base + leaves, first_core = base + leaves + t2;
    for (std::uint32_t l = 0; l < leaves; ++l) {
      const std::uint32_t pod = (l / tor_copies) / p.leaves_per_pod;
      for (std::uint32_t j = 0; j < p.tier2_per_pod; ++j) {
        for (std::uint32_t r = 0; r < p.p12; ++r) {
          b.add_link(base + l, first_t2 + pod * p.tier2_per_pod + j, p.l12.rate, p.l12.latency, LinkKind::fabric);
        }
      }
    }
    if (!p.tier3) continue;
    for (std::uint32_t pod = 0; pod < p.pods; ++pod) {
      for (std::uint32_t j = 0; j < p.tier2_per_pod; ++j) {
        for (std::uint32_t c = 0; c < p.cores_per_plane; ++c) {
          for (std::uint32_t r = 0; r < p.p23; ++r) {
            b.add_link(first_t2 + pod * p.tier2_per_pod + j, first_core + j * p.cores_per_plane + c, p.l23.rate,
                       p.l23.latency, LinkKind::fabric);
          }
        }
      }
    }
  }
  for (int t = 1; t <= kMaxTier; ++t) {
    if (!p.tiers[static_cast<std::size_t>(t)].name.empty()) b.set_tier_info(t, p.tiers[static_cast<std::size_t>(t)]);
    b.set_switch_buffer(t, p.buffers[static_cast<std::size_t>(t)]);
  }
  b.set_planes(planes);
  return std::move(b).build();
}

}  // namespace

Fabric build_multi_plane(const TopologySpec& spec, const MultiPlaneSpec& s) {
  const TopologySpec base = nested_plane_spec(spec, s.plane, "/multi_plane/plane");
  if (const auto* ro = std::get_if<RailOnlySpec>(&base.form)) {
    return build_rail_only(base, *ro, s.planes, "multi_plane", "/multi_plane/plane/rail_only");
  }
  ClosPlan plan = lower_spec(base);
  prefix_buffer_keys(plan, "multi_plane.plane.");
  Fabric f = build_replicated(plan, s.planes, 1, "multi_plane");
  check_built_radix(f, spec.source, "/multi_plane/plane");
  check_connected(f, spec.source);
  return f;
}

Fabric build_dual_tor(const TopologySpec& spec, const DualTorSpec& s) {
  const TopologySpec base = nested_clos_spec(spec, s.base, "/dual_tor/base");
  ClosPlan plan = lower_spec(base);
  prefix_buffer_keys(plan, "dual_tor.base.");
  Fabric f = build_replicated(plan, 1, 2, "dual_tor");
  // The base's radix checks saw single ToRs; a tier-2 switch now has twice the down ports.
  check_built_radix(f, spec.source, "/dual_tor/base");
  check_connected(f, spec.source);
  return f;
}

}  // namespace rocesim::topology
