// FluidNet under timed link changes (on_links_changed): a degraded link, a spine down under spray
// and under ECMP, down then up again, a pending flow re-routed before it activates, a flow
// finishing at the change instant, and on a random workload the byte conservation and the
// agreement of the incremental and the full re-solve. Each case derives its numbers first.
// Fabrics: the hand-built leaf-spine of leaf_spine_fixture.hpp (400 Gb/s, 500 ns per hop, so a
// cross-leaf path is 4 hops = 2 us); overhead 0 unless given.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.hpp"
#include "flow/fluid_net.hpp"
#include "leaf_spine_fixture.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using namespace rocesim::flow;

namespace {

using testing::leaf_spine;

constexpr double kR = 400e9;  // testing::kLine in bit/s

struct Recorder : TransferSink {
  std::vector<std::pair<std::uint64_t, Time>> done;
  void on_transfer_done(std::uint64_t tag, Time now) override { done.emplace_back(tag, now); }
};

// What the run pipeline's LinkChangeDriver does at each instant: update the Router, then tell
// the backend which links changed.
struct Changer : EventHandler {
  Changer(Router& r, FluidNet& n) : router(&r), net(&n) {}
  Router* router;
  FluidNet* net;
  std::vector<std::vector<Router::LinkState>> instants;
  void add(Simulator& sim, Time at, std::vector<Router::LinkState> states) {
    sim.schedule_at(at, this, 0, instants.size());
    instants.push_back(std::move(states));
  }
  void on_event(Simulator&, std::uint32_t, std::uint64_t arg) override {
    const std::vector<Router::LinkState>& states = instants[arg];
    router->set_link_states(states);
    std::vector<std::uint32_t> links;
    for (const Router::LinkState& s : states) links.push_back(s.link);
    net->on_links_changed(links);
  }
};

std::vector<Router::LinkState> node_links(const Fabric& f, NodeId n, bool up) {
  std::vector<Router::LinkState> out;
  for (LinkId l = 0; l < f.link_count(); ++l)
    if (f.link(l).a == n || f.link(l).b == n) out.push_back(Router::LinkState{l, up, Rate{}});
  return out;
}

std::vector<NodeId> spines(const Fabric& f) {
  std::vector<NodeId> out;
  for (NodeId n = 0; n < f.node_count(); ++n)
    if (f.node(n).role == NodeRole::fabric_switch && f.node(n).tier == 2) out.push_back(n);
  return out;
}

std::vector<PortId> path_of(const Router& router, std::uint32_t src, std::uint32_t dst, std::uint32_t qp = 0) {
  std::vector<PortId> path;
  REQUIRE(router.path(FlowKey::for_qp(src, dst, qp), path));
  return path;
}

// The port from leaf 0 (the first tier-1 switch) up to `spine`.
PortId uplink_to(const Fabric& f, NodeId spine) {
  NodeId leaf0 = 0;
  while (f.node(leaf0).tier != 1) ++leaf0;
  for (PortId p = f.node(leaf0).first_port; p < f.node(leaf0).first_port + f.node(leaf0).port_count; ++p)
    if (f.port(p).peer == spine) return p;
  FAIL("no port from leaf 0 to the spine");
  return kNone;
}

TransferRequest req(std::uint32_t src, std::uint32_t dst, std::int64_t bytes, std::uint64_t tag, std::uint32_t qp = 0,
                    std::uint8_t prio = 0) {
  return TransferRequest{src, dst, Bytes{bytes}, qp, prio, tag};
}

RoutingParams mode(LoadBalancing lb) {
  RoutingParams p;
  p.load_balancing = lb;
  return p;
}

}  // namespace

TEST_CASE("a link degraded to R/2 mid-transfer: bytes sent by t at R, the rest at R/2; restored: R again") {
  // Host 0 (leaf 0) -> host 1 (leaf 1) over one spine, B = 1e6 bytes from t0 = 0. Active from
  // 2 us (4 hops). At t = 10 us the leaf 0 - spine link drops to 200 Gb/s: by then 8 us · 400
  // Gb/s = 3.2e6 bit = 4e5 bytes are sent; the other 6e5 bytes at 200 Gb/s take 4.8e6 / 2e11 =
  // 24 us: done at 34 us. With the link restored at 20 us instead: 10 us at 200 Gb/s carry 2.5e5
  // bytes, the last 3.5e5 at 400 Gb/s take 7 us: done at 27 us. All exact in binary floating point.
  const Fabric f = leaf_spine(2, 1, 1);
  const LinkId uplink = f.port(path_of(Router(f, RoutingParams{}), 0, 1)[1]).link;
  for (bool restore : {false, true}) {
    Router router(f, RoutingParams{});
    Simulator sim;
    FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
    REQUIRE(net.models_link_changes());
    Recorder rec;
    net.set_sink(&rec);
    Changer changer(router, net);
    changer.add(sim, Time::from_us(10), {Router::LinkState{uplink, true, Rate::gbps(200)}});
    if (restore) changer.add(sim, Time::from_us(20), {Router::LinkState{uplink, true, Rate{}}});
    net.start(req(0, 1, 1000000, 7));
    sim.run_until(Time::from_us(11));
    CHECK(net.rate_of(7) == 200e9);
    sim.run();
    REQUIRE(rec.done.size() == 1);
    CHECK(rec.done[0].second == Time::from_us(restore ? 27 : 34));
    // The flow never moved: every port of its path carried all 1e6 bytes.
    const std::vector<double> bytes = net.port_bytes();
    for (PortId p : path_of(router, 0, 1)) CHECK(bytes[p] == doctest::Approx(1e6).epsilon(1e-12));
  }
}

TEST_CASE("priority classes: the new capacity reaches a lower class that is alone on the port") {
  // Class 0 exists (flow A, host 0 -> host 1 inside leaf 0) but has nothing on the uplink; class
  // 1 flow B, host 1 -> host 2 (leaf 1), crosses it. At 10 us the uplink drops to 200 Gb/s, so
  // C^1 = 200 − load^0 = 200 Gb/s: B, 4e5 bytes in by then, sends its last 6e5 bytes in 24 us:
  // done at 34 us. A (2 hops: active from 1 us) is untouched: 4e6 bytes at R, done at 81 us.
  const Fabric f = leaf_spine(2, 2, 1);
  Router router(f, RoutingParams{});
  const LinkId uplink = f.port(path_of(router, 1, 2)[1]).link;
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
  Recorder rec;
  net.set_sink(&rec);
  Changer changer(router, net);
  changer.add(sim, Time::from_us(10), {Router::LinkState{uplink, true, Rate::gbps(200)}});
  net.start(req(0, 1, 4000000, 0, 0, 0));
  net.start(req(1, 2, 1000000, 1, 0, 1));
  sim.run_until(Time::from_us(11));
  CHECK(net.rate_of(0) == kR);
  CHECK(net.rate_of(1) == 200e9);
  sim.run();
  REQUIRE(rec.done.size() == 2);
  CHECK(rec.done[0] == std::pair<std::uint64_t, Time>{1, Time::from_us(34)});
  CHECK(rec.done[1] == std::pair<std::uint64_t, Time>{0, Time::from_us(81)});
}

TEST_CASE("spray: one of H spines down gives each of H leaf-to-leaf flows (H-1)/H of line rate") {
  // H = 4 hosts of leaf 0 send B = 1e6 bytes each to the 4 hosts of leaf 1 over 4 spines; all
  // at line rate R (load_balancing_test derives it), active from 2 us. At t = 10 us spine 0
  // goes down: each flow now splits 1/3 over 3 uplinks, which carry 4·x/3 <= R, so
  // x = 3R/4 = 300 Gb/s (the NIC allows R). Sent by t: 8 us · R = 4e5 bytes; the rest, 6e5
  // bytes, at 300 Gb/s takes 16 us: done at 26 us. If spine 0 comes back at 14 us: 4 us at
  // 300 Gb/s carry 1.5e5 bytes, the last 4.5e5 at R take 9 us: done at 23 us. (Rates come out
  // of a division by 4/3, so times are checked to 1 ps.)
  const std::uint32_t H = 4;
  const Fabric f = leaf_spine(2, H, H);
  const NodeId spine0 = spines(f)[0];
  for (bool back : {false, true}) {
    Router router(f, mode(LoadBalancing::spray));
    Simulator sim;
    FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
    Recorder rec;
    net.set_sink(&rec);
    Changer changer(router, net);
    changer.add(sim, Time::from_us(10), node_links(f, spine0, false));
    if (back) changer.add(sim, Time::from_us(14), node_links(f, spine0, true));
    for (std::uint32_t i = 0; i < H; ++i) net.start(req(i, H + i, 1000000, i));
    sim.run_until(Time::from_us(12));
    for (std::uint32_t i = 0; i < H; ++i) CHECK(net.rate_of(i) == doctest::Approx(0.75 * kR).epsilon(1e-12));
    // Spine 0 carries nothing in either direction; each surviving uplink of leaf 0 is full.
    for (PortId p = f.node(spine0).first_port; p < f.node(spine0).first_port + f.node(spine0).port_count; ++p) {
      CHECK(net.port_load(p) == 0.0);
      CHECK(net.port_load(f.port(p).peer_port) == 0.0);
    }
    for (NodeId s : spines(f))
      if (s != spine0) CHECK(net.port_load(uplink_to(f, s)) == doctest::Approx(kR).epsilon(1e-12));
    sim.run();
    REQUIRE(rec.done.size() == H);
    const Time expect = Time::from_us(back ? 23 : 26);
    for (const auto& [tag, t] : rec.done) CHECK(std::abs(static_cast<double>((t - expect).ps)) <= 1.0);
    // Leaf 0's uplink to spine 0 carried exactly what was sprayed over it while up: 1/4 of each
    // flow's 4e5 bytes sent before 10 us (4 flows: 4e5), and with spine 0 back, 1/4 of each
    // flow's last 4.5e5 bytes (4.5e5).
    CHECK(net.port_bytes()[uplink_to(f, spine0)] == doctest::Approx(4e5 + (back ? 4.5e5 : 0.0)).epsilon(1e-9));
  }
}

TEST_CASE("ECMP: a flow whose spine goes down moves to another spine and finishes when it would have") {
  // Host 0 -> host 4 (leaf 0 -> leaf 1, 4 hosts per leaf, 4 spines), B = 1e6 bytes, alone: done
  // at 2 us + 8e6 bit / 400 Gb/s = 22 us. At 10 us the spine its ECMP hash picked goes down; the
  // flow re-hashes onto a surviving spine, uncontended, and keeps R: still 22 us (the fluid
  // loses no bytes; the new path's latency is the same 4 hops). The old uplink carried the 4e5
  // bytes sent by 10 us, the new one the remaining 6e5, the NIC all 1e6.
  const Fabric f = leaf_spine(2, 4, 4);
  Router router(f, RoutingParams{});
  const std::vector<PortId> before = path_of(router, 0, 4);
  const NodeId spine = f.port(before[1]).peer;
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
  Recorder rec;
  net.set_sink(&rec);
  Changer changer(router, net);
  changer.add(sim, Time::from_us(10), node_links(f, spine, false));
  net.start(req(0, 4, 1000000, 1));
  sim.run_until(Time::from_us(11));
  const std::vector<PortId> after = path_of(router, 0, 4);
  REQUIRE(after[1] != before[1]);
  CHECK(f.port(after[1]).peer != spine);
  CHECK(net.port_load(before[1]) == 0.0);
  CHECK(net.port_load(before[2]) == 0.0);
  CHECK(net.port_load(after[1]) == kR);
  CHECK(net.port_load(after[2]) == kR);
  CHECK(net.rate_of(1) == kR);
  sim.run();
  REQUIRE(rec.done.size() == 1);
  CHECK(rec.done[0].second == Time::from_us(22));
  const std::vector<double> bytes = net.port_bytes();
  CHECK(bytes[before[0]] == doctest::Approx(1e6).epsilon(1e-12));
  CHECK(bytes[before[1]] == doctest::Approx(4e5).epsilon(1e-12));
  CHECK(bytes[before[2]] == doctest::Approx(4e5).epsilon(1e-12));
  CHECK(bytes[after[1]] == doctest::Approx(6e5).epsilon(1e-12));
  CHECK(bytes[after[2]] == doctest::Approx(6e5).epsilon(1e-12));
  CHECK(bytes[before[3]] == doctest::Approx(1e6).epsilon(1e-12));
}

TEST_CASE("ECMP: a flow started before the change and activated after it takes the new route") {
  // Started at 9 us, it activates at 11 us (4 hops); its spine goes down at 10 us, in between.
  // It must never load the dead spine, and alone it runs at R: done at 11 + 20 = 31 us.
  const Fabric f = leaf_spine(2, 4, 4);
  Router router(f, RoutingParams{});
  const std::vector<PortId> before = path_of(router, 1, 5);
  const NodeId spine = f.port(before[1]).peer;
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
  Recorder rec;
  net.set_sink(&rec);
  Changer changer(router, net);
  changer.add(sim, Time::from_us(10), node_links(f, spine, false));
  struct Starter : EventHandler {
    FluidNet* net;
    void on_event(Simulator&, std::uint32_t, std::uint64_t) override { net->start(req(1, 5, 1000000, 3)); }
  } starter;
  starter.net = &net;
  sim.schedule_at(Time::from_us(9), &starter, 0);
  sim.run_until(Time::from_us(12));
  CHECK(net.rate_of(3) == kR);
  CHECK(net.port_load(before[1]) == 0.0);
  CHECK(net.port_load(path_of(router, 1, 5)[1]) == kR);
  sim.run();
  REQUIRE(rec.done.size() == 1);
  CHECK(rec.done[0].second == Time::from_us(31));
  CHECK(net.port_bytes()[before[1]] == 0.0);
}

TEST_CASE("a flow finishing at the change instant completes on time on its old path") {
  // The lone 1e6-byte flow is due at 22 us; its spine goes down at exactly 22 us. It pushes no
  // bytes after that, so it completes at 22 us with all its bytes on its original path.
  const Fabric f = leaf_spine(2, 4, 4);
  Router router(f, RoutingParams{});
  const std::vector<PortId> before = path_of(router, 0, 4);
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
  Recorder rec;
  net.set_sink(&rec);
  Changer changer(router, net);
  changer.add(sim, Time::from_us(22), node_links(f, f.port(before[1]).peer, false));
  net.start(req(0, 4, 1000000, 1));
  sim.run();
  REQUIRE(rec.done.size() == 1);
  CHECK(rec.done[0].second == Time::from_us(22));
  for (PortId p : before) CHECK(net.port_bytes()[p] == doctest::Approx(1e6).epsilon(1e-12));
}

TEST_CASE("a flow left without a path is a logic error naming its endpoints") {
  const Fabric f = leaf_spine(2, 1, 1);
  Router router(f, RoutingParams{});
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
  net.start(req(0, 1, 1000000, 1));
  sim.run_until(Time::from_us(5));
  const std::vector<Router::LinkState> down = node_links(f, spines(f)[0], false);
  router.set_link_states(down);
  const std::vector<std::uint32_t> links{down[0].link, down[1].link};
  std::string what;
  try {
    net.on_links_changed(links);
  } catch (const std::logic_error& e) {
    what = e.what();
  }
  CHECK(what.find("from endpoint 0 to endpoint 1") != std::string::npos);
}

namespace {

struct RandomRun {
  std::vector<Time> done;                    // by tag
  std::vector<std::vector<double>> rates;    // at each checkpoint, by tag (-1: not active)
  std::vector<double> bytes;                 // port_bytes at the end
  std::vector<double> dead_spine_load;       // load on spine 1's ports at each checkpoint
};

// 300 random transfers (two priority classes, 4 QP labels) on a 2:1 leaf-spine (4 leaves of 8
// hosts, 4 spines) while spine 1 goes down at 30 us and back at 80 us, and leaf 2's link to
// spine 3 runs at 100 Gb/s from 50 us to 120 us.
RandomRun random_run(LoadBalancing lb, bool incremental, std::int64_t& total_bytes) {
  const Fabric f = leaf_spine(4, 8, 4);
  Router router(f, mode(lb));
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{Time::zero(), Rate{}, incremental}));
  Recorder rec;
  net.set_sink(&rec);
  const std::vector<NodeId> sp = spines(f);
  NodeId leaf2 = 0;
  while (f.node(leaf2).tier != 1) ++leaf2;
  leaf2 += 2;
  LinkId slow = kNone;
  for (LinkId l = 0; l < f.link_count(); ++l)
    if (f.link(l).a == leaf2 && f.link(l).b == sp[3]) slow = l;
  REQUIRE(slow != kNone);
  Changer changer(router, net);
  changer.add(sim, Time::from_us(30), node_links(f, sp[1], false));
  changer.add(sim, Time::from_us(50), {Router::LinkState{slow, true, Rate::gbps(100)}});
  changer.add(sim, Time::from_us(80), node_links(f, sp[1], true));
  changer.add(sim, Time::from_us(120), {Router::LinkState{slow, true, Rate{}}});
  struct Starter : EventHandler {
    FluidNet* net;
    std::vector<TransferRequest> reqs;
    void on_event(Simulator&, std::uint32_t, std::uint64_t arg) override { net->start(reqs[arg]); }
  } starter;
  starter.net = &net;
  Rng rng(derive_seed(17, "link-change-test"));
  total_bytes = 0;
  for (std::uint64_t k = 0; k < 300; ++k) {
    const auto src = static_cast<std::uint32_t>(rng.below(32));
    auto dst = static_cast<std::uint32_t>(rng.below(31));
    if (dst >= src) ++dst;
    const auto bytes = 1000 + static_cast<std::int64_t>(rng.below(4000000));
    total_bytes += bytes;
    starter.reqs.push_back(req(src, dst, bytes, k, static_cast<std::uint32_t>(rng.below(4)),
                               static_cast<std::uint8_t>(rng.below(2))));
    sim.schedule_at(Time::from_ns(static_cast<std::int64_t>(rng.below(150000))), &starter, 0, k);
  }
  RandomRun out;
  // Checkpoints just after each change instant (the re-solve runs at the instant itself).
  for (std::int64_t us : {30, 50, 80, 120}) {
    sim.run_until(Time::from_us(us) + Time::from_ns(1));
    std::vector<double> rates(300);
    for (std::uint64_t k = 0; k < 300; ++k) rates[k] = net.rate_of(k);
    out.rates.push_back(std::move(rates));
    double load = 0;
    for (PortId p = f.node(sp[1]).first_port; p < f.node(sp[1]).first_port + f.node(sp[1]).port_count; ++p)
      load += net.port_load(p) + net.port_load(f.port(p).peer_port);
    out.dead_spine_load.push_back(load);
    // The sampler's O(ports) reading (∫ load dt) agrees with the per-flow account: each finish
    // rounds up to the next ps, so a port may show up to rate · 1 ps = 0.05 B more per flow that
    // crossed it (300 flows: 15 B), plus floating-point rounding.
    const std::vector<double> exact = net.port_bytes();
    std::vector<double> sampled(exact.size());
    net.sampled_port_bytes(sampled);
    for (PortId p = 0; p < exact.size(); ++p) CHECK(std::abs(sampled[p] - exact[p]) <= 15.0 + 1e-9 * exact[p]);
  }
  sim.run();
  REQUIRE(rec.done.size() == 300);
  out.done.assign(300, Time{});
  for (const auto& [tag, t] : rec.done) out.done[tag] = t;
  out.bytes = net.port_bytes();
  // Per-switch conservation: what enters a switch leaves it (bytes moved between paths at a
  // change are counted on the old ports before it and on the new ones after).
  for (NodeId n = f.endpoints(); n < f.node_count(); ++n) {
    double in = 0, eg = 0;
    for (PortId p = f.node(n).first_port; p < f.node(n).first_port + f.node(n).port_count; ++p) {
      eg += out.bytes[p];
      in += out.bytes[f.port(p).peer_port];
    }
    CHECK(eg == doctest::Approx(in).epsilon(1e-9));
  }
  return out;
}

}  // namespace

TEST_CASE("random workload through four link changes: bytes conserved, incremental equals full re-solve") {
  // Conservation: every byte leaves a source NIC and enters a destination NIC exactly once, so
  // Σ over NIC egress ports = Σ over ports into accelerators = Σ transfer bytes. The incremental
  // solver must give the full re-solve's rates right after each change (to 1e-6 relative) and the
  // same completion times (1 ps per simulated us, as fluid_net_test allows); spine 1 carries
  // nothing while it is down (checkpoint 2, at 50 us).
  for (LoadBalancing lb : {LoadBalancing::ecmp, LoadBalancing::spray}) {
    CAPTURE(to_string(lb));
    std::int64_t total = 0;
    const RandomRun inc = random_run(lb, true, total);
    const RandomRun full = random_run(lb, false, total);
    const Fabric f = leaf_spine(4, 8, 4);
    double nic_out = 0, nic_in = 0;
    for (NodeId e = 0; e < f.endpoints(); ++e) {
      for (PortId p = f.node(e).first_port; p < f.node(e).first_port + f.node(e).port_count; ++p) {
        nic_out += inc.bytes[p];
        nic_in += inc.bytes[f.port(p).peer_port];
      }
    }
    CHECK(nic_out == doctest::Approx(static_cast<double>(total)).epsilon(1e-12));
    CHECK(nic_in == doctest::Approx(static_cast<double>(total)).epsilon(1e-12));
    CHECK(inc.dead_spine_load[1] == 0.0);
    CHECK(full.dead_spine_load[1] == 0.0);
    for (std::size_t c = 0; c < inc.rates.size(); ++c) {
      std::size_t active = 0;
      for (std::size_t k = 0; k < 300; ++k) {
        active += inc.rates[c][k] >= 0.0;
        CHECK(inc.rates[c][k] == doctest::Approx(full.rates[c][k]).epsilon(1e-6));
      }
      CHECK(active > 10);  // the changes land while many flows are active
    }
    for (std::size_t k = 0; k < 300; ++k)
      CHECK(std::abs(static_cast<double>((inc.done[k] - full.done[k]).ps)) <= 1.0 + full.done[k].us());
  }
}
