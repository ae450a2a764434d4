// `rocesim topo [FILE] [--json] [--dot OUT.dot] [--set key.path=value ...] [--route-sample N]`:
// validates a topology (the built-in default when FILE is omitted), builds the fabric and prints
// its summary (report/fabric_summary.hpp), as text or JSON. It also routes N sample flows (random
// endpoint pairs from a fixed seed, one path query each) so a run proves the router on the whole
// fabric. With failures it also prints what they took away (links, bisection) and which endpoints
// they cut off; flows between endpoints cut apart are counted as unroutable, not as a bug. Bad
// input throws ConfigError → exit 2.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "core/config_error.hpp"
#include "core/json_reader.hpp"
#include "core/memory_budget.hpp"
#include "core/rng.hpp"
#include "report/fabric_dot.hpp"
#include "report/fabric_summary.hpp"
#include "routing/route_check.hpp"
#include "routing/router.hpp"
#include "topology/cost_model.hpp"
#include "topology/failures.hpp"
#include "topology/topology.hpp"

namespace rocesim::app {
namespace {

constexpr std::size_t kCutOffNames = 5;  // endpoints named in the reachability line

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
  // With failures: the healthy fabric first, then the failures marked on it (same ids), so the
  // report can say what they took away.
  topology::FailureEffect fx;
  const topology::Fabric fabric = [&] {
    if (spec.failures.empty()) return topology::build_fabric(spec);
    topology::TopologySpec healthy_spec = spec;
    healthy_spec.failures.clear();
    return topology::apply_failures(topology::build_fabric(healthy_spec), spec.failures, spec.source, &fx);
  }();
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
  ActivityScope activity("routing the fabric of " + spec.source);
  const routing::Router router(fabric, routing::RoutingParams{routing::HashKind::crc, opt.seed, true});
  const report::FabricSummary summary = report::summarize(fabric, router);
  const RouteSample rs = route_sample(fabric, router, opt.route_sample, opt.seed);
  // Catalog extras, when the file asks for them: what the failures took away (bisection of the
  // healthy fabric minus that of the failed one, which endpoints they cut off; topology/failures.hpp,
  // routing/route_check.hpp) and the fabric's cost and power from the user's prices
  // (topology/cost_model.hpp).
  nlohmann::json extras = nlohmann::json::object();
  std::string extras_text;
  if (!spec.failures.empty()) {
    const std::uint64_t lost = fx.healthy_bisection_bps > fx.bisection_bps ? fx.healthy_bisection_bps - fx.bisection_bps : 0;
    const std::vector<topology::NodeId> cut = routing::cut_off_endpoints(router);
    std::vector<std::uint32_t> all(fabric.endpoints());
    std::iota(all.begin(), all.end(), 0u);
    const auto pair = routing::find_unreachable_pair(router, all);
    nlohmann::json names = nlohmann::json::array();
    std::string names_text;
    for (std::size_t i = 0; i < cut.size() && i < kCutOffNames; ++i) {
      names.push_back(topology::node_name(fabric, cut[i]));
      names_text += (i > 0 ? ", " : "") + names.back().get<std::string>();
    }
    extras["failures"] = {{"links_down", fx.links_down},
                          {"links_degraded", fx.links_degraded},
                          {"switches_down", fx.switches_down},
                          {"capacity_lost_bps", fx.capacity_lost_bps},
                          {"healthy_bisection_bps", fx.healthy_bisection_bps},
                          {"bisection_bps", fx.bisection_bps},
                          {"bisection_lost_bps", lost},
                          {"endpoints_cut_off", cut.size()},
                          {"endpoints_cut_off_first", names},
                          {"all_pairs_reachable", !pair.has_value()}};
    // Timed failures: listed, not applied (the summary is the fabric at time zero).
    const std::vector<topology::LinkChange> schedule = topology::failure_schedule(fabric, spec.failures, spec.source);
    nlohmann::json sched = nlohmann::json::array();
    for (const topology::LinkChange& c : schedule) {
      const topology::Link& l = fabric.link(c.link);
      nlohmann::json e{{"at", to_string(c.at)}, {"link", {topology::node_name(fabric, l.a), topology::node_name(fabric, l.b)}},
                       {"link_id", c.link}, {"state", c.up ? "up" : "down"}, {"entry", c.entry}, {"restore", c.restore}};
      if (c.up) e["rate"] = to_string(c.rate);
      sched.push_back(std::move(e));
    }
    extras["failures"]["schedule"] = sched;
    if (pair) extras["failures"]["unreachable_pair"] = {topology::node_name(fabric, pair->first), topology::node_name(fabric, pair->second)};
    extras_text += "  failures: " + std::to_string(fx.links_down) + " links down, " + std::to_string(fx.links_degraded) +
                   " degraded, " + std::to_string(fx.switches_down) + " switches down; bisection lost " +
                   std::to_string(static_cast<double>(lost) * 1e-9) + " Gb/s of " +
                   std::to_string(static_cast<double>(fx.healthy_bisection_bps) * 1e-9) + " Gb/s\n";
    extras_text += "  reachability: " + std::to_string(cut.size()) + " endpoints cut off" +
                   (cut.empty() ? std::string() : " (" + names_text + (cut.size() > kCutOffNames ? ", ..." : "") + ")") +
                   (pair ? "; no route from " + topology::node_name(fabric, pair->first) + " to " +
                               topology::node_name(fabric, pair->second)
                         : "; every endpoint pair routes") +
                   "\n";
    if (!schedule.empty()) {
      extras_text += "  timed failures: " + std::to_string(schedule.size()) + " link changes from " + to_string(schedule.front().at) +
                     " to " + to_string(schedule.back().at) + " (not applied to this summary)\n";
    }
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
  // A route that fails on a healthy validated fabric is a bug, not bad input: say so with exit
  // code 1. With links down, flows between endpoints the failures cut apart are expected to fail.
  const bool bug = rs.routed != rs.flows && fabric.links_down() == 0;
  ctx.exit_code = bug ? 1 : 0;
  if (bug) std::cerr << "error: " << rs.flows - rs.routed << " sample flows found no route\n";
}

}  // namespace

void register_topo(CLI::App& app, CommandContext& ctx) {
  auto opt = std::make_shared<TopoOptions>();
  CLI::App* cmd = app.add_subcommand("topo", "Validate a topology and summarize its fabric");
  cmd->add_option("file", opt->file, "Topology JSON (default: the built-in 128-accelerator rail fabric)");
  cmd->add_flag("--json", opt->json, "Print the summary as JSON");
  cmd->add_option("--dot", opt->dot, "Write Graphviz DOT of the fabric to this file (small fabrics only)");
  cmd->add_option("--set", opt->overrides, "Override a field: key.path=value (repeatable)");
  add_max_memory_option(cmd);
  cmd->add_option("--route-sample", opt->route_sample, "Sample flows to route (path queries)")->capture_default_str();
  add_seed_option(cmd, opt->seed, "Seed for ECMP hashing and the sample flows, 0..2^64-1 (default 1)");
  cmd->callback([opt, &ctx] { run_topo(*opt, ctx); });
}

}  // namespace rocesim::app
