#include "topology/clos_plan.hpp"

#include <string>

#include "core/config_error.hpp"
#include "topology/scale_up.hpp"
#include "topology/switch_buffer.hpp"

namespace rocesim::topology {
namespace {

// Largest fabric we agree to build: node and link ids are 32-bit, and 2^27 endpoints is far beyond
// any cluster this tool targets.
constexpr std::uint64_t kMaxEndpoints = 1ULL << 27;
constexpr std::uint64_t kMaxElements = 1ULL << 31;

struct Ctx {
  const std::string& file;
  [[noreturn]] void fail(const std::string& path, const std::string& msg) const { throw ConfigError(file, path, msg); }
};

std::string rate_str(Rate r) { return to_string(r); }

SwitchBuffer tier_buffer(Bytes size, const std::string& json_path) {
  return size.n > 0 ? SwitchBuffer{size, buffer_key(json_path)} : SwitchBuffer{};
}

// Uplinks per switch of a tier with `down` down ports at `down_rate`:
//   explicit `uplinks`, or  u = down · down_rate · ratio.up / (ratio.down · uplink_rate),
// which must be a whole, positive number of ports.
std::uint64_t uplinks_for(const Ctx& c, const SwitchTierSpec& t, std::uint64_t down, Rate down_rate,
                          const std::string& tier_path, const std::string& tier_name) {
  if (t.uplinks) return *t.uplinks;
  const Ratio ratio = t.oversubscription.value_or(Ratio{});
  const unsigned __int128 num = static_cast<unsigned __int128>(down) * down_rate.bps * ratio.up;
  const unsigned __int128 den = static_cast<unsigned __int128>(ratio.down) * t.uplink.rate.bps;
  if (den == 0 || num % den != 0 || num / den == 0) {
    const double exact = static_cast<double>(num) / static_cast<double>(den == 0 ? 1 : den);
    c.fail(tier_path + "/oversubscription",
           "oversubscription " + ratio.str() + " does not divide into whole ports: a " + tier_name + " switch has " +
               std::to_string(down) + " down ports at " + rate_str(down_rate) + ", which needs " +
               std::to_string(exact) + " uplinks at " + rate_str(t.uplink.rate) +
               " (choose a ratio giving a whole number, or give \"uplinks\" explicitly)");
  }
  return static_cast<std::uint64_t>(num / den);
}

void check_radix(const Ctx& c, std::uint32_t radix, std::uint64_t down, std::uint64_t up, const std::string& path,
                 const std::string& tier_name) {
  if (radix != 0 && down + up > radix) {
    c.fail(path, "radix exceeded: each " + tier_name + " switch needs " + std::to_string(down + up) + " ports (" +
                     std::to_string(down) + " down + " + std::to_string(up) + " up) but the declared radix is " +
                     std::to_string(radix));
  }
}

void check_divides(const Ctx& c, std::uint64_t whole, std::uint64_t part, const std::string& path,
                   const std::string& what) {
  if (part == 0 || whole % part != 0) c.fail(path, what + " (" + std::to_string(whole) + " is not a multiple of " + std::to_string(part) + ")");
}

std::uint32_t to_u32(const Ctx& c, std::uint64_t v, const std::string& path, const std::string& what) {
  if (v >= kMaxElements) c.fail(path, what + " is too large (" + std::to_string(v) + ")");
  return static_cast<std::uint32_t>(v);
}

void lower_leaf_spine(const Ctx& c, const LeafSpineSpec& s, std::uint32_t g, ClosPlan& p) {
  const std::string base = "/leaf_spine";
  check_divides(c, s.hosts_per_leaf, g, base + "/hosts_per_leaf",
                "hosts_per_leaf must hold whole servers of " + std::to_string(g) + " accelerators");
  p.endpoints = to_u32(c, std::uint64_t{s.leaves} * s.hosts_per_leaf, base, "endpoint count");
  p.hosts_per_leaf = s.hosts_per_leaf;
  p.leaves = s.leaves;
  p.leaves_per_pod = s.leaves;
  p.tier2_per_pod = s.spines;
  p.p12 = s.parallel_links;
  p.nic = s.host_link;
  p.l12 = s.fabric_link;
  check_radix(c, s.leaf_radix, s.hosts_per_leaf, std::uint64_t{s.spines} * s.parallel_links, base + "/leaf_radix", "leaf");
  check_radix(c, s.spine_radix, std::uint64_t{s.leaves} * s.parallel_links, 0, base + "/spine_radix", "spine");
  p.tiers[1] = TierInfo{"leaf", s.leaf_radix};
  if (s.spines > 0) p.tiers[2] = TierInfo{"spine", s.spine_radix};
  p.buffers[1] = tier_buffer(s.leaf_buffer, base + "/leaf_buffer");
  p.buffers[2] = tier_buffer(s.spine_buffer, base + "/spine_buffer");
}

void lower_fat_tree(const Ctx& c, const FatTreeSpec& s, std::uint32_t g, ClosPlan& p) {
  const std::uint32_t h = s.k / 2;
  check_divides(c, h, g, "/server/accelerators",
                "a fat-tree ToR with k/2 = " + std::to_string(h) + " hosts must hold whole servers");
  p.endpoints = to_u32(c, std::uint64_t{s.k} * s.k * s.k / 4, "/fat_tree/k", "endpoint count");
  p.hosts_per_leaf = h;
  p.pods = s.k;
  p.leaves_per_pod = h;
  p.leaves = s.k * h;
  p.tier2_per_pod = h;
  p.p12 = 1;
  p.tier3 = true;
  p.cores_per_plane = h;
  p.p23 = 1;
  p.nic = p.l12 = p.l23 = s.link;
  p.tiers[1] = TierInfo{"tor", s.k};
  p.tiers[2] = TierInfo{"agg", s.k};
  p.tiers[3] = TierInfo{"core", s.k};
  for (std::size_t t = 1; t <= 3; ++t) p.buffers[t] = tier_buffer(s.buffer, "/fat_tree/buffer");
}

void lower_clos3(const Ctx& c, const Clos3Spec& s, std::uint32_t g, ClosPlan& p) {
  const std::string base = "/clos3";
  check_divides(c, s.hosts_per_tor, g, base + "/hosts_per_tor",
                "hosts_per_tor must hold whole servers of " + std::to_string(g) + " accelerators");
  p.endpoints = to_u32(c, std::uint64_t{s.pods} * s.tors_per_pod * s.hosts_per_tor, base, "endpoint count");
  p.hosts_per_leaf = s.hosts_per_tor;
  p.pods = s.pods;
  p.leaves_per_pod = s.tors_per_pod;
  p.leaves = to_u32(c, std::uint64_t{s.pods} * s.tors_per_pod, base + "/tors_per_pod", "ToR count");
  p.tier2_per_pod = s.aggs_per_pod;
  const std::uint64_t u1 = uplinks_for(c, s.tor, s.hosts_per_tor, s.host_link.rate, base + "/tor", "tor");
  check_divides(c, u1, s.aggs_per_pod, base + "/aggs_per_pod",
                "each ToR's " + std::to_string(u1) + " uplinks must spread evenly over the aggregation switches of its pod");
  p.p12 = static_cast<std::uint32_t>(u1 / s.aggs_per_pod);
  const std::uint64_t d2 = std::uint64_t{s.tors_per_pod} * p.p12;
  const std::uint64_t u2 = uplinks_for(c, s.agg, d2, s.tor.uplink.rate, base + "/agg", "agg");
  p.cores_per_plane = s.cores_per_plane == 0 ? to_u32(c, u2, base + "/agg", "agg uplinks") : s.cores_per_plane;
  check_divides(c, u2, p.cores_per_plane, base + "/cores_per_plane",
                "each aggregation switch's " + std::to_string(u2) + " uplinks must spread evenly over the cores of its plane");
  p.p23 = static_cast<std::uint32_t>(u2 / p.cores_per_plane);
  p.tier3 = true;
  p.nic = s.host_link;
  p.l12 = s.tor.uplink;
  p.l23 = s.agg.uplink;
  check_radix(c, s.tor.radix, s.hosts_per_tor, u1, base + "/tor/radix", "tor");
  check_radix(c, s.agg.radix, d2, u2, base + "/agg/radix", "agg");
  check_radix(c, s.core_radix, std::uint64_t{s.pods} * p.p23, 0, base + "/core_radix", "core");
  p.tiers[1] = TierInfo{"tor", s.tor.radix};
  p.tiers[2] = TierInfo{"agg", s.agg.radix};
  p.tiers[3] = TierInfo{"core", s.core_radix};
  p.buffers[1] = tier_buffer(s.tor.buffer, base + "/tor/buffer");
  p.buffers[2] = tier_buffer(s.agg.buffer, base + "/agg/buffer");
  p.buffers[3] = tier_buffer(s.core_buffer, base + "/core_buffer");
}

void lower_rail(const Ctx& c, const RailOptimizedSpec& s, std::uint32_t g, ClosPlan& p) {
  const std::string base = "/rail_optimized";
  p.rail = true;
  p.units = s.units;
  p.servers_per_unit = s.servers_per_unit;
  p.endpoints = to_u32(c, std::uint64_t{s.units} * s.servers_per_unit * g, base, "endpoint count");
  p.leaves = to_u32(c, std::uint64_t{s.units} * g, base + "/units", "rail-leaf count");
  const std::uint64_t u1 = uplinks_for(c, s.rail_leaf, s.servers_per_unit, s.nic_link.rate, base + "/rail_leaf", "rail-leaf");
  if (s.core) {
    check_divides(c, s.units, s.units_per_pod, base + "/units_per_pod", "units must form whole pods");
    p.pods = s.units / s.units_per_pod;
    p.leaves_per_pod = s.units_per_pod * g;
  } else {
    p.pods = 1;
    p.leaves_per_pod = p.leaves;
  }
  p.tier2_per_pod = s.spines == 0 ? to_u32(c, u1, base + "/rail_leaf", "rail-leaf uplinks") : s.spines;
  check_divides(c, u1, p.tier2_per_pod, base + "/spines",
                "each rail leaf's " + std::to_string(u1) + " uplinks must spread evenly over the spines");
  p.p12 = static_cast<std::uint32_t>(u1 / p.tier2_per_pod);
  const std::uint64_t d2 = std::uint64_t{p.leaves_per_pod} * p.p12;
  std::uint64_t u2 = 0;
  if (s.core) {
    u2 = uplinks_for(c, s.spine, d2, s.rail_leaf.uplink.rate, base + "/spine", "spine");
    p.cores_per_plane = s.cores_per_plane == 0 ? to_u32(c, u2, base + "/spine", "spine uplinks") : s.cores_per_plane;
    check_divides(c, u2, p.cores_per_plane, base + "/cores_per_plane",
                  "each spine's " + std::to_string(u2) + " uplinks must spread evenly over the cores of its plane");
    p.p23 = static_cast<std::uint32_t>(u2 / p.cores_per_plane);
    p.tier3 = true;
    p.l23 = s.spine.uplink;
    check_radix(c, s.core_radix, std::uint64_t{p.pods} * p.p23, 0, base + "/core_radix", "core");
    p.tiers[3] = TierInfo{"core", s.core_radix};
    p.buffers[3] = tier_buffer(s.core_buffer, base + "/core_buffer");
  }
  p.nic = s.nic_link;
  p.l12 = s.rail_leaf.uplink;
  check_radix(c, s.rail_leaf.radix, s.servers_per_unit, u1, base + "/rail_leaf/radix", "rail-leaf");
  check_radix(c, s.spine.radix, d2, u2, base + "/spine/radix", "spine");
  p.tiers[1] = TierInfo{"rail-leaf", s.rail_leaf.radix};
  p.tiers[2] = TierInfo{"spine", s.spine.radix};
  p.buffers[1] = tier_buffer(s.rail_leaf.buffer, base + "/rail_leaf/buffer");
  p.buffers[2] = tier_buffer(s.spine.buffer, base + "/spine/buffer");
}

}  // namespace

std::uint32_t ClosPlan::leaf_of(std::uint32_t e) const {
  if (!rail) return e / hosts_per_leaf;
  const std::uint32_t unit = (e / accelerators_per_server) / servers_per_unit;
  return unit * accelerators_per_server + e % accelerators_per_server;
}

std::uint32_t ClosPlan::group_of_leaf(std::uint32_t leaf) const {
  // Rail fabrics without a core tier label endpoints by scalable unit; with one, by pod.
  return rail && !tier3 ? leaf / accelerators_per_server : leaf / leaves_per_pod;
}

std::uint64_t ClosPlan::node_count() const {
  std::uint64_t n = std::uint64_t{endpoints} + leaves + std::uint64_t{pods} * tier2_per_pod;
  if (tier3) n += std::uint64_t{tier2_per_pod} * cores_per_plane;
  n += scale_up_switch_count(scale_up, endpoints);
  return n;
}

std::uint64_t ClosPlan::link_count() const {
  std::uint64_t n = endpoints + scale_up_link_count(scale_up, endpoints);
  n += std::uint64_t{leaves} * tier2_per_pod * p12;
  if (tier3) n += std::uint64_t{pods} * tier2_per_pod * cores_per_plane * p23;
  return n;
}

ClosPlan lower_spec(const TopologySpec& spec) {
  const Ctx c{spec.source};
  ClosPlan p;
  p.name = spec.name;
  p.generator = spec.generator();
  p.accelerators_per_server = spec.accelerators_per_server;
  p.scale_up = spec.scale_up;
  const std::uint32_t g = spec.accelerators_per_server;
  if (g == 0) c.fail("/server/accelerators", "must be at least 1");
  const std::uint64_t e64 = spec.endpoint_count();
  if (e64 > kMaxEndpoints) {
    c.fail("/", "fabric too large: " + std::to_string(e64) + " accelerators (limit " + std::to_string(kMaxEndpoints) + ")");
  }
  std::visit(
      [&](const auto& form) {
        using T = std::decay_t<decltype(form)>;
        if constexpr (std::is_same_v<T, LeafSpineSpec>) lower_leaf_spine(c, form, g, p);
        if constexpr (std::is_same_v<T, FatTreeSpec>) lower_fat_tree(c, form, g, p);
        if constexpr (std::is_same_v<T, Clos3Spec>) lower_clos3(c, form, g, p);
        if constexpr (std::is_same_v<T, RailOptimizedSpec>) lower_rail(c, form, g, p);
      },
      spec.form);
  if (spec.scale_up.size > 0) {
    check_divides(c, spec.scale_up.size, g, "/scale_up/size",
                  "a scale-up domain must hold whole servers of " + std::to_string(g) + " accelerators");
    check_divides(c, p.endpoints, spec.scale_up.size, "/scale_up/size",
                  "the accelerators must split into whole scale-up domains");
  }
  if (p.node_count() >= kMaxElements || p.link_count() >= kMaxElements) {
    c.fail("/", "fabric too large: " + std::to_string(p.node_count()) + " nodes, " + std::to_string(p.link_count()) + " links");
  }
  return p;
}

void prefix_buffer_keys(ClosPlan& plan, const std::string& prefix) {
  for (SwitchBuffer& b : plan.buffers) {
    if (b.size.n > 0) b.key = prefix + b.key;
  }
}

Fabric build_plan(const ClosPlan& p) {
  FabricBuilder b(p.name, p.generator);
  b.reserve(p.node_count(), p.link_count());
  const std::uint32_t g = p.accelerators_per_server;
  const std::uint32_t su = p.scale_up.size;
  for (std::uint32_t e = 0; e < p.endpoints; ++e) {
    b.add_accelerator(e / g, e % g, su > 0 ? e / su : kNone, p.group_of_leaf(p.leaf_of(e)));
  }
  const std::uint32_t first_leaf = p.endpoints;
  for (std::uint32_t l = 0; l < p.leaves; ++l) {
    const std::uint32_t pod = l / p.leaves_per_pod;
    b.add_switch(1, 0, {kNone, l, p.tier3 ? pod : 0, 0, 0}, p.group_of_leaf(l));
  }
  const std::uint32_t first_t2 = first_leaf + p.leaves;
  for (std::uint32_t pod = 0; pod < p.pods; ++pod) {
    for (std::uint32_t j = 0; j < p.tier2_per_pod; ++j) b.add_switch(2, 0, {kNone, kNone, p.tier3 ? pod : 0, 0, 0}, pod);
  }
  const std::uint32_t first_core = first_t2 + p.pods * p.tier2_per_pod;
  if (p.tier3) {
    for (std::uint32_t i = 0; i < p.tier2_per_pod * p.cores_per_plane; ++i) b.add_switch(3, 0, {kNone, kNone, kNone, 0, 0}, kNone);
  }
  const NodeId first_su = add_scale_up_switches(b, p.scale_up, p.endpoints);
  for (std::uint32_t e = 0; e < p.endpoints; ++e) {
    b.add_link(e, first_leaf + p.leaf_of(e), p.nic.rate, p.nic.latency, LinkKind::nic);
    if (su > 0) add_scale_up_links(b, p.scale_up, e, first_su);
  }
  for (std::uint32_t l = 0; l < p.leaves; ++l) {
    const std::uint32_t pod = l / p.leaves_per_pod;
    for (std::uint32_t j = 0; j < p.tier2_per_pod; ++j) {
      for (std::uint32_t r = 0; r < p.p12; ++r) {
        b.add_link(first_leaf + l, first_t2 + pod * p.tier2_per_pod + j, p.l12.rate, p.l12.latency, LinkKind::fabric);
      }
    }
  }
  if (p.tier3) {
    for (std::uint32_t pod = 0; pod < p.pods; ++pod) {
      for (std::uint32_t j = 0; j < p.tier2_per_pod; ++j) {
        for (std::uint32_t cc = 0; cc < p.cores_per_plane; ++cc) {
          for (std::uint32_t r = 0; r < p.p23; ++r) {
            b.add_link(first_t2 + pod * p.tier2_per_pod + j, first_core + j * p.cores_per_plane + cc, p.l23.rate,
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
  return std::move(b).build();
}

}  // namespace rocesim::topology
