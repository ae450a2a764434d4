// Backend factory: the one place that maps a backend name to a TransferBackend.
//
// Built backends: "analytic" (sim/workload/analytic_backend.hpp; parameter "contention": links |
// endpoints | none), "fluid" and "packet", one branch each here. `params` is the backend's parameter object (from --set
// keys outside topology./workload./routing.); unknown keys are ConfigErrors.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "routing/router.hpp"
#include "topology/fabric.hpp"

namespace rocesim::app {

// Names make_backend accepts, in the order help lists them.
const std::vector<std::string>& backend_names();

// Throws ConfigError("--backend", ...) for a name not built, or for bad `params`.
std::unique_ptr<TransferBackend> make_backend(std::string_view name, Simulator& sim, const topology::Fabric& fabric,
                                              const routing::Router& router, const nlohmann::json& params);

// `params` with the backend's defaults filled in, for the effective config of reports.
// REQUIRES: make_backend(name, ..., params) succeeded.
nlohmann::json effective_backend_params(std::string_view name, const nlohmann::json& params);

}  // namespace rocesim::app
