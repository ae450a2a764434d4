// Tiny fabrics and a one-call runner shared by the workload tests.
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

#include "core/simulator.hpp"
#include "routing/router.hpp"
#include "topology/fabric.hpp"
#include "workload/analytic_backend.hpp"
#include "workload/collectives.hpp"
#include "workload/dag_executor.hpp"

namespace rocesim::test {

inline constexpr Rate kNic = Rate::gbps(400);          // 1 byte = 20 ps exactly
inline constexpr Time kNicLatency = Time::from_ns(500);
inline constexpr Rate kScaleUp = Rate::gbps(3200);     // 1 byte = 2.5 ps
inline constexpr Time kScaleUpLatency = Time::from_ns(100);

// `servers` servers of `gpus` accelerators, every NIC on one leaf switch (a non-blocking fabric):
// any two accelerators are 2 hops apart, α = 2·500 ns = 1 µs, bottleneck 400 Gb/s. With gpus > 1 the
// accelerators of a server also share a scale-up switch (α = 200 ns, 3200 Gb/s).
inline topology::Fabric star_fabric(std::uint32_t servers, std::uint32_t gpus = 1) {
  using namespace topology;
  FabricBuilder b("star", "test");
  const std::uint32_t n = servers * gpus;
  for (std::uint32_t e = 0; e < n; ++e) b.add_accelerator(e / gpus, e % gpus, gpus > 1 ? e / gpus : kNone, 0);
  const NodeId leaf = b.add_switch(1, 0, {kNone, 0, 0, 0, 0}, 0);
  std::vector<NodeId> su;
  if (gpus > 1) {
    for (std::uint32_t s = 0; s < servers; ++s) su.push_back(b.add_scale_up_switch(s));
  }
  for (std::uint32_t e = 0; e < n; ++e) {
    b.add_link(e, leaf, kNic, kNicLatency, LinkKind::nic);
    if (gpus > 1) b.add_link(e, su[e / gpus], kScaleUp, kScaleUpLatency, LinkKind::scale_up);
  }
  return std::move(b).build();
}

inline std::vector<std::uint32_t> identity(std::uint32_t n) {
  std::vector<std::uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

struct RunResult {
  Time finish{};
  std::vector<std::int64_t> sent, received;
  bool finished = false;
};

// Runs a finalized DAG whose ranks are endpoints (rank r = endpoint r) on the analytic backend.
inline RunResult run_analytic(const topology::Fabric& f, const workload::TransferDag& dag, std::size_t ops = 1,
                              workload::Contention contention = workload::Contention::links) {
  Simulator sim;
  routing::Router router(f, routing::RoutingParams{});
  workload::AnalyticBackend backend(sim, router, contention);
  const auto ranks = identity(f.endpoints());
  workload::DagExecutor ex(sim, backend, dag, ranks, ops);
  ex.start();
  sim.run();
  RunResult r;
  r.finish = ex.last_completion();
  r.sent.assign(ex.bytes_sent().begin(), ex.bytes_sent().end());
  r.received.assign(ex.bytes_received().begin(), ex.bytes_received().end());
  r.finished = ex.finished();
  return r;
}

// Lowers one collective over ranks 0..n-1 (all ready at t = 0) into a finalized DAG.
// f (optional) gives each rank's scale-up domain and rail, as lowering sees them on that fabric.
inline workload::TransferDag lower_one(workload::CollectiveKind kind, workload::Algorithm alg, std::uint32_t n,
                                      workload::CollectiveArgs args, const topology::Fabric* f = nullptr) {
  using namespace workload;
  TransferDag dag;
  const auto ranks = identity(n);
  std::vector<std::uint32_t> node_of(n), rail_of(n);
  if (f != nullptr) {
    for (std::uint32_t e = 0; e < n; ++e) {
      node_of[e] = f->node(e).scale_up_domain;
      rail_of[e] = f->node(e).local_index;
    }
  }
  const std::vector<NodeIndex> ready(n, kNoNode);
  std::vector<NodeIndex> done;
  lower_collective(dag, kind, alg, ranks, args, Locality{node_of, rail_of}, ready, done);
  dag.add_join(0, done);
  dag.finalize();
  return dag;
}

}  // namespace rocesim::test
