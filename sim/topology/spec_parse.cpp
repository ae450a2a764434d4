// JSON → TopologySpec. Field names, units and defaults mirror topologies/README.md; lower_spec()
// then checks the port arithmetic so a returned spec always builds.
#include <cmath>
#include <limits>

#include "core/json_reader.hpp"
#include "topology/catalog.hpp"
#include "topology/clos_plan.hpp"
#include "topology/ns3_topology_reader.hpp"
#include "topology/scale_up.hpp"
#include "topology/switch_buffer.hpp"
#include "topology/topology.hpp"

namespace rocesim::topology {
namespace {

// Counts above this are certainly typos (and would overflow 32-bit ids once multiplied).
constexpr std::int64_t kMaxCount = 1 << 24;
constexpr std::int64_t kMaxRadix = 1 << 16;

std::uint32_t count(JsonReader& r, std::string_view key, std::int64_t min = 1) {
  return static_cast<std::uint32_t>(r.integer(key, min, kMaxCount));
}

std::uint32_t count_or(JsonReader& r, std::string_view key, std::uint32_t fallback, std::int64_t min = 1) {
  return static_cast<std::uint32_t>(r.integer_or(key, fallback, min, kMaxCount));
}

std::uint32_t radix_or(JsonReader& r, std::string_view key) {
  return static_cast<std::uint32_t>(r.integer_or(key, 0, 0, kMaxRadix));
}

Rate positive_rate(JsonReader& r, std::string_view key, Rate fallback) {
  const Rate v = r.rate_or(key, fallback);
  if (v.bps == 0) r.fail(key, "rate must be positive");
  return v;
}

// {"rate": "400Gbps", "latency": "500ns"}; either key may be omitted.
LinkSpec link_or(JsonReader& parent, std::string_view key, LinkSpec fallback) {
  auto o = parent.object_opt(key);
  if (!o) return fallback;
  LinkSpec l;
  l.rate = positive_rate(*o, "rate", fallback.rate);
  l.latency = o->time_or("latency", fallback.latency);
  o->finish();
  return l;
}

// "7:1", "1:7" (same ratio), 7, 1.5. Normalized so that down ≥ up and the fraction is reduced.
Ratio parse_ratio(JsonReader& r, std::string_view key) {
  const nlohmann::json& v = r.raw(key);
  std::uint64_t a = 0, b = 0;
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    const auto colon = s.find(':');
    auto whole = [&](const std::string& part) -> std::uint64_t {
      if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) {
        r.fail(key, "expected a ratio such as \"3:1\" (whole numbers), got \"" + s + "\"");
      }
      return std::stoull(part);
    };
    if (colon == std::string::npos) r.fail(key, "expected a ratio such as \"3:1\" or a number, got \"" + s + "\"");
    a = whole(s.substr(0, colon));
    b = whole(s.substr(colon + 1));
  } else if (v.is_number()) {
    // A decimal with up to 6 fractional digits: 1.5 → 1500000:1000000 → 3:2.
    const double x = v.get<double>();
    if (!(x >= 1.0) || x > 1e6) r.fail(key, "expected an oversubscription ratio ≥ 1, got " + v.dump());
    b = 1000000;
    a = static_cast<std::uint64_t>(std::llround(x * 1e6));
  } else {
    r.fail(key, "expected a ratio such as \"3:1\" or a number ≥ 1");
  }
  if (a == 0 || b == 0) r.fail(key, "ratio terms must be positive");
  if (a < b) std::swap(a, b);
  std::uint64_t x = a, y = b;
  while (y != 0) {
    const std::uint64_t t = x % y;
    x = y;
    y = t;
  }
  return Ratio{a / x, b / x};
}

// A switch tier object: radix, buffer, oversubscription | uplinks, uplink {rate, latency}.
// `uplinks_allowed` is false for a tier whose uplinks would lead nowhere.
SwitchTierSpec tier_or(JsonReader& parent, std::string_view key, LinkSpec link_default, bool uplinks_allowed = true) {
  SwitchTierSpec t;
  t.uplink = link_default;
  auto o = parent.object_opt(key);
  if (!o) return t;
  t.radix = radix_or(*o, "radix");
  t.buffer = parse_switch_buffer(*o, "buffer");
  if (!uplinks_allowed) {
    for (const char* k : {"oversubscription", "uplinks", "uplink"}) {
      if (o->has(k)) o->fail(k, "this tier has no uplinks (there is no tier above it)");
    }
  } else {
    if (o->has("oversubscription") && o->has("uplinks")) {
      o->fail("uplinks", "give either \"oversubscription\" or \"uplinks\", not both");
    }
    if (o->has("oversubscription")) t.oversubscription = parse_ratio(*o, "oversubscription");
    if (o->has("uplinks")) t.uplinks = count(*o, "uplinks");
    t.uplink = link_or(*o, "uplink", link_default);
  }
  o->finish();
  return t;
}

LeafSpineSpec parse_leaf_spine(JsonReader& r) {
  LeafSpineSpec s;
  s.leaves = count(r, "leaves");
  s.hosts_per_leaf = count(r, "hosts_per_leaf");
  s.spines = count(r, "spines", 0);  // 0 with several leaves is caught as a disconnected fabric
  s.parallel_links = count_or(r, "parallel_links", 1);
  if (r.has("uplinks_per_leaf")) {
    const std::uint32_t u = count(r, "uplinks_per_leaf");
    if (r.has("parallel_links")) {
      if (u != s.spines * s.parallel_links) {
        r.fail("uplinks_per_leaf", "must equal spines × parallel_links = " + std::to_string(s.spines * s.parallel_links) +
                                       ", got " + std::to_string(u));
      }
    } else if (s.spines == 0 || u % s.spines != 0) {
      r.fail("uplinks_per_leaf", "uplinks_per_leaf (" + std::to_string(u) + ") must be a multiple of spines (" +
                                     std::to_string(s.spines) + ")");
    } else {
      s.parallel_links = u / s.spines;
    }
  }
  s.host_link = link_or(r, "host_link", LinkSpec{});
  s.fabric_link = link_or(r, "fabric_link", LinkSpec{});
  s.leaf_radix = radix_or(r, "leaf_radix");
  s.spine_radix = radix_or(r, "spine_radix");
  s.leaf_buffer = parse_switch_buffer(r, "leaf_buffer");
  s.spine_buffer = parse_switch_buffer(r, "spine_buffer");
  if (s.spines == 0 && s.spine_buffer.n > 0) r.fail("spine_buffer", "there are no spines (spines = 0)");
  return s;
}

FatTreeSpec parse_fat_tree(JsonReader& r) {
  FatTreeSpec s;
  s.k = static_cast<std::uint32_t>(r.integer("k", 2, 1024));
  if (s.k % 2 != 0) r.fail("k", "k must be even, got " + std::to_string(s.k));
  s.link = link_or(r, "link", LinkSpec{});
  s.buffer = parse_switch_buffer(r, "buffer");
  return s;
}

Clos3Spec parse_clos3(JsonReader& r) {
  Clos3Spec s;
  s.pods = count(r, "pods");
  s.tors_per_pod = count(r, "tors_per_pod");
  s.hosts_per_tor = count(r, "hosts_per_tor");
  s.aggs_per_pod = count(r, "aggs_per_pod");
  s.cores_per_plane = count_or(r, "cores_per_plane", 0, 0);
  s.host_link = link_or(r, "host_link", LinkSpec{});
  s.tor = tier_or(r, "tor", LinkSpec{});
  s.agg = tier_or(r, "agg", LinkSpec{});
  s.core_radix = radix_or(r, "core_radix");
  s.core_buffer = parse_switch_buffer(r, "core_buffer");
  return s;
}

RailOptimizedSpec parse_rail(JsonReader& r) {
  RailOptimizedSpec s;
  s.units = count(r, "units");
  s.servers_per_unit = count(r, "servers_per_unit");
  s.spines = count_or(r, "spines", 0, 0);
  s.nic_link = link_or(r, "nic_link", LinkSpec{});
  s.rail_leaf = tier_or(r, "rail_leaf", LinkSpec{});
  s.core = r.boolean_or("core", false);
  s.spine = tier_or(r, "spine", LinkSpec{}, s.core);
  if (s.core) {
    s.units_per_pod = count_or(r, "units_per_pod", 1);
    s.cores_per_plane = count_or(r, "cores_per_plane", 0, 0);
    s.core_radix = radix_or(r, "core_radix");
    s.core_buffer = parse_switch_buffer(r, "core_buffer");
  } else {
    for (const char* k : {"units_per_pod", "cores_per_plane", "core_radix", "core_buffer"}) {
      if (r.has(k)) r.fail(k, "only meaningful with \"core\": true");
    }
  }
  return s;
}

}  // namespace

const std::vector<std::string>& generator_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v{"leaf_spine", "fat_tree", "clos3", "rail_optimized"};
    for (const auto& n : catalog_generator_names()) v.push_back(n);  // rail_only, multi_plane, ...
    return v;
  }();
  return names;
}

TopologySpec parse_topology(const nlohmann::json& doc, const std::string& file_label) {
  JsonReader r(doc, file_label);
  TopologySpec spec;
  spec.source = file_label;
  const std::string gen = r.string("generator");
  bool known = false;
  std::string list;
  for (const auto& n : generator_names()) {
    known |= n == gen;
    list += (list.empty() ? "" : ", ") + n;
  }
  if (!known) r.fail("generator", "unknown generator \"" + gen + "\" (expected one of: " + list + ")");
  spec.name = r.string_or("name", gen);

  const std::uint32_t default_g = gen == "rail_optimized" ? 8 : 1;
  spec.accelerators_per_server = default_g;
  if (auto s = r.object_opt("server")) {
    spec.accelerators_per_server = static_cast<std::uint32_t>(s->integer_or("accelerators", default_g, 1, 1 << 16));
    s->finish();
  }
  const std::uint32_t g = spec.accelerators_per_server;
  spec.scale_up.size = g > 1 ? g : 0;
  parse_scale_up(r, spec.scale_up);

  JsonReader form = r.object(gen);
  if (gen == "leaf_spine") spec.form = parse_leaf_spine(form);
  if (gen == "fat_tree") spec.form = parse_fat_tree(form);
  if (gen == "clos3") spec.form = parse_clos3(form);
  if (gen == "rail_optimized") spec.form = parse_rail(form);
  if (is_catalog_generator(gen)) parse_catalog_form(gen, form, r, spec);
  if (r.has("failures")) {
    const auto* mp = std::get_if<MultiPlaneSpec>(&spec.form);
    const bool rail_only = gen == "rail_only" || (mp != nullptr && mp->plane.value("generator", "") == "rail_only");
    if (rail_only && spec.scale_up.shape == ScaleUpShape::full_mesh) {
      r.fail("failures", "failures on a rail_only fabric with a full-mesh scale-up domain are not modeled yet (relays "
                         "through the mesh are not pruned around down links)");
    }
    spec.failures = parse_failures(r);
  }
  if (r.has("cost")) spec.cost = parse_cost(r);
  form.finish();
  r.finish();
  lower_spec(spec);  // throws on port arithmetic, radix and size errors
  return spec;
}

TopologySpec load_topology_file(const std::string& path, const std::vector<std::string>& overrides) {
  if (looks_like_ns3_topology(path)) return load_ns3_topology_spec(path, overrides);
  nlohmann::json doc = load_json_file(path);
  for (const auto& o : overrides) apply_override(doc, o);
  return parse_topology(doc, path);
}

}  // namespace rocesim::topology
