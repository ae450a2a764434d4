// Failures and degradation at time zero (what-if studies): links or switches down, links slower.
//
// A topology file may carry "failures": [...] (or get one through --set). Each entry is
//   {"switch": "t2.0"}                                   the switch and all its links are down
//   {"link": ["t1.0", "t2.3"]}                           every link between the two nodes is down
//   {"link": ["t1.0", "t2.3"], "index": 1}               only the second of their parallel links
//   {"link": ["acc0", "t1.0"], "rate": "200Gbps"}        the link(s) run at a lower rate
// Node names, valid for every fabric: "acc<i>" for endpoint i, "t<tier>.<j>" for the j-th switch
// of that tier in node-id order (all planes, pods and units in build order, see each generator's
// layout), "su<j>" for the j-th scale-up switch. Any entry may carry "at": "5ms", the simulated
// time the failure starts (absent or 0: time zero), and "until": "8ms", when it ends (the links
// come back up at their healthy rate; absent: never). Timed starts and all ends are a schedule
// (failure_schedule): apply_failures and build_fabric leave them out, and `rocesim run` applies
// them at their times (Router::set_link_states, then TransferBackend::on_links_changed);
// `rocesim topo` lists it. Entries that take the same link down may overlap in time (the link is
// down while any of them holds, e.g. a spine and a core sharing a link); a degradation ("rate")
// must not overlap another entry on the same link when either is timed (which rate would hold is
// not obvious): a ConfigError naming both.
//
// Effect on the Fabric: apply_failures() returns a copy of the healthy fabric with the same node,
// link and port ids, in which down links are marked (Fabric::link_up false; a down switch is a
// switch all of whose links are down) and degraded links carry their lowered rate. The fabric stays
// structural, so routing keeps valley-free up-down ECMP and prunes from each ECMP set the
// candidates that can no longer reach the destination, weighting candidates by rate where rates
// now differ (routing/router.hpp, routing/failure_routes.hpp). Explicit graphs keep BFS tables,
// computed over the links that are up. Rail-only fabrics keep their scale-up relay, which skips
// relays whose scale-up or rail path is down.
// Reachability is not checked here: a failure may cut endpoints off. Whoever knows which endpoints
// talk checks them (routing/route_check.hpp: require_reachable for a workload's endpoints;
// `rocesim topo` reports the endpoints cut off).
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "core/units.hpp"
#include "topology/fabric.hpp"

namespace rocesim::topology {

struct FailureSpec {
  std::string node;                    // "switch" entries: the switch; "link" entries: one end
  std::string peer;                    // "link" entries: the other end; "" for a switch
  std::optional<std::uint32_t> index;  // which parallel link (0-based); all when absent
  std::optional<Rate> rate;            // lowered rate; absent = down
  std::optional<Time> at;              // when it starts; absent = time zero
  std::optional<Time> until;           // when it ends; absent = never
  bool operator==(const FailureSpec&) const = default;
  bool timed() const { return at.has_value() && at->ps > 0; }
};

// One link changing state at a simulated time (failure_schedule).
struct LinkChange {
  Time at{};
  LinkId link = kNone;
  bool up = false;     // false: the link goes down
  Rate rate{};         // when up: the rate it runs at from then on
  std::size_t entry = 0;  // index in the failures array
  bool restore = false;   // the entry's failure ends here (its "until"): back to the healthy rate
  bool operator==(const LinkChange&) const = default;
};

// What the failures did, for reports.
struct FailureEffect {
  std::uint64_t links_down = 0;
  std::uint64_t links_degraded = 0;
  std::uint64_t switches_down = 0;
  std::uint64_t capacity_lost_bps = 0;      // Σ (healthy − failed) link rate over affected links
  std::uint64_t healthy_bisection_bps = 0;  // bisection_bps of the healthy fabric
  std::uint64_t bisection_bps = 0;          // bisection_bps with the failures
};

// The timed starts and the ends ("until") as link changes, ordered by (time, ends before starts,
// entry, link). Same errors as apply_failures, plus overlapping entries (see above).
std::vector<LinkChange> failure_schedule(const Fabric& healthy, const std::vector<FailureSpec>& failures,
                                         const std::string& file_label);

// Bisection bandwidth of the working fabric, as report/fabric_summary.hpp defines it: the minimum
// over levels ℓ = 1..T of ½·C_ℓ, where C_1 is the capacity (bit/s, one direction) of the NIC links
// and C_t (t ≥ 2) that of the links between tiers t-1 and t; scale-up links are not counted, and
// neither are links that are down. Degraded links count at their lowered rate.
std::uint64_t bisection_bps(const Fabric& f);

// Reads the top-level "failures" array. Throws ConfigError with the entry's JSON path.
std::vector<FailureSpec> parse_failures(JsonReader& top);
nlohmann::json failures_to_json(const std::vector<FailureSpec>& failures);

// The name failures use for node n (see above).
std::string node_name(const Fabric& f, NodeId n);
// node_name() of every node, indexed by NodeId, in one pass (node_name counts the node's
// predecessors of its kind: O(n) per call, O(n²) for a whole fabric's ports).
std::vector<std::string> node_names(const Fabric& f);

// `healthy` with the failures at time zero applied (see above; timed entries are checked, not applied). Unknown node names, links that do not exist, an
// index beyond the parallel links or a rate above the healthy one: ConfigError (file_label,
// "/failures/<i>", ...). `effect` (optional) receives the counts.
Fabric apply_failures(const Fabric& healthy, const std::vector<FailureSpec>& failures, const std::string& file_label,
                      FailureEffect* effect = nullptr);

}  // namespace rocesim::topology
