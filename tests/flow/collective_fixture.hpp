// Shared test fixture: one collective over every endpoint of a fabric, lowered as the workload
// layer does it and run on the fluid tier, for tests that compare fluid parameters on it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "core/simulator.hpp"
#include "flow/fluid_net.hpp"
#include "routing/router.hpp"
#include "topology/fabric.hpp"
#include "workload/collectives.hpp"
#include "workload/dag_executor.hpp"

namespace rocesim::flow::testing {

// Single-GPU nodes: rank r is endpoint r, alone on its node, rail 0.
struct SelfNodes {
  std::vector<std::uint32_t> ranks, node_of, rail_of;
  explicit SelfNodes(std::uint32_t n) : ranks(n), node_of(n), rail_of(n, 0) {
    for (std::uint32_t r = 0; r < n; ++r) {
      ranks[r] = r;
      node_of[r] = workload::kSelfNodeTag | r;
    }
  }
  workload::Locality locality() const { return workload::Locality{node_of, rail_of, 400e9}; }
};

struct CollectiveOutcome {
  Time end{};
  FluidStats stats{};
  SolveStats solver{};
  double max_utilization = 0;  // over every port, to the end
};

// Lowers `alg` of `kind` over every endpoint and runs it on the fluid tier with `params`.
inline CollectiveOutcome run_collective(const topology::Fabric& f, workload::CollectiveKind kind,
                                        workload::Algorithm alg, const workload::CollectiveArgs& args,
                                        const FluidParams& params) {
  const SelfNodes nodes(f.endpoints());
  workload::TransferDag dag;
  std::vector<workload::NodeIndex> ready(nodes.ranks.size(), workload::kNoNode), done;
  workload::lower_collective(dag, kind, alg, nodes.ranks, args, nodes.locality(), ready, done);
  dag.finalize();
  Simulator sim;
  const routing::Router router(f, routing::RoutingParams{});
  FluidNet net(sim, f, router, params);
  workload::DagExecutor exec(sim, net, dag, nodes.ranks, 1);
  net.set_sink(&exec);
  exec.start();
  sim.run();
  REQUIRE(exec.finished());
  CollectiveOutcome o{exec.last_completion(), net.stats(), net.solver_stats(), 0.0};
  for (double u : net.port_utilization(o.end)) o.max_utilization = std::max(o.max_utilization, u);
  return o;
}

}  // namespace rocesim::flow::testing
