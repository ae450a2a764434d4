// Collectives on a full-mesh scale-up domain (topology/scale_up.hpp): k link-disjoint rings,
// all-to-all over all 7 links, hierarchical phases on the mesh. Analytic backend with link FIFOs,
// so a number equal to the closed form also shows that no two transfers shared a link.
#include <doctest/doctest.h>

#include <set>

#include "core/config_error.hpp"
#include "fixtures.hpp"
#include "topology/scale_up.hpp"
#include "workload/collectives.hpp"
#include "workload/lower_workload.hpp"
#include "workload/workload_spec.hpp"

using namespace rocesim;
using namespace rocesim::workload;
using rocesim::test::kNic;

namespace {

constexpr Rate kMeshLink = Rate::gbps(400);            // 20 ps per byte: exact times
constexpr Time kMeshLatency = Time::from_ns(100);
constexpr Time kAlpha = Time::from_us(1);              // NIC → leaf → NIC, 2 × 500 ns

// `servers` servers of `gpus` accelerators, one full-mesh domain per server (one 400 Gb/s link per
// pair), every NIC on one leaf switch.
topology::Fabric mesh_fabric(std::uint32_t servers, std::uint32_t gpus) {
  using namespace topology;
  ScaleUpSpec su;
  su.size = gpus;
  su.shape = ScaleUpShape::full_mesh;
  su.link = LinkSpec{kMeshLink, kMeshLatency};
  FabricBuilder b("mesh", "test");
  const std::uint32_t n = servers * gpus;
  for (std::uint32_t e = 0; e < n; ++e) b.add_accelerator(e / gpus, e % gpus, e / gpus, 0);
  const NodeId leaf = b.add_switch(1, 0, {kNone, 0, 0, 0, 0}, 0);
  for (std::uint32_t e = 0; e < n; ++e) {
    b.add_link(e, leaf, test::kNic, test::kNicLatency, LinkKind::nic);
    add_scale_up_links(b, su, e, kNone);
  }
  return std::move(b).build();
}

TransferDag lower_on(const topology::Fabric& f, CollectiveKind kind, Algorithm alg, CollectiveArgs args) {
  return test::lower_one(kind, alg, f.endpoints(), args, &f);
}

Time ser(std::int64_t bytes, Rate r = kMeshLink) { return serialization_time(Bytes{bytes}, r); }

// Distinct scale-up links rank `src`'s transfers leave on (routed with the default hash).
std::set<topology::LinkId> links_out_of(const topology::Fabric& f, const TransferDag& dag, std::uint32_t src) {
  const routing::Router router(f, routing::RoutingParams{});
  std::set<topology::LinkId> out;
  for (NodeIndex v = 0; v < dag.size(); ++v) {
    const DagNode& x = dag.node(v);
    if (x.kind != DagNodeKind::transfer || x.src != src) continue;
    std::vector<topology::PortId> path;
    REQUIRE(router.path(routing::FlowKey::for_qp(x.src, x.dst, x.channel), path));
    const topology::LinkId l = f.port(path.front()).link;
    if (f.link(l).kind == topology::LinkKind::scale_up) out.insert(l);
  }
  return out;
}

}  // namespace

TEST_CASE("ring strides: 1, n−1, then coprime pairs; at most φ(n) rings") {
  CHECK(ring_strides(8, 4) == std::vector<std::uint32_t>{1, 7, 3, 5});
  CHECK(ring_strides(7, 6) == std::vector<std::uint32_t>{1, 6, 2, 5, 3, 4});
  CHECK(ring_strides(2, 1) == std::vector<std::uint32_t>{1});
  CHECK_THROWS_AS(ring_strides(8, 5), LoweringError);  // φ(8) = 4
}

TEST_CASE("ring all-reduce in one 8-GPU mesh with k rings = 2(n−1)/n·S/(k·B_link) + 2(n−1)·α") {
  const std::uint32_t n = 8;
  const std::int64_t S = 8 << 20;  // S/(k·n) is a whole number of bytes for k = 1, 2, 4
  const auto f = mesh_fabric(1, n);
  for (const std::uint32_t k : {1u, 2u, 4u}) {
    CAPTURE(k);
    CollectiveArgs args{Bytes{S}};
    args.rings = k;
    const TransferDag dag = lower_on(f, CollectiveKind::all_reduce, Algorithm::ring, args);
    const auto r = test::run_analytic(f, dag);
    REQUIRE(r.finished);
    // Each ring step moves S/(k·n) over one mesh link per rank and ring; the k rings use k
    // different links, so with link FIFOs nothing queues: 2(n−1) steps of α + S/(k·n·B).
    // k = 4, S = 8 MiB, B = 400 Gb/s, α = 100 ns: 14 × (0.1 + 5.24288) µs = 74.80032 µs.
    const Time expect = (kMeshLatency + ser(S / (k * n))) * (2 * (n - 1));
    CHECK(r.finish == expect);
    if (k == 4) CHECK(r.finish == Time::from_ns(74800) + Time{320});
    // Closed form: 2(n−1)/n·S/(k·B) + 2(n−1)·α.
    CHECK(r.finish == ser(2 * (n - 1) * S / (n * k)) + kMeshLatency * (2 * (n - 1)));
    for (std::uint32_t p = 0; p < n; ++p) CHECK(r.sent[p] == 2 * (n - 1) * S / n);
    // Rank 0 sends on exactly k of its 7 links.
    CHECK(links_out_of(f, dag, 0).size() == k);
  }
}

TEST_CASE("k rings do not help on a switched domain of the same per-accelerator rate: one link per rank") {
  // The star fixture's scale-up switch links run at 3200 Gb/s; with 4 rings every rank sends 4
  // pieces per step on its one link, so the bandwidth term is that of one ring.
  const std::uint32_t n = 8;
  const std::int64_t S = 8 << 20;
  const auto f = test::star_fabric(1, n);
  CollectiveArgs one{Bytes{S}};
  CollectiveArgs four{Bytes{S}};
  four.rings = 4;
  const Time t1 = test::run_analytic(f, lower_on(f, CollectiveKind::all_reduce, Algorithm::ring, one)).finish;
  const Time t4 = test::run_analytic(f, lower_on(f, CollectiveKind::all_reduce, Algorithm::ring, four)).finish;
  // One ring: 14 steps of 2 × 100 ns + 1 MiB at 3200 Gb/s = 14 × 2.82144 µs = 39.50016 µs.
  CHECK(t1 == (Time::from_ns(200) + serialization_time(Bytes{S / n}, test::kScaleUp)) * (2 * (n - 1)));
  // Four rings: each rank still pushes 2(n−1)/n·S through its one switch link (36.70016 µs at
  // least), where four rings on a mesh would divide that by four.
  CHECK(t4 >= serialization_time(Bytes{2 * (n - 1) * S / n}, test::kScaleUp));
}

TEST_CASE("ring orders on 8 ranks: 5..7 rings are Hamiltonian cycles using every ordered pair at most once") {
  // 7 rings × 8 hops = 56 = 8·7 ordered pairs: with 7 rings every pair (every directed mesh link)
  // is used exactly once.
  for (const std::uint32_t k : {5u, 6u, 7u}) {
    CAPTURE(k);
    const auto orders = ring_orders(8, k);
    REQUIRE(orders.size() == k);
    std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (const auto& o : orders) {
      CHECK(std::set<std::uint32_t>(o.begin(), o.end()).size() == 8);  // visits every rank once
      for (std::uint32_t p = 0; p < 8; ++p) pairs.emplace(o[p], o[(p + 1) % 8]);
    }
    CHECK(pairs.size() == 8 * k);  // no pair twice
  }
  // Up to φ(n) the stride rings stay (same lowering as before for 1, 2, 4 rings).
  CHECK(ring_orders(8, 2)[1] == std::vector<std::uint32_t>{0, 7, 6, 5, 4, 3, 2, 1});
  CHECK(ring_orders(9, 6).size() == 6);  // φ(9) = 6
}

TEST_CASE("rings beyond the limit are an error naming it: 7 on 8 ranks, φ(n) otherwise") {
  const auto f = mesh_fabric(1, 8);
  CollectiveArgs args{Bytes{1 << 20}};
  args.rings = 8;
  CHECK_THROWS_WITH_AS(lower_on(f, CollectiveKind::all_reduce, Algorithm::ring, args),
                       doctest::Contains("at most 7 link-disjoint rings"), LoweringError);
  const auto f6 = mesh_fabric(1, 6);
  args.rings = 3;
  CHECK_THROWS_WITH_AS(lower_on(f6, CollectiveKind::all_reduce, Algorithm::ring, args),
                       doctest::Contains("at most 2 link-disjoint rings"), LoweringError);  // φ(6) = 2
}

TEST_CASE("ring all-reduce in one 8-GPU mesh with 5, 6, 7 rings: the closed form with k links; 7 uses all links") {
  const std::uint32_t n = 8;
  const std::int64_t S = 1680 * 4096;  // S/(k·n) is whole for k = 5, 6, 7 (lcm of 40, 48, 56 = 1680)
  const auto f = mesh_fabric(1, n);
  for (const std::uint32_t k : {5u, 6u, 7u}) {
    CAPTURE(k);
    CollectiveArgs args{Bytes{S}};
    args.rings = k;
    const TransferDag dag = lower_on(f, CollectiveKind::all_reduce, Algorithm::ring, args);
    const auto r = test::run_analytic(f, dag);
    REQUIRE(r.finished);
    // 2(n−1) steps of α + S/(k·n·B): the k rings never share a link (link FIFOs would queue).
    // k = 7: S/56 = 122,880 B at 400 Gb/s = 2.4576 µs; 14 × (0.1 + 2.4576) µs = 35.8064 µs,
    // against 14 × (0.1 + 4.3008) = 61.6112 µs with the 4 stride rings.
    CHECK(r.finish == (kMeshLatency + ser(S / (k * n))) * (2 * (n - 1)));
    if (k == 7) CHECK(r.finish == Time::from_ns(35806) + Time{400});
    for (std::uint32_t p = 0; p < n; ++p) CHECK(r.sent[p] == 2 * (n - 1) * S / n);
    // Every rank sends on exactly k of its 7 links (all 7 with k = 7).
    for (std::uint32_t p = 0; p < n; ++p) CHECK(links_out_of(f, dag, p).size() == k);
  }
}

TEST_CASE("direct all-to-all inside the mesh: all 7 links at once, α + S/(n·B)") {
  const std::uint32_t n = 8;
  const std::int64_t S = 8 << 20;
  const auto f = mesh_fabric(1, n);
  CollectiveArgs args{Bytes{S}};
  args.max_concurrent = n - 1;  // every peer at once
  const TransferDag dag = lower_on(f, CollectiveKind::all_to_all, Algorithm::pairwise, args);
  const auto r = test::run_analytic(f, dag);
  REQUIRE(r.finished);
  // Each of the 7 peers gets S/n = 1 MiB over its own link, all in parallel: 0.1 + 20.97152 µs.
  CHECK(r.finish == kMeshLatency + ser(S / n));
  for (std::uint32_t p = 0; p < n; ++p) CHECK(links_out_of(f, dag, p).size() == n - 1);
}

TEST_CASE("hierarchical all-reduce on mesh nodes: k rings in the intra-node phases, one ring on the rails") {
  const std::uint32_t D = 2, m = 8, n = D * m;
  const std::int64_t S = 8 << 20;
  const auto f = mesh_fabric(D, m);
  for (const std::uint32_t k : {1u, 4u}) {
    CAPTURE(k);
    CollectiveArgs args{Bytes{S}};
    args.rings = k;
    const auto r = test::run_analytic(f, lower_on(f, CollectiveKind::all_reduce, Algorithm::hierarchical, args));
    REQUIRE(r.finished);
    // Phases 1 and 3: (m−1) ring steps each of α_mesh + S/(k·m·B_link) (k rings on k links).
    // Phase 2: a 2-rank ring all-reduce of S/m per rail over the NICs: 2(D−1) steps of α + S/(m·D·B).
    const Time mesh_step = kMeshLatency + ser(S / (k * m));
    const Time rail_step = kAlpha + ser(S / m / D, kNic);
    CHECK(r.finish == mesh_step * (2 * (m - 1)) + rail_step * (2 * (D - 1)));
    for (std::uint32_t p = 0; p < n; ++p) CHECK(r.sent[p] == 2 * (m - 1) * S / m + 2 * (D - 1) * (S / m) / D);
  }
}

TEST_CASE("hierarchical (rail-aligned) all-to-all: the intra-node phase uses all mesh links at once") {
  const std::uint32_t D = 2, m = 8, n = D * m;
  const std::int64_t S = 16 << 20;
  const auto f = mesh_fabric(D, m);
  const TransferDag dag = lower_on(f, CollectiveKind::all_to_all, Algorithm::rail_aligned, CollectiveArgs{Bytes{S}});
  const auto r = test::run_analytic(f, dag);
  REQUIRE(r.finished);
  // Phase 1: to each of the m−1 local peers, D pieces of S/n, each over its own link (no queueing,
  // unlike a switched domain's one port); phase 2: D−1 rail peers, m pieces of S/n over the NIC.
  CHECK(r.finish == kMeshLatency + ser(D * S / n) + kAlpha + ser(m * S / n, kNic));
  CHECK(links_out_of(f, dag, 0).size() == m - 1);
}

TEST_CASE("\"rings\" in a workload: ring and hierarchical only, written back only when not 1, checked at lowering") {
  const auto doc = [](const std::string& op) {
    return nlohmann::json::parse(R"({"jobs": [{"world_size": 8, "ops": [)" + op + "]}]}");
  };
  const WorkloadSpec w = parse_workload(doc(R"({"type": "all_reduce", "bytes": "8MiB", "rings": 4})"), "w.json");
  CHECK(w.jobs[0].ops[0].args().rings == 4);
  CHECK(to_json(w)["jobs"][0]["ops"][0]["rings"] == 4);
  const WorkloadSpec one = parse_workload(doc(R"({"type": "all_reduce", "bytes": "8MiB"})"), "w.json");
  CHECK_FALSE(to_json(one)["jobs"][0]["ops"][0].contains("rings"));
  CHECK_THROWS_AS(parse_workload(doc(R"({"type": "all_to_all", "bytes": "8MiB", "rings": 2})"), "w.json"), ConfigError);
  CHECK_THROWS_AS(parse_workload(doc(R"({"type": "all_reduce", "bytes": "8MiB", "rings": 0})"), "w.json"), ConfigError);
  // 8 rings over 8 ranks: the lowering error names the op's file and field.
  const auto f = mesh_fabric(1, 8);
  const WorkloadSpec eight = parse_workload(doc(R"({"type": "all_reduce", "bytes": "8MiB", "rings": 8})"), "w.json");
  CHECK_THROWS_WITH_AS(lower_workload(eight, f), doctest::Contains("at most 7 link-disjoint rings"), ConfigError);
}
