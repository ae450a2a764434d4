// FluidParams::bundle_parallel: parallel transfers of one endpoint pair, started together, as one
// fluid variable (fluid_net.hpp, "bundles"). The model: lane i of a bundle of k lanes carries
// x·w_i/W of the bundle's rate x on its own path (w_i its wire bytes, W = Σ w_i), so every lane
// finishes at the same instant; the variable has weight k, so its level x/k (the mean lane rate)
// is what max-min compares with single flows. Exact when the lanes share every port; otherwise a
// fast lane is held back to the pace of the slowest, and what it leaves idles or goes to others.
// The stated, tested bound: NCCL all-to-all durations within 1 % of one variable per transfer.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "flow/fluid_net.hpp"
#include "collective_fixture.hpp"
#include "leaf_spine_fixture.hpp"
#include "workload/collectives.hpp"
#include "workload/dag_executor.hpp"

using namespace rocesim;

namespace {

struct BundleNet {
  Simulator sim;
  routing::Router router;
  flow::FluidNet net;
  BundleNet(const topology::Fabric& f, bool bundle, double slack = 0.0)
      : router(f, routing::RoutingParams{}), net(sim, f, router, params_for(bundle, slack)) {}
  static flow::FluidParams params_for(bool bundle, double slack) {
    flow::FluidParams p = flow::testing::payload_only();
    p.bundle_parallel = bundle;
    p.resolve_slack = slack;
    return p;
  }
};

// Completion time by tag.
struct Finishes : TransferSink {
  std::map<std::uint64_t, Time> at;
  void on_transfer_done(std::uint64_t tag, Time now) override {
    CHECK(at.count(tag) == 0);  // each tag reported once
    at[tag] = now;
  }
};

// The first spine (tier-2 switch) on the path of (src, dst, label).
topology::NodeId spine_of(const topology::Fabric& f, const routing::Router& r, std::uint32_t src, std::uint32_t dst,
                          std::uint32_t label) {
  std::vector<topology::PortId> path;
  REQUIRE(r.path(routing::FlowKey::for_qp(src, dst, label), path));
  for (topology::PortId p : path) {
    const topology::NodeId n = f.port(p).node;
    if (f.node(n).tier == 2) return n;
  }
  FAIL("no spine on the path");
  return 0;
}

// Two labels of (src, dst) whose paths cross different spines.
std::pair<std::uint32_t, std::uint32_t> split_labels(const topology::Fabric& f, std::uint32_t src, std::uint32_t dst) {
  const routing::Router r(f, routing::RoutingParams{});
  const topology::NodeId first = spine_of(f, r, src, dst, 0);
  for (std::uint32_t label = 1; label < 64; ++label)
    if (spine_of(f, r, src, dst, label) != first) return {0, label};
  FAIL("every label hashes to one spine");
  return {0, 0};
}

double rel_diff(Time a, Time b) { return std::abs(static_cast<double>(a.ps - b.ps)) / static_cast<double>(b.ps); }

// Lowers NCCL's all-to-all over every endpoint and returns its duration on the fluid tier.
Time nccl_all_to_all(const topology::Fabric& f, Bytes bytes, bool bundle, double slack, flow::FluidStats* stats = nullptr) {
  workload::CollectiveArgs args{bytes};
  args.max_concurrent = 0;
  args.channels_per_peer = 4;  // at most; fewer for small pieces (128 KiB chunks)
  const flow::testing::CollectiveOutcome o = flow::testing::run_collective(
      f, workload::CollectiveKind::all_to_all, workload::Algorithm::nccl, args, BundleNet::params_for(bundle, slack));
  CHECK(o.max_utilization <= 1.0 + 1e-9);
  if (stats != nullptr) *stats = o.stats;
  return o.end;
}

}  // namespace

TEST_CASE("bundle: lanes on one path are exactly the separate transfers") {
  // Four 1 MiB transfers 0 -> 1 on one label share every port: max-min gives each C/4 and they
  // end together at 1 µs (two 500 ns hops) + 4·8·2^20 bits / 400 Gb/s = 1 µs + 83.886 µs, bundled
  // or not; a fifth on another pair is untouched.
  const topology::Fabric f = flow::testing::leaf_spine(1, 4, 0);
  for (bool bundle : {false, true}) {
    CAPTURE(bundle);
    BundleNet b(f, bundle);
    Finishes sink;
    b.net.set_sink(&sink);
    for (std::uint64_t t = 0; t < 4; ++t) b.net.start(TransferRequest{0, 1, Bytes{1 << 20}, 0, 0, t});
    b.net.start(TransferRequest{2, 3, Bytes{1 << 20}, 0, 0, 9});
    b.sim.run();
    REQUIRE(sink.at.size() == 5);
    const Time expect = Time::from_ns(1000) + serialization_time(Bytes{4 << 20}, flow::testing::kLine);
    for (std::uint64_t t = 0; t < 4; ++t) CHECK(sink.at[t] == expect);
    CHECK(sink.at[9] == Time::from_ns(1000) + serialization_time(Bytes{1 << 20}, flow::testing::kLine));
    CHECK(b.net.stats().bundled == (bundle ? 3u : 0u));
    CHECK(b.net.stats().completed == 5);
  }
}

TEST_CASE("bundle: lanes on two spines move at the slowest lane's pace, and others get what the fast lane leaves") {
  // Leaves of 2 hosts joined by spine A at 100 Gb/s and spine B at 300 Gb/s, NICs at 400 Gb/s.
  // Transfer 0 -> 2 is two lanes of S = 1 MiB, on A and on B; a long flow Y 0 -> 3 crosses B.
  // Separate (max-min): A holds lane A at 100; lane B and Y split B's 300 (150 each; the NIC,
  // 100 + 150 + 150, saturates too); lane B ends at S/150, lane A at S/100.
  // Bundled: x/2 ≤ 100 on A fixes the level at 100, so both lanes run at 100 (x = 200) and end
  // at 2S/200 = S/100, the same instant as the separate slowest lane; Y gets min(300 − 100,
  // 400 − 200) = 200 instead of 150 while the bundle runs.
  const std::vector<Rate> spines{Rate::gbps(100), Rate::gbps(300)};
  const topology::Fabric f = flow::testing::leaf_spine_rates(2, 2, spines);
  const routing::Router r(f, routing::RoutingParams{});
  // Lane labels: one on each spine; Y's label: on the 300 Gb/s one.
  std::uint32_t on_a = UINT32_MAX, on_b = UINT32_MAX, y_label = UINT32_MAX;
  const auto rate_of_spine = [&](topology::NodeId n) {
    const topology::Node& node = f.node(n);
    return f.port_rate(node.first_port).bps;
  };
  for (std::uint32_t label = 0; label < 64; ++label) {
    const auto bps = rate_of_spine(spine_of(f, r, 0, 2, label));
    if (bps == Rate::gbps(100).bps && on_a == UINT32_MAX) on_a = label;
    if (bps == Rate::gbps(300).bps && on_b == UINT32_MAX) on_b = label;
    if (rate_of_spine(spine_of(f, r, 0, 3, label)) == Rate::gbps(300).bps && y_label == UINT32_MAX) y_label = label;
  }
  REQUIRE(on_a != UINT32_MAX);
  REQUIRE(on_b != UINT32_MAX);
  REQUIRE(y_label != UINT32_MAX);
  const Bytes s{1 << 20};
  const Time start = Time::from_ns(2000);  // four ports of 500 ns: NIC, leaf up, spine down, leaf down
  for (bool bundle : {false, true}) {
    CAPTURE(bundle);
    BundleNet b(f, bundle);
    Finishes sink;
    b.net.set_sink(&sink);
    b.net.start(TransferRequest{0, 2, s, on_a, 0, 0});
    b.net.start(TransferRequest{0, 2, s, on_b, 0, 1});
    b.net.start(TransferRequest{0, 3, Bytes{64 << 20}, y_label, 0, 7});
    b.sim.run_until(Time::from_us(5));
    CHECK(b.net.rate_of(0) == doctest::Approx(100e9));
    CHECK(b.net.rate_of(1) == doctest::Approx(bundle ? 100e9 : 150e9));
    CHECK(b.net.rate_of(7) == doctest::Approx(bundle ? 200e9 : 150e9));
    b.sim.run();
    CHECK(sink.at[0] == start + serialization_time(s, Rate::gbps(100)));
    if (bundle) {
      CHECK(sink.at[1] == sink.at[0]);
    } else {
      CHECK(std::abs((sink.at[1] - start - serialization_time(s, Rate::gbps(150))).ps) <= 1);
    }
    // Bytes on each spine: the lane's S (bundled: the coefficient 1/2 of 2S), Y's 64 MiB on B.
    const std::vector<double> bytes = b.net.port_bytes();
    double on_spine_a = 0, on_spine_b = 0;
    for (topology::PortId p = 0; p < bytes.size(); ++p) {
      const topology::NodeId n = f.port(p).node;
      if (f.node(n).tier != 2) continue;
      (f.port_rate(p).bps == Rate::gbps(100).bps ? on_spine_a : on_spine_b) += bytes[p];
    }
    CHECK(on_spine_a == doctest::Approx(static_cast<double>(s.n)));
    CHECK(on_spine_b == doctest::Approx(static_cast<double>(s.n + (64 << 20))));
  }
}

TEST_CASE("bundle: only same pair, same class, same instant, sizes within 1 %") {
  const topology::Fabric f = flow::testing::leaf_spine(1, 4, 0);
  BundleNet b(f, true);
  Finishes sink;
  b.net.set_sink(&sink);
  b.net.start(TransferRequest{0, 1, Bytes{1000000}, 0, 0, 0});
  b.net.start(TransferRequest{0, 1, Bytes{1009000}, 1, 0, 1});  // +0.9 %: joins
  b.net.start(TransferRequest{0, 1, Bytes{1020000}, 2, 0, 2});  // +2 % of the smallest: opens its own
  b.net.start(TransferRequest{0, 1, Bytes{1020000}, 3, 1, 3});  // another class
  b.net.start(TransferRequest{0, 2, Bytes{1020000}, 4, 1, 4});  // another destination
  b.net.start(TransferRequest{0, 2, Bytes{1020000}, 5, 1, 5});  // joins 4
  b.sim.run_until(Time::from_us(1));
  b.net.start(TransferRequest{0, 2, Bytes{1020000}, 6, 1, 6});  // a later instant
  b.sim.run();
  CHECK(b.net.stats().bundled == 2);
  CHECK(sink.at.size() == 7);
  CHECK(sink.at[0] == sink.at[1]);
  CHECK(sink.at[4] == sink.at[5]);
}

TEST_CASE("bundle: NCCL all-to-all within 1 % of one variable per transfer at k = 4, 1:1 and 2:1") {
  // 64 hosts on 8 leaves. 8 spines: non-blocking; 4 spines: the leaf uplinks are 2:1 and ECMP
  // collisions give the channels of one peer different rates. 32 MiB: 512 KiB per peer, so
  // k = 4 channels per peer (128 KiB chunks), each its own label: 4 lanes per bundle.
  for (std::uint32_t spines : {8u, 4u}) {
    CAPTURE(spines);
    const topology::Fabric f = flow::testing::leaf_spine(8, 8, spines);
    flow::FluidStats separate_stats, bundled_stats;
    const Time separate = nccl_all_to_all(f, Bytes{32 << 20}, false, 0.0, &separate_stats);
    const Time bundled = nccl_all_to_all(f, Bytes{32 << 20}, true, 0.0, &bundled_stats);
    CAPTURE(separate.us());
    CAPTURE(bundled.us());
    CHECK(rel_diff(bundled, separate) <= 0.01);
    // Every peer's 4 channels ride one variable: 3 of every 4 transfers joined another.
    CHECK(bundled_stats.bundled * 4 == separate_stats.started * 3);
    CHECK(bundled_stats.rate_updates * 2 < separate_stats.rate_updates);
    // With resolve slack 0.01 on top: still within 1 % of the separate exact run.
    const Time both = nccl_all_to_all(f, Bytes{32 << 20}, true, 0.01);
    CAPTURE(both.us());
    CHECK(rel_diff(both, separate) <= 0.01);
  }
}

TEST_CASE("bundle: with 2 lanes per bundle the error is larger (+1.24 % measured, 1:1)") {
  // 16 MiB: 256 KiB per peer, k = 2. With two lanes, one ECMP collision holds half the bundle;
  // measured 388.995 µs against 384.224 µs. The bound stated in fluid_net.hpp for k = 2: 1.5 %.
  const topology::Fabric f = flow::testing::leaf_spine(8, 8, 8);
  const Time separate = nccl_all_to_all(f, Bytes{16 << 20}, false, 0.0);
  const Time bundled = nccl_all_to_all(f, Bytes{16 << 20}, true, 0.0);
  CAPTURE(separate.us());
  CAPTURE(bundled.us());
  CHECK(rel_diff(bundled, separate) <= 0.015);
  CHECK(bundled >= separate);  // here the held-back lanes cost time
}

TEST_CASE("bundle: a ring all-reduce's channels between the same neighbours") {
  // C = 4 channels (labels 0..3) of a ring all-reduce over 64 hosts: each step sends C pieces
  // between the same neighbours at the same instant, so they bundle. Measured: 2,894.41 µs
  // either way on both fabrics (the ring is NIC-bound: 7 of 8 steps stay in a leaf, and the
  // one cross-leaf pair per leaf has its uplinks to itself even at 2:1).
  for (std::uint32_t spines : {8u, 4u}) {
    CAPTURE(spines);
    const topology::Fabric f = flow::testing::leaf_spine(8, 8, spines);
    const auto ring = [&](bool bundle) {
      const std::uint32_t n = f.endpoints();
      std::vector<std::uint32_t> ranks(n);
      for (std::uint32_t r = 0; r < n; ++r) ranks[r] = r;
      workload::CollectiveArgs args{Bytes{64 << 20}};
      args.channels = 4;
      workload::TransferDag dag;
      std::vector<workload::NodeIndex> ready(n, workload::kNoNode), done;
      workload::lower_ring(dag, workload::RingPhase::all_reduce, ranks, args, ready, done);
      dag.finalize();
      BundleNet b(f, bundle);
      workload::DagExecutor exec(b.sim, b.net, dag, ranks, 1);
      b.net.set_sink(&exec);
      exec.start();
      b.sim.run();
      REQUIRE(exec.finished());
      return exec.last_completion();
    };
    const Time separate = ring(false), bundled = ring(true);
    CAPTURE(separate.us());
    CAPTURE(bundled.us());
    CHECK(rel_diff(bundled, separate) <= 0.01);
  }
}

TEST_CASE("bundle: a link that goes down moves the lanes that crossed it, bytes conserved") {
  // 2 leaves of 2 hosts, 2 spines at 400 Gb/s. A 4 MiB transfer 0 -> 2 in two lanes, one per
  // spine. At 20 µs one lane's spine goes down: that lane moves to the other spine, so the
  // bundle is then on one path (coefficients 1). Bytes: the NIC carries the whole 8 MiB; the two
  // spines together carry 8 MiB too.
  const topology::Fabric f = flow::testing::leaf_spine(2, 2, 2);
  const auto [l0, l1] = split_labels(f, 0, 2);
  BundleNet b(f, true);
  Finishes sink;
  b.net.set_sink(&sink);
  b.net.start(TransferRequest{0, 2, Bytes{4 << 20}, l0, 0, 0});
  b.net.start(TransferRequest{0, 2, Bytes{4 << 20}, l1, 0, 1});
  b.sim.run_until(Time::from_us(20));
  // The whole spine of lane l1 goes down (the run pipeline: Router first, then the backend).
  const topology::NodeId spine = spine_of(f, b.router, 0, 2, l1);
  std::vector<routing::Router::LinkState> down;
  std::vector<std::uint32_t> links;
  for (topology::LinkId l = 0; l < f.link_count(); ++l) {
    if (f.link(l).a != spine && f.link(l).b != spine) continue;
    down.push_back(routing::Router::LinkState{l, false, Rate{}});
    links.push_back(l);
  }
  b.router.set_link_states(down);
  b.net.on_links_changed(links);
  b.sim.run();
  REQUIRE(sink.at.size() == 2);
  CHECK(sink.at[0] == sink.at[1]);
  const std::vector<double> bytes = b.net.port_bytes();
  CHECK(bytes[f.node(0).first_port] == doctest::Approx(8.0 * (1 << 20)));
  double spines_total = 0;
  for (topology::PortId p = 0; p < bytes.size(); ++p)
    if (f.node(f.port(p).node).tier == 2) spines_total += bytes[p];
  CHECK(spines_total == doctest::Approx(8.0 * (1 << 20)));
  // Both lanes at 400/2 until 20 µs on separate spines (the NIC is the bottleneck: 200 each),
  // then on one path at 200 each: the NIC stays the bottleneck, so the end is 8 MiB at 400 Gb/s.
  CHECK(std::abs((sink.at[0] - Time::from_ns(2000) - serialization_time(Bytes{8 << 20}, flow::testing::kLine)).ps) <= 2);
}
