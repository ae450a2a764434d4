// Per-switch buffer sizes a topology may give (`buffer` keys, topologies/README.md).
//
// A switch's buffer is the shared memory of its MMU: the packet tier (net/packet_net.hpp, "Switch
// MMU") sets aside each port's reserve and PFC headroom from it and shares the rest. A topology
// may size it per switch tier (`rail_optimized.spine.buffer`, `leaf_spine.leaf_buffer`, ...) and
// for the scale-up switches (`scale_up.buffer`); a switch without one uses the packet tier's
// global `mmu.buffer`. The fluid and analytic tiers have no queues and ignore it.
// Stored in the built Fabric per tier (TierInfo::buffer) and per scale-up switch tier, and read
// per node by Fabric::switch_buffer(); every switch of one generated tier has the same size.
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

// The optional buffer at `key` of `r`: absent = 0 B (use mmu.buffer). Throws ConfigError naming
// the JSON path unless it is a byte size (integer or "64MiB") in [1 B, 64 GiB].
Bytes parse_switch_buffer(JsonReader& r, std::string_view key);

// The `--set` key of a JSON path: "/multi_plane/plane/rail_only/spine_buffer" →
// "multi_plane.plane.rail_only.spine_buffer" (what an error tells the user to raise).
std::string buffer_key(std::string_view json_path);

}  // namespace rocesim::topology
