// TopologySpec helpers: effective-config JSON, the built-in default, build_fabric.
#include "topology/topology.hpp"

#include <algorithm>

#include "core/config_error.hpp"
#include "core/memory_budget.hpp"

#include "topology/catalog.hpp"
#include "topology/clos_plan.hpp"
#include "topology/scale_up.hpp"

namespace rocesim::topology {
namespace {

using nlohmann::json;

json link_json(const LinkSpec& l) { return json{{"rate", to_string(l.rate)}, {"latency", to_string(l.latency)}}; }

// `key` = the buffer's size, written only when given (absent means mmu.buffer).
void put_buffer(json& j, const char* key, Bytes b) {
  if (b.n > 0) j[key] = to_string(b);
}

json tier_json(const SwitchTierSpec& t, bool with_uplinks) {
  json j{{"radix", t.radix}};
  put_buffer(j, "buffer", t.buffer);
  if (!with_uplinks) return j;
  if (t.uplinks) {
    j["uplinks"] = *t.uplinks;
  } else {
    j["oversubscription"] = t.oversubscription.value_or(Ratio{}).str();
  }
  j["uplink"] = link_json(t.uplink);
  return j;
}

json form_json(const LeafSpineSpec& s) {
  json j{{"leaves", s.leaves},
         {"hosts_per_leaf", s.hosts_per_leaf},
         {"spines", s.spines},
         {"parallel_links", s.parallel_links},
         {"host_link", link_json(s.host_link)},
         {"fabric_link", link_json(s.fabric_link)},
         {"leaf_radix", s.leaf_radix},
         {"spine_radix", s.spine_radix}};
  put_buffer(j, "leaf_buffer", s.leaf_buffer);
  put_buffer(j, "spine_buffer", s.spine_buffer);
  return j;
}

json form_json(const FatTreeSpec& s) {
  json j{{"k", s.k}, {"link", link_json(s.link)}};
  put_buffer(j, "buffer", s.buffer);
  return j;
}

json form_json(const Clos3Spec& s) {
  json j{{"pods", s.pods},
         {"tors_per_pod", s.tors_per_pod},
         {"hosts_per_tor", s.hosts_per_tor},
         {"aggs_per_pod", s.aggs_per_pod},
         {"cores_per_plane", s.cores_per_plane},
         {"host_link", link_json(s.host_link)},
         {"tor", tier_json(s.tor, true)},
         {"agg", tier_json(s.agg, true)},
         {"core_radix", s.core_radix}};
  put_buffer(j, "core_buffer", s.core_buffer);
  return j;
}

json form_json(const RailOptimizedSpec& s) {
  json j{{"units", s.units},
         {"servers_per_unit", s.servers_per_unit},
         {"spines", s.spines},
         {"nic_link", link_json(s.nic_link)},
         {"rail_leaf", tier_json(s.rail_leaf, true)},
         {"spine", tier_json(s.spine, s.core)},
         {"core", s.core}};
  if (s.core) {
    j["units_per_pod"] = s.units_per_pod;
    j["cores_per_plane"] = s.cores_per_plane;
    j["core_radix"] = s.core_radix;
    put_buffer(j, "core_buffer", s.core_buffer);
  }
  return j;
}

}  // namespace

const char* TopologySpec::generator() const {
  switch (form.index()) {
    case 0: return "leaf_spine";
    case 1: return "fat_tree";
    case 2: return "clos3";
    case 4: return "rail_only";
    case 5: return "multi_plane";
    case 6: return "dual_tor";
    case 7: return "explicit";
    default: return "rail_optimized";
  }
}

std::uint64_t TopologySpec::endpoint_count() const {
  return std::visit(
      [&](const auto& f) -> std::uint64_t {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, LeafSpineSpec>) return std::uint64_t{f.leaves} * f.hosts_per_leaf;
        if constexpr (std::is_same_v<T, FatTreeSpec>) return std::uint64_t{f.k} * f.k * f.k / 4;
        if constexpr (std::is_same_v<T, Clos3Spec>) return std::uint64_t{f.pods} * f.tors_per_pod * f.hosts_per_tor;
        if constexpr (std::is_same_v<T, RailOptimizedSpec>) {
          return std::uint64_t{f.units} * f.servers_per_unit * accelerators_per_server;
        }
        if constexpr (is_catalog_form_v<T>) return catalog_endpoint_count(*this);
        return 0;
      },
      form);
}

nlohmann::json topology_to_json(const TopologySpec& spec) {
  json j{{"name", spec.name},
         {"generator", spec.generator()},
         {"server", {{"accelerators", spec.accelerators_per_server}}},
         {"scale_up", scale_up_to_json(spec.scale_up)}};
  std::visit([&](const auto& f) { j[spec.generator()] = form_json(f); }, spec.form);
  if (!spec.failures.empty()) j["failures"] = failures_to_json(spec.failures);
  if (spec.cost.given) j["cost"] = cost_to_json(spec.cost);
  return j;
}

nlohmann::json default_topology_json() {
  return json::parse(R"({
    "name": "default_rail_128",
    "generator": "rail_optimized",
    "server": {"accelerators": 8},
    "scale_up": {"size": 8, "rate": "3600Gbps", "latency": "250ns"},
    "rail_optimized": {
      "units": 2,
      "servers_per_unit": 8,
      "spines": 8,
      "nic_link": {"rate": "400Gbps", "latency": "500ns"},
      "rail_leaf": {"radix": 16, "oversubscription": "1:1", "uplink": {"rate": "400Gbps", "latency": "500ns"}},
      "spine": {"radix": 16}
    }
  })");
}

std::uint64_t fabric_memory_estimate(std::uint64_t nodes, std::uint64_t links) {
  // The Fabric's arrays: a Node per node, a Link and two Ports (+ a 4 B down key each) per link.
  const std::uint64_t fabric = nodes * sizeof(Node) + links * (sizeof(Link) + 2 * (sizeof(Port) + 4));
  // check_connected's Boost adjacency_list: ~32 B per vertex (out-edge vector + property) and
  // ~88 B per edge (a list node of 40 B, two 16 B out-edge entries at 1.5x vector growth), plus
  // the 4 B component label per node.
  const std::uint64_t connectivity = nodes * 36 + links * 88;
  return fabric + connectivity;
}

Fabric build_fabric(const TopologySpec& spec, std::vector<LinkChange>* schedule) {
  if (schedule != nullptr) schedule->clear();
  if (!spec.failures.empty()) {  // what-if: the healthy fabric, then the time-zero failures applied to it
    TopologySpec healthy_spec = spec;
    healthy_spec.failures.clear();
    const Fabric healthy = build_fabric(healthy_spec);
    const bool timed = std::any_of(spec.failures.begin(), spec.failures.end(),
                                   [](const FailureSpec& f) { return f.timed() || f.until.has_value(); });
    if (timed) {
      std::vector<LinkChange> s = failure_schedule(healthy, spec.failures, spec.source);
      if (schedule != nullptr) *schedule = std::move(s);
    }
    return apply_failures(healthy, spec.failures, spec.source);
  }
  ActivityScope activity("building the fabric of " + spec.source);
  if (is_catalog_spec(spec)) {
    Fabric f = build_catalog_fabric(spec);
    f.set_source(spec.source);
    return f;
  }
  const ClosPlan plan = lower_spec(spec);
  require_memory(fabric_memory_estimate(plan.node_count(), plan.link_count()), "building the fabric of " + spec.source,
                 std::to_string(plan.node_count()) + " nodes, " + std::to_string(plan.link_count()) + " links");
  Fabric f = build_plan(plan);
  check_connected(f, spec.source);
  f.set_source(spec.source);
  return f;
}

}  // namespace rocesim::topology
