// Packet backend under timed link failures (PacketNet::on_links_changed): a spine lost
// mid-transfer (NAK recovery), a whole window lost (RTO recovery), a link degraded to half rate,
// a link down and back up, a dual-ToR NIC link down, and determinism. Each change is applied as
// the run pipeline applies it: Router::set_link_states, then on_links_changed, from an event.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "net_fixtures.hpp"
#include "topology/topology.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

constexpr std::int64_t kMtu = 4000;
constexpr std::int64_t kWire = kMtu + 82;  // default RoCEv2/IPv4 overhead incl. preamble + IFG
constexpr std::int64_t kCtrl = 86;         // ACK/NAK wire bytes

// Runs test actions at given times (std::function is fine here: a handful of events per test).
struct Script final : EventHandler {
  std::vector<std::function<void()>> actions;
  void at(Simulator& sim, Time t, std::function<void()> f) {
    sim.schedule_at(t, this, static_cast<std::uint32_t>(actions.size()));
    actions.push_back(std::move(f));
  }
  void on_event(Simulator&, std::uint32_t kind, std::uint64_t) override { actions[kind](); }
};

std::vector<PortId> route_copy(const PacketNet& net, std::uint32_t qp) {
  const auto r = net.route_of(qp);
  return {r.begin(), r.end()};
}

bool uses_node(const Fabric& f, const std::vector<PortId>& route, NodeId node) {
  for (const PortId p : route) {
    if (f.port(p).node == node || f.port(p).peer == node) return true;
  }
  return false;
}

// Two leaves with one host each and two spines, 400 Gb/s, 1 us links: endpoint 0 on leaf node 2,
// endpoint 1 on leaf node 3, spines nodes 4 and 5. Sends 1000 full packets 0 → 1; when fail_at
// is set, the spine on the QP's route goes down then. Returns the completion time.
struct SpineRun {
  Time done{};
  NodeId spine = kNone;
  std::vector<PortId> before, after;
  bool after_via_spine = false;
  NetCounters counters;
  std::uint64_t port_drops = 0;  // Σ over ports
};

SpineRun spine_down_run(std::optional<Time> fail_at) {
  Harness h(leaf_spine(2, 1, 2, Rate::gbps(400), Time::from_us(1)), NetParams{});
  Script script;
  SpineRun out;
  h.send(0, 1, 1000 * kMtu, 1);
  out.before = route_copy(h.net, 0);
  out.spine = h.fabric.port(out.before[1]).peer;  // leaf → spine
  if (fail_at) script.at(h.sim, *fail_at, [&] { change_links(h, links_of(h.fabric, out.spine), false); });
  h.sim.run();
  REQUIRE(h.rec.done.count(1) == 1);
  out.done = h.rec.done.at(1);
  out.after = route_copy(h.net, 0);
  out.after_via_spine = uses_node(h.fabric, out.after, out.spine);
  out.counters = h.net.counters();
  for (const PortCounters& pc : h.net.all_port_counters()) out.port_drops += pc.drops;
  check_conservation(h.net, !fail_at);
  return out;
}

}  // namespace

TEST_CASE("spine down mid-transfer: frames lost, NAK recovery over the other spine, bounded delay") {
  // Failure-free: 1000 frames of 4082 B at 400 Gb/s, ser = 4082·8/4e11 s = 81.64 ns, streamed back
  // to back over 4 store-and-forward hops of 1 us: the last frame is delivered at
  // T_ff = (1000 + 3)·ser + 4 us = 85.88492 us.
  const Time ser = serialization_time(Bytes{kWire}, Rate::gbps(400));
  const Time ser_c = serialization_time(Bytes{kCtrl}, Rate::gbps(400));
  const Time lat = Time::from_us(1);
  CHECK(ser == Time::from_ps(81640));
  const SpineRun healthy = spine_down_run(std::nullopt);
  CHECK(healthy.done == ser * 1003 + lat * 4);

  // The spine of the route dies at t_f = 40 us. Lost: every frame not yet past the spine
  // (frame i reaches leaf 3 at (i+2)·ser + 3 us, so PSNs 452 on) that was sent on the old route
  // (sent before t_f: PSNs up to 489, whose first hop leads into the dead spine): 38 data frames,
  // plus any ACKs whose reverse route crossed that spine.
  // Bounds. Lower: the first lost PSN k was sent at k·ser < t_f; the receiver sees the gap only
  // through a frame sent on the new route after t_f, so the NAK reaches the sender no earlier than
  // t_f + RTT with RTT = 4·(lat + ser) + 4·(lat + ser_c) = 8.33344 us, and the 1000 − k frames
  // from k on still need (1000 − k)·ser + 3·ser + 4·lat after that: done >= T_ff + RTT.
  // Upper: frame k had not reached leaf 3 at t_f, so k·ser >= t_f − 2·ser − 3·lat; the first
  // new-route frame starts by t_f + ser and may wait one frame at leaf 3, the NAK arrives by
  // t_f + 2·ser + RTT, the resend starts one frame later at most: done <= T_ff + RTT + 3·lat +
  // 5·ser, plus up to one control frame's wait at each of the NAK's 4 hops (4·ser_c).
  // (Expected about T_ff + 11.5 us = 97.4 us: NAK back at 48.34 us, PSNs 452..999 resent.)
  const Time t_fail = Time::from_us(40);
  const SpineRun failed = spine_down_run(t_fail);
  const Time rtt = (lat + ser) * 4 + (lat + ser_c) * 4;
  CHECK(failed.counters.link_down_drops >= 38);
  CHECK(failed.counters.drops == failed.counters.link_down_drops);
  CHECK(failed.port_drops == failed.counters.drops);  // each loss charged to the port it happened at
  CHECK(failed.counters.retransmitted_packets > 0);
  CHECK(failed.counters.naks_sent >= 1);
  CHECK(failed.counters.timeouts == 0);  // the NAK, not the 4 ms RTO, recovered it
  CHECK(failed.after != failed.before);  // rerouted at t_f ...
  CHECK_FALSE(failed.after_via_spine);    // ... around the dead spine
  CHECK(failed.done >= healthy.done + rtt);
  CHECK(failed.done <= healthy.done + rtt + lat * 3 + ser * 5 + ser_c * 4);
  MESSAGE("healthy " << to_string(healthy.done) << ", spine down at 40 us: " << to_string(failed.done) << ", lost "
                     << failed.counters.link_down_drops << ", resent " << failed.counters.retransmitted_packets);
}

TEST_CASE("a whole window lost: the RTO resends it over the new route, and the run ends") {
  // Two leaves, one host each, two spines, 100 Gb/s, 2 us links; 16 packets 0 → 1 with RTO 100 us.
  // ser = 326.56 ns; frame i leaves the NIC by (i+1)·ser (all 16 by 5.22 us) and reaches leaf 3 at
  // (i+3)·ser + 6 us > 6 us. So when the route's spine dies at t_f = 6 us every frame is on the
  // old route short of leaf 3 (on a wire into or out of the spine, or about to be forwarded into
  // it): exactly 16 frames lost, and no ACK was sent yet. Nothing arrives to open a gap, so no
  // NAK: the RTO armed at the first send (t = 0) fires at 100 us, last progress was at 0, and the
  // sender resends PSNs 0..15 on the other spine's path, of the same length on an idle fabric:
  // done = RTO + T_ff exactly, with T_ff = (16 + 3)·ser + 4·2 us = 14.20464 us.
  NetParams p;
  p.nic.rto = Time::from_us(100);
  p.stall_timeout = Time::from_ms(1);
  const Time ser = serialization_time(Bytes{kWire}, Rate::gbps(100));
  const Time t_ff = ser * 19 + Time::from_us(8);
  Harness h(leaf_spine(2, 1, 2, Rate::gbps(100), Time::from_us(2)), p);
  Script script;
  h.send(0, 1, 16 * kMtu, 1);
  const NodeId spine = h.fabric.port(h.net.route_of(0)[1]).peer;
  script.at(h.sim, Time::from_us(6), [&] { change_links(h, links_of(h.fabric, spine), false); });
  h.sim.run();
  REQUIRE(h.rec.done.count(1) == 1);
  CHECK(h.rec.done.at(1) == p.nic.rto + t_ff);
  CHECK(h.net.counters().link_down_drops == 16);
  CHECK(h.net.counters().timeouts == 1);
  CHECK(h.net.counters().retransmitted_packets == 16);
  CHECK_FALSE(uses_node(h.fabric, route_copy(h.net, 0), spine));
  check_conservation(h.net, false);
  // No timer outlives the transfer: the clock stops at the last ACK, 4 hops of (2 us + 6.88 ns)
  // after the last delivery (not at a re-armed RTO or stall check).
  CHECK(h.sim.now() == h.rec.done.at(1) + (Time::from_us(2) + serialization_time(Bytes{kCtrl}, Rate::gbps(100))) * 4);
}

TEST_CASE("a link degraded to half rate mid-transfer: the rest drains at R/2, queues kept, lossless") {
  // One switch (node 2), hosts 0 and 1, 400 Gb/s, 1 us links; 1000 full packets 0 → 1. The switch
  // egress to host 1 starts frame i at (i+1)·ser + 1 us (ser = 81.64 ns). At t_f = 40 us the link
  // switch–host 1 drops to 200 Gb/s: frames 0..476 have started (frame 476 at 39.942 us, finished
  // at its old rate at 478·ser + 1 us = 40.024 us), 523 remain. The sender still sends at 400 Gb/s,
  // so the switch queue only grows (PFC holds it) and the slow port never idles: the remaining
  // 523·4082 B take 523·8·4082/2e11 s = 85.395 us, then 1 us of wire:
  //   done = 478·ser + 1 us + 523·(2·ser) + 1 us = 126.4182 us,
  // i.e. t_f + remaining·8/(R/2) + latency to within one frame. Without the change: 85.885 us.
  const Time ser = serialization_time(Bytes{kWire}, Rate::gbps(400));
  Harness h(leaf_spine(1, 2, 0, Rate::gbps(400), Time::from_us(1)), NetParams{});
  Script script;
  h.send(0, 1, 1000 * kMtu, 1);
  const PortId slow = port_to(h.fabric, 2, 1);
  const std::vector<std::uint32_t> link{h.fabric.port(slow).link};
  script.at(h.sim, Time::from_us(40), [&] { change_links(h, link, true, Rate::gbps(200)); });
  h.sim.run();
  REQUIRE(h.rec.done.count(1) == 1);
  const Time expected = ser * 478 + Time::from_us(1) + ser * (2 * 523) + Time::from_us(1);
  MESSAGE("degraded: " << to_string(h.rec.done.at(1)) << " (derived " << to_string(expected) << ")");
  CHECK(within(h.rec.done.at(1).seconds(), expected.seconds(), 0.005));
  CHECK(h.rec.done.at(1) >= expected);  // nothing beats the slow port
  CHECK(h.net.counters().link_down_drops == 0);
  CHECK(h.net.port_counters(slow).max_queue_bytes > 0);
  check_conservation(h.net, true);
}

TEST_CASE("down then up (\"until\"): traffic leaves the link, and returns to the healthy ECMP route") {
  // Two leaves of two hosts, two spines, 100 Gb/s. Transfers 0 → 2 all with flow label 0, hence
  // one 5-tuple and one healthy ECMP route H through spine S. The link leaf 0 – S is down from
  // 20 us to 60 us. A (4 MB, t = 0, ~330 us) spans both edges; B starts at 30 us, during the
  // outage; C starts at 80 us, after it. Expected: B starts on the only other path (through the
  // other spine); after 60 us the ECMP set at leaf 0 holds both spines again, so the Router's
  // route for the 5-tuple is H again and every live QP (A, B) and the new C take H; frames cross
  // leaf 0 → S again after 60 us.
  Harness h(leaf_spine(2, 2, 2), NetParams{});
  Script script;
  h.send(0, 2, 1000 * kMtu, 1);
  const std::vector<PortId> healthy = route_copy(h.net, 0);
  const PortId up_port = healthy[1];  // leaf 0 (node 4) → S
  const NodeId spine = h.fabric.port(up_port).peer;
  const std::vector<std::uint32_t> link{h.fabric.port(up_port).link};
  std::vector<PortId> b_route, a_during;
  std::uint64_t tx_at_restore = 0;
  script.at(h.sim, Time::from_us(20), [&] {
    change_links(h, link, false);
    a_during = route_copy(h.net, 0);
  });
  script.at(h.sim, Time::from_us(30), [&] {
    h.send(0, 2, 100 * kMtu, 2);
    b_route = route_copy(h.net, 1);
  });
  script.at(h.sim, Time::from_us(60), [&] {
    tx_at_restore = h.net.port_counters(up_port).tx_packets;
    change_links(h, link, true);
  });
  script.at(h.sim, Time::from_us(80), [&] { h.send(0, 2, 100 * kMtu, 3); });
  h.sim.run();
  REQUIRE(h.rec.done.size() == 3);
  CHECK_FALSE(uses_node(h.fabric, a_during, spine));
  CHECK_FALSE(uses_node(h.fabric, b_route, spine));
  CHECK(route_copy(h.net, 0) == healthy);
  CHECK(route_copy(h.net, 2) == healthy);
  CHECK(h.net.port_counters(up_port).tx_packets > tx_at_restore);
  CHECK(h.net.counters().link_down_drops > 0);
  check_conservation(h.net, false);
}

TEST_CASE("dual-ToR: a NIC link down mid-transfer moves the QP to the NIC's other port") {
  // dual_tor over a 2-leaf, 2-host, 2-spine leaf-spine: every accelerator has one link to each ToR
  // of its pair. The link of the QP's first-hop NIC port dies at 20 us (of ~85 us at 400 Gb/s);
  // the frames on it are lost, the QP moves to the NIC's other port (the only one left) and the
  // transfer completes with exactly its bytes.
  const nlohmann::json spec{{"generator", "dual_tor"},
                            {"dual_tor",
                             {{"base",
                               {{"generator", "leaf_spine"},
                                {"leaf_spine", {{"leaves", 2}, {"hosts_per_leaf", 2}, {"spines", 2}}}}}}}};
  Harness h(topology::build_fabric(topology::parse_topology(spec, "dual_tor.json")), NetParams{});
  REQUIRE(h.fabric.node(0).port_count == 2);
  Script script;
  h.send(0, 2, 1000 * kMtu, 1);
  const PortId first = h.net.route_of(0)[0];
  const PortId other = first == h.fabric.node(0).first_port ? first + 1 : first - 1;
  const std::vector<std::uint32_t> link{h.fabric.port(first).link};
  script.at(h.sim, Time::from_us(20), [&] { change_links(h, link, false); });
  h.sim.run();
  REQUIRE(h.rec.done.count(1) == 1);
  CHECK(h.net.route_of(0)[0] == other);
  CHECK(h.net.port_counters(other).tx_packets > 0);
  CHECK(h.net.counters().link_down_drops > 0);
  CHECK(h.net.qps()[0].delivered == Bytes{1000 * kMtu});
  check_conservation(h.net, false);
}

TEST_CASE("a paused link goes down and comes back: its pause ends with it, nothing stays paused") {
  // Two leaves of three hosts, two spines, 100 Gb/s, static PFC (XOFF 40 kB, XON 20 kB, no
  // reserve). 5:1 incast into host 3 (leaf node 7): hosts 0, 1, 2 over the spines, 4 and 5 locally,
  // 400 frames each. Host 3's port drains each of 5 ingresses at R/5, so leaf 7 holds XOFF toward
  // the spines within a few frames, and they toward leaf 6. At 30 us the link from spine S (on
  // host 0's route) to leaf 7 goes down; at 80 us it comes back. An XOFF pauses for 65535·512 bit
  // times = 335.5 us at 100 Gb/s; the XON that would lift it is sent once leaf 7's frames from S
  // drain (20 kB at about R/5: ~8 us), i.e. during the outage, and would be lost. So a pause that
  // survived the outage would keep S → leaf 7 silent until about 30 + 335 us. The model ends it at
  // 30 us (and leaf 7's ingress from S drops its XOFF then): when the flows return at 80 us (their
  // 5-tuples hash to S again), frames cross S → leaf 7 as soon as the senders, themselves under
  // PFC from leaf 6 (pause/resume cycles of ~20 us here), get their next frames through: within
  // 40 us, far short of 335 us. Everything completes: no XOFF outlives its link, no false stall.
  // (Checked: without the reset, S → leaf 7 sends nothing between 80 and 120 us.)
  // 5 · 400 · 4082 B through host 3's 100 Gb/s port take 653 us, so all flows are live at 80 us.
  NetParams p;
  p.pfc.threshold = PfcThreshold::fixed;
  p.mmu.reserve_per_port = Bytes{0};
  p.pfc.xoff = Bytes{40000};
  p.pfc.xon = Bytes{20000};
  Harness h(leaf_spine(2, 3, 2), p);
  Script script;
  for (std::uint32_t s : {0u, 1u, 2u, 4u, 5u}) h.send(s, 3, 400 * kMtu, s);
  const NodeId spine = h.fabric.port(h.net.route_of(0)[1]).peer;
  const PortId s_to_leaf = port_to(h.fabric, spine, 7);
  const std::vector<std::uint32_t> link{h.fabric.port(s_to_leaf).link};
  std::uint64_t pauses_before = 0, tx_back = 0, tx_later = 0;
  script.at(h.sim, Time::from_us(30), [&] {
    pauses_before = h.net.port_counters(s_to_leaf).pauses_received;
    change_links(h, link, false);
  });
  script.at(h.sim, Time::from_us(80), [&] {
    change_links(h, link, true);
    tx_back = h.net.port_counters(s_to_leaf).tx_packets;
  });
  script.at(h.sim, Time::from_us(120), [&] { tx_later = h.net.port_counters(s_to_leaf).tx_packets; });
  h.sim.run();
  REQUIRE(h.rec.done.size() == 5);
  CHECK(pauses_before > 0);      // the scenario does pause S → leaf 7 before the failure
  CHECK(tx_later > tx_back);     // and S → leaf 7 sends again within 40 us of its return
  CHECK(h.net.counters().link_down_drops > 0);
  CHECK(h.net.route_of(0)[1] == port_to(h.fabric, 6, spine));  // back on S
  check_conservation(h.net, false);
}

TEST_CASE("per-hop modes (spray, flowlet, adaptive) avoid a spine that went down; transfers complete") {
  // Each switch picks a data packet's uplink among the Router's candidates at that moment, which
  // no longer hold the dead spine (node 4): after t_f = 40 us leaf 2 sends nothing toward it.
  // Spray and adaptive (ties broken by the spray hash on this idle fabric) use both spines before;
  // a line-rate flowlet never pauses, so it is one flowlet on one spine until the failure.
  for (const auto lb : {routing::LoadBalancing::spray, routing::LoadBalancing::flowlet, routing::LoadBalancing::adaptive}) {
    CAPTURE(routing::to_string(lb));
    routing::RoutingParams rp;
    rp.load_balancing = lb;
    NetParams p;
    p.nic.receiver = Receiver::reorder_tolerant;
    Harness h(leaf_spine(2, 1, 2, Rate::gbps(400), Time::from_us(1)), p, rp);
    Script script;
    h.send(0, 1, 1000 * kMtu, 1);
    const PortId up0 = port_to(h.fabric, 2, 4), up1 = port_to(h.fabric, 2, 5);
    std::uint64_t tx0_at_fail = 0, tx1_at_fail = 0;
    script.at(h.sim, Time::from_us(40), [&] {
      tx0_at_fail = h.net.port_counters(up0).tx_packets;
      tx1_at_fail = h.net.port_counters(up1).tx_packets;
      change_links(h, links_of(h.fabric, 4), false);
    });
    h.sim.run();
    REQUIRE(h.rec.done.count(1) == 1);
    if (lb != routing::LoadBalancing::flowlet) CHECK((tx0_at_fail > 0 && tx1_at_fail > 0));
    CHECK(h.net.port_counters(up0).tx_packets == tx0_at_fail);
    CHECK(h.net.port_counters(up1).tx_packets > tx1_at_fail);
    CHECK(h.net.port_counters(up0).tx_packets + h.net.port_counters(up1).tx_packets >= 1000);
    check_conservation(h.net, false);
  }
}

TEST_CASE("link changes are deterministic: same inputs, same completion time and counters") {
  const SpineRun a = spine_down_run(Time::from_us(40));
  const SpineRun b = spine_down_run(Time::from_us(40));
  CHECK(a.done == b.done);
  CHECK(a.after == b.after);
  CHECK(a.counters.link_down_drops == b.counters.link_down_drops);
  CHECK(a.counters.retransmitted_packets == b.counters.retransmitted_packets);
  CHECK(a.counters.acks_sent == b.counters.acks_sent);
}
