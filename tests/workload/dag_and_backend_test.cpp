#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "workload/transfer_dag.hpp"

using namespace rocesim;
using namespace rocesim::workload;

TEST_CASE("TransferDag: predecessors become ordered successor lists; duplicates and kNoNode are dropped") {
  TransferDag dag;
  const NodeIndex a = dag.add_delay(Time::from_us(1), 0, 0, {});
  const NodeIndex b = dag.add_transfer(0, 1, Bytes{100}, 3, 0, {a, a, kNoNode});
  const NodeIndex c = dag.add_transfer(1, 0, Bytes{100}, 0, 0, {a});
  std::vector<NodeIndex> many(20, b);  // a long list (sorted path) with duplicates
  many.push_back(c);
  const NodeIndex j = dag.add_join(0, many);
  CHECK(dag.indegree(b) == 1);
  CHECK(dag.indegree(j) == 2);
  dag.finalize();
  CHECK(dag.edge_count() == 4);
  CHECK(std::vector<NodeIndex>(dag.successors(a).begin(), dag.successors(a).end()) == std::vector<NodeIndex>{b, c});
  CHECK(dag.successors(b).size() == 1);
  CHECK(dag.node(b).channel == 3);
  CHECK(dag.transfer_count() == 2);
  CHECK_THROWS_AS(dag.add_delay(Time{}, 0, 0, {}), std::logic_error);  // frozen after finalize
}

TEST_CASE("analytic backend: path latency plus bytes over the slowest link of the ECMP path") {
  using namespace topology;
  // Two leaves, one spine; hosts at 400 Gb/s, leaf–spine links at 100 Gb/s with 2 µs latency.
  FabricBuilder b("two-leaf", "test");
  for (std::uint32_t e = 0; e < 4; ++e) b.add_accelerator(e, 0, kNone, 0);
  const NodeId l0 = b.add_switch(1, 0, {kNone, 0, 0, 0, 0}, 0), l1 = b.add_switch(1, 0, {kNone, 1, 0, 0, 0}, 0);
  const NodeId s = b.add_switch(2, 0, {kNone, kNone, 0, 0, 0}, 0);
  for (std::uint32_t e = 0; e < 4; ++e) b.add_link(e, e < 2 ? l0 : l1, test::kNic, test::kNicLatency, LinkKind::nic);
  b.add_link(l0, s, Rate::gbps(100), Time::from_us(2), LinkKind::fabric);
  b.add_link(l1, s, Rate::gbps(100), Time::from_us(2), LinkKind::fabric);
  const Fabric f = std::move(b).build();
  Simulator sim;
  routing::Router router(f, routing::RoutingParams{});
  AnalyticBackend backend(sim, router);
  // Same leaf: 2 × 500 ns + 1 MB at 400 Gb/s (20 ps/B) = 1 µs + 20 µs.
  CHECK(backend.transfer_time({0, 1, Bytes{1000000}, 0, 0, 0}) == Time::from_us(21));
  // Across the spine: 2 × 500 ns + 2 × 2 µs, and the 100 Gb/s link sets the rate (80 ps/B): 5 + 80 µs.
  CHECK(backend.transfer_time({0, 3, Bytes{1000000}, 0, 0, 0}) == Time::from_us(85));
}
