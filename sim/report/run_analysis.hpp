// Run analysis: the measured sections of summary.json computed from a RunRecord on its Fabric.
//
// Units are in the key names; utilization, ratios and flags are dimensionless.
// Definitions (port p = one direction of a link, rate R_p in bit/s, B_p = record.ports[p].tx_bytes,
// W = the run's simulated end time, `window`):
//   utilization_p  = 8·B_p / (R_p · W)                                   (over the whole run)
//   "tiers"        one entry per (link tier, direction), bottom-up (report/link_tiers.hpp: scale-up,
//                  nic, then switch tiers upward; "up" before "down"):
//                  {"tier","direction","ports","bytes","util_mean","util_p50","util_p99",
//                   "util_max","paused_us","pause_frames","ecn_marks","drops"}
//                  util_mean = arithmetic mean of utilization_p over every port of the group (idle
//                  ports count as 0); p50/p99 are nearest-rank percentiles (report/percentiles.hpp).
//   "hot_links"    the top 10 ports by utilization_p (ties: lower port id first):
//                  {"port","from","to","tier","direction","utilization","bytes","paused_us",
//                   "ecn_marks","drops","max_queue_bytes"}; from/to are topology::node_name().
//   "fct"          over completed recorded transfers, fct = end − start (handed to the backend →
//                  last byte delivered): {"count","mean_us","p50_us","p90_us","p99_us","max_us"}.
//   "pfc"          {"measured","pause_frames","paused_us","longest_pause_us","per_tier":{tier:
//                  {"pause_frames","paused_us"}}}: pause_frames = Σ XOFF frames received, paused_us =
//                  Σ time a data class of a port was paused (summed over ports, so it can exceed W),
//                  longest_pause_us = max over ports of the longest single pause of one class (from
//                  the XOFF that started it, through refreshing XOFFs, to the resume or expiry).
//   "drops"        {"measured","total"}.
//   "conservation" {"bytes_started","bytes_delivered","bytes_expected","ok"}: bytes_expected is the
//                  payload of every transfer of the lowered workload; ok = started == delivered ==
//                  expected (a lost, duplicated or never-started byte makes it false).
// Byte counts are integers (fluid per-port bytes are rounded to the nearest byte); other numbers
// keep 6 significant digits (report/tidy.hpp).
// A counter the backend does not measure (RunRecord::has_* false) is null, never 0, and the
// "measured" flags say so. Sections that need per-port counters are omitted when the record has
// none; "fct" is omitted when no transfer was recorded.
// Thread safety: pure functions of their inputs.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"
#include "topology/fabric.hpp"

namespace rocesim::report {

// The "tiers" array. REQUIRES: record.ports.size() == fabric.port_count(); window > 0.
nlohmann::json tier_utilization_json(const topology::Fabric& fabric, const observe::RunRecord& record, Time window);
// The "hot_links" array (top `top_n`).
nlohmann::json hot_links_json(const topology::Fabric& fabric, const observe::RunRecord& record, Time window,
                              std::size_t top_n = 10);
// One hot-link style object for port p (used by attribution's critical links too).
nlohmann::json port_identity_json(const topology::Fabric& fabric, topology::PortId p);
nlohmann::json fct_json(const observe::RunRecord& record);
nlohmann::json pfc_json(const topology::Fabric& fabric, const observe::RunRecord& record);
nlohmann::json drops_json(const observe::RunRecord& record);
nlohmann::json conservation_json(const observe::RunRecord& record, std::int64_t bytes_expected);

// Every section above the record supports, as one object whose keys merge into summary.json.
// Ports must be empty or one per fabric port (otherwise the per-port sections are omitted).
nlohmann::json run_analysis_sections(const topology::Fabric& fabric, const observe::RunRecord& record, Time window,
                                     std::int64_t bytes_expected);

}  // namespace rocesim::report
