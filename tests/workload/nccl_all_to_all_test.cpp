// NCCL's p2p schedule and the `nccl` all-to-all built on it (workload/p2p_schedule.hpp,
// nccl_all_to_all.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "fixtures.hpp"
#include "workload/collectives.hpp"
#include "workload/p2p_schedule.hpp"

using namespace rocesim;
using namespace rocesim::workload;

namespace {

P2pLayout grid_layout(std::uint32_t nodes, std::uint32_t local) {
  P2pLayout l;
  l.nodes = nodes;
  l.local = local;
  for (std::uint32_t p = 0; p < nodes * local; ++p) {
    l.node_member.push_back(p);
    l.node_of.push_back(p / local);
    l.local_of.push_back(p % local);
  }
  return l;
}

// NCCL's defaults: no cap on batches in flight (CollectiveArgs defaults max_concurrent to 1 for
// the pairwise exchange).
CollectiveArgs nccl_args(std::int64_t bytes) {
  CollectiveArgs a{Bytes{bytes}};
  a.max_concurrent = 0;
  return a;
}

struct Lowered {
  TransferDag dag;
  std::vector<std::uint32_t> node_of, rail_of;
};

// Lowers one nccl all-to-all over every endpoint of `f` (ranks = endpoints).
Lowered lower_nccl(const topology::Fabric& f, CollectiveArgs a) {
  Lowered out;
  const std::uint32_t n = f.endpoints();
  for (std::uint32_t e = 0; e < n; ++e) {
    const auto& node = f.node(e);
    out.node_of.push_back(node.scale_up_domain != topology::kNone ? node.scale_up_domain : kSelfNodeTag | e);
    out.rail_of.push_back(node.local_index);
  }
  const auto ranks = test::identity(n);
  const std::vector<NodeIndex> ready(n, kNoNode);
  std::vector<NodeIndex> done;
  lower_collective(out.dag, CollectiveKind::all_to_all, Algorithm::nccl, ranks, a,
                   Locality{out.node_of, out.rail_of, 400e9}, ready, done);
  out.dag.add_join(0, done);
  out.dag.finalize();
  return out;
}

}  // namespace

TEST_CASE("p2p schedule: group deltas follow the triangular numbers mod a power of two") {
  // 16 nodes of 8: g = 8, 16 groups, P = 16; gd_k = k(k+1)/2 mod 16 for k = 0..15 is
  // 0,1,3,6,10,15,21→5,28→12,36→4,45→13,55→7,66→2,78→14,91→11,105→9,120→8.
  const P2pSchedule s(grid_layout(16, 8));
  REQUIRE(s.group_size() == 8);
  REQUIRE(s.rounds() == 128);
  const std::uint32_t expect[16] = {0, 1, 3, 6, 10, 15, 5, 12, 4, 13, 7, 2, 14, 11, 9, 8};
  for (std::uint32_t k = 0; k < 16; ++k) {
    CAPTURE(k);
    // Rank 0 (node 0, local 0): round 8k + 0 sends to local 0 of node gd_k, round 8k + 3 to local 3.
    CHECK(s.send(0, 8 * k) == 8 * expect[k]);
    CHECK(s.send(0, 8 * k + 3) == 8 * expect[k] + 3);
    CHECK(s.base(8 * k + 5) == k);
  }
}

TEST_CASE("p2p schedule: every rank meets every peer once, and both ends share the round") {
  for (auto [nodes, local] : {std::pair{6u, 8u}, std::pair{5u, 1u}, std::pair{3u, 4u}, std::pair{1u, 7u}, std::pair{4u, 16u}}) {
    CAPTURE(nodes);
    CAPTURE(local);
    const P2pSchedule s(grid_layout(nodes, local));
    const std::uint32_t n = nodes * local;
    REQUIRE(s.rounds() == n);
    for (std::uint32_t p = 0; p < n; ++p) {
      std::set<std::uint32_t> sent, received;
      CHECK(s.send(p, 0) == p);  // round 0: the rank itself
      for (std::uint32_t r = 0; r < n; ++r) {
        sent.insert(s.send(p, r));
        received.insert(s.recv(p, r));
        CHECK(s.recv(s.send(p, r), r) == p);
      }
      CHECK(sent.size() == n);
      CHECK(received.size() == n);
    }
  }
  // Group size: gcd(L, 8) across nodes (16 → 8, 4 → 4, 1 → 1), L on a single node.
  CHECK(P2pSchedule(grid_layout(4, 16)).group_size() == 8);
  CHECK(P2pSchedule(grid_layout(3, 4)).group_size() == 4);
  CHECK(P2pSchedule(grid_layout(5, 1)).group_size() == 1);
  CHECK(P2pSchedule(grid_layout(1, 7)).group_size() == 7);
}

TEST_CASE("p2p channels: NCCL's defaults for channels per peer and per message") {
  // 400 Gb/s = 50 GB/s over 14 GB/s per channel: ⌈3.57⌉ = 4; 64 ranks: 4·⌈64/8⌉ = 32 <= 32 keeps 4;
  // 128 ranks: 4·16 = 64 > 32 halves to 2; 512 ranks: 64 batches > 32 halves down to 1.
  CHECK(default_channels_per_peer(64, 32, 400e9) == 4);
  CHECK(default_channels_per_peer(128, 32, 400e9) == 2);
  CHECK(default_channels_per_peer(512, 32, 400e9) == 1);
  // 800 Gb/s: ⌈100/14⌉ = 8; 16 ranks: 8·2 = 16 <= 32 keeps 8. 100 Gb/s: ⌈0.89⌉ = 1.
  CHECK(default_channels_per_peer(16, 32, 800e9) == 8);
  CHECK(default_channels_per_peer(16, 32, 100e9) == 1);
  // A message uses min(K, 2^⌈log2 ⌈s/128 KiB⌉⌉) channels: 1 MiB = 8 chunks → K; 200 KiB = 2 chunks → 2.
  CHECK(channels_for_message(1 << 20, 4) == 4);
  CHECK(channels_for_message(200 * 1024, 4) == 2);
  CHECK(channels_for_message(3 * 128 * 1024, 8) == 4);
  CHECK(channels_for_message(1000, 4) == 1);
  // bitrev over 5 bits: 1 → 16, 3 → 24, 8 → 2 (the batch bases' first channels with C = 32).
  CHECK(p2p_bit_reverse(1, 32) == 16);
  CHECK(p2p_bit_reverse(3, 32) == 24);
  CHECK(p2p_bit_reverse(8, 32) == 2);
  CHECK(p2p_bit_reverse(33, 32) == 16);
}

TEST_CASE("nccl all-to-all without PXN: k·Q flows per peer, (n-1)/n·S per rank") {
  // 16 single-GPU servers: 16 nodes of 1 rank, no scale-up, so no PXN. S = 16 MiB, s = 1 MiB:
  // K = 4 (400G, 16 ranks: 4·2 <= 32), k(1 MiB) = 4, Q = 2: 8 transfers per ordered pair.
  const std::uint32_t n = 16;
  const auto f = test::star_fabric(n);
  CollectiveArgs a = nccl_args(16 << 20);
  a.qps_per_connection = 2;
  const Lowered l = lower_nccl(f, a);
  CHECK(l.dag.transfer_count() == n * (n - 1) * 4 * 2);
  std::vector<std::int64_t> sent(n, 0), received(n, 0);
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t>> labels;
  for (NodeIndex i = 0; i < l.dag.size(); ++i) {
    const DagNode& d = l.dag.node(i);
    if (d.kind != DagNodeKind::transfer) continue;
    sent[d.src] += d.amount;
    received[d.dst] += d.amount;
    labels.insert({d.src, d.dst, d.channel});
  }
  CHECK(labels.size() == l.dag.transfer_count());  // every flow of a pair has its own entropy
  for (std::uint32_t p = 0; p < n; ++p) {
    CHECK(sent[p] == 15 * (1 << 20));
    CHECK(received[p] == 15 * (1 << 20));
  }
  const auto r = test::run_analytic(f, l.dag);
  CHECK(r.finished);
}

TEST_CASE("nccl all-to-all with PXN: rail-aligned network flows carrying a node's g pieces") {
  // 4 servers × 8 GPUs with a scale-up switch each: D = 4, L = g = 8, s = S/32. For every remote
  // node, GPU j's NIC sends g·s to GPU j of that node (the pieces of its node's 8 sources), so
  // each rank's NIC carries (D−1)·g·s = 24·s, the same as without PXN, but only along its rail.
  const std::uint32_t servers = 4, gpus = 8, n = servers * gpus;
  const auto f = test::star_fabric(servers, gpus);
  const std::int64_t S = 32 << 20, s = S / n;
  CollectiveArgs a = nccl_args(S);
  a.channels_per_peer = 1;
  const Lowered l = lower_nccl(f, a);
  std::vector<std::int64_t> network(n, 0);
  std::size_t network_flows = 0;
  for (NodeIndex i = 0; i < l.dag.size(); ++i) {
    const DagNode& d = l.dag.node(i);
    if (d.kind != DagNodeKind::transfer || d.src / gpus == d.dst / gpus) continue;
    CHECK(d.src % gpus == d.dst % gpus);  // rail-aligned
    CHECK(d.amount == gpus * s);
    network[d.src] += d.amount;
    ++network_flows;
  }
  CHECK(network_flows == servers * (servers - 1) * gpus);
  for (std::uint32_t p = 0; p < n; ++p) CHECK(network[p] == (servers - 1) * gpus * s);
  // PXN off: every remote peer is a direct flow from the source's own NIC.
  a.pxn = false;
  const Lowered direct = lower_nccl(f, a);
  std::size_t cross_rail = 0;
  for (NodeIndex i = 0; i < direct.dag.size(); ++i) {
    const DagNode& d = direct.dag.node(i);
    if (d.kind == DagNodeKind::transfer && d.src / gpus != d.dst / gpus && d.src % gpus != d.dst % gpus) ++cross_rail;
  }
  CHECK(cross_rail == n * (servers - 1) * (gpus - 1));
}

TEST_CASE("nccl all-to-all: batches sharing a channel run in order, others in parallel") {
  // 12 single-GPU servers, C = 4, K = 1, s = 1 KiB: 12 rounds, batch b on channel bitrev2(b mod 4):
  // rounds 1..11 use channels 2,1,3,0,2,1,3,0,2,1,3 (round 0 is the rank itself, on channel 0).
  // Each channel holds 3 batches in a row, so a rank's sends form 4 chains of ≤ 3: the whole op
  // takes 3 batch times, against 11 for one peer at a time. With max_concurrent = 1 the chains
  // serialize: 11 batch times.
  const std::uint32_t n = 12;
  const auto f = test::star_fabric(n);
  CollectiveArgs a = nccl_args(12 * 1024);  // s = 1 KiB: 20 ns on the wire, α = 1 µs dominates
  a.p2p_channels = 4;
  a.channels_per_peer = 1;
  const auto wide = test::run_analytic(f, lower_nccl(f, a).dag);
  a.max_concurrent = 1;
  const auto serial = test::run_analytic(f, lower_nccl(f, a).dag);
  REQUIRE(wide.finished);
  REQUIRE(serial.finished);
  const double ratio = static_cast<double>(serial.finish.ps) / static_cast<double>(wide.finish.ps);
  CAPTURE(wide.finish.us());
  CAPTURE(serial.finish.us());
  CHECK(ratio > 2.0);
}

TEST_CASE("nccl all-to-all rejects parameters NCCL does not accept") {
  const auto f = test::star_fabric(4);
  CollectiveArgs a = nccl_args(1 << 20);
  a.p2p_channels = 24;
  CHECK_THROWS_AS(lower_nccl(f, a), LoweringError);
  a.p2p_channels = 32;
  a.channels_per_peer = 3;
  CHECK_THROWS_AS(lower_nccl(f, a), LoweringError);
  a.channels_per_peer = 0;
  a.qps_per_connection = 0;
  CHECK_THROWS_AS(lower_nccl(f, a), LoweringError);
}
