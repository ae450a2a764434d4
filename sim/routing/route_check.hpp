// Route checks that turn "no path" into a ConfigError naming the endpoints.
//
// A workload (or a failure what-if) needs particular endpoint pairs to talk; Router::path only
// answers false. require_route explains one pair in the terms of the fabric: the two endpoints (id,
// server, local index / rail), and, when their top-tier domains differ (rail-only: different
// rails), that the source has no scale-up domain to relay through.
//
// require_reachable checks every pair of a set of endpoints without visiting all pairs. Failures
// (topology/failures.hpp) are the only way a built fabric loses routes, and up-down reachability is
// not transitive (a→b and b→c do not give a→c once links are down), so it does not use
// components on structural fabrics but the pruned-set index (routing/failure_routes.hpp): a pair
// (a, b) can only fail if accelerator a has R = 0 in the climbing table that b's group uses at
// their turn tier, or if a relay on the way does; only such pairs are tried with Router::path
// (pairs joined by a working scale-up link are skipped). Work: O(|S|·T + Σ tried pairs), and the
// first pair tried that fails stops it. Explicit graphs (BFS routing, where reachability is
// transitive) use connected components of the switch links that are up.
// A healthy fabric (no link down) was checked connected when built: every pair routes.
// Link state is the Router's (Router::link_up, links_down), so a router whose links changed at
// run time (Router::set_link_states) is checked as it routes now.
// Thread safety: pure functions over an immutable Router.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "routing/router.hpp"

namespace rocesim::routing {

// "endpoint 17 (server 4, rail 1)".
std::string describe_endpoint(const topology::Fabric& fabric, NodeId e);

// Throws ConfigError(file_label, "/", ...) if no path leads from src to dst (REQUIRES: both are
// endpoints).
void require_route(const Router& router, NodeId src, NodeId dst, const std::string& file_label);

// A pair (src, dst) of `endpoints` with no path from src to dst, or nullopt when every ordered pair
// routes. Deterministic for a given router and endpoint list. REQUIRES: every entry is an endpoint.
std::optional<std::pair<NodeId, NodeId>> find_unreachable_pair(const Router& router,
                                                               std::span<const std::uint32_t> endpoints);

// Throws ConfigError(label, "/", "the failures cut endpoint A (...) off from endpoint B (...): ...")
// when find_unreachable_pair finds a pair; `label` names what needs them (e.g. the workload file
// and job).
void require_reachable(const Router& router, std::span<const std::uint32_t> endpoints, const std::string& label);

// Endpoints that reach no endpoint outside their own scale-up domain (e.g. their only NIC link or
// their leaf is down), in increasing id order. Empty on a healthy fabric.
std::vector<NodeId> cut_off_endpoints(const Router& router);

}  // namespace rocesim::routing
