// Rail-only fabric (Wang et al., "Rail-only", HOTI'24): one Clos per rail, nothing joining rails.
//
// Layout (G rails = accelerators per server, U units of N servers, S spines per rail):
//   node ids   endpoints 0..E-1 (E = U·N·G, server ⌊e/G⌋, rail e mod G), rail leaves U·G (leaf
//              u·G + r serves rail r of unit u), rail spines G·S (spine r·S + j is rail r's j-th),
//              then scale-up switches E / scale_up.size.
//   addressing (topology/fabric.hpp) leaf: domain[1] = leaf index, domain[2] = rail; spine:
//              domain[2] = rail. With S = 0 (one unit, one switch per rail) the leaf is the top
//              tier and domain[1] = rail. So an endpoint's top-tier domain is its rail, and two
//              endpoints share a scale-out path iff they share a rail: the router relays every
//              other pair through the scale-up domain (routing/router.hpp).
//   uplinks    u1 per leaf as rail-optimized (explicit, or N·r_nic/(o·r_up) whole ports), spread
//              over the rail's S spines: p12 = u1 / S parallel links per leaf–spine pair; a spine
//              has U·p12 down ports.
#include "core/config_error.hpp"
#include "topology/catalog.hpp"
#include "topology/scale_up.hpp"

namespace rocesim::topology {
namespace {

std::uint64_t leaf_uplinks(const RailOnlySpec& s) {
  if (s.spines_per_rail == 0) return 0;
  if (s.rail_leaf.uplinks) return *s.rail_leaf.uplinks;
  const Ratio o = s.rail_leaf.oversubscription.value_or(Ratio{});
  // Whole by construction: the rail-optimized reader rejected every other ratio.
  const unsigned __int128 num = static_cast<unsigned __int128>(s.servers_per_unit) * s.nic_link.rate.bps * o.up;
  const unsigned __int128 den = static_cast<unsigned __int128>(o.down) * s.rail_leaf.uplink.rate.bps;
  return static_cast<std::uint64_t>(num / den);
}

}  // namespace

Fabric build_rail_only(const TopologySpec& spec, const RailOnlySpec& s) {
  const std::uint32_t g = spec.accelerators_per_server;
  const std::uint32_t su = spec.scale_up.size;
  const std::uint32_t units = s.units, spr = s.spines_per_rail;
  const std::uint64_t u1 = leaf_uplinks(s);
  if (spr > 0 && u1 % spr != 0) {
    throw ConfigError(spec.source, "/rail_only/spines_per_rail",
                      "each rail leaf's " + std::to_string(u1) + " uplinks must spread evenly over its rail's " +
                          std::to_string(spr) + " spines");
  }
  const std::uint32_t p12 = spr > 0 ? static_cast<std::uint32_t>(u1 / spr) : 0;
  const std::uint32_t endpoints = units * s.servers_per_unit * g;
  const std::uint32_t leaves = units * g;
  const std::uint32_t spines = g * spr;

  FabricBuilder b(spec.name, "rail_only");
  b.reserve(std::size_t{endpoints} + leaves + spines + scale_up_switch_count(spec.scale_up, endpoints),
            std::size_t{endpoints} + scale_up_link_count(spec.scale_up, endpoints) + std::size_t{leaves} * u1);
  auto leaf_of = [&](std::uint32_t e) { return ((e / g) / s.servers_per_unit) * g + e % g; };
  for (std::uint32_t e = 0; e < endpoints; ++e) b.add_accelerator(e / g, e % g, e / su, (e / g) / s.servers_per_unit);
  const NodeId first_leaf = endpoints;
  for (std::uint32_t l = 0; l < leaves; ++l) {
    const std::uint32_t rail = l % g;
    b.add_switch(1, 0, {kNone, l, rail, 0, 0}, l / g);  // with S = 0 (one unit) l is the rail
  }
  const NodeId first_spine = first_leaf + leaves;
  for (std::uint32_t sp = 0; sp < spines; ++sp) b.add_switch(2, 0, {kNone, kNone, sp / spr, 0, 0}, kNone);
  const NodeId first_su = add_scale_up_switches(b, spec.scale_up, endpoints);
  for (std::uint32_t e = 0; e < endpoints; ++e) {
    b.add_link(e, first_leaf + leaf_of(e), s.nic_link.rate, s.nic_link.latency, LinkKind::nic);
    add_scale_up_links(b, spec.scale_up, e, first_su);
  }
  for (std::uint32_t l = 0; l < leaves; ++l) {
    const std::uint32_t rail = l % g;
    for (std::uint32_t j = 0; j < spr; ++j) {
      for (std::uint32_t k = 0; k < p12; ++k) {
        b.add_link(first_leaf + l, first_spine + rail * spr + j, s.rail_leaf.uplink.rate, s.rail_leaf.uplink.latency,
                   LinkKind::fabric);
      }
    }
  }
  b.set_tier_info(1, TierInfo{"rail-leaf", s.rail_leaf.radix});
  if (spr > 0) b.set_tier_info(2, TierInfo{"rail-spine", s.spine_radix});
  Fabric f = std::move(b).build();
  check_built_radix(f, spec.source, "/rail_only");
  check_connected(f, spec.source);
  return f;
}

}  // namespace rocesim::topology
