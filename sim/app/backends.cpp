#include "app/backends.hpp"

#include "core/config_error.hpp"
#include "core/json_reader.hpp"
#include "workload/analytic_backend.hpp"

namespace rocesim::app {

const std::vector<std::string>& backend_names() {
  static const std::vector<std::string> names{"analytic"};
  return names;
}

std::unique_ptr<TransferBackend> make_backend(std::string_view name, Simulator& sim, const topology::Fabric& fabric,
                                              const routing::Router& router, const nlohmann::json& params) {
  (void)fabric;
  if (name == "analytic") {
    JsonReader r(params, "--set", "/backend");
    r.finish();  // the analytic tier has no parameters
    return std::make_unique<workload::AnalyticBackend>(sim, router);
  }
  std::string list;
  for (const auto& n : backend_names()) list += (list.empty() ? "" : ", ") + n;
  throw ConfigError("--backend", std::string(name),
                    "backend \"" + std::string(name) + "\" is not available in this build (available: " + list + ")");
}

}  // namespace rocesim::app
