// Packet backend on multi-switch fabrics: PFC congestion spreading, QP scaling under per-flow
// ECMP, and PFC deadlock detection on a cyclic buffer dependency.
#include <doctest/doctest.h>

#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

constexpr std::int64_t kMtu = 4000;

double gbps(std::int64_t bytes, Time t) { return static_cast<double>(bytes) * 8 / t.seconds() / 1e9; }

}  // namespace

TEST_CASE("congestion spreading: PFC without CC slows a victim that only shares an upstream link") {
  // 3 leaves of 6 hosts, 1 spine. Incast into host 6 (leaf 1): hosts 0 and 1 (leaf 0, through the
  // spine) and hosts 7..10 (local on leaf 1). Victim: host 12 (leaf 2) → host 11 (leaf 1), whose
  // own links are idle; it shares only the spine → leaf 1 link with two incast flows.
  // Max-min fair share without head-of-line blocking: host 6's port gives each of 6 incast flows
  // R/6, so the incast uses R/3 of spine → leaf 1 and the victim may take the other 2R/3.
  // With PFC, leaf 1's ingress from the spine fills with incast frames that drain at the share
  // the 5 ingresses of host 6's port give it (~R/5), so it pauses the spine; the spine's egress
  // FIFO interleaves victim and incast frames about 1:1, so the victim is held near R/5 too.
  const std::int64_t victim_bytes = 250 * kMtu;
  const auto victim_time = [&](bool incast) {
    NetParams p;
    p.pfc.threshold = PfcThreshold::fixed;
    p.pfc.xoff = Bytes{40000};
    p.pfc.xon = Bytes{20000};
    Harness h(leaf_spine(3, 6, 1), p);
    if (incast) {
      for (std::uint32_t s : {0u, 1u, 7u, 8u, 9u, 10u}) h.send(s, 6, 2000 * kMtu, s);
    }
    h.send(12, 11, victim_bytes, 100);
    h.sim.run();
    check_conservation(h.net, true);
    return h.rec.done.at(100);
  };
  const Time alone = victim_time(false);
  const Time spread = victim_time(true);
  // Alone: line rate less headers, 97.99 Gb/s, minus pipeline fill over 4 links (~4 us of 84 us).
  CHECK(gbps(victim_bytes, alone) > 90.0);
  // With the incast: below the no-HOL fair share of 2R/3 = 66.7 Gb/s (expected near R/5 = 20).
  CHECK(gbps(victim_bytes, spread) < 0.5 * 100.0);
  CHECK(spread > alone * 2);
}

TEST_CASE("more QPs per connection raise per-flow-ECMP permutation throughput on a 1:1 leaf-spine") {
  // 4 leaves × 4 hosts, 4 spines: every leaf has 4 uplinks for its 4 hosts (1:1). Permutation
  // host h → (h + 4) mod 16: every flow crosses the spine layer. The ideal makespan is one flow at
  // line rate, bytes·4082/4000/R. With one QP per flow, per-flow ECMP lets two flows of a leaf
  // pick the same uplink with probability 1 − 4!/4^4 = 91 %, so some flow runs at R/2 or less and
  // the makespan is ~2× ideal. Striping each flow over 8 QPs (8 UDP source ports) spreads 32
  // subflows over 4 uplinks; a link's load is then ~8 ± 2.5 subflows, so the slowest finishes
  // much nearer the ideal.
  const std::int64_t bytes = 400 * kMtu;
  const auto makespan = [&](int qps) {
    NetParams p;
    p.nic.qps_per_connection = qps;
    Harness h(leaf_spine(4, 4, 4), p, routing::RoutingParams{routing::HashKind::crc, 3, true});
    for (std::uint32_t s = 0; s < 16; ++s) h.send(s, (s + 4) % 16, bytes, s, s);
    h.sim.run();
    check_conservation(h.net, true);
    CHECK(h.net.qps().size() == 16u * static_cast<unsigned>(qps));
    return h.rec.makespan();
  };
  const double ideal = static_cast<double>(bytes) * 8 * 4082.0 / 4000.0 / 100e9;
  const Time one = makespan(1);
  const Time eight = makespan(8);
  MESSAGE("makespan / ideal: 1 QP " << one.seconds() / ideal << ", 8 QPs " << eight.seconds() / ideal);
  CHECK(one.seconds() > 1.5 * ideal);
  CHECK(eight.seconds() < 0.8 * one.seconds());
  CHECK(eight.seconds() > ideal);
}

TEST_CASE("a cyclic buffer dependency deadlocks PFC; the stall is detected and names the ring ports") {
  // Four switches in a ring (0→1→2→3→0), two hosts each; every flow is source-routed three ring
  // hops clockwise. The ingress of switch j from switch j−1 then holds frames that must leave on
  // j→j+1, whose buffer holds frames for j+1→j+2, ... back to j: a cycle of buffer dependencies.
  // Each ring link is offered 2 hosts × 3 flows ≫ R, so every ring ingress crosses XOFF; once each
  // holds only transit frames the pauses refresh forever and no byte moves.
  FabricBuilder b("ring", "hand");
  for (std::uint32_t e = 0; e < 8; ++e) b.add_accelerator(e, 0, kNone, 0);
  std::vector<NodeId> sw;
  for (std::uint32_t s = 0; s < 4; ++s) sw.push_back(b.add_switch(1, 0, {kNone, s, 0, 0, 0}, 0));
  for (std::uint32_t e = 0; e < 8; ++e) b.add_link(e, sw[e / 2], Rate::gbps(100), Time::from_us(1), LinkKind::nic);
  for (std::uint32_t s = 0; s < 4; ++s) b.add_link(sw[s], sw[(s + 1) % 4], Rate::gbps(100), Time::from_us(1), LinkKind::fabric);
  NetParams p;
  p.pfc.threshold = PfcThreshold::fixed;
  p.pfc.xoff = Bytes{40000};
  p.pfc.xon = Bytes{20000};
  p.mmu.buffer = Bytes{1 << 20};
  p.nic.rto = Time::from_ms(1);
  p.stall_timeout = Time::from_ms(2);
  Harness h(std::move(b).build(), p);
  for (std::uint32_t e = 0; e < 8; ++e) {
    const std::uint32_t s = e / 2;
    const std::uint32_t dst = 2 * ((s + 3) % 4) + (e % 2);
    std::vector<PortId> path{port_to(h.fabric, e, sw[s])};
    for (std::uint32_t k = 0; k < 3; ++k) path.push_back(port_to(h.fabric, sw[(s + k) % 4], sw[(s + k + 1) % 4]));
    path.push_back(port_to(h.fabric, sw[(s + 3) % 4], dst));
    h.net.pin_path(e, dst, e, path);
    // ACKs return one ring hop clockwise, in the control class that PFC never pauses.
    h.net.pin_path(dst, e, e, {port_to(h.fabric, dst, sw[(s + 3) % 4]), port_to(h.fabric, sw[(s + 3) % 4], sw[s]),
                               port_to(h.fabric, sw[s], e)});
    h.send(e, dst, 20000 * kMtu, e, e);
  }
  h.sim.run();  // returns: the stall detector stops the loop instead of spinning forever
  const StallReport& st = h.net.stall();
  REQUIRE(st.stalled);
  CHECK(h.rec.done.size() < 8);
  CHECK(st.active_qps > 0);
  // Every ring link's egress is among the ports paused throughout.
  for (std::uint32_t s = 0; s < 4; ++s) {
    const PortId ring = port_to(h.fabric, sw[s], sw[(s + 1) % 4]);
    CHECK(std::find(st.paused_ports.begin(), st.paused_ports.end(), ring) != st.paused_ports.end());
  }
  MESSAGE(h.net.stall_message());
  CHECK(h.net.counters().lossless_drops == 0);  // deadlocked, not lossy
  CHECK(h.net.stall_message().find("PFC deadlock") != std::string::npos);
  // The stall is also a note for the report (summary.json "notes"), even where the workload had
  // finished before it: the run's end time then includes stall_timeout without progress.
  REQUIRE(h.net.warnings().size() == 1);
  CHECK(h.net.warnings()[0].find(h.net.stall_message()) == 0);
  CHECK(h.net.warnings()[0].find("the run was stopped there") != std::string::npos);
  // The pause log (what reports sum per op window) accounts for exactly the pause time of every
  // port, the pauses the deadlock left open included (they end at now()); the whole-run counter
  // holds only the closed ones, so on the ring ports it is short of it.
  const std::vector<PauseSpan> spans = h.net.pause_spans_now();
  REQUIRE(h.net.pause_spans_complete());
  std::vector<Time> summed(h.fabric.port_count());
  for (const PauseSpan& sp : spans) {
    REQUIRE(sp.end >= sp.begin);
    CHECK(sp.end <= h.sim.now());
    summed[sp.port] += sp.end - sp.begin;
  }
  for (PortId q = 0; q < h.fabric.port_count(); ++q) CHECK(summed[q] == h.net.paused_time_now(q));
  for (std::uint32_t s = 0; s < 4; ++s) {
    const PortId ring = port_to(h.fabric, sw[s], sw[(s + 1) % 4]);
    CHECK(h.net.port_counters(ring).paused_time < summed[ring]);
  }
}
