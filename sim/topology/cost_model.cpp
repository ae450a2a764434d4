// Cost and power from per-port prices (formulas in the header).
#include "topology/cost_model.hpp"

#include <algorithm>
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
  c.accelerator = price_or(r, "accelerator");
  c.server = price_or(r, "server");
  c.rack_servers = static_cast<std::uint32_t>(r.integer_or("rack_servers", 0, 0, 1 << 16));
  c.rack_budget_w = r.number_or("rack_budget_w", 0, 0, 1e9);
  if (c.rack_budget_w > 0 && c.rack_servers == 0) r.fail("rack_budget_w", "needs \"rack_servers\" (servers per rack)");
  r.finish();
  return c;
}

nlohmann::json cost_to_json(const CostSpec& c) {
  nlohmann::json j{{"switch_port", price_json(c.switch_port)},
                   {"transceiver", price_json(c.transceiver)},
                   {"nic_port", price_json(c.nic_port)}};
  // Written only when used, so effective configs from before these keys stay the same.
  if (!(c.accelerator == PortPrice{})) j["accelerator"] = price_json(c.accelerator);
  if (!(c.server == PortPrice{})) j["server"] = price_json(c.server);
  if (c.rack_servers > 0) j["rack_servers"] = c.rack_servers;
  if (c.rack_budget_w > 0) j["rack_budget_w"] = c.rack_budget_w;
  return j;
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
  s.accelerators = f.endpoints();
  std::uint32_t max_server = 0;
  for (NodeId e = 0; e < f.endpoints(); ++e) {
    if (f.node(e).server != kNone) max_server = std::max(max_server, f.node(e).server + 1);
  }
  s.servers = max_server;
  const double na = static_cast<double>(s.accelerators), ns = static_cast<double>(s.servers);
  s.cost = np * c.switch_port.cost + nt * c.transceiver.cost + nn * c.nic_port.cost + na * c.accelerator.cost +
           ns * c.server.cost;
  s.power_w = np * c.switch_port.power_w + nt * c.transceiver.power_w + nn * c.nic_port.power_w +
              na * c.accelerator.power_w + ns * c.server.power_w;
  if (c.rack_servers > 0 && s.servers > 0) {
    const double g = na / ns, p = nn / ns;  // per server (generated fabrics: whole numbers)
    s.rack_servers = c.rack_servers;
    s.racks = (s.servers + c.rack_servers - 1) / c.rack_servers;
    s.rack_power_w = c.rack_servers * (c.server.power_w + g * c.accelerator.power_w +
                                        p * (c.nic_port.power_w + c.transceiver.power_w));
    s.rack_budget_w = c.rack_budget_w;
  }
  return s;
}

nlohmann::json to_json(const CostSummary& s) {
  nlohmann::json tiers = nlohmann::json::object(), cables = nlohmann::json::object();
  for (const CostTier& t : s.tiers) tiers[t.name] = {{"tier", t.tier}, {"switches", t.switches}, {"billed_ports", t.billed_ports}};
  for (const CableLevel& l : s.cables) cables[l.name] = {{"cables", l.cables}, {"transceivers", l.transceivers}};
  nlohmann::json j{{"switches_by_tier", tiers}, {"cables_by_level", cables}, {"nic_ports", s.nic_ports},
                   {"cost", s.cost}, {"power_w", s.power_w}};
  if (s.rack_servers > 0) {
    j["rack"] = {{"servers", s.rack_servers}, {"racks", s.racks}, {"power_w", s.rack_power_w}};
    if (s.rack_budget_w > 0) {
      j["rack"]["budget_w"] = s.rack_budget_w;
      j["rack"]["within_budget"] = s.rack_power_w <= s.rack_budget_w;
    }
  }
  return j;
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
  if (s.rack_servers > 0) {
    std::snprintf(buf, sizeof buf, "    rack: %u servers, %.6g W per rack, %llu racks", s.rack_servers, s.rack_power_w,
                  static_cast<unsigned long long>(s.racks));
    out += buf;
    if (s.rack_budget_w > 0) {
      std::snprintf(buf, sizeof buf, "; budget %.6g W: %s", s.rack_budget_w,
                    s.rack_power_w <= s.rack_budget_w ? "within" : "OVER");
      out += buf;
    }
    out += "\n";
  }
  return out;
}

}  // namespace rocesim::topology
