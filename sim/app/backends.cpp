#include "app/backends.hpp"

#include <iostream>

#include "core/config_error.hpp"
#include "core/json_reader.hpp"
#include "flow/fluid_net.hpp"
#include "cc/cc_factory.hpp"
#include "net/make_packet_net.hpp"
#include "net/net_params.hpp"
#include "workload/analytic_backend.hpp"

namespace rocesim::app {

const std::vector<std::string>& backend_names() {
  static const std::vector<std::string> names{"analytic", "fluid", "packet"};
  return names;
}

std::unique_ptr<TransferBackend> make_backend(std::string_view name, Simulator& sim, const topology::Fabric& fabric,
                                              const routing::Router& router, const nlohmann::json& params) {
  (void)fabric;
  // `--set fluid.bundle_parallel=true` reads naturally but backend keys take no prefix: say so
  // rather than "unknown key fluid".
  if (params.is_object()) {
    for (const std::string& n : backend_names()) {
      if (!params.contains(n)) continue;
      const nlohmann::json& inner = params.at(n);
      const std::string example =
          inner.is_object() && !inner.empty() ? inner.begin().key() + "=" + inner.begin().value().dump() : "KEY=VALUE";
      throw ConfigError("--set", "/backend/" + n,
                        "backend parameters take no backend prefix: write --set " + example + ", not --set " + n +
                            "." + example + " (the backend is chosen with --backend)");
    }
  }
  if (name == "analytic") {
    // "contention" (sim/workload/analytic_backend.hpp): links (default), endpoints or none.
    JsonReader r(params, "--set", "/backend");
    if (r.has("endpoint_fifo")) {
      r.fail("endpoint_fifo", "replaced by \"contention\": use contention=endpoints for the NIC-only FIFO model "
                              "(the default, contention=links, queues at every link)");
    }
    const std::string contention = r.choice_or("contention", {"links", "endpoints", "none"}, "links");
    r.finish();
    return std::make_unique<workload::AnalyticBackend>(sim, router, *workload::parse_contention(contention));
  }
  if (name == "fluid") {
    JsonReader r(params, "--set", "/backend");  // overhead, flow_rate_cap, solver (sim/flow/fluid_params.hpp)
    return std::make_unique<flow::FluidNet>(sim, fabric, router, flow::read_fluid_params(r));
  }
  if (name == "packet") {
    // "cc" (a name or {algorithm, dcqcn: {...}, ...}: sim/cc/cc_factory.hpp) + sim/net/net_params.hpp keys
    auto backend = cc::make_packet_net_with_cc(sim, fabric, router, params);
    // Said before anything runs (and by --check); the run's summary.json notes repeat them.
    for (const std::string& w : backend->warnings()) std::cerr << "warning: " << w << '\n';
    return backend;
  }
  std::string list;
  for (const auto& n : backend_names()) list += (list.empty() ? "" : ", ") + n;
  throw ConfigError("--backend", std::string(name),
                    "backend \"" + std::string(name) + "\" is not available in this build (available: " + list + ")");
}

nlohmann::json effective_backend_params(std::string_view name, const nlohmann::json& params) {
  nlohmann::json out = params;
  if (name == "analytic" && !out.contains("contention")) out["contention"] = "links";
  if (name == "packet") {
    out = net::effective_packet_params(params);
    // The CC strategy's parameters with its defaults filled in, so a report names every DCQCN/HPCC
    // constant the run used, not just the algorithm.
    nlohmann::json doc = params.is_object() ? params : nlohmann::json::object();
    const nlohmann::json cc = doc.contains("cc") ? doc["cc"] : nlohmann::json();
    doc.erase("cc");
    JsonReader r(doc, "--set", "/backend");
    const net::NetParams net_params = net::read_net_params(r);
    out["cc"] = cc::make_cc_strategy(cc, "--set", cc::cc_context(net_params), "/backend/cc").effective;
  }
  return out;
}

}  // namespace rocesim::app
