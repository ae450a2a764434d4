// The analytic tier's contention models (workload/analytic_backend.hpp) on hand-sized fabrics.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "topology/topology.hpp"
#include "workload/transfer_dag.hpp"

using namespace rocesim;
using namespace rocesim::workload;
using rocesim::test::kNic;

namespace {

constexpr Time kAlpha = Time::from_us(1);  // star fabric: 2 NIC links × 500 ns
constexpr std::int64_t kS = 1 << 20;       // 1 MiB: 20.97152 µs at 400 Gb/s

Time ser(std::int64_t bytes, Rate r = kNic) { return serialization_time(Bytes{bytes}, r); }

// Independent transfers (no dependencies), all released at t = 0, in the order given.
TransferDag independent(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs, std::int64_t bytes) {
  TransferDag dag;
  for (const auto& [s, d] : pairs) dag.add_transfer(s, d, Bytes{bytes}, 0, 0, {});
  dag.finalize();
  return dag;
}

// 2 leaves × 2 hosts and one spine, 400 Gb/s and 500 ns everywhere: hosts 0, 1 on leaf 0 and
// 2, 3 on leaf 1, so 0 → 2 and 1 → 3 both cross the single leaf0→spine and spine→leaf1 links.
topology::Fabric one_spine() {
  const nlohmann::json doc = {{"generator", "leaf_spine"},
                              {"leaf_spine",
                               {{"leaves", 2},
                                {"hosts_per_leaf", 2},
                                {"spines", 1},
                                {"host_link", {{"rate", "400Gbps"}, {"latency", "500ns"}}},
                                {"fabric_link", {{"rate", "400Gbps"}, {"latency", "500ns"}}}}}};
  return topology::build_fabric(topology::parse_topology(doc, "test"));
}

}  // namespace

TEST_CASE("contention names parse and print; anything else is rejected") {
  for (Contention c : {Contention::links, Contention::endpoints, Contention::none}) CHECK(parse_contention(to_string(c)) == c);
  CHECK_FALSE(parse_contention("fair").has_value());
  CHECK_FALSE(parse_contention("").has_value());
}

TEST_CASE("N:1 incast: the destination's NIC link serializes N·S/B; without contention all finish at once") {
  // N = 4 senders (1..4) to endpoint 0 on the star fabric, S each. Every path ends on the leaf→0
  // port, which carries one transfer at a time: the k-th holds it from (k−1)·S/B + 500 ns, so the
  // last finishes at N·S/B + α. The senders' own NICs are all free, so endpoints-only FIFO gives
  // the same (the destination NIC receives one at a time); no contention: S/B + α.
  const std::uint32_t N = 4;
  const auto f = test::star_fabric(N + 1);
  const TransferDag dag = independent({{1, 0}, {2, 0}, {3, 0}, {4, 0}}, kS);
  CHECK(test::run_analytic(f, dag).finish == ser(kS) * N + kAlpha);
  CHECK(test::run_analytic(f, dag, 1, Contention::endpoints).finish == ser(kS) * N + kAlpha);
  CHECK(test::run_analytic(f, dag, 1, Contention::none).finish == ser(kS) + kAlpha);
}

TEST_CASE("links: two flows from different NICs share one spine link; endpoints-only FIFO misses it") {
  // 0 → 2 and 1 → 3: disjoint NICs, one shared leaf0→spine→leaf1 route. Path latency 4 × 500 ns.
  // links: the second waits for the first to clear the shared ports: 2·S/B + 2 µs.
  // endpoints / none: the fabric is contention-free, both end at S/B + 2 µs (the shared link
  // would then carry 800 Gb/s on 400 — the overload the default model removes).
  const auto f = one_spine();
  const TransferDag dag = independent({{0, 2}, {1, 3}}, kS);
  const Time path = Time::from_us(2);
  CHECK(test::run_analytic(f, dag).finish == ser(kS) * 2 + path);
  CHECK(test::run_analytic(f, dag, 1, Contention::endpoints).finish == ser(kS) + path);
  CHECK(test::run_analytic(f, dag, 1, Contention::none).finish == ser(kS) + path);
}

TEST_CASE("links: cut-through holds a downstream port from when the head arrives there") {
  // A = 0 → 2 (4 hops) holds leaf1→acc2 from its head's arrival, 1.5 µs, to 1.5 µs + S/B.
  // B = 3 → 2 (2 hops, released right after A) reaches that port 0.5 µs after it starts, so it
  // starts at 1 µs + S/B and ends 1 µs + S/B later: 2·S/B + 2 µs — exactly when A's last byte
  // has cleared the port, plus B's own S/B and the 500 ns into acc2. (Holding every port from the
  // start, B would end at 2·S/B + 1 µs, before A's bytes could have left the port.)
  const auto f = one_spine();
  CHECK(test::run_analytic(f, independent({{0, 2}, {3, 2}}, kS)).finish == ser(kS) * 2 + Time::from_us(2));
  // Opposite directions of a link are separate ports: 0 → 2 and 2 → 0 do not wait for each other.
  CHECK(test::run_analytic(f, independent({{0, 2}, {2, 0}}, kS)).finish == ser(kS) + Time::from_us(2));
  // Two sends from one NIC queue there: 0 → 1 (same leaf), then 0 → 2 from S/B: 2·S/B + 2 µs.
  CHECK(test::run_analytic(f, independent({{0, 1}, {0, 2}}, kS)).finish == ser(kS) * 2 + Time::from_us(2));
}

TEST_CASE("links: a multi-channel ring keeps each NIC at its line rate") {
  // 4 channels of one ring step 0 → 1 on the star fabric: 4 transfers of S/4 on one path. Without
  // contention they overlap (S/(4B) + α: 4× the line rate); with link FIFOs they serialize to
  // S/B + α, exactly the line rate.
  const auto f = test::star_fabric(2);
  TransferDag dag;
  for (std::uint16_t c = 0; c < 4; ++c) dag.add_transfer(0, 1, Bytes{kS / 4}, c, 0, {});
  dag.finalize();
  CHECK(test::run_analytic(f, dag).finish == ser(kS / 4) * 4 + kAlpha);
  CHECK(test::run_analytic(f, dag, 1, Contention::none).finish == ser(kS / 4) + kAlpha);
}
