// FluidNet under routing.load_balancing = spray / adaptive / flowlet: the weighted incidence of
// sprayed flows (exact rates derived below), rate-proportional splitting over unequal spines,
// agreement with a full re-solve, and the ConfigError for the mode the fluid tier cannot model.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "core/rng.hpp"
#include "flow/fluid_net.hpp"
#include "leaf_spine_fixture.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using namespace rocesim::flow;

namespace {

using testing::kLine;
using testing::leaf_spine;
using testing::leaf_spine_rates;

RoutingParams lb(LoadBalancing mode, std::uint64_t seed = 1, HashKind hash = HashKind::crc) {
  RoutingParams p;
  p.hash = hash;
  p.seed = seed;
  p.load_balancing = mode;
  return p;
}

TransferRequest req(std::uint32_t src, std::uint32_t dst, std::int64_t bytes, std::uint64_t tag) {
  return TransferRequest{src, dst, Bytes{bytes}, 0, 0, tag};
}

struct Recorder : TransferSink {
  std::vector<Time> done;
  void on_transfer_done(std::uint64_t, Time now) override { done.push_back(now); }
};

// Aggregate rate / line rate of the permutation i -> hosts + i (leaf 0 to leaf 1) once all flows
// are active (activation at 4 hops · 500 ns = 2 us; none finishes before 3 us).
double permutation_share(const Fabric& f, const Router& router, std::uint32_t hosts, double per_flow_line) {
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
  for (std::uint32_t i = 0; i < hosts; ++i) net.start(req(i, hosts + i, 1 << 20, i));
  sim.run_until(Time::from_us(3));
  REQUIRE(net.active_flows() == hosts);
  return net.aggregate_rate() / (hosts * per_flow_line);
}

}  // namespace

TEST_CASE("spray: a leaf-to-leaf permutation over H spines gets exactly line rate, whatever the hash seed") {
  // H hosts of leaf A send to H distinct hosts of leaf B over H spines (1:1). Spraying splits
  // each flow 1/H over the H uplinks of A, and each spine forwards its share down to B's leaf:
  // uplink A->S_j carries Σ_i x_i / H and spine port S_j->B the same, so with every NIC at line
  // rate L each spine link carries exactly H·L/H = L: feasible and saturated, and each NIC is a
  // bottleneck at L. So x_i = L for all i (per-flow ECMP gets 1 − (1 − 1/H)^H ≈ 0.656 of this).
  const std::uint32_t H = 8;
  const Fabric f = leaf_spine(2, H, H);
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const Router router(f, lb(LoadBalancing::spray, seed));
    CHECK(permutation_share(f, router, H, static_cast<double>(kLine.bps)) == doctest::Approx(1.0).epsilon(1e-9));
  }
  // ECMP on the same fabric and hash (CRC-32C, seed 1) leaves spines idle: strictly below 1.
  const Router ecmp(f, lb(LoadBalancing::ecmp, 1));
  CHECK(permutation_share(f, ecmp, H, static_cast<double>(kLine.bps)) < 0.99);
}

TEST_CASE("spray: a lone flow's bytes split 1/H over the spine links and add up per hop") {
  // One 1 MB transfer from leaf 0 to leaf 1 over 4 spines. Its NIC port and the last leaf's down
  // port carry all 1e6 bytes; each of the 4 uplinks of leaf 0 and each spine's port down to leaf 1
  // carries 1e6/4. Total over ports = 4 hops · 1e6. Done at 2 us + 8e6 bit / 400 Gb/s = 22 us.
  const Fabric f = leaf_spine(2, 4, 4);
  const Router router(f, lb(LoadBalancing::spray));
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
  Recorder rec;
  net.set_sink(&rec);
  net.start(req(0, 5, 1000000, 0));
  sim.run();
  REQUIRE(rec.done.size() == 1);
  CHECK(rec.done[0] == Time::from_us(22));
  const std::vector<double> bytes = net.port_bytes();
  double total = 0;
  int quarter = 0, whole = 0;
  for (double b : bytes) {
    total += b;
    if (std::abs(b - 250000.0) < 1e-3) ++quarter;
    if (std::abs(b - 1000000.0) < 1e-3) ++whole;
  }
  CHECK(total == doctest::Approx(4e6));
  CHECK(quarter == 8);
  CHECK(whole == 2);
}

TEST_CASE("unequal spines: spray and adaptive split in proportion to capacity; ECMP averages lower") {
  // Two leaves of two hosts; spine S0 joined by 400 Gb/s links, S1 by 200 Gb/s. Flows 0->2, 1->3.
  // Spray/adaptive split at leaf A in proportion to the uplink rates: 2/3 to S0, 1/3 to S1.
  // Uplink to S0: (2/3)(x0 + x1) <= 400, to S1: (1/3)(x0 + x1) <= 200: both bind at
  // x0 + x1 = 600 (the whole spine capacity), so x0 = x1 = 300 Gb/s. (An even split would bind
  // S1 at (1/2)(x0 + x1) = 200, i.e. 200 each: rate-proportional spreading matters.)
  // Per-flow weighted ECMP picks S0 with probability 2/3 per flow (independent with the ideal
  // hash): both on S0 (4/9): 400 in all; both on S1 (1/9): 200; split (4/9): 400 + 200 = 600.
  // Expected aggregate 4/9·400 + 1/9·200 + 4/9·600 = 4200/9 = 466.7 Gb/s (averaged over seeds).
  const Fabric f = leaf_spine_rates(2, 2, {Rate::gbps(400), Rate::gbps(200)});
  const double line = static_cast<double>(kLine.bps);
  for (LoadBalancing mode : {LoadBalancing::spray, LoadBalancing::adaptive}) {
    const Router router(f, lb(mode));
    Simulator sim;
    FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
    net.start(req(0, 2, 1 << 20, 0));
    net.start(req(1, 3, 1 << 20, 1));
    sim.run_until(Time::from_us(3));
    CHECK(net.rate_of(0) == doctest::Approx(0.75 * line).epsilon(1e-9));
    CHECK(net.rate_of(1) == doctest::Approx(0.75 * line).epsilon(1e-9));
  }
  double sum = 0;
  const int seeds = 400;
  for (int seed = 1; seed <= seeds; ++seed) {
    const Router router(f, lb(LoadBalancing::ecmp, static_cast<std::uint64_t>(seed), HashKind::uniform));
    sum += permutation_share(f, router, 2, line) * 2 * line;
  }
  CHECK(std::abs(sum / seeds - 4200e9 / 9) < 25e9);
}

TEST_CASE("spray with priorities: incremental and full re-solve give the same completion times") {
  // Random transfers (random priorities 0..2) on an oversubscribed leaf-spine (4:1) with spraying:
  // sprayed flows cross many links with fractional coefficients, so this exercises the weighted
  // incremental rule and the class chaining; completion times must agree to 1 ps per simulated us.
  const Fabric f = leaf_spine(4, 8, 2);
  const Router router(f, lb(LoadBalancing::spray));
  std::vector<Time> times[2];
  for (int mode = 0; mode < 2; ++mode) {
    Simulator sim;
    FluidNet net(sim, f, router, testing::payload_only(FluidParams{Time::zero(), Rate{}, mode == 0}));
    struct Sink : TransferSink {
      std::vector<Time>* out;
      void on_transfer_done(std::uint64_t tag, Time now) override { (*out)[tag] = now; }
    } sink;
    times[mode].assign(300, Time::max());
    sink.out = &times[mode];
    net.set_sink(&sink);
    struct Starter : EventHandler {
      FluidNet* net;
      std::vector<TransferRequest> reqs;
      void on_event(Simulator&, std::uint32_t, std::uint64_t arg) override { net->start(reqs[arg]); }
    } starter;
    starter.net = &net;
    Rng rng(derive_seed(12, "fluid-lb-test"));
    for (std::uint64_t k = 0; k < 300; ++k) {
      const auto src = static_cast<std::uint32_t>(rng.below(32));
      auto dst = static_cast<std::uint32_t>(rng.below(31));
      if (dst >= src) ++dst;
      TransferRequest r = req(src, dst, 1000 + static_cast<std::int64_t>(rng.below(4000000)), k);
      r.priority = static_cast<std::uint8_t>(rng.below(3));
      starter.reqs.push_back(r);
      sim.schedule_at(Time::from_ns(static_cast<std::int64_t>(rng.below(200000))), &starter, 0, k);
    }
    sim.run();
  }
  for (std::size_t k = 0; k < 300; ++k) {
    REQUIRE(times[1][k] != Time::max());
    CHECK(std::abs(static_cast<double>((times[0][k] - times[1][k]).ps)) <= 1.0 + times[1][k].us());
  }
}

TEST_CASE("flowlet load balancing is rejected by the fluid backend with a ConfigError naming it") {
  const Fabric f = leaf_spine(2, 2, 2);
  const Router router(f, lb(LoadBalancing::flowlet));
  Simulator sim;
  try {
    FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "/routing/load_balancing");
    CHECK(std::string(e.what()).find("flowlet") != std::string::npos);
  }
}
