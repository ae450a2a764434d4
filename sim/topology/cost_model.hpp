// Cost and power of a fabric from per-port prices the user supplies (no built-in prices).
//
// Config (top-level "cost" object of a topology file; every key optional, absent = 0):
//   "switch_port": {"cost": C, "power_w": W}   per packet-switch port
//   "transceiver": {"cost": C, "power_w": W}   per cable end (optic or DAC/AOC end) of a scale-out cable
//   "nic_port":    {"cost": C, "power_w": W}   per accelerator NIC port
// Cost is in whatever currency unit the user writes; power in watts.
//
// Counts (per tier t = 1..T of packet switches, and per cable level):
//   switches_t        switches of tier t
//   billed ports_t    Σ over tier-t switches of the declared radix when declared (a switch is bought
//                     whole), else of the ports in use
//   cables_ℓ          scale-out links of level ℓ: "nic" (accelerator ↔ tier 1) and "<t-1>-<t>"
//                     (tier t-1 ↔ tier t); scale-up links are not cables of the scale-out fabric
//   transceivers_ℓ    2 · cables_ℓ (one per end)
//   nic_ports         nic links
//   "accelerator": {"cost": C, "power_w": W}   per accelerator (the module: GPU and its HBM)
//   "server":      {"cost": C, "power_w": W}   per server, without its accelerators and NICs
//                                               (CPUs, memory, fans, power conversion)
//   "rack_servers": N       servers per rack (0 = no rack figures)
//   "rack_budget_w": W      a rack's power budget, checked when given (0 = none)
// Totals: cost = Σ_t billed ports_t · switch_port.cost + Σ_ℓ transceivers_ℓ · transceiver.cost +
//   nic_ports · nic_port.cost + accelerators · accelerator.cost + servers · server.cost, and
//   likewise for power with power_w.
// Rack (compute racks only; switches sit in network racks): with G accelerators and P NIC ports
// per server, rack_power = N · (server.power_w + G · accelerator.power_w + P · (nic_port.power_w +
//   transceiver.power_w)) — the NIC end of each NIC cable is in the rack; racks = ⌈servers / N⌉.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "topology/fabric.hpp"

namespace rocesim::topology {

struct PortPrice {
  double cost = 0;
  double power_w = 0;
  bool operator==(const PortPrice&) const = default;
};

struct CostSpec {
  bool given = false;  // a "cost" object was present
  PortPrice switch_port;
  PortPrice transceiver;
  PortPrice nic_port;
  PortPrice accelerator;
  PortPrice server;
  std::uint32_t rack_servers = 0;
  double rack_budget_w = 0;
  bool operator==(const CostSpec&) const = default;
};

struct CostTier {
  int tier = 0;
  std::string name;
  std::uint64_t switches = 0;
  std::uint64_t billed_ports = 0;
};

struct CableLevel {
  std::string name;  // "nic", "<lower>-<upper>"
  std::uint64_t cables = 0;
  std::uint64_t transceivers = 0;
};

struct CostSummary {
  std::vector<CostTier> tiers;
  std::vector<CableLevel> cables;
  std::uint64_t nic_ports = 0;
  std::uint64_t accelerators = 0;
  std::uint64_t servers = 0;
  double cost = 0;
  double power_w = 0;
  std::uint32_t rack_servers = 0;  // 0: no rack figures
  std::uint64_t racks = 0;
  double rack_power_w = 0;
  double rack_budget_w = 0;        // 0: none given
};

// Reads the top-level "cost" object. Throws ConfigError naming the JSON path.
CostSpec parse_cost(JsonReader& top);
nlohmann::json cost_to_json(const CostSpec& c);

CostSummary summarize_cost(const Fabric& f, const CostSpec& c);
nlohmann::json to_json(const CostSummary& s);
std::string to_text(const CostSummary& s);

}  // namespace rocesim::topology
