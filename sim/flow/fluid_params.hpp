// FluidParams: the fluid backend's parameters, their defaults and their JSON form.
//
// JSON (every key optional, unknown keys are errors):
//   { "overhead": "1us",            per-transfer fixed start overhead (doorbell, WQE fetch, QP setup)
//     "flow_rate_cap": "400Gbps",   per-flow (per-QP) rate limit on top of link and NIC rates
//     "solver": "incremental",      "incremental" (default) or "full" (re-solve all on every batch)
//     "wire": { "mtu": "4000B",     payload bytes per full packet and per-packet wire overhead (RoCEv2/
//               "data_overhead": "82B" }  IPv4/Ethernet headers, FCS, preamble, IFG): the same keys and
//                                   defaults as the packet tier's "wire" (sim/net/net_params.hpp). A
//                                   transfer of B bytes occupies W(B) = B + ⌈B/mtu⌉·data_overhead
//                                   bytes of link time; data_overhead 0 models payload at line rate.
//     "resolve_slack": 0,           ε in [0, 1]: after a flow of S bytes finishes at rate x, the
//                                   re-solve that re-allocates its capacity may wait up to ε·8·S/x
//                                   (finishes in that window share one re-solve), and a start of
//                                   S bytes waits up to ε·8·S/r̂ (r̂: the equal share of its most
//                                   crowded port). 0 (default) = exact: every instant with a
//                                   start or finish re-solves. FluidNet's header states the cost.
//     "bundle_parallel": false,     true: transfers between the same two endpoints, in the same
//                                   class, started at the same instant on paths of equal latency
//                                   with sizes within 1 % of each other (NCCL's channels and QPs
//                                   of one peer's piece) are one fluid variable whose lanes keep
//                                   rates proportional to their sizes and finish together.
//                                   false (default) = one variable per transfer. FluidNet's
//                                   header ("bundles") states the model and its measured error.
//     "fair_tolerance": 0 }         δ in [0, 0.25]: max-min's bottleneck conditions hold within a
//                                   factor 1 + δ (a flow stays frozen unless its fair share moved
//                                   by more), which stops a finish's re-allocation where the
//                                   change gets small. 0 (default) = exact. FluidNet's header
//                                   ("fairness tolerance") states the guarantee and measured error.
// Thread safety: plain values.
#pragma once

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "core/units.hpp"
#include "core/wire_format.hpp"

namespace rocesim::flow {

struct FluidParams {
  Time overhead{};         // added to path propagation before a transfer's bytes start to flow
  Rate flow_rate_cap{};    // 0: none (flows are limited by link and NIC port rates only)
  bool incremental = true; // false: full re-solve per batch (reference and benchmarking)
  double resolve_slack = 0.0;  // ε of the deferred re-allocation after finishes (0: exact)
  bool bundle_parallel = false;  // parallel transfers of one pair started together: one variable
  double fair_tolerance = 0.0;   // δ of the solver's fairness and saturation tests (0: exact)
  Bytes mtu = kDefaultMtu;     // payload per full packet, [kMinMtu, kMaxMtu] (core/wire_format.hpp)
  Bytes data_overhead = kDefaultDataOverhead;  // wire bytes per packet beyond its payload, [0, 1 KiB]
};

// W(B) = B + ⌈B/mtu⌉·data_overhead: the bytes a transfer of B payload bytes puts on every link.
inline Bytes wire_bytes(const FluidParams& p, Bytes payload) {
  return rocesim::wire_bytes(payload, p.mtu, p.data_overhead);
}

// Reads the object `r` wraps; calls r.finish() (unknown keys → ConfigError).
FluidParams read_fluid_params(JsonReader& r);
// Effective parameters with every default filled in, in the JSON form read_fluid_params accepts.
nlohmann::json to_json(const FluidParams& p);

}  // namespace rocesim::flow
