// Cost and power from per-port prices (formulas in the header).
#include "topology/cost_model.hpp"

#include <cstdio>

namespace rocesim::topology {
namespace {

PortPrice price_or(JsonReader& r, std::string_view key) {
  PortPrice p;
  if (auto o = r.object_opt(key)) {
    p.cost = o->number_or("cost", 0, 0, 1e15);
    p.power_w = o->number_or("power_w", 0, 0, 1e12);
    o->finish();
  }
  return p;
}

nlohmann::json price_json(const PortPrice& p) { return nlohmann::json{{"cost", p.cost}, {"power_w", p.power_w}}; }

std::string tier_label(const Fabric& f, int t) {
  const std::string& n = f.tier_info(t).name;
  return n.empty() ? "tier" + std::to_string(t) : n;
}

}  // namespace

CostSpec parse_cost(JsonReader& top) {
  CostSpec c;
  JsonReader r = top.object("cost");
  c.given = true;
  c.switch_port = price_or(r, "switch_port");
  c.transceiver = price_or(r, "transceiver");
  c.nic_port = price_or(r, "nic_port");
  r.finish();
  return c;
}

nlohmann::json cost_to_json(const CostSpec& c) {
  return nlohmann::json{{"switch_port", price_json(c.switch_port)},
                        {"transceiver", price_json(c.transceiver)},
                        {"nic_port", price_json(c.nic_port)}};
}

CostSummary summarize_cost(const Fabric& f, const CostSpec& c) {
  CostSummary s;
  const int top = f.max_tier();
  s.tiers.resize(static_cast<std::size_t>(top));
  for (int t = 1; t <= top; ++t) s.tiers[static_cast<std::size_t>(t - 1)] = CostTier{t, tier_label(f, t), 0, 0};
  for (const Node& n : f.nodes()) {
    if (n.role != NodeRole::fabric_switch) continue;
    CostTier& ct = s.tiers[n.tier - 1u];
    ++ct.switches;
    const std::uint32_t radix = f.tier_info(n.tier).radix;
    ct.billed_ports += radix != 0 ? radix : n.port_count;
  }
  s.cables.resize(static_cast<std::size_t>(top));
  for (int t = 1; t <= top; ++t) {
    s.cables[static_cast<std::size_t>(t - 1)].name = t == 1 ? "nic" : tier_label(f, t - 1) + "-" + tier_label(f, t);
  }
  for (const Link& l : f.links()) {
    if (l.kind == LinkKind::scale_up || l.tier == 0) continue;
    if (l.kind == LinkKind::nic) {
      ++s.nic_ports;
      ++s.cables[0].cables;
    } else {
      // Fabric links are named by their upper tier; same-tier links (explicit graphs) count there too.
      ++s.cables[static_cast<std::size_t>(l.tier - 1)].cables;
    }
  }
  std::uint64_t ports = 0, transceivers = 0;
  for (const CostTier& t : s.tiers) ports += t.billed_ports;
  for (CableLevel& l : s.cables) {
    l.transceivers = 2 * l.cables;
    transceivers += l.transceivers;
  }
  const double np = static_cast<double>(ports), nt = static_cast<double>(transceivers), nn = static_cast<double>(s.nic_ports);
  s.cost = np * c.switch_port.cost + nt * c.transceiver.cost + nn * c.nic_port.cost;
  s.power_w = np * c.switch_port.power_w + nt * c.transceiver.power_w + nn * c.nic_port.power_w;
  return s;
}

nlohmann::json to_json(const CostSummary& s) {
  nlohmann::json tiers = nlohmann::json::object(), cables = nlohmann::json::object();
  for (const CostTier& t : s.tiers) tiers[t.name] = {{"tier", t.tier}, {"switches", t.switches}, {"billed_ports", t.billed_ports}};
  for (const CableLevel& l : s.cables) cables[l.name] = {{"cables", l.cables}, {"transceivers", l.transceivers}};
  return nlohmann::json{{"switches_by_tier", tiers}, {"cables_by_level", cables}, {"nic_ports", s.nic_ports},
                        {"cost", s.cost}, {"power_w", s.power_w}};
}

std::string to_text(const CostSummary& s) {
  std::string out = "  cost and power (user prices):\n";
  char buf[200];
  for (const CostTier& t : s.tiers) {
    std::snprintf(buf, sizeof buf, "    tier %d %s: %llu switches, %llu billed ports\n", t.tier, t.name.c_str(),
                  static_cast<unsigned long long>(t.switches), static_cast<unsigned long long>(t.billed_ports));
    out += buf;
  }
  for (const CableLevel& l : s.cables) {
    std::snprintf(buf, sizeof buf, "    cables %s: %llu (%llu transceivers)\n", l.name.c_str(),
                  static_cast<unsigned long long>(l.cables), static_cast<unsigned long long>(l.transceivers));
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "    NIC ports: %llu\n    total cost: %.6g\n    total power: %.6g W\n",
                static_cast<unsigned long long>(s.nic_ports), s.cost, s.power_w);
  out += buf;
  return out;
}

}  // namespace rocesim::topology
