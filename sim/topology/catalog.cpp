// Catalog forms: JSON reading, effective JSON, endpoint counts and build dispatch.
//
// Multi-plane and dual-ToR wrap an ordinary Clos form, and rail-only shares rail-optimized's
// fields; all three hand those parts to parse_topology (as a nested document carrying the outer
// server and scale-up description) so the Clos rules are checked once, by the Clos reader, and
// rewrite the JSON paths of its errors to the user's document.
#include "topology/catalog.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <string_view>
#include <numeric>

#include "core/config_error.hpp"
#include "topology/ns3_topology_reader.hpp"
#include "topology/scale_up.hpp"
#include "topology/switch_buffer.hpp"

namespace rocesim::topology {
namespace {

using nlohmann::json;

constexpr std::uint32_t kMaxPlanes = 255;  // Node::plane is 8 bits

bool is_clos_generator(const std::string& g) {
  return g == "leaf_spine" || g == "fat_tree" || g == "clos3" || g == "rail_optimized";
}

json scale_up_json(const ScaleUpSpec& s) { return scale_up_to_json(s); }

// Parses `sub` (a whole topology document) and reports its errors under the user's paths:
// "/server…" and "/scale_up…" stay as they are (they are the outer document's), "/<gen>…" becomes
// "<prefix>…" with `gen_from` replaced by `gen_to` ("" keeps the generator key).
TopologySpec parse_nested(const json& sub, const std::string& file, const std::string& prefix,
                          const std::string& gen_from, const std::string& gen_to) {
  try {
    return parse_topology(sub, file);
  } catch (const ConfigError& e) {
    const std::string& p = e.path();
    if (p.rfind("/server", 0) == 0 || p.rfind("/scale_up", 0) == 0) throw;
    std::string mapped = p == "/" ? "" : p;
    if (!gen_from.empty() && mapped.rfind("/" + gen_from, 0) == 0) mapped = gen_to + mapped.substr(gen_from.size() + 1);
    const std::string full = prefix + mapped;
    throw ConfigError(e.file(), full.empty() ? "/" : full, e.message());
  }
}

RailOnlySpec parse_rail_only(JsonReader& form, JsonReader& top, const TopologySpec& spec) {
  RailOnlySpec s;
  if (form.has("spines")) form.fail("spines", "rail_only counts spines per rail: use \"spines_per_rail\"");
  s.spines_per_rail = static_cast<std::uint32_t>(form.integer_or("spines_per_rail", 0, 0, 1 << 24));
  s.spine_radix = static_cast<std::uint32_t>(form.integer_or("spine_radix", 0, 0, 1 << 16));
  s.spine_buffer = parse_switch_buffer(form, "spine_buffer");
  s.core = form.boolean_or("core", false);
  // The remaining keys are rail-optimized's: read them with its reader. The 3-tier keys are read
  // below, against one rail (they would be wrong against the whole fabric, whose spines all rails share).
  static constexpr std::array<const char*, 6> kCoreKeys{"core",       "units_per_pod", "spine",
                                                        "core_radix", "core_buffer",   "cores_per_plane"};
  const auto is_core_key = [](const std::string& k) {
    return std::find(kCoreKeys.begin(), kCoreKeys.end(), k) != kCoreKeys.end();
  };
  // Unknown keys are named against rail_only's own fields (the rail_optimized reader below would
  // list its own, e.g. "spines").
  static constexpr std::array<const char*, 13> kKeys{
      "units", "servers_per_unit", "spines_per_rail", "spine_radix",     "spine_buffer", "nic_link",   "rail_leaf",
      "core",  "units_per_pod",    "spine",           "cores_per_plane", "core_radix",   "core_buffer"};
  for (const auto& [key, value] : top.raw("rail_only").items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end()) continue;
    std::string list;
    for (const char* k : kKeys) list += (list.empty() ? "" : ", ") + std::string(k);
    form.fail(key, "unknown key \"" + key + "\" (rail_only reads: " + list + ")");
  }
  json ro = json::object(), rail = json::object();
  for (const auto& [key, value] : top.raw("rail_only").items()) {
    if (key == "spines_per_rail" || key == "spine_radix" || key == "spine_buffer") continue;
    form.raw(key);
    rail[key] = value;
    if (!is_core_key(key)) ro[key] = value;
  }
  if (s.core) {
    if (form.has("spine_radix")) form.fail("spine_radix", "with \"core\": true give the spine radix as \"spine\": {\"radix\": ...}");
    if (form.has("spine_buffer")) {
      form.fail("spine_buffer", "with \"core\": true give the spine buffer as \"spine\": {\"buffer\": ...}");
    }
    if (s.spines_per_rail == 0) form.fail("spines_per_rail", "a 3-tier rail (\"core\": true) needs spines (spines_per_rail > 0 per pod)");
  } else {
    for (const char* k : kCoreKeys) {
      if (std::string_view(k) != "core" && form.has(k)) form.fail(k, "only meaningful with \"core\": true");
    }
  }
  if (s.spines_per_rail == 0 && ro.contains("rail_leaf") && ro["rail_leaf"].is_object() &&
      (ro["rail_leaf"].contains("oversubscription") || ro["rail_leaf"].contains("uplinks") ||
       ro["rail_leaf"].contains("uplink"))) {
    form.fail("rail_leaf", "rail leaves have no uplinks without a spine tier (spines_per_rail = 0)");
  }
  if (s.spines_per_rail == 0 && s.spine_buffer.n > 0) form.fail("spine_buffer", "there are no rail spines (spines_per_rail = 0)");
  ro["spines"] = 0;  // one spine per uplink: never rejects, the per-rail split is checked below
  const json sub{{"name", spec.name},
                 {"generator", "rail_optimized"},
                 {"server", {{"accelerators", spec.accelerators_per_server}}},
                 {"scale_up", scale_up_json(spec.scale_up)},
                 {"rail_optimized", ro}};
  const TopologySpec parsed = parse_nested(sub, spec.source, "", "rail_optimized", "/rail_only");
  const auto& r = std::get<RailOptimizedSpec>(parsed.form);
  s.units = r.units;
  s.servers_per_unit = r.servers_per_unit;
  s.nic_link = r.nic_link;
  s.rail_leaf = r.rail_leaf;
  if (s.core) {
    // One rail is a rail_optimized plane of one accelerator per server: its reader checks the
    // pods, whole ports per tier and every radix of the rail's leaves, spines and cores.
    rail["spines"] = s.spines_per_rail;
    const json one{{"name", spec.name},
                   {"generator", "rail_optimized"},
                   {"server", {{"accelerators", 1}}},
                   {"scale_up", {{"size", 0}}},
                   {"rail_optimized", rail}};
    TopologySpec per_rail;
    try {
      per_rail = parse_nested(one, spec.source, "", "rail_optimized", "/rail_only");
    } catch (const ConfigError& e) {
      if (e.path() != "/rail_only/spines") throw;
      throw ConfigError(e.file(), "/rail_only/spines_per_rail", e.message());
    }
    const auto& q = std::get<RailOptimizedSpec>(per_rail.form);
    s.units_per_pod = q.units_per_pod;
    s.spine = q.spine;
    s.spine_radix = q.spine.radix;
    s.cores_per_plane = q.cores_per_plane;
    s.core_radix = q.core_radix;
    s.core_buffer = q.core_buffer;
  }

  const std::uint32_t g = spec.accelerators_per_server;
  if (spec.scale_up.size == 0) {
    throw ConfigError(spec.source, "/scale_up/size",
                      "rail_only needs a scale-up domain (size > 0): cross-rail traffic has no other way across rails");
  }
  const std::uint32_t servers_per_domain = spec.scale_up.size / g;
  if (s.servers_per_unit % servers_per_domain != 0) {
    throw ConfigError(spec.source, "/scale_up/size",
                      "a scale-up domain of " + std::to_string(servers_per_domain) + " servers does not divide the " +
                          std::to_string(s.servers_per_unit) + " servers of a unit (domains must not straddle units)");
  }
  if (s.spines_per_rail == 0 && s.units > 1) {
    form.fail("spines_per_rail", "with " + std::to_string(s.units) +
                                     " units a rail needs spines to join its leaves (spines_per_rail > 0)");
  }
  return s;
}

MultiPlaneSpec parse_multi_plane(JsonReader& form, const TopologySpec& spec) {
  MultiPlaneSpec s;
  s.planes = static_cast<std::uint32_t>(form.integer("planes", 1, kMaxPlanes));
  s.nic_ports = static_cast<std::uint32_t>(form.integer_or("nic_ports", s.planes, 1, kMaxPlanes));
  if (s.nic_ports != s.planes) {
    form.fail("nic_ports", "plane count mismatch: " + std::to_string(s.planes) + " planes need one NIC port each, but " +
                               std::to_string(s.nic_ports) + " ports per NIC are given");
  }
  const json& plane = form.raw("plane");
  const TopologySpec base = nested_plane_spec(spec, plane, form.path_of("plane"));
  s.plane = topology_to_json(base);
  for (const char* k : {"name", "server", "scale_up"}) s.plane.erase(k);
  return s;
}

DualTorSpec parse_dual_tor(JsonReader& form, const TopologySpec& spec) {
  DualTorSpec s;
  const TopologySpec base = nested_clos_spec(spec, form.raw("base"), form.path_of("base"));
  s.base = topology_to_json(base);
  for (const char* k : {"name", "server", "scale_up"}) s.base.erase(k);
  return s;
}

}  // namespace

const std::vector<std::string>& catalog_generator_names() {
  static const std::vector<std::string> names{"rail_only", "multi_plane", "dual_tor", "explicit"};
  return names;
}

bool is_catalog_generator(std::string_view generator) {
  for (const auto& n : catalog_generator_names()) {
    if (n == generator) return true;
  }
  return false;
}

bool is_catalog_spec(const TopologySpec& spec) {
  return std::visit([](const auto& f) { return is_catalog_form_v<std::decay_t<decltype(f)>>; }, spec.form);
}

namespace {

// The nested form of multi_plane (`rail_only` allowed) or dual_tor (Clos forms only).
TopologySpec nested_spec(const TopologySpec& outer, const json& form, const std::string& path, bool allow_rail_only) {
  if (!form.is_object()) throw ConfigError(outer.source, path, "expected an object such as {\"generator\": \"leaf_spine\", \"leaf_spine\": {...}}");
  for (const char* k : {"name", "server", "scale_up"}) {
    if (form.contains(k)) throw ConfigError(outer.source, path + "/" + k, "set \"" + std::string(k) + "\" at the top level of the file");
  }
  if (!form.contains("generator") || !form["generator"].is_string()) {
    throw ConfigError(outer.source, path + "/generator",
                      std::string("missing required key (a Clos generator name") + (allow_rail_only ? " or rail_only)" : ")"));
  }
  const std::string gen = form["generator"].get<std::string>();
  if (!is_clos_generator(gen) && !(allow_rail_only && gen == "rail_only")) {
    throw ConfigError(outer.source, path + "/generator",
                      "\"" + gen + "\" cannot be nested here (expected one of: leaf_spine, fat_tree, clos3, rail_optimized" +
                          (allow_rail_only ? ", rail_only)" : ")"));
  }
  json sub = form;
  sub["name"] = outer.name;
  sub["server"] = {{"accelerators", outer.accelerators_per_server}};
  sub["scale_up"] = scale_up_json(outer.scale_up);
  TopologySpec s = parse_nested(sub, outer.source, path, "", "");
  s.source = outer.source;
  return s;
}

}  // namespace

TopologySpec nested_clos_spec(const TopologySpec& outer, const json& form, const std::string& path) {
  return nested_spec(outer, form, path, false);
}

TopologySpec nested_plane_spec(const TopologySpec& outer, const json& form, const std::string& path) {
  return nested_spec(outer, form, path, true);
}

void parse_catalog_form(const std::string& generator, JsonReader& form, JsonReader& top, TopologySpec& spec) {
  if (generator == "rail_only") spec.form = parse_rail_only(form, top, spec);
  if (generator == "multi_plane") spec.form = parse_multi_plane(form, spec);
  if (generator == "dual_tor") spec.form = parse_dual_tor(form, spec);
  if (generator == "explicit") {
    if (top.has("scale_up") && spec.scale_up.size != 0) {
      top.fail("scale_up", "an explicit graph lists its scale-up switches as nodes (only \"size\": 0 is allowed here)");
    }
    spec.scale_up.size = 0;
    spec.form = parse_explicit_graph(form);
  }
}

json form_json(const RailOnlySpec& s) {
  json leaf{{"radix", s.rail_leaf.radix}};
  if (s.rail_leaf.buffer.n > 0) leaf["buffer"] = to_string(s.rail_leaf.buffer);
  if (s.spines_per_rail > 0) {
    if (s.rail_leaf.uplinks) {
      leaf["uplinks"] = *s.rail_leaf.uplinks;
    } else {
      leaf["oversubscription"] = s.rail_leaf.oversubscription.value_or(Ratio{}).str();
    }
    leaf["uplink"] = {{"rate", to_string(s.rail_leaf.uplink.rate)}, {"latency", to_string(s.rail_leaf.uplink.latency)}};
  }
  json j{{"units", s.units},
         {"servers_per_unit", s.servers_per_unit},
         {"spines_per_rail", s.spines_per_rail},
         {"nic_link", {{"rate", to_string(s.nic_link.rate)}, {"latency", to_string(s.nic_link.latency)}}},
         {"rail_leaf", leaf}};
  if (!s.core) {
    j["spine_radix"] = s.spine_radix;
    if (s.spine_buffer.n > 0) j["spine_buffer"] = to_string(s.spine_buffer);
    return j;
  }
  json spine{{"radix", s.spine.radix}};
  if (s.spine.buffer.n > 0) spine["buffer"] = to_string(s.spine.buffer);
  if (s.spine.uplinks) {
    spine["uplinks"] = *s.spine.uplinks;
  } else {
    spine["oversubscription"] = s.spine.oversubscription.value_or(Ratio{}).str();
  }
  spine["uplink"] = {{"rate", to_string(s.spine.uplink.rate)}, {"latency", to_string(s.spine.uplink.latency)}};
  j["core"] = true;
  j["units_per_pod"] = s.units_per_pod;
  j["spine"] = spine;
  j["cores_per_plane"] = s.cores_per_plane;
  j["core_radix"] = s.core_radix;
  if (s.core_buffer.n > 0) j["core_buffer"] = to_string(s.core_buffer);
  return j;
}

json form_json(const MultiPlaneSpec& s) { return json{{"planes", s.planes}, {"nic_ports", s.nic_ports}, {"plane", s.plane}}; }

json form_json(const DualTorSpec& s) { return json{{"base", s.base}}; }

json form_json(const ExplicitGraphSpec& s) { return explicit_graph_to_json(s); }

std::uint64_t catalog_endpoint_count(const TopologySpec& spec) {
  return std::visit(
      [&](const auto& f) -> std::uint64_t {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, RailOnlySpec>) {
          return std::uint64_t{f.units} * f.servers_per_unit * spec.accelerators_per_server;
        }
        if constexpr (std::is_same_v<T, MultiPlaneSpec>) return nested_plane_spec(spec, f.plane, "/multi_plane/plane").endpoint_count();
        if constexpr (std::is_same_v<T, DualTorSpec>) return nested_clos_spec(spec, f.base, "/dual_tor/base").endpoint_count();
        if constexpr (std::is_same_v<T, ExplicitGraphSpec>) return f.accelerator_count();
        return 0;
      },
      spec.form);
}

Fabric build_catalog_fabric(const TopologySpec& spec) {
  return std::visit(
      [&](const auto& f) -> Fabric {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, RailOnlySpec>) return build_rail_only(spec, f);
        if constexpr (std::is_same_v<T, MultiPlaneSpec>) return build_multi_plane(spec, f);
        if constexpr (std::is_same_v<T, DualTorSpec>) return build_dual_tor(spec, f);
        if constexpr (std::is_same_v<T, ExplicitGraphSpec>) {
          return build_explicit_fabric(f, spec.accelerators_per_server, spec.name, spec.source);
        }
        throw std::logic_error("build_catalog_fabric: not a catalog form");
      },
      spec.form);
}

TopologySpec load_ns3_topology_spec(const std::string& path, const std::vector<std::string>& overrides) {
  if (!overrides.empty()) {
    throw ConfigError("--set", overrides.front(), "--set edits JSON topologies; " + path + " is an ns-3 / SimAI text file");
  }
  Ns3Topology t = read_ns3_topology_file(path);
  TopologySpec spec;
  spec.name = std::filesystem::path(path).stem().string();
  spec.source = path;
  spec.accelerators_per_server = t.accelerators_per_server;
  spec.scale_up.size = 0;
  spec.form = std::move(t.graph);
  return spec;
}

void check_built_radix(const Fabric& f, const std::string& file, const std::string& path) {
  for (NodeId n = 0; n < f.node_count(); ++n) {
    const Node& node = f.node(n);
    if (node.role != NodeRole::fabric_switch) continue;
    const TierInfo& t = f.tier_info(node.tier);
    if (t.radix != 0 && node.port_count > t.radix) {
      throw ConfigError(file, path,
                        "radix exceeded: each " + t.name + " switch needs " + std::to_string(node.port_count) +
                            " ports but the declared radix is " + std::to_string(t.radix));
    }
  }
}

}  // namespace rocesim::topology
