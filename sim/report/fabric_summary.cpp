#include "report/fabric_summary.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

namespace rocesim::report {
namespace {

using topology::Fabric;
using topology::kNone;
using topology::LinkKind;
using topology::Node;
using topology::NodeId;
using topology::NodeRole;

std::string tier_name(const Fabric& f, int t) {
  const std::string& n = f.tier_info(t).name;
  return n.empty() ? "tier" + std::to_string(t) : n;
}

std::string rate_text(std::uint64_t bps) {
  char buf[64];
  if (bps >= 1000000000000ULL) {
    std::snprintf(buf, sizeof buf, "%.3f Tb/s", static_cast<double>(bps) * 1e-12);
  } else {
    std::snprintf(buf, sizeof buf, "%.3f Gb/s", static_cast<double>(bps) * 1e-9);
  }
  return buf;
}

// First endpoint (scanning ids upward, skipping src) that satisfies `pred`, or kNone.
template <class Pred>
NodeId first_endpoint(const Fabric& f, NodeId src, Pred pred) {
  for (NodeId e = 0; e < f.endpoints(); ++e) {
    if (e != src && pred(f.node(e))) return e;
  }
  return kNone;
}

// Counts switch n's buffer in `b` (a linear search: a group holds a handful of distinct buffers).
void count_buffer(BufferSummary& b, const topology::SwitchBuffer& own) {
  if (own.size.n == 0) {
    ++b.mmu_default;
    return;
  }
  for (BufferUse& u : b.given) {
    if (u.size == own.size && u.key == own.key) {
      ++u.switches;
      return;
    }
  }
  b.given.push_back(BufferUse{own.size, own.key, 1});
}

nlohmann::json buffers_json(const BufferSummary& b) {
  nlohmann::json given = nlohmann::json::array();
  for (const BufferUse& u : b.given) {
    given.push_back({{"bytes", u.size.n}, {"size", to_string(u.size)}, {"key", u.key}, {"switches", u.switches}});
  }
  return {{"given", std::move(given)}, {"mmu_buffer_switches", b.mmu_default}};
}

// ", buffer 64MiB (leaf_spine.leaf_buffer)" when one buffer covers the group, else each buffer
// with its switch count; "" when the topology gives none.
std::string buffers_text(const BufferSummary& b) {
  if (b.given.empty()) return "";
  if (b.given.size() == 1 && b.mmu_default == 0) return ", buffer " + to_string(b.given[0].size) + " (" + b.given[0].key + ")";
  std::string out = ", buffers";
  for (std::size_t i = 0; i < b.given.size(); ++i) {
    out += (i > 0 ? ", " : " ") + to_string(b.given[i].size) + " (" + b.given[i].key + ") on " + std::to_string(b.given[i].switches);
  }
  if (b.mmu_default > 0) out += ", mmu.buffer on " + std::to_string(b.mmu_default);
  return out;
}

}  // namespace

FabricSummary summarize(const Fabric& f, const routing::Router& router) {
  FabricSummary s;
  s.name = f.name();
  s.generator = f.generator();
  s.endpoints = f.endpoints();
  const int top = f.max_tier();

  std::set<std::uint32_t> servers, pods;
  for (NodeId e = 0; e < f.endpoints(); ++e) {
    servers.insert(f.node(e).server);
    pods.insert(f.node(e).pod);
  }
  s.servers = servers.size();
  s.pods = pods.size();

  s.tiers.resize(static_cast<std::size_t>(std::max(top, 0)));
  for (int t = 1; t <= top; ++t) {
    TierSummary& ts = s.tiers[static_cast<std::size_t>(t - 1)];
    ts.tier = t;
    ts.name = tier_name(f, t);
    ts.radix = f.tier_info(t).radix;
    ts.ports_min = std::numeric_limits<std::uint32_t>::max();
  }
  for (NodeId n = f.endpoints(); n < f.node_count(); ++n) {
    const Node& node = f.node(n);
    if (node.role == NodeRole::scale_up_switch) {
      ++s.scale_up_switches;
      s.scale_up_ports_max = std::max<std::uint64_t>(s.scale_up_ports_max, node.port_count);
      count_buffer(s.scale_up_buffers, f.switch_buffer(n));
      continue;
    }
    if (node.role != NodeRole::fabric_switch) continue;
    ++s.switches;
    TierSummary& ts = s.tiers[node.tier - 1u];
    ++ts.switches;
    count_buffer(ts.buffers, f.switch_buffer(n));
    ts.ports_min = std::min(ts.ports_min, node.port_count);
    ts.ports_max = std::max(ts.ports_max, node.port_count);
    ts.ports_used += node.port_count;
    for (topology::PortId p = node.first_port; p < node.first_port + node.port_count; ++p) {
      if (!f.link_up(f.port(p).link)) continue;  // capacity of the working fabric (header)
      (p < node.up_begin ? ts.down_bps : ts.up_bps) += f.port_rate(p).bps;
    }
  }
  for (TierSummary& ts : s.tiers) {
    if (ts.switches == 0) ts.ports_min = 0;
    ts.oversubscription = ts.up_bps == 0 ? 0.0 : static_cast<double>(ts.down_bps) / static_cast<double>(ts.up_bps);
  }

  // Link levels: nic, each tier pair, scale_up.
  std::vector<LinkLevel> levels(static_cast<std::size_t>(std::max(top, 1)) + 1);
  levels[0].name = "nic";
  for (int t = 2; t <= top; ++t) levels[static_cast<std::size_t>(t - 1)].name = tier_name(f, t - 1) + "-" + tier_name(f, t);
  levels.back().name = "scale_up";
  for (topology::LinkId id = 0; id < f.link_count(); ++id) {
    const topology::Link& l = f.link(id);
    std::size_t i = levels.size() - 1;
    if (l.kind == LinkKind::nic) {
      i = 0;
    } else if (l.kind == LinkKind::fabric) {
      i = static_cast<std::size_t>(l.tier - 1);
    }
    ++levels[i].links;
    if (f.link_up(id)) levels[i].capacity_bps += l.rate.bps;
  }
  s.nics = levels[0].links;
  for (std::size_t i = 0; i + 1 < levels.size(); ++i) s.cables += levels[i].links;
  s.bisection_bps = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t i = 0; i + 1 < levels.size(); ++i) {
    s.bisection_bps = std::min(s.bisection_bps, levels[i].capacity_bps / 2);
  }
  if (levels.back().links == 0) levels.pop_back();
  s.link_levels = std::move(levels);

  s.scale_up = topology::scale_up_summary(f);

  // Representative pairs from endpoint 0.
  if (f.endpoints() >= 2) {
    const NodeId src = 0;
    const Node& a = f.node(src);
    auto add_pair = [&](const std::string& kind, NodeId dst) {
      if (dst == kNone) return;
      PairSummary p;
      p.kind = kind;
      p.src = src;
      p.dst = dst;
      p.hops = router.hop_count(src, dst);
      p.ecmp_paths = router.path_count(src, dst);
      // ECMP width at the first switch the flow enters (leaf or scale-up switch).
      const routing::PortRange out = router.candidates(src, dst);
      if (!out.empty()) {
        const NodeId first_switch = f.port(out.first).peer;
        if (first_switch != dst) p.first_hop_width = router.candidates(first_switch, dst).count;
      }
      s.diameter_hops = std::max(s.diameter_hops, p.hops);
      s.pairs.push_back(p);
    };
    if (a.scale_up_domain != kNone) {
      add_pair("same scale-up domain", first_endpoint(f, src, [&](const Node& b) { return b.scale_up_domain == a.scale_up_domain; }));
    }
    const auto other_domain = [&](const Node& b) { return a.scale_up_domain == kNone || b.scale_up_domain != a.scale_up_domain; };
    for (int t = 1; t <= top; ++t) {
      const auto ut = static_cast<std::size_t>(t);
      add_pair("same " + tier_name(f, t), first_endpoint(f, src, [&](const Node& b) {
                 return other_domain(b) && b.domain[ut] == a.domain[ut] && (t == 1 || b.domain[ut - 1] != a.domain[ut - 1]);
               }));
    }
    const NodeId far_pod = first_endpoint(f, src, [&](const Node& b) { return b.pod != a.pod; });
    add_pair("other pod/unit", far_pod);
    if (far_pod != kNone) s.ecmp_paths_across_pods = s.pairs.back().ecmp_paths;
    add_pair("last endpoint", f.endpoints() - 1);
  }
  return s;
}

nlohmann::json to_json(const FabricSummary& s) {
  using nlohmann::json;
  json switches = json::object(), links = json::object(), over = json::object(), ports = json::object();
  json buffers = json::object();
  for (const TierSummary& t : s.tiers) {
    switches[t.name] = t.switches;
    if (!t.buffers.given.empty()) buffers[t.name] = buffers_json(t.buffers);
    if (t.up_bps > 0) over[t.name] = t.oversubscription;
    ports[t.name] = json{{"radix", t.radix}, {"ports_min", t.ports_min}, {"ports_max", t.ports_max},
                         {"ports_used", t.ports_used}, {"tier", t.tier}};
  }
  for (const LinkLevel& l : s.link_levels) links[l.name] = l.links;
  json capacity = json::object();
  for (const LinkLevel& l : s.link_levels) capacity[l.name] = l.capacity_bps;
  json pairs = json::array();
  for (const PairSummary& p : s.pairs) {
    pairs.push_back(json{{"kind", p.kind}, {"src", p.src}, {"dst", p.dst}, {"hops", p.hops},
                         {"ecmp_paths", p.ecmp_paths}, {"first_hop_width", p.first_hop_width}});
  }
  json out{{"name", s.name},
              {"generator", s.generator},
              {"endpoints", s.endpoints},
              {"nics", s.nics},
              {"servers", s.servers},
              {"pods", s.pods},
              {"switches", s.switches},
              {"switches_by_tier", switches},
              {"scale_up_switches", s.scale_up_switches},
              {"scale_up_ports_max", s.scale_up_ports_max},
              {"links_by_tier", links},
              {"capacity_bps_by_tier", capacity},
              {"cables", s.cables},
              {"ports_by_tier", ports},
              {"oversubscription_by_tier", over},
              {"bisection_bps", s.bisection_bps},
              {"diameter_hops", s.diameter_hops},
              {"ecmp_paths_across_pods", s.ecmp_paths_across_pods},
              {"representative_pairs", pairs}};
  if (!s.scale_up_buffers.given.empty()) buffers["scale_up"] = buffers_json(s.scale_up_buffers);
  // Only when the topology gives a buffer, like the effective config.
  if (!buffers.empty()) out["switch_buffers"] = std::move(buffers);
  const topology::ScaleUpSummary& su = s.scale_up;
  if (su.domains > 0) {
    out["scale_up"] = json{{"shape", topology::to_string(su.shape)},
                           {"domains", su.domains},
                           {"size", su.size},
                           {"links", su.links},
                           {"link_bps", su.link_bps},
                           {"links_per_pair", su.links_per_pair},
                           {"ports_per_accelerator", su.ports_per_accelerator},
                           {"domain_bisection_bps", su.domain_bisection_bps},
                           {"bisection_bps", su.bisection_bps}};
  }
  return out;
}

std::string to_text(const FabricSummary& s) {
  std::ostringstream os;
  os << "fabric " << s.name << " (" << s.generator << ")\n";
  os << "  endpoints (accelerators): " << s.endpoints << " in " << s.servers << " servers, " << s.pods << " pod(s)/unit(s)\n";
  os << "  NICs: " << s.nics << "\n";
  os << "  switches: " << s.switches << "\n";
  for (const TierSummary& t : s.tiers) {
    os << "    tier " << t.tier << " " << t.name << ": " << t.switches << " switches, ports used " << t.ports_min;
    if (t.ports_max != t.ports_min) os << ".." << t.ports_max;
    os << " of radix " << (t.radix == 0 ? std::string("undeclared") : std::to_string(t.radix));
    if (t.up_bps > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f:1", t.oversubscription);
      os << ", oversubscription " << buf;
    }
    os << buffers_text(t.buffers) << "\n";
  }
  if (s.scale_up_switches > 0) {
    os << "  scale-up switches: " << s.scale_up_switches << " (" << s.scale_up_ports_max << " accelerators each)"
       << buffers_text(s.scale_up_buffers) << "\n";
  }
  if (s.scale_up.domains > 0) {
    const topology::ScaleUpSummary& su = s.scale_up;
    os << "  scale-up: " << su.domains << " domain(s) of " << su.size << " accelerators, "
       << (su.shape == topology::ScaleUpShape::full_mesh
               ? "full mesh, " + std::to_string(su.links_per_pair) + " link(s) per pair"
               : std::string("switched"))
       << ", " << su.ports_per_accelerator << " port(s) per accelerator at " << rate_text(su.link_bps) << "\n";
    os << "  scale-up bisection: " << rate_text(su.domain_bisection_bps) << " per domain, " << rate_text(su.bisection_bps)
       << " in all\n";
  }
  os << "  links:\n";
  for (const LinkLevel& l : s.link_levels) os << "    " << l.name << ": " << l.links << " (" << rate_text(l.capacity_bps) << ")\n";
  os << "  cables (nic + fabric): " << s.cables << "\n";
  os << "  bisection bandwidth: " << rate_text(s.bisection_bps) << "\n";
  os << "  diameter: " << s.diameter_hops << " hops\n";
  os << "  representative pairs from endpoint 0 (hops, ECMP paths, first-hop width):\n";
  for (const PairSummary& p : s.pairs) {
    os << "    " << p.kind << " (" << p.src << " -> " << p.dst << "): " << p.hops << " hops, " << p.ecmp_paths
       << " paths, width " << p.first_hop_width << "\n";
  }
  return os.str();
}

}  // namespace rocesim::report
