// Per-switch buffer sizes a topology may give (`buffer` keys, topologies/README.md).
//
// A switch's buffer is the shared memory of its MMU: the packet tier (net/packet_net.hpp, "Switch
// MMU") sets aside each port's reserve and PFC headroom from it and shares the rest. A topology
// may size it per switch tier (`rail_optimized.spine.buffer`, `leaf_spine.leaf_buffer`, ...) and
// for the scale-up switches (`scale_up.buffer`); an explicit graph per listed switch
// (`explicit.nodes[i].buffer`) or per role (`explicit.switch.buffer`,
// `explicit.scale_up_switch.buffer`); a switch without one uses the packet tier's global
// `mmu.buffer`. The fluid and analytic tiers have no queues and ignore it.
// Units: bytes. Stored in the built Fabric as a small table of distinct buffers indexed per node
// and read by Fabric::switch_buffer(); every switch of one generated tier has the same size.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_reader.hpp"
#include "core/units.hpp"

namespace rocesim::topology {

// Largest buffer accepted: HBM-backed deep-buffer switches hold a few GiB; 64 GiB is a typo.
inline constexpr std::int64_t kMaxSwitchBuffer = 64LL << 30;

// The key of every explicit graph's per-node `buffer`: an array element, which --set cannot name,
// so errors point at the node list instead of a --set key.
inline constexpr std::string_view kNodeBufferKey = "explicit.nodes[].buffer";

// The optional buffer at `key` of `r`: absent = 0 B (use mmu.buffer). Throws ConfigError naming
// the JSON path unless it is a byte size (integer or "64MiB") in [1 B, 64 GiB].
Bytes parse_switch_buffer(JsonReader& r, std::string_view key);

// The `--set` key of a JSON path: "/multi_plane/plane/rail_only/spine_buffer" →
// "multi_plane.plane.rail_only.spine_buffer" (what an error tells the user to raise).
std::string buffer_key(std::string_view json_path);

}  // namespace rocesim::topology
