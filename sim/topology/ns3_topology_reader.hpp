// Reader for the plain-text topology files of the ns-3 RDMA (HPCC) / SimAI lineage.
//
// Format (whitespace-separated tokens; line numbers in errors count from 1):
//   line 1   the header, in one of three variants told apart by its token count:
//              3 tokens      node_count switch_count link_count                      (ns-3 RDMA / HPCC)
//              5 or 6        node_count gpus_per_server nvswitch_count switch_count link_count [gpu_type]
//              7             ... gpu_type ngpus_per_node                             (later SimAI)
//            gpu_type is a label (A100, H100, ...) and is kept only for reports; ngpus_per_node must
//            equal gpus_per_server.
//   then     nvswitch_count + switch_count node ids (the scale-up switches first, then the packet
//            switches), usually on line 2; they may wrap onto further lines.
//   then     link_count lines  "src dst rate delay error_rate", e.g.  "0 130 400Gbps 0.0005ms 0":
//            rate and delay in rocesim unit strings (core/units.hpp), error_rate a number in [0, 1].
//            Loss is not modelled, so an error_rate other than 0 is rejected rather than ignored.
// Every node id not listed as a switch is an accelerator (SimAI numbers them 0 .. gpus-1, which
// therefore stay the endpoint ids of the built Fabric). Blank lines and lines starting with '#'
// are skipped. Anything else — a missing or extra token, an id out of range or listed twice, a bad
// unit, fewer or more links than the header says — is a ConfigError(file, "line N", message).
// Switch tiers and scale-up domains are derived as described in topology/explicit_graph.hpp.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "topology/explicit_graph.hpp"

namespace rocesim::topology {

struct Ns3Topology {
  ExplicitGraphSpec graph;                // nodes listed in ns-3 id order
  std::uint32_t accelerators_per_server = 1;
  std::string accelerator_type;           // "" when the header has none
};

// Parses `text`; `file_label` names it in errors.
Ns3Topology parse_ns3_topology(const std::string& text, const std::string& file_label);

// Reads and parses `path` (ConfigError "cannot open file" if unreadable).
Ns3Topology read_ns3_topology_file(const std::string& path);

// True if `path` names a file in this format rather than JSON: its first non-blank character is a
// digit, or a sign followed by a digit (a JSON topology starts with '{').
bool looks_like_ns3_topology(const std::string& path);

}  // namespace rocesim::topology
