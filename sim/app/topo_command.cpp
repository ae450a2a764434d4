// `rocesim topo [FILE] [--json] [--dot OUT.dot] [--set key.path=value ...] [--route-sample N]`:
// validates a topology (the built-in default when FILE is omitted), builds the fabric and prints
// its summary (report/fabric_summary.hpp), as text or JSON. It also routes N sample flows (random
// endpoint pairs from a fixed seed, one path query each) so a run proves the router on the whole
// fabric. Bad input throws ConfigError → exit 2.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "core/config_error.hpp"
#include "core/json_reader.hpp"
#include "core/rng.hpp"
#include "report/fabric_dot.hpp"
#include "report/fabric_summary.hpp"
#include "routing/router.hpp"
#include "topology/cost_model.hpp"
#include "topology/failures.hpp"
#include "topology/topology.hpp"

namespace rocesim::app {
namespace {

struct TopoOptions {
  std::string file;
  bool json = false;
  std::string dot;
  std::vector<std::string> overrides;
  std::uint64_t route_sample = 1000;
  std::uint64_t seed = 1;
};

struct RouteSample {
  std::uint64_t flows = 0;
  std::uint64_t routed = 0;
  std::uint64_t total_hops = 0;
  std::uint64_t max_hops = 0;
};

// Routes `n` flows between distinct endpoints drawn from a stream derived from `seed`.
RouteSample route_sample(const topology::Fabric& f, const routing::Router& router, std::uint64_t n, std::uint64_t seed) {
  RouteSample r;
  if (f.endpoints() < 2) return r;
  Rng rng(derive_seed(seed, "topo-route-sample"));
  std::vector<topology::PortId> path;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto src = static_cast<std::uint32_t>(rng.below(f.endpoints()));
    auto dst = static_cast<std::uint32_t>(rng.below(f.endpoints() - 1));
    if (dst >= src) ++dst;
    path.clear();
    ++r.flows;
    if (!router.path(routing::FlowKey::for_qp(src, dst, static_cast<std::uint32_t>(i)), path)) continue;
    ++r.routed;
    r.total_hops += path.size();
    r.max_hops = std::max<std::uint64_t>(r.max_hops, path.size());
  }
  return r;
}

void run_topo(const TopoOptions& opt, CommandContext& ctx) {
  topology::TopologySpec spec;
  if (opt.file.empty()) {
    nlohmann::json doc = topology::default_topology_json();
    for (const auto& o : opt.overrides) apply_override(doc, o);
    spec = topology::parse_topology(doc, "<built-in default>");
  } else {
    spec = topology::load_topology_file(opt.file, opt.overrides);
  }
  const topology::Fabric fabric = topology::build_fabric(spec);
  if (!opt.dot.empty()) {
    if (fabric.node_count() > report::kMaxDotNodes) {
      throw ConfigError(spec.source, "--dot",
                        "the fabric has " + std::to_string(fabric.node_count()) + " nodes; --dot draws at most " +
                            std::to_string(report::kMaxDotNodes));
    }
    std::ofstream out(opt.dot, std::ios::binary | std::ios::trunc);
    if (!out) throw ConfigError(opt.dot, "", "cannot open for writing");
    out << report::to_dot(fabric);
    if (!out.flush()) throw ConfigError(opt.dot, "", "write failed");
  }
  const routing::Router router(fabric, routing::RoutingParams{routing::HashKind::crc, opt.seed, true});
  const report::FabricSummary summary = report::summarize(fabric, router);
  const RouteSample rs = route_sample(fabric, router, opt.route_sample, opt.seed);
  // Catalog extras, when the file asks for them: what the failures took away (bisection of the
  // healthy fabric minus that of the failed one; topology/failures.hpp) and the fabric's cost and
  // power from the user's prices (topology/cost_model.hpp).
  nlohmann::json extras = nlohmann::json::object();
  std::string extras_text;
  if (!spec.failures.empty()) {
    topology::TopologySpec healthy_spec = spec;
    healthy_spec.failures.clear();
    const topology::Fabric healthy = topology::build_fabric(healthy_spec);
    topology::FailureEffect fx;
    topology::apply_failures(healthy, spec.failures, spec.source, &fx);
    const routing::Router healthy_router(healthy, routing::RoutingParams{routing::HashKind::crc, opt.seed, true});
    const std::uint64_t before = report::summarize(healthy, healthy_router).bisection_bps;
    const std::uint64_t lost = before > summary.bisection_bps ? before - summary.bisection_bps : 0;
    extras["failures"] = {{"links_down", fx.links_down},       {"links_degraded", fx.links_degraded},
                          {"switches_down", fx.switches_down}, {"capacity_lost_bps", fx.capacity_lost_bps},
                          {"healthy_bisection_bps", before},   {"bisection_lost_bps", lost}};
    extras_text += "  failures: " + std::to_string(fx.links_down) + " links down, " + std::to_string(fx.links_degraded) +
                   " degraded, " + std::to_string(fx.switches_down) + " switches down; bisection lost " +
                   std::to_string(static_cast<double>(lost) * 1e-9) + " Gb/s of " +
                   std::to_string(static_cast<double>(before) * 1e-9) + " Gb/s\n";
  }
  if (spec.cost.given) {
    const topology::CostSummary cost = topology::summarize_cost(fabric, spec.cost);
    extras["cost"] = topology::to_json(cost);
    extras_text += topology::to_text(cost);
  }
  if (opt.json) {
    nlohmann::json j = report::to_json(summary);
    j["route_sample"] = {{"flows", rs.flows}, {"routed", rs.routed}, {"total_hops", rs.total_hops}, {"max_hops", rs.max_hops}};
    j["seed"] = opt.seed;
    j.update(extras);
    j["effective_config"] = topology::topology_to_json(spec);
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << report::to_text(summary) << extras_text;
    std::cout << "  sample routes: " << rs.routed << " of " << rs.flows << " flows routed";
    if (rs.routed > 0) {
      std::cout << ", mean " << static_cast<double>(rs.total_hops) / static_cast<double>(rs.routed) << " hops, max "
                << rs.max_hops;
    }
    std::cout << '\n';
  }
  // A route that fails on a validated fabric is a bug, not bad input: say so with exit code 1.
  ctx.exit_code = rs.routed == rs.flows ? 0 : 1;
  if (rs.routed != rs.flows) std::cerr << "error: " << rs.flows - rs.routed << " sample flows found no route\n";
}

}  // namespace

void register_topo(CLI::App& app, CommandContext& ctx) {
  auto opt = std::make_shared<TopoOptions>();
  CLI::App* cmd = app.add_subcommand("topo", "Validate a topology and summarize its fabric");
  cmd->add_option("file", opt->file, "Topology JSON (default: the built-in 128-accelerator rail fabric)");
  cmd->add_flag("--json", opt->json, "Print the summary as JSON");
  cmd->add_option("--dot", opt->dot, "Write Graphviz DOT of the fabric to this file (small fabrics only)");
  cmd->add_option("--set", opt->overrides, "Override a field: key.path=value (repeatable)");
  cmd->add_option("--route-sample", opt->route_sample, "Sample flows to route (path queries)")->capture_default_str();
  cmd->add_option("--seed", opt->seed, "Seed for ECMP hashing and the sample flows")->capture_default_str();
  cmd->callback([opt, &ctx] { run_topo(*opt, ctx); });
}

}  // namespace rocesim::app
