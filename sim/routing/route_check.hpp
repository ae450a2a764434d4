// Route checks that turn "no path" into a ConfigError naming the endpoints.
//
// A workload (or a failure what-if) needs particular endpoint pairs to talk; Router::path only
// answers false. require_route explains why, in the terms of the fabric: the two endpoints (id,
// server, local index / rail), and, when their top-tier domains differ (rail-only: different
// rails), that the source has no scale-up domain to relay through.
// Thread safety: pure functions over an immutable Router.
#pragma once

#include <string>

#include "routing/router.hpp"

namespace rocesim::routing {

// "endpoint 17 (server 4, rail 1)".
std::string describe_endpoint(const topology::Fabric& fabric, NodeId e);

// Throws ConfigError(file_label, "/", ...) if no path leads from src to dst (REQUIRES: both are
// endpoints).
void require_route(const Router& router, NodeId src, NodeId dst, const std::string& file_label);

}  // namespace rocesim::routing
