// The per-op lower bound (report/op_lower_bound.hpp) on hand-sized star fabrics: every NIC on one
// leaf switch, 400 Gb/s and 500 ns NIC links; with 2 accelerators per server also a 3200 Gb/s,
// 100 ns scale-up switch per server (tests/workload/fixtures.hpp).
#include <doctest/doctest.h>

#include "../workload/fixtures.hpp"
#include "report/op_lower_bound.hpp"

using namespace rocesim;
using workload::NodeIndex;
using workload::TransferDag;

namespace {

constexpr std::int64_t kS = 1 << 20;                   // 1 MiB
constexpr Time kNicPath = Time::from_us(1);            // 2 NIC links × 500 ns, same leaf
constexpr Time kScaleUpPath = Time::from_ns(200);      // 2 scale-up links × 100 ns

// Exact at 400 and 800 Gb/s (20 and 10 ps per byte), where the bound's floor equals this ceiling.
Time ser(std::int64_t bytes, Rate r) { return serialization_time(Bytes{bytes}, r); }

std::vector<Time> bounds(const topology::Fabric& f, const TransferDag& dag, std::size_t ops,
                         std::span<const topology::LinkChange> changes = {}) {
  const auto ranks = test::identity(f.endpoints());
  return report::op_lower_bounds(f, dag, ranks, ops, changes);
}

}  // namespace

TEST_CASE("one send: the path latency through the shared leaf plus S over the NIC rate") {
  const auto f = test::star_fabric(4);
  TransferDag dag;
  dag.add_transfer(0, 1, Bytes{kS}, 0, 0, {});
  dag.finalize();
  CHECK(bounds(f, dag, 1)[0] == kNicPath + ser(kS, test::kNic));
}

TEST_CASE("3:1 incast without dependencies: the receiver's NIC needs 3·S/B after the first byte arrives") {
  // The chain bound is one transfer (α + S/B); the ingress volume of endpoint 0 is 3S at 400 Gb/s,
  // no earlier than α after the op starts: 3·S/B + α.
  const auto f = test::star_fabric(4);
  TransferDag dag;
  for (std::uint32_t s = 1; s <= 3; ++s) dag.add_transfer(s, 0, Bytes{kS}, 0, 0, {});
  dag.finalize();
  CHECK(bounds(f, dag, 1)[0] == ser(kS, test::kNic) * 3 + kNicPath);
}

TEST_CASE("a dependency chain counts only the op's own nodes") {
  // Op 0: 0 → 1 then 1 → 0 (dependent): 2·(α + S/B). Op 1: 2 → 3 after op 0's last transfer, S/2:
  // its bound starts from its own release (α + S/(2B)), not from op 0's.
  const auto f = test::star_fabric(4);
  TransferDag dag;
  const NodeIndex a = dag.add_transfer(0, 1, Bytes{kS}, 0, 0, {});
  const NodeIndex b = dag.add_transfer(1, 0, Bytes{kS}, 0, 0, {a});
  dag.add_transfer(2, 3, Bytes{kS / 2}, 0, 1, {b});
  dag.finalize();
  const auto lb = bounds(f, dag, 2);
  CHECK(lb[0] == (kNicPath + ser(kS, test::kNic)) * 2);
  CHECK(lb[1] == kNicPath + ser(kS / 2, test::kNic));
}

TEST_CASE("scale-up: a same-server pair may use both ports; remote bytes must leave through the NIC") {
  // 2 servers × 2 accelerators. 0 → 1 (same server): any routing could split it over the scale-up
  // and the NIC link, 3200 + 400 Gb/s, with the scale-up path's 200 ns: S/(3600 Gb/s) + 200 ns.
  const auto f = test::star_fabric(2, 2);
  TransferDag local;
  local.add_transfer(0, 1, Bytes{kS}, 0, 0, {});
  local.finalize();
  // 8·2^20·1e12 / 3.6e12 = 2,330,168.9 ps, rounded down (the bound never rounds up).
  CHECK(bounds(f, local, 1)[0] == kScaleUpPath + Time{2330168});
  // 0 → 2 and 0 → 3 (the other server): the scale-up switch reaches neither, so 2S leave over the
  // 400 Gb/s NIC: 2·S/B + α (summing every port of endpoint 0 would give only 2S/3600 Gb/s).
  TransferDag remote;
  remote.add_transfer(0, 2, Bytes{kS}, 0, 0, {});
  remote.add_transfer(0, 3, Bytes{kS}, 0, 0, {});
  remote.finalize();
  CHECK(bounds(f, remote, 1)[0] == ser(kS, test::kNic) * 2 + kNicPath);
}

TEST_CASE("a link that a failure schedule raises above its time-zero rate counts at its peak") {
  // Links 0 and 1 are the NIC links of endpoints 0 and 1 (star_fabric adds them in endpoint
  // order). A schedule bringing both to 800 Gb/s at some time: 0 → 1 could run at 800 Gb/s.
  const auto f = test::star_fabric(4);
  TransferDag dag;
  dag.add_transfer(0, 1, Bytes{kS}, 0, 0, {});
  dag.finalize();
  const std::vector<topology::LinkChange> changes{{Time::from_us(5), 0, true, Rate::gbps(800), 0, true},
                                                  {Time::from_us(5), 1, true, Rate::gbps(800), 0, true}};
  CHECK(bounds(f, dag, 1, changes)[0] == kNicPath + ser(kS, Rate::gbps(800)));
  // A change that lowers a rate or takes a link down never raises the bound above the healthy one.
  const std::vector<topology::LinkChange> down{{Time::from_us(5), 0, false, Rate{}, 0, false}};
  CHECK(bounds(f, dag, 1, down)[0] == kNicPath + ser(kS, test::kNic));
}

TEST_CASE("a pair no switch path joins (a rail-only relay) may use every port of both ends") {
  // 2 servers × 2 accelerators, a 3200 Gb/s / 100 ns scale-up switch per server, and two rails:
  // leaf A joins the local-0 accelerators (0 and 2), leaf B the local-1 ones (1 and 3); the leaves
  // are not connected. 0 → 2 share leaf A: NIC only, α + S/B. 0 → 3 share no switch component (a
  // route must relay through 1 or 2), so any of their ports may carry it: 3600 Gb/s out of 0 and
  // into 3, and at least one port latency at each end, 100 + 100 ns.
  using namespace topology;
  FabricBuilder b("rails", "test");
  for (std::uint32_t e = 0; e < 4; ++e) b.add_accelerator(e / 2, e % 2, e / 2, 0);
  const NodeId leaf_a = b.add_switch(1, 0, {kNone, 0, 0, 0, 0}, 0);
  const NodeId leaf_b = b.add_switch(1, 0, {kNone, 1, 1, 1, 1}, 0);
  const NodeId su0 = b.add_scale_up_switch(0), su1 = b.add_scale_up_switch(1);
  for (std::uint32_t e = 0; e < 4; ++e) {
    b.add_link(e, e % 2 == 0 ? leaf_a : leaf_b, test::kNic, test::kNicLatency, LinkKind::nic);
    b.add_link(e, e / 2 == 0 ? su0 : su1, test::kScaleUp, test::kScaleUpLatency, LinkKind::scale_up);
  }
  b.set_structural(false);
  const Fabric f = std::move(b).build();
  TransferDag same_rail;
  same_rail.add_transfer(0, 2, Bytes{kS}, 0, 0, {});
  same_rail.finalize();
  CHECK(bounds(f, same_rail, 1)[0] == kNicPath + ser(kS, test::kNic));
  TransferDag relayed;
  relayed.add_transfer(0, 3, Bytes{kS}, 0, 0, {});
  relayed.finalize();
  CHECK(bounds(f, relayed, 1)[0] == kScaleUpPath + Time{2330168});  // ⌊8·2^20·1e12 / 3.6e12⌋ ps
}
