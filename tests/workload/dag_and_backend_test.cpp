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

TEST_CASE("TransferDag: packed nodes keep every field at the limits of their bit widths") {
  // The node is 16 B (transfer_dag.hpp): ranks in 24 bits (largest 2^24 − 2 = 16,777,214), channel
  // 16 bits, op 29 bits (largest 2^29 − 2 = 536,870,910; UINT32_MAX = no op), traffic class 3 bits,
  // amount in 32 bits: below 2^31 itself, else an index into a side table (any int64).
  TransferDag dag;
  const std::int64_t big = std::int64_t{1} << 62;
  const NodeIndex t = dag.add_transfer(kMaxDagRanks - 1, 0, Bytes{big}, 65535, kMaxDagOpRecords - 1, {});
  const NodeIndex d = dag.add_delay(Time{5}, kNoRank, UINT32_MAX, {t});
  const NodeIndex c = dag.add_delay(Time::from_ms(3), 7, 0, {t, d});
  const NodeIndex u = dag.add_transfer(3, 4, Bytes{(std::int64_t{1} << 31) - 1}, 1, 2, {c});  // largest literal
  const NodeIndex w = dag.add_transfer(4, 3, Bytes{std::int64_t{1} << 31}, 1, 2, {c});        // first in the table
  dag.set_traffic_class(0, dag.size(), 5);
  CHECK_THROWS_AS(dag.add_transfer(kMaxDagRanks, 0, Bytes{1}, 0, 0, {}), std::length_error);
  CHECK_THROWS_AS(dag.add_delay(Time{}, 0, kMaxDagOpRecords, {}), std::length_error);
  dag.finalize();
  const DagNode nt = dag.node(t), nd = dag.node(d), nc = dag.node(c), nu = dag.node(u);
  CHECK(nt.kind == DagNodeKind::transfer);
  CHECK(nt.src == kMaxDagRanks - 1);
  CHECK(nt.dst == 0);
  CHECK(nt.amount == big);
  CHECK(nt.channel == 65535);
  CHECK(nt.op == kMaxDagOpRecords - 1);
  CHECK(nt.traffic_class == 5);
  CHECK(nd.kind == DagNodeKind::delay);
  CHECK(nd.src == kNoRank);
  CHECK(nd.dst == kNoRank);
  CHECK(nd.op == UINT32_MAX);
  CHECK(nd.amount == 5);
  CHECK(nc.src == 7);
  CHECK(nc.amount == 3'000'000'000);
  CHECK(nu.amount == (std::int64_t{1} << 31) - 1);
  CHECK(dag.node(w).amount == std::int64_t{1} << 31);
  CHECK(dag.node(w).src == 4);
  CHECK(nu.op == 2);
  CHECK(std::vector<NodeIndex>(dag.successors(t).begin(), dag.successors(t).end()) == std::vector<NodeIndex>{d, c});
  CHECK(dag.successors(u).empty());
}

TEST_CASE("TransferDag: successor lists cross page boundaries intact and memory stays near 29 B per node") {
  // A chain of 100,000 transfers, each also depending on node 0: node 0 has 99,999 successors
  // (several 16,384-entry pages), every other node one or two. Per node: 16 B packed + 4 B
  // successor offset + ~8 B of edges (2 per node) = ~28 B, pages rounding up by < 64 KiB each.
  TransferDag dag;
  NodeIndex prev = dag.add_delay(Time{}, kNoRank, 0, {});
  for (int i = 1; i < 100000; ++i) prev = dag.add_transfer(i % 2, 1 - i % 2, Bytes{1000 + i % 3}, 0, 0, {prev, 0});
  dag.finalize();
  CHECK(dag.edge_count() == 2 * 99999 - 1);  // node 1 has the same predecessor twice: kept once
  const auto s0 = dag.successors(0);
  CHECK(s0.size() == 99999);
  NodeIndex expect = 1;
  bool ascending = true;
  for (NodeIndex s : s0) ascending = ascending && s == expect++;
  CHECK(ascending);
  CHECK(dag.successors(50000).size() == 1);
  CHECK(*dag.successors(50000).begin() == 50001);
  const double per_node = static_cast<double>(dag.memory_bytes()) / 100000.0;
  CHECK(per_node > 27.0);
  CHECK(per_node < 32.0);
}
