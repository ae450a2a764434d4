// Builds a congestion-control strategy for the packet backend from the `cc` config object:
//   {"algorithm": "none" | "dcqcn" | "hpcc" | "timely" | "swift" | "admission" | "nscc" | "rccc" |
//    "nscc+rccc", "dcqcn": {...}, "hpcc": {...}, "timely": {...}, "swift": {...}, "admission": {...},
//    "nscc": {...}, "rccc": {...}}
// (nscc is UET's window CC, cc/nscc.hpp; rccc its receiver credits, cc/rccc.hpp, alone or with
// NSCC as "nscc+rccc": they need nic.transport = "uet".) When RoCE and UET classes share a run
// (nic.transport per class), "algorithm" is the RoCE classes' and "uet_algorithm" (none, nscc,
// rccc, nscc+rccc; default none) the UET classes' (cc/per_transport.hpp).
// Every sub-object is optional (defaults in each algorithm's header) and is read strictly even
// when another algorithm is selected, so a typo or an out-of-range value in any of them is a
// ConfigError (exit 2) rather than a silently ignored setting. `--set cc.dcqcn.g=0.01` style
// overrides therefore reach every parameter. The effective config written back for reports is
// {"algorithm": name, name: {every parameter, defaults filled}}.
// make_packet_net_with_cc builds the whole packet backend from the backend parameter object of
// `rocesim run --backend packet --set ...`: the NetParams keys of net_params.hpp plus "cc", either
// a name ("dcqcn": defaults) or the object above (--set cc.algorithm=dcqcn --set cc.dcqcn.g=0.01).
// net::make_packet_net's name-only CcFactory hook cannot carry parameters, hence this entry point.
// Thread safety: none (pure function of its inputs).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "net/cc_strategy.hpp"
#include "net/net_params.hpp"
#include "net/packet_net.hpp"

namespace rocesim::cc {

// What a strategy needs to know about the backend it runs in.
struct CcContext {
  Bytes data_frame{4082};  // wire bytes of a full data frame: MTU + data overhead
  Bytes mtu{4000};         // its payload
};

CcContext cc_context(const net::NetParams& net);

struct CcSetup {
  std::unique_ptr<net::CcStrategy> strategy;
  nlohmann::json effective;
};

// Reads the `cc` object held by `r` (consumes its keys and calls r.finish()).
CcSetup read_cc(JsonReader& r, const CcContext& ctx);

// Convenience: `cc` is the JSON object found at `path` in `file`; a null `cc` means "none".
CcSetup make_cc_strategy(const nlohmann::json& cc, const std::string& file, const CcContext& ctx,
                         const std::string& path = "/cc");

// REQUIRES: sim, fabric and router outlive the result. Throws ConfigError naming `file` and the
// JSON path (path + "/cc/...") for unknown keys or out-of-range values. When `effective_cc` is
// given it receives the strategy's effective config (for reports).
std::unique_ptr<net::PacketNet> make_packet_net_with_cc(Simulator& sim, const topology::Fabric& fabric,
                                                        const routing::Router& router, const nlohmann::json& params,
                                                        const std::string& file = "--set",
                                                        const std::string& path = "/backend",
                                                        nlohmann::json* effective_cc = nullptr);

}  // namespace rocesim::cc
