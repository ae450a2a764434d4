// Failures and degradation at time zero (what-if studies): links or switches down, links slower.
//
// A topology file may carry "failures": [...] (or get one through --set). Each entry is
//   {"switch": "t2.0"}                                   the switch and all its links are down
//   {"link": ["t1.0", "t2.3"]}                           every link between the two nodes is down
//   {"link": ["t1.0", "t2.3"], "index": 1}               only the second of their parallel links
//   {"link": ["acc0", "t1.0"], "rate": "200Gbps"}        the link(s) run at a lower rate
// Node names, valid for every fabric: "acc<i>" for endpoint i, "t<tier>.<j>" for the j-th switch
// of that tier in node-id order (all planes, pods and units in build order, see each generator's
// layout), "su<j>" for the j-th scale-up switch. Time-varying failures ("at") are not built: the
// key is rejected rather than ignored.
//
// Effect on the Fabric: apply_failures() rebuilds it without the down links (a down switch keeps
// its node but loses every link) and with the lowered rates. Routing then recomputes:
//   links or switches down → the fabric is rebuilt non-structural, so routing uses BFS
//                            all-shortest-paths over what is left (routing/shortest_path_table):
//                            ECMP sets shrink to the surviving shortest paths.
//   rates lowered only     → structure is intact and stays structural; the router weights each
//                            ECMP candidate by its link rate (routing/router.hpp, WCMP).
// Reachability after failures (what BFS routing can use: accelerators never forward): every
// endpoint must keep a NIC link, and all endpoints' NIC switches must lie in one component of the
// switch graph, unless every endpoint shares one scale-up domain. Otherwise ConfigError names two
// endpoints that can no longer reach each other (or the endpoint that lost every NIC link).
// Failures on a rail-only fabric are rejected: its cross-rail relay needs structural routing.
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
  bool operator==(const FailureSpec&) const = default;
};

// What the failures did, for reports.
struct FailureEffect {
  std::uint64_t links_down = 0;
  std::uint64_t links_degraded = 0;
  std::uint64_t switches_down = 0;
  std::uint64_t capacity_lost_bps = 0;  // Σ (healthy − failed) link rate over affected links
};

// Reads the top-level "failures" array. Throws ConfigError with the entry's JSON path.
std::vector<FailureSpec> parse_failures(JsonReader& top);
nlohmann::json failures_to_json(const std::vector<FailureSpec>& failures);

// The name failures use for node n (see above).
std::string node_name(const Fabric& f, NodeId n);

// Rebuilds `healthy` with `failures` applied. Unknown node names, links that do not exist, an index
// beyond the parallel links, a rate above the healthy one, or a disconnected result: ConfigError
// (file_label, "/failures/<i>", ...). `effect` (optional) receives the counts.
Fabric apply_failures(const Fabric& healthy, const std::vector<FailureSpec>& failures, const std::string& file_label,
                      FailureEffect* effect = nullptr);

}  // namespace rocesim::topology
