// Fluid vs packet backend on the same small scenarios (same fabric, same router, same requests).
//
// Expected agreement, derived: the packet backend sends 4000 B payload frames that occupy
// 4000 + 82 B of wire time (RoCEv2/IPv4/Ethernet headers, FCS, preamble, gap; net_params.hpp),
// so a bandwidth-bound transfer takes 4082/4000 = 1.0205× its fluid time; add per-packet
// store-and-forward (~4082 B · 8 / 400 Gb/s ≈ 82 ns per hop) and ACK/PFC effects. The issue's
// bound is 5 % for bandwidth-bound collectives on non-blocking fabrics and for permutation
// throughput with per-flow ECMP; both are checked here on ≤ 16 endpoints.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "flow/fluid_net.hpp"
#include "leaf_spine_fixture.hpp"
#include "net/make_packet_net.hpp"
#include "workload/collectives.hpp"
#include "workload/dag_executor.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;

namespace {

struct LastDone : TransferSink {
  Time last{};
  int count = 0;
  void on_transfer_done(std::uint64_t, Time now) override {
    last = now;
    ++count;
  }
};

// Runs `reqs` (all started at t = 0) on the named backend; returns the last completion time.
Time run_requests(bool packet, const Fabric& f, const Router& router, const std::vector<TransferRequest>& reqs,
                  const nlohmann::json& packet_params = nlohmann::json::object()) {
  Simulator sim;
  std::unique_ptr<TransferBackend> net;
  if (packet) {
    net = net::make_packet_net(sim, f, router, packet_params);
  } else {
    net = std::make_unique<flow::FluidNet>(sim, f, router, flow::FluidParams{});
  }
  LastDone sink;
  net->set_sink(&sink);
  for (const TransferRequest& r : reqs) net->start(r);
  sim.run();
  REQUIRE(sink.count == static_cast<int>(reqs.size()));
  return sink.last;
}

// Ring all-reduce of `bytes` per rank over all endpoints; returns the completion time.
Time run_ring(bool packet, const Fabric& f, const Router& router, std::int64_t bytes) {
  const std::uint32_t n = f.endpoints();
  workload::TransferDag dag;
  std::vector<std::uint32_t> ranks(n), node_of(n), rail_of(n, 0);
  for (std::uint32_t r = 0; r < n; ++r) ranks[r] = node_of[r] = r;
  std::vector<workload::NodeIndex> ready(n, workload::kNoNode), done;
  workload::CollectiveArgs args;
  args.bytes = Bytes{bytes};
  workload::lower_collective(dag, workload::CollectiveKind::all_reduce, workload::Algorithm::ring, ranks, args,
                             workload::Locality{node_of, rail_of}, ready, done);
  dag.finalize();
  Simulator sim;
  std::unique_ptr<TransferBackend> net;
  if (packet) {
    net = net::make_packet_net(sim, f, router, nlohmann::json::object());
  } else {
    net = std::make_unique<flow::FluidNet>(sim, f, router, flow::FluidParams{});
  }
  workload::DagExecutor exec(sim, *net, dag, ranks, 1);
  net->set_sink(&exec);
  exec.start();
  sim.run();
  REQUIRE(exec.finished());
  return exec.last_completion();
}

}  // namespace

TEST_CASE("ring all-reduce on a non-blocking leaf: fluid and packet agree within 3 %") {
  // 8 hosts on one leaf, 8 MiB per rank: 14 ring steps of 1 MiB, each bandwidth-bound at 400 Gb/s.
  // Both tiers put W = 1 MiB + ⌈1 MiB / 4000 B⌉ · 82 B = 1,070,142 B on the wire per step
  // (fluid: 14 · (1 us + 21.40 us) ≈ 313.6 us; the packet tier adds ACK turnaround and
  // store-and-forward per step: measured 320.8 us, 1.023×).
  const Fabric f = flow::testing::leaf_spine(1, 8, 0);
  const Router router(f, RoutingParams{});
  const Time fluid = run_ring(false, f, router, 8 << 20);
  const Time packet = run_ring(true, f, router, 8 << 20);
  const double ratio = static_cast<double>(packet.ps) / static_cast<double>(fluid.ps);
  MESSAGE("ring all-reduce: fluid " << fluid.us() << " us, packet " << packet.us() << " us, ratio " << ratio);
  CHECK(fluid.us() == doctest::Approx(14 * (1.0 + 8.0 * 1070142 / 400e3)).epsilon(1e-3));
  CHECK(std::abs(ratio - 1.0) < 0.03);
}

TEST_CASE("permutation with per-flow ECMP: fluid and packet agree on aggregate throughput within 1 %") {
  // 8 hosts of leaf A each send 4 MiB to their partner on leaf B over 8 spines; both backends use
  // the same router, hence the same spine per flow. Aggregate throughput = total bits / last
  // completion; collisions make it seed-dependent, the two tiers must agree per seed.
  const Fabric f = flow::testing::leaf_spine(2, 8, 8);
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Router router(f, RoutingParams{HashKind::uniform, seed, true});
    std::vector<TransferRequest> reqs;
    for (std::uint32_t i = 0; i < 8; ++i) reqs.push_back(TransferRequest{i, 8 + i, Bytes{4 << 20}, 0, 0, i});
    const Time fluid = run_requests(false, f, router, reqs);
    const Time packet = run_requests(true, f, router, reqs);
    const double ratio = static_cast<double>(packet.ps) / static_cast<double>(fluid.ps);
    MESSAGE("seed " << seed << ": fluid " << fluid.us() << " us, packet " << packet.us() << " us, ratio " << ratio);
    CHECK(std::abs(ratio - 1.0) < 0.01);  // measured 1.001 (both count headers)
  }
}

TEST_CASE("permutation with packet spraying: the fluid limit bounds the packet tier, which stays within 15 %") {
  // The permutation above with routing.load_balancing = spray (the packet tier with its
  // reorder-tolerant receiver, so reordering costs no retransmission). Fluid: every flow is
  // split 1/8 over the spines, each spine link carries exactly line rate, so every flow runs at
  // 400 Gb/s of wire bytes W = 4 MiB + 1049 packets · 82 B = 4,280,322 B: 2 us + 8 · W / 400 Gb/s
  // = 87.6 us, whatever the seed (both tiers count the headers). Packet: per-packet hashing is only even on average: in any window some spine gets more than its
  // 1/8, queues build and PFC slows the senders. That transient is what the fluid tier leaves
  // out by design, so the fluid time is a lower bound; measured ratio 1.078 (seed 1), checked
  // below 1.15 — and both far below per-flow ECMP on the same fabric (≈ 250 us above).
  const Fabric f = flow::testing::leaf_spine(2, 8, 8);
  RoutingParams rp{HashKind::uniform, 1, true};
  rp.load_balancing = LoadBalancing::spray;
  const Router router(f, rp);
  std::vector<TransferRequest> reqs;
  for (std::uint32_t i = 0; i < 8; ++i) reqs.push_back(TransferRequest{i, 8 + i, Bytes{4 << 20}, 0, 0, i});
  const Time fluid = run_requests(false, f, router, reqs);
  const Time packet = run_requests(true, f, router, reqs, nlohmann::json{{"nic", {{"receiver", "reorder_tolerant"}}}});
  const double ratio = static_cast<double>(packet.ps) / static_cast<double>(fluid.ps);
  MESSAGE("spray: fluid " << fluid.us() << " us, packet " << packet.us() << " us, ratio " << ratio);
  CHECK(fluid.us() == doctest::Approx(2.0 + 8.0 * 4280322 / 400e3).epsilon(1e-6));
  CHECK(ratio >= 1.0);
  CHECK(ratio < 1.15);
}
