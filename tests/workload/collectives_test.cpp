#include <doctest/doctest.h>

#include "fixtures.hpp"
#include "workload/collectives.hpp"

using namespace rocesim;
using namespace rocesim::workload;
using rocesim::test::kNic;
using rocesim::test::kScaleUp;
using rocesim::test::lower_one;

namespace {

constexpr Time kAlpha = Time::from_us(1);  // 2 hops × 500 ns on the star fabric


Time ser(std::int64_t bytes, Rate r = kNic) { return serialization_time(Bytes{bytes}, r); }

}  // namespace

TEST_CASE("pieces split any byte count exactly") {
  // 10 bytes in 4 parts: ⌊10·1/4⌋−0 = 2, 5−2 = 3, 7−5 = 2, 10−7 = 3.
  CHECK(piece(10, 4, 0) == 2);
  CHECK(piece(10, 4, 1) == 3);
  CHECK(piece(10, 4, 2) == 2);
  CHECK(piece(10, 4, 3) == 3);
}

TEST_CASE("ring all-reduce: 2(n-1) steps of alpha + S/(nB); every rank sends 2(n-1)/n S") {
  const std::uint32_t n = 8;
  const std::int64_t S = 64 << 20;
  const auto f = test::star_fabric(n);
  const TransferDag dag = lower_one(CollectiveKind::all_reduce, Algorithm::ring, n, {Bytes{S}});
  CHECK(dag.transfer_count() == 2 * (n - 1) * n);
  const auto r = test::run_analytic(f, dag);
  REQUIRE(r.finished);
  // 2(n−1)·α + 2(n−1)/n·S/B = 14·1 µs + 14·(8 MiB · 20 ps).
  CHECK(r.finish == kAlpha * 14 + ser(S / n) * 14);
  for (std::uint32_t p = 0; p < n; ++p) {
    CHECK(r.sent[p] == 2 * (n - 1) * S / n);
    CHECK(r.received[p] == 2 * (n - 1) * S / n);
  }
}

TEST_CASE("ring all-reduce with chunks pipelines: (2(n-1)+K-1) steps of alpha + S/(KnB)") {
  const std::uint32_t n = 4, K = 4;
  const std::int64_t S = 16 << 20;
  const auto f = test::star_fabric(n);
  const TransferDag dag = lower_one(CollectiveKind::all_reduce, Algorithm::ring, n, {Bytes{S}, 1, K});
  const auto r = test::run_analytic(f, dag, 1, Contention::none);
  REQUIRE(r.finished);
  CHECK(r.finish == (kAlpha + ser(S / (K * n))) * (2 * (n - 1) + K - 1));
  // That formula overlaps the K chunks of a step on one NIC (contention=none). With link FIFOs
  // each NIC serializes its 2(n−1)·K pieces of S/(Kn): at least 24 · S/(KnB) + α = 504.3 µs,
  // 2.5× the contention-free figure.
  CHECK(test::run_analytic(f, dag).finish >= ser(S / (K * n)) * (2 * (n - 1) * K) + kAlpha);
  CHECK(r.sent[0] == 2 * (n - 1) * S / n);
}

TEST_CASE("ring with C channels: same bytes per rank, C instances on flow labels 0..C-1") {
  const std::uint32_t n = 4, C = 2;
  const std::int64_t S = 1000003;  // not divisible: pieces must still sum exactly
  const TransferDag dag = lower_one(CollectiveKind::all_reduce, Algorithm::ring, n, {Bytes{S}, C});
  std::int64_t total = 0;
  std::uint32_t max_label = 0;
  for (NodeIndex v = 0; v < dag.size(); ++v) {
    if (dag.node(v).kind != DagNodeKind::transfer) continue;
    total += dag.node(v).amount;
    max_label = std::max<std::uint32_t>(max_label, dag.node(v).channel);
  }
  // Every rank sends 2(n−1) pieces of each channel's buffer: the total is 2(n−1)·S exactly.
  CHECK(total == 2 * (n - 1) * S);
  CHECK(max_label == C - 1);
}

TEST_CASE("halving-doubling (Rabenseifner): 2 log2(n) alpha + 2(n-1)/n S/B") {
  const std::uint32_t n = 8;
  const std::int64_t S = 64 << 20;
  const auto f = test::star_fabric(n);
  const TransferDag dag = lower_one(CollectiveKind::all_reduce, Algorithm::halving_doubling, n, {Bytes{S}});
  CHECK(dag.transfer_count() == 2 * 3 * n);
  const auto r = test::run_analytic(f, dag);
  REQUIRE(r.finished);
  // log2 8 = 3; step sizes S/2, S/4, S/8 then S/8, S/4, S/2: Σ = 2·(7/8)·S.
  CHECK(r.finish == kAlpha * 6 + ser(S / 2) * 2 + ser(S / 4) * 2 + ser(S / 8) * 2);
  CHECK(ser(S / 2) * 2 + ser(S / 4) * 2 + ser(S / 8) * 2 == ser(2 * (n - 1) * S / n));
  for (std::uint32_t p = 0; p < n; ++p) CHECK(r.sent[p] == 2 * (n - 1) * S / n);
}

TEST_CASE("halving-doubling on a non-power-of-two group is an error, not a fallback") {
  CHECK_THROWS_WITH_AS(lower_one(CollectiveKind::all_reduce, Algorithm::halving_doubling, 6, {Bytes{600}}),
                       doctest::Contains("power-of-two"), LoweringError);
}

TEST_CASE("double binary tree: each tree carries S/2 up and down; depth 3 for 8 ranks") {
  const std::uint32_t n = 8;
  const std::int64_t S = 8 << 20;
  const auto f = test::star_fabric(n);
  const TransferDag dag = lower_one(CollectiveKind::all_reduce, Algorithm::double_binary_tree, n, {Bytes{S}});
  const auto r = test::run_analytic(f, dag, 1, Contention::none);
  REQUIRE(r.finished);
  // Without contention (the formula's assumption): heap depth of position 7 is 3 (7→3→1→0):
  // reduce 3 hops, broadcast 3 hops, each α + (S/2)/B;
  // the mirrored tree runs in parallel with the same depth.
  CHECK(r.finish == (kAlpha + ser(S / 2)) * 6);
  // Each tree has n−1 edges, each carrying S/2 up and S/2 down: 2(n−1)·S in total.
  std::int64_t total = 0;
  for (auto b : r.sent) total += b;
  CHECK(total == 2 * (n - 1) * S);
  // Interior in one tree, leaf in the other: position 1 has children 3, 4 in tree 0 (sends S/2 up
  // and S/2 to each child) and is the leaf tree node 6 in tree 1 (sends S/2 up): 2 S.
  CHECK(r.sent[1] == 2 * S);
  // With link FIFOs that NIC serializes its 2 S: at least 2·S/B + α.
  CHECK(test::run_analytic(f, dag).finish >= ser(2 * S) + kAlpha);
}

TEST_CASE("direct all-reduce: scatter then gather, 2 rounds of alpha + S/(nB)") {
  const std::uint32_t n = 4;
  const std::int64_t S = 4 << 20;
  const auto f = test::star_fabric(n);
  const TransferDag dag = lower_one(CollectiveKind::all_reduce, Algorithm::direct, n, {Bytes{S}});
  const auto r = test::run_analytic(f, dag, 1, Contention::none);
  REQUIRE(r.finished);
  CHECK(r.finish == (kAlpha + ser(S / n)) * 2);
  // With link FIFOs each NIC sends its n−1 pieces one after another in each round; the waiting
  // transfers hold nothing, so every NIC stays busy: 2 rounds of α + (n−1)·S/(nB).
  CHECK(test::run_analytic(f, dag).finish == (kAlpha + ser(S / n) * (n - 1)) * 2);
  CHECK(r.sent[2] == 2 * (n - 1) * S / n);
}

TEST_CASE("reduce-scatter and all-gather (ring, direct): (n-1)/n S per rank") {
  const std::uint32_t n = 4;
  const std::int64_t S = 4 << 20;
  const auto f = test::star_fabric(n);
  for (CollectiveKind k : {CollectiveKind::reduce_scatter, CollectiveKind::all_gather}) {
    const auto ring = test::run_analytic(f, lower_one(k, Algorithm::ring, n, {Bytes{S}}));
    CHECK(ring.finish == (kAlpha + ser(S / n)) * (n - 1));
    const auto direct = test::run_analytic(f, lower_one(k, Algorithm::direct, n, {Bytes{S}}), 1, Contention::none);
    CHECK(direct.finish == kAlpha + ser(S / n));
    // Link FIFOs: every NIC sends its n−1 pieces back to back (the least any schedule can do).
    CHECK(test::run_analytic(f, lower_one(k, Algorithm::direct, n, {Bytes{S}})).finish == kAlpha + ser(S / n) * (n - 1));
    for (std::uint32_t p = 0; p < n; ++p) {
      CHECK(ring.sent[p] == (n - 1) * S / n);
      CHECK(direct.sent[p] == (n - 1) * S / n);
    }
  }
}

TEST_CASE("pairwise all-to-all: (n-1) steps of alpha + S/(nB); max_concurrent overlaps steps") {
  const std::uint32_t n = 8;
  const std::int64_t S = 8 << 20;
  const auto f = test::star_fabric(n);
  const auto r = test::run_analytic(f, lower_one(CollectiveKind::all_to_all, Algorithm::pairwise, n, {Bytes{S}}));
  REQUIRE(r.finished);
  CHECK(r.finish == (kAlpha + ser(S / n)) * (n - 1));
  for (std::uint32_t p = 0; p < n; ++p) CHECK(r.sent[p] == (n - 1) * S / n);
  // Window 7: all sends at once. Without contention, one step; with the default link FIFOs every
  // NIC still has to serialize its 7 pieces: at least α + 7·S/(nB) (test below for the exact value).
  CollectiveArgs all{Bytes{S}};
  all.max_concurrent = n - 1;
  const TransferDag wide_dag = lower_one(CollectiveKind::all_to_all, Algorithm::pairwise, n, all);
  CHECK(test::run_analytic(f, wide_dag, 1, Contention::none).finish == kAlpha + ser(S / n));
  CHECK(test::run_analytic(f, wide_dag).finish >= kAlpha + ser(S / n) * (n - 1));
}

TEST_CASE("broadcast ring pipelines K chunks through the chain: (n-2+K) steps") {
  const std::uint32_t n = 5, K = 4;
  const std::int64_t S = 4 << 20;
  const auto f = test::star_fabric(n);
  CollectiveArgs a{Bytes{S}, 1, K};
  a.root = 2;
  const auto r = test::run_analytic(f, lower_one(CollectiveKind::broadcast, Algorithm::ring, n, a));
  REQUIRE(r.finished);
  CHECK(r.finish == (kAlpha + ser(S / K)) * (n - 2 + K));
  // The chain 2→3→4→0→1: everyone but the last (rank 1) forwards S; the root receives nothing.
  CHECK(r.sent[1] == 0);
  CHECK(r.sent[2] == S);
  CHECK(r.received[2] == 0);
}

TEST_CASE("hierarchical all-reduce: scale-up reduce-scatter, per-rail all-reduce, scale-up all-gather") {
  const std::uint32_t D = 2, m = 4, n = D * m;
  const std::int64_t S = 36 << 20;
  const auto f = test::star_fabric(D, m);
  const auto r = test::run_analytic(f, lower_one(CollectiveKind::all_reduce, Algorithm::hierarchical, n, {Bytes{S}}, &f));
  REQUIRE(r.finished);
  // Phases 1 and 3: (m−1) ring steps over the scale-up switch, α_su = 200 ns, S/m per step at 3200 Gb/s
  // (a ring reduce-scatter of the full S over m ranks moves one m-th per step).
  // Phase 2: a 2-rank ring all-reduce of S/m over the NICs: 2(D−1) steps of α + S/(m·D)/B.
  const Time su_step = Time::from_ns(200) + ser(S / m, kScaleUp);
  const Time rail_step = kAlpha + ser(S / m / D);
  CHECK(r.finish.ps == (su_step * (2 * (m - 1)) + rail_step * (2 * (D - 1))).ps);
  for (std::uint32_t p = 0; p < n; ++p) CHECK(r.sent[p] == 2 * (m - 1) * S / m + 2 * (D - 1) * (S / m) / D);
}

TEST_CASE("rail-aligned all-to-all (PXN): scale-up hop to the destination's rail, then one rail hop") {
  const std::uint32_t D = 2, m = 4, n = D * m;
  const std::int64_t S = 8 << 20;
  const auto f = test::star_fabric(D, m);
  const TransferDag dag = lower_one(CollectiveKind::all_to_all, Algorithm::rail_aligned, n, {Bytes{S}}, &f);
  // Fabric transfers only between same-rail GPUs: every NIC transfer joins equal local indices.
  for (NodeIndex v = 0; v < dag.size(); ++v) {
    const DagNode& x = dag.node(v);
    if (x.kind != DagNodeKind::transfer || x.src / m == x.dst / m) continue;
    CHECK(x.src % m == x.dst % m);
  }
  const auto r = test::run_analytic(f, dag, 1, Contention::none);
  REQUIRE(r.finished);
  // Without contention: phase 1: to each of m−1 local peers, D pieces of S/n (its own and the remote ones on its rail).
  // Phase 2: to each of D−1 remote rail peers, m pieces of S/n.
  CHECK(r.finish == Time::from_ns(200) + ser(D * S / n, kScaleUp) + kAlpha + ser(m * S / n));
  // Link FIFOs: phase 1's m−1 scale-up sends leave one after another on the scale-up port.
  CHECK(test::run_analytic(f, dag).finish ==
        Time::from_ns(200) + ser(D * S / n, kScaleUp) * (m - 1) + kAlpha + ser(m * S / n));
  for (std::uint32_t p = 0; p < n; ++p) CHECK(r.sent[p] == (m - 1) * D * S / n + (D - 1) * m * S / n);
}

TEST_CASE("rail-aligned and hierarchical reject groups whose nodes hold different rails") {
  const auto f = test::star_fabric(2, 4);
  TransferDag dag;
  std::vector<std::uint32_t> node_of, rail_of;
  for (std::uint32_t e = 0; e < 8; ++e) {
    node_of.push_back(f.node(e).scale_up_domain);
    rail_of.push_back(f.node(e).local_index);
  }
  const std::vector<std::uint32_t> ranks{0, 1, 2, 4};  // 3 GPUs of server 0, 1 of server 1
  const std::vector<NodeIndex> ready(4, kNoNode);
  std::vector<NodeIndex> done;
  CHECK_THROWS_WITH_AS(lower_collective(dag, CollectiveKind::all_to_all, Algorithm::rail_aligned, ranks, {Bytes{4096}},
                                        Locality{node_of, rail_of}, ready, done),
                       doctest::Contains("same rails"), LoweringError);
  CHECK_THROWS_AS(lower_collective(dag, CollectiveKind::all_reduce, Algorithm::hierarchical, ranks, {Bytes{4096}},
                                   Locality{node_of, rail_of}, ready, done),
                  LoweringError);
  CHECK_THROWS_WITH_AS(lower_collective(dag, CollectiveKind::all_gather, Algorithm::halving_doubling, ranks,
                                        {Bytes{4096}}, Locality{node_of, rail_of}, ready, done),
                       doctest::Contains("valid: ring, direct"), LoweringError);
}

TEST_CASE("analytic contention=endpoints and =links: a NIC sends and receives one transfer at a time") {
  // All-to-all with every send in flight at once (window n−1). Without contention the analytic tier
  // gives α + S/(nB). With NIC FIFOs, step s = 1..n−1 pairs are disjoint (p → p+s), so each
  // round occupies every NIC once: the last round ends after (n−1) serializations plus α. On the
  // star fabric a path is exactly the two NIC links (up at the source, down into the destination),
  // so link FIFOs give the same schedule: each NIC sends (n−1)·S/n bytes, the least any model can.
  const std::uint32_t n = 6;
  const std::int64_t S = 6 << 20;
  const auto f = test::star_fabric(n);
  CollectiveArgs a{Bytes{S}};
  a.max_concurrent = n - 1;
  const TransferDag dag = lower_one(CollectiveKind::all_to_all, Algorithm::pairwise, n, a);
  Simulator sim;
  routing::Router router(f, routing::RoutingParams{});
  AnalyticBackend backend(sim, router, Contention::endpoints);
  const auto ranks = test::identity(n);
  DagExecutor ex(sim, backend, dag, ranks, 1);
  ex.start();
  sim.run();
  REQUIRE(ex.finished());
  CHECK(ex.last_completion() == kAlpha + ser(S / n) * (n - 1));
  CHECK(test::run_analytic(f, dag, 1, Contention::links).finish == kAlpha + ser(S / n) * (n - 1));
  CHECK(test::run_analytic(f, dag, 1, Contention::none).finish == kAlpha + ser(S / n));
}
