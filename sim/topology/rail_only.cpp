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
// 3 tiers ("core": true): each rail is the fat tree a rail_optimized plane of one accelerator per
// server would be (U units in P = U / units_per_pod pods; S spines per pod; S planes of C cores),
// so that generator's lowering (clos_plan.hpp) supplies p12 = u1/S, the spine's u2 uplinks and
// p23 = u2/C. Ids after the leaves: spines rail-major, r·P·S + p·S + j; cores r·S·C + j·C + c;
// then scale-up switches. Spine j of every pod of rail r links to each core of (r, j) p23 times.
//   addressing leaf domain[1] = leaf index, domain[2] = pod id r·P + p, domain[3] = rail; spine
//              domain[2] = r·P + p, domain[3] = rail; core domain[3] = rail. The top tier is 3 and
//              its domain is again the rail, so the router's relay rule is unchanged.
//   counts     nodes E + U·G + G·P·S + G·S·C + E/size; links E (NIC) + scale-up links
//              + U·G·u1 + G·P·S·u2.
// Planes (multi_plane with a rail_only plane, topology/catalog.hpp): K copies of every switch
// above, plane by plane (plane q's block starts at E + q·(switches per plane), Node::plane = q),
// the scale-up switches after the last plane; endpoint e has K NIC links, link q to the plane-q
// copy of its rail leaf. Domains are plane-relative (the same ids in every plane), so an endpoint's
// top-tier domain is still its rail and the relay rule holds; a flow stays in the plane its NIC
// port enters. Counts: switches K·(per plane), NIC links K·E, fabric links K·(per plane).
#include "core/config_error.hpp"
#include "topology/catalog.hpp"
#include "topology/clos_plan.hpp"
#include "topology/scale_up.hpp"
#include "topology/switch_buffer.hpp"

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

// The per-rail plan of a 3-tier rail (already validated by parse_rail_only, so lower_spec cannot throw here).
ClosPlan one_rail_plan(const TopologySpec& spec, const RailOnlySpec& s) {
  RailOptimizedSpec r;
  r.units = s.units;
  r.servers_per_unit = s.servers_per_unit;
  r.spines = s.spines_per_rail;
  r.nic_link = s.nic_link;
  r.rail_leaf = s.rail_leaf;
  r.spine = s.spine;
  r.core = true;
  r.units_per_pod = s.units_per_pod;
  r.cores_per_plane = s.cores_per_plane;
  r.core_radix = s.core_radix;
  TopologySpec one;
  one.name = spec.name;
  one.source = spec.source;
  one.accelerators_per_server = 1;
  one.scale_up.size = 0;
  one.form = r;
  return lower_spec(one);
}

// Gives the switches of `tier` the buffer `size` (if any), named by its JSON path.
void set_buffer(FabricBuilder& b, int tier, Bytes size, const std::string& json_path) {
  if (size.n > 0) b.set_switch_buffer(tier, SwitchBuffer{size, buffer_key(json_path)});
}

// The scale-up switches (after every plane's switches), then each endpoint's NIC link to its rail
// leaf (unit · g + rail) in every plane, whose nodes start at first_leaf + q · per_plane, and its
// scale-up links: the same for 2- and 3-tier rails.
void add_endpoint_links(FabricBuilder& b, const TopologySpec& spec, const RailOnlySpec& s, std::uint32_t planes,
                        NodeId first_leaf, std::uint32_t per_plane) {
  const std::uint32_t g = spec.accelerators_per_server;
  const std::uint32_t endpoints = s.units * s.servers_per_unit * g;
  const NodeId first_su = add_scale_up_switches(b, spec.scale_up, endpoints);
  for (std::uint32_t e = 0; e < endpoints; ++e) {
    const std::uint32_t leaf = ((e / g) / s.servers_per_unit) * g + e % g;
    for (std::uint32_t q = 0; q < planes; ++q) {
      b.add_link(e, first_leaf + q * per_plane + leaf, s.nic_link.rate, s.nic_link.latency, LinkKind::nic);
    }
    add_scale_up_links(b, spec.scale_up, e, first_su);
  }
}

Fabric build_rail_only_3tier(const TopologySpec& spec, const RailOnlySpec& s, std::uint32_t planes,
                             const std::string& generator, const std::string& path) {
  const ClosPlan rail = one_rail_plan(spec, s);
  const std::uint32_t g = spec.accelerators_per_server;
  const std::uint32_t n = s.servers_per_unit, upp = s.units_per_pod;
  const std::uint32_t pods = rail.pods, spr = rail.tier2_per_pod, cpp = rail.cores_per_plane;
  const std::uint32_t endpoints = s.units * n * g;
  const std::uint32_t leaves = s.units * g;
  const std::uint32_t spines = g * pods * spr;
  const std::uint32_t cores = g * spr * cpp;
  const std::uint32_t per_plane = leaves + spines + cores;
  const std::uint64_t u1 = std::uint64_t{spr} * rail.p12;
  const std::uint64_t u2 = std::uint64_t{cpp} * rail.p23;

  FabricBuilder b(spec.name, generator);
  b.reserve(std::size_t{endpoints} + std::size_t{planes} * per_plane + scale_up_switch_count(spec.scale_up, endpoints),
            std::size_t{endpoints} * planes + scale_up_link_count(spec.scale_up, endpoints) +
                std::size_t{planes} * (std::size_t{leaves} * u1 + std::size_t{spines} * u2));
  for (std::uint32_t e = 0; e < endpoints; ++e) b.add_accelerator(e / g, e % g, e / spec.scale_up.size, (e / g) / n / upp);
  const NodeId first_leaf = endpoints;
  for (std::uint32_t q = 0; q < planes; ++q) {
    const auto plane = static_cast<std::uint8_t>(q);
    for (std::uint32_t l = 0; l < leaves; ++l) {
      const std::uint32_t r = l % g, pod = (l / g) / upp;
      b.add_switch(1, plane, {kNone, l, r * pods + pod, r, 0}, pod);
    }
    for (std::uint32_t sp = 0; sp < spines; ++sp) {
      const std::uint32_t rp = sp / spr;  // r·P + p
      b.add_switch(2, plane, {kNone, kNone, rp, rp / pods, 0}, rp % pods);
    }
    for (std::uint32_t c = 0; c < cores; ++c) b.add_switch(3, plane, {kNone, kNone, kNone, c / (spr * cpp), 0}, kNone);
  }
  add_endpoint_links(b, spec, s, planes, first_leaf, per_plane);
  for (std::uint32_t q = 0; q < planes; ++q) {
    const NodeId base = first_leaf + q * per_plane, first_spine = base + leaves, first_core = first_spine + spines;
    for (std::uint32_t l = 0; l < leaves; ++l) {
      const std::uint32_t r = l % g, pod = (l / g) / upp;
      for (std::uint32_t j = 0; j < spr; ++j) {
        for (std::uint32_t k = 0; k < rail.p12; ++k) {
          b.add_link(base + l, first_spine + (r * pods + pod) * spr + j, rail.l12.rate, rail.l12.latency, LinkKind::fabric);
        }
      }
    }
    for (std::uint32_t sp = 0; sp < spines; ++sp) {
      const std::uint32_t r = sp / (pods * spr), j = sp % spr;
      for (std::uint32_t c = 0; c < cpp; ++c) {
        for (std::uint32_t k = 0; k < rail.p23; ++k) {
          b.add_link(first_spine + sp, first_core + (r * spr + j) * cpp + c, rail.l23.rate, rail.l23.latency,
                     LinkKind::fabric);
        }
      }
    }
  }
  b.set_tier_info(1, TierInfo{"rail-leaf", s.rail_leaf.radix});
  b.set_tier_info(2, TierInfo{"rail-spine", s.spine.radix});
  b.set_tier_info(3, TierInfo{"rail-core", s.core_radix});
  set_buffer(b, 1, s.rail_leaf.buffer, path + "/rail_leaf/buffer");
  set_buffer(b, 2, s.spine.buffer, path + "/spine/buffer");
  set_buffer(b, 3, s.core_buffer, path + "/core_buffer");
  b.set_planes(planes);
  Fabric f = std::move(b).build();
  check_built_radix(f, spec.source, path);
  check_connected(f, spec.source);
  return f;
}

}  // namespace

Fabric build_rail_only(const TopologySpec& spec, const RailOnlySpec& s, std::uint32_t planes, const std::string& generator,
                       const std::string& path) {
  if (s.core) return build_rail_only_3tier(spec, s, planes, generator, path);
  const std::uint32_t g = spec.accelerators_per_server;
  const std::uint32_t su = spec.scale_up.size;
  const std::uint32_t units = s.units, spr = s.spines_per_rail;
  const std::uint64_t u1 = leaf_uplinks(s);
  if (spr > 0 && u1 % spr != 0) {
    throw ConfigError(spec.source, path + "/spines_per_rail",
                      "each rail leaf's " + std::to_string(u1) + " uplinks must spread evenly over its rail's " +
                          std::to_string(spr) + " spines");
  }
  const std::uint32_t p12 = spr > 0 ? static_cast<std::uint32_t>(u1 / spr) : 0;
  const std::uint32_t endpoints = units * s.servers_per_unit * g;
  const std::uint32_t leaves = units * g;
  const std::uint32_t spines = g * spr;
  const std::uint32_t per_plane = leaves + spines;

  FabricBuilder b(spec.name, generator);
  b.reserve(std::size_t{endpoints} + std::size_t{planes} * per_plane + scale_up_switch_count(spec.scale_up, endpoints),
            std::size_t{endpoints} * planes + scale_up_link_count(spec.scale_up, endpoints) +
                std::size_t{planes} * leaves * u1);
  for (std::uint32_t e = 0; e < endpoints; ++e) b.add_accelerator(e / g, e % g, e / su, (e / g) / s.servers_per_unit);
  const NodeId first_leaf = endpoints;
  for (std::uint32_t q = 0; q < planes; ++q) {
    const auto plane = static_cast<std::uint8_t>(q);
    for (std::uint32_t l = 0; l < leaves; ++l) {
      const std::uint32_t rail = l % g;
      b.add_switch(1, plane, {kNone, l, rail, 0, 0}, l / g);  // with S = 0 (one unit) l is the rail
    }
    for (std::uint32_t sp = 0; sp < spines; ++sp) b.add_switch(2, plane, {kNone, kNone, sp / spr, 0, 0}, kNone);
  }
  add_endpoint_links(b, spec, s, planes, first_leaf, per_plane);
  for (std::uint32_t q = 0; q < planes; ++q) {
    const NodeId base = first_leaf + q * per_plane, first_spine = base + leaves;
    for (std::uint32_t l = 0; l < leaves; ++l) {
      const std::uint32_t rail = l % g;
      for (std::uint32_t j = 0; j < spr; ++j) {
        for (std::uint32_t k = 0; k < p12; ++k) {
          b.add_link(base + l, first_spine + rail * spr + j, s.rail_leaf.uplink.rate, s.rail_leaf.uplink.latency,
                     LinkKind::fabric);
        }
      }
    }
  }
  b.set_tier_info(1, TierInfo{"rail-leaf", s.rail_leaf.radix});
  if (spr > 0) b.set_tier_info(2, TierInfo{"rail-spine", s.spine_radix});
  set_buffer(b, 1, s.rail_leaf.buffer, path + "/rail_leaf/buffer");
  set_buffer(b, 2, s.spine_buffer, path + "/spine_buffer");
  b.set_planes(planes);
  Fabric f = std::move(b).build();
  check_built_radix(f, spec.source, path);
  check_connected(f, spec.source);
  return f;
}

}  // namespace rocesim::topology
