// Bottleneck attribution: which switch tier limits each communication op, and by how much.
//
// Units: times in µs in the JSON (ps inside), factors and utilizations dimensionless.
// Method (all what-ifs are fluid re-runs of the same lowered workload on a Fabric copy with the
// same node/link/port ids, so paths and ECMP choices are unchanged; only capacities move):
//   oversubscription of switch tier t = Σ down capacity / Σ up capacity over all tier-t switches
//       (as `rocesim topo`); tier t is oversubscribed when this ratio ρ_t > 1 + 1e-9. Its uplinks
//       form the link tier "<t>-<t+1>" (report/link_tiers.hpp), the key used below.
//   ideal_us(op) = OpInput::lower_bound, a duration no tier, routing or load balancing can beat
//       (report/op_lower_bound.hpp: max of the op's dependency chain at its endpoints' port rates
//       and the bytes each endpoint sends or receives over its port capacity);
//       efficiency(op) = ideal_us / duration_us of the main run, ≤ 1 on every tier (no clamp: the
//       bound rounds down to whole ps, every tier's times round up) except the analytic tier's
//       contention=none, which lets a NIC send several transfers at full rate at once (there
//       efficiency > 1 flags that). Needs no re-run.
//   non-blocking fabric = every switch-to-switch link (LinkKind::fabric) at rate × 1e3; NIC and
//       scale-up links unchanged. nonblocking_us(op) = T_nb(op) = op end − op start in that fluid
//       re-run: what the op would take if only the accelerators' own ports limited it, under ECMP
//       hashing and max-min sharing. An estimate, not a bound: spray, adaptive routing or several
//       QPs per pair can beat it, so it is not the ideal.
//   what-if for tier t = the tier's uplinks at rate × ρ_t (Σ up = Σ down: 1:1), all else unchanged.
//       speedup_t(op) = T_base(op) / T_t(op), where T_base is the op's fluid time on the unmodified
//       fabric (the main run when it is fluid, else one more re-run), so the ratio compares fluid
//       with fluid even when the main run was packet-level.
//   bottleneck_tier(op) = argmax_t speedup_t(op) if that speedup > 1.05 (a 5 % threshold: below it
//       a tier's oversubscription costs less than typical run-to-run effects), else null.
//   critical_links(op) (only for ops with OpInput::detail) = the 3 hottest ports on the op's own paths inside its window
//       (report/critical_links.hpp), with each one's PFC pause time inside that window, paused_us
//       (null without PFC; the whole run's when the pause log overflowed, as a note says).
//   ECMP collisions(op): the fabric slowed the op (T_base > 1.05 · T_nb) but no oversubscribed
//       tier explains it (bottleneck_tier null), and in a switch tier that is nominally 1:1
//       (ρ ≤ 1 + 1e-9) the op's hottest path port is ≥ 0.9 utilized while the scope mean of that
//       tier and direction is ≤ 0.75 of it: the capacity is there but hashing put the flows on a
//       few of the links. Reported as "ecmp_collisions": {"tier","direction",
//       "hottest_utilization","scope_mean_utilization"}, else null; absent without re-runs (a
//       single fast flow on one of many uplinks looks the same in utilization alone).
// Global "bottleneck": the tier that is bottleneck_tier of the most ops (ties: lower tier first)
//   and one sentence for humans naming it, how many communication ops it limits and the largest
//   speedup; with no such tier, the sentence says so and names ECMP collisions when found, else
//   the lowest efficiency against the lower bound.
// Re-runs: 1 (non-blocking) + 1 (fluid base, unless the main run is fluid) + 1 per oversubscribed tier,
//   shared by all ops. Without a re-run callback only the critical links remain.
// Thread safety: pure apart from calling `rerun`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"
#include "routing/router.hpp"
#include "topology/fabric.hpp"

namespace rocesim::report {

inline constexpr double kNonBlockingFactor = 1e3;
inline constexpr double kBottleneckSpeedup = 1.05;
inline constexpr double kCollisionHotUtilization = 0.9;
inline constexpr double kCollisionMeanFraction = 0.75;

using FluidRerunFn = std::function<observe::RunRecord(const topology::Fabric& fabric)>;

struct TierRatio {
  int tier = 0;           // lower switch tier t
  std::string link_tier;  // label of its uplinks, e.g. "leaf-spine"
  double ratio = 0;       // ρ_t = Σ down / Σ up capacity
};

// Every switch tier that has uplinks, bottom-up.
std::vector<TierRatio> tier_ratios(const topology::Fabric& fabric);
// Every switch-to-switch link × factor.
topology::Fabric nonblocking_fabric(const topology::Fabric& fabric, double factor = kNonBlockingFactor);
// The uplinks of tier.tier × tier.ratio.
topology::Fabric tier_nonblocking_fabric(const topology::Fabric& fabric, const TierRatio& tier);

struct OpInput {
  std::string_view id;    // op id, for the sentence (REQUIRES: outlives the attribution)
  std::string_view type;  // "all_reduce", ...
  bool network = true;  // false for compute ops: not attributed
  Time start = Time::max(), end = Time::max();  // main run
  Time lower_bound = Time::max();                // report/op_lower_bound.hpp; max: unknown (no ideal_us)
  bool detail = true;   // false: no "critical_links" or "speedup_if_nonblocking", and no null fields
                        // (the loads still feed ecmp_collisions)
};

struct AttributionInput {
  const topology::Fabric* fabric = nullptr;        // required
  const routing::Router* router = nullptr;         // null: no critical links
  const observe::RunRecord* record = nullptr;      // null or no transfers: no critical links
  FluidRerunFn rerun;                              // empty: no nonblocking_us, speedups or bottleneck
  bool main_is_fluid = false;                      // the main op times are the fluid base
  std::vector<OpInput> ops;                        // indexed like LoweredWorkload::ops
};

struct AttributionResult {
  // Per op: keys to merge into ops[i] (null or an object). An op without detail gets only what is
  // not null and is not in the two plain columns below (thousands of such ops are aggregated).
  std::vector<nlohmann::json> op_fields;
  // Per op (NaN: none): "ideal_us" and "efficiency", also in op_fields for ops with detail.
  std::vector<double> ideal_us, efficiency;
  nlohmann::json bottleneck;              // {"tier","summary","fluid_reruns"}; null without re-runs
  int reruns = 0;
};

AttributionResult attribute(const AttributionInput& input);

}  // namespace rocesim::report
