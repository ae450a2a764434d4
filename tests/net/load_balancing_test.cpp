// Load balancing in the packet backend (issue #5, test 6): per-flow ECMP, packet spraying,
// flowlet switching and switch-local adaptive routing on a random permutation over a 1:1
// leaf-spine, against a non-blocking single switch with the same hosts; receivers under
// reordering; conservation and determinism in every mode.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <sstream>

#include "core/rng.hpp"
#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;
using routing::LoadBalancing;

namespace {

constexpr std::uint32_t kLeaves = 8, kHosts = 8, kSpines = 8, kN = kLeaves * kHosts;
constexpr std::int64_t kFlowBytes = 2'000'000;
constexpr Rate kLine = Rate::gbps(400);
constexpr Time kHop = Time::from_ns(500);

// A random permutation of the 64 hosts where every host sends to a host on another leaf:
// shuffle, then swap away each same-leaf target with a later (cyclically) host whose swap keeps
// both cross-leaf.
std::vector<std::uint32_t> cross_leaf_permutation(std::uint64_t seed) {
  std::vector<std::uint32_t> dst(kN);
  std::iota(dst.begin(), dst.end(), 0u);
  Rng rng(seed);
  for (std::uint32_t i = kN - 1; i > 0; --i) std::swap(dst[i], dst[rng.below(i + 1)]);
  const auto leaf = [](std::uint32_t h) { return h / kHosts; };
  for (std::uint32_t i = 0; i < kN; ++i) {
    if (leaf(i) != leaf(dst[i])) continue;
    for (std::uint32_t k = 1; k < kN; ++k) {
      const std::uint32_t j = (i + k) % kN;
      if (leaf(j) != leaf(dst[i]) && leaf(i) != leaf(dst[j])) {
        std::swap(dst[i], dst[j]);
        break;
      }
    }
  }
  return dst;
}

struct Outcome {
  Time max_fct{};
  double window_bytes = 0;  // payload delivered in [kWindowBegin, kWindowEnd]
  NetCounters counters;
  std::string fingerprint;  // every counter and every QP's delivery time, for determinism
};

constexpr Time kWindowBegin = Time::from_us(10);
constexpr Time kWindowEnd = Time::from_us(40);

double delivered(const PacketNet& net) {
  double d = 0;
  for (const QpRecord& r : net.qps()) d += static_cast<double>(r.delivered.n);
  return d;
}

// PFC with a shallow static XOFF of 60 KB (15 frames, the reference benchmarks' setting), so a
// collision pauses the senders behind it within microseconds (the gaps flowlets need).
NetParams fabric_params(Receiver receiver) {
  NetParams p;
  p.nic.receiver = receiver;
  p.pfc.threshold = PfcThreshold::fixed;
  p.pfc.xoff = Bytes{60000};
  p.pfc.xon = Bytes{48000};
  p.mmu.reserve_per_port = Bytes{0};
  return p;
}

Outcome run_permutation(LoadBalancing lb, Receiver receiver, std::uint64_t seed, bool single_switch = false) {
  routing::RoutingParams rp;
  rp.load_balancing = lb;
  rp.seed = seed;
  Harness h(single_switch ? leaf_spine(1, kN, 0, kLine, kHop) : leaf_spine(kLeaves, kHosts, kSpines, kLine, kHop),
            fabric_params(receiver), rp);
  const std::vector<std::uint32_t> dst = cross_leaf_permutation(seed);
  for (std::uint32_t s = 0; s < kN; ++s) h.send(s, dst[s], kFlowBytes, s, s);
  Outcome o;
  h.sim.run_until(kWindowBegin);
  o.window_bytes = -delivered(h.net);
  h.sim.run_until(kWindowEnd);
  o.window_bytes += delivered(h.net);
  h.sim.run();
  CHECK(h.rec.done.size() == kN);
  check_conservation(h.net, true);
  o.max_fct = h.rec.makespan();
  o.counters = h.net.counters();
  std::ostringstream f;
  const NetCounters& c = o.counters;
  f << c.data_packets_sent << ' ' << c.retransmitted_packets << ' ' << c.data_packets_delivered << ' '
    << c.out_of_order_packets << ' ' << c.placed_out_of_order << ' ' << c.duplicate_packets << ' ' << c.acks_sent << ' '
    << c.naks_sent << ' ' << c.cnps_sent << ' ' << c.pause_frames << ' ' << c.peak_packets_in_use << ' ' << h.sim.events_executed();
  for (const QpRecord& r : h.net.qps()) f << ' ' << r.delivered_at.ps;
  o.fingerprint = f.str();
  return o;
}

struct Means {
  double max_fct_us = 0;
  double window_bytes = 0;
};

Means means(LoadBalancing lb, Receiver receiver, bool single_switch = false) {
  Means m;
  for (std::uint64_t seed : {1, 2, 3}) {
    const Outcome o = run_permutation(lb, receiver, seed, single_switch);
    m.max_fct_us += o.max_fct.us() / 3;
    m.window_bytes += o.window_bytes / 3;
  }
  return m;
}

}  // namespace

TEST_CASE("load balancing: spray and adaptive beat ECMP and come within 10 % of a non-blocking switch") {
  // 64 hosts, each sends 2 MB (500 packets) to a distinct host on another leaf (a random
  // permutation), all links 400 Gb/s, 500 ns; PFC lossless, no CC; reorder-tolerant receivers
  // (reordering costs nothing). Means over 3 seeds (permutation and hash seeds). Two measures:
  // aggregate throughput in the steady window [10, 40] us (payload delivered by all flows), and
  // max FCT. A packet slot is 4082 B / 400 Gb/s = 81.64 ns.
  // Non-blocking switch: every flow owns its ports and delivers 4000 B per slot, except that each
  // host's downlink also carries the 86 B ACKs (one per packet) of its own flow: window
  // throughput 4082 / (4082 + 86) = 0.979 of line; the last byte arrives at 500 slots + 2 hops =
  // 40.82 + 2·0.58 ≈ 42.7 us.
  // 1:1 leaf-spine: capacity equals demand on every leaf uplink and spine downlink (load 1), so
  // the fabric loses only to imbalance.
  //   ECMP: each leaf hashes its 8 flows onto 8 uplinks, all flows collide somewhere with
  //     probability 1 − 8!/8^8 per leaf: uplinks carrying 2+ flows halve them; the fluid
  //     expectation of the up stage alone is 1 − (1 − 1/8)^8 = 0.66 of line rate, the down stage
  //     loses more: window throughput < 0.8 of the switch, max FCT ≥ 2× (two flows on a link).
  //   spray: each packet picks its spine uniformly, so each uplink / downlink is a queue at load
  //     1 whose arrivals per slot are Binomial(8, 1/8) (variance σ² = 7/8): the backlog is a
  //     reflected random walk, E|W(n)| = √(2nσ²/π) packets after n slots: 8.3 at 10 us, 16.5 at
  //     40 us. Across 128 stage links, 128·(16.5 − 8.3) ≈ 1050 packets are still queued instead
  //     of delivered out of 64·367 = 23,500 slots of the window: 4.5 % below the switch (PFC
  //     head-of-line blocking adds a little): within 10 %. Max FCT: 1.16 us of extra hops plus,
  //     on the worst of 64 paths, ≈ 2.5σ√500 ≈ 52 packets (4.3 us) per stage over two stages:
  //     ≤ 42.7 + 1.2 + 8.5 = 52.4 us, within 25 %.
  //   adaptive: least-queued uplink at the leaf balances the up stage; the down stage, where
  //     spraying loses most, it cannot see (switch-local) and feeds like spraying: same bounds.
  //     (Measured slightly below spraying, 0.91 vs 0.94 of line, likely because an uplink
  //     paused by PFC repels the traffic of every destination, not only of the congested one.)
  //   flowlet: a flow keeps its hashed path until a PFC pause of its NIC opens a gap > 4 us and
  //     gives it a fresh choice, so collisions get resolved, but not all and not at once: between
  //     spraying and ECMP on both measures.
  const Receiver rt = Receiver::reorder_tolerant;
  const Means ideal = means(LoadBalancing::ecmp, rt, true);
  const Means ecmp = means(LoadBalancing::ecmp, rt);
  const Means spray = means(LoadBalancing::spray, rt);
  const Means adaptive = means(LoadBalancing::adaptive, rt);
  const Means flowlet = means(LoadBalancing::flowlet, rt);
  const double line = static_cast<double>(kN) * 4000.0 * ((kWindowEnd - kWindowBegin).ps / 81'640.0);
  MESSAGE("window throughput / line: switch " << ideal.window_bytes / line << " ecmp " << ecmp.window_bytes / line
                                              << " spray " << spray.window_bytes / line << " adaptive "
                                              << adaptive.window_bytes / line << " flowlet " << flowlet.window_bytes / line);
  MESSAGE("max FCT us: switch " << ideal.max_fct_us << " ecmp " << ecmp.max_fct_us << " spray " << spray.max_fct_us
                                << " adaptive " << adaptive.max_fct_us << " flowlet " << flowlet.max_fct_us);
  CHECK(ideal.window_bytes == doctest::Approx(line * 4082.0 / 4168.0).epsilon(0.01));
  CHECK(ideal.max_fct_us == doctest::Approx(42.7).epsilon(0.01));
  CHECK(ecmp.window_bytes < 0.8 * ideal.window_bytes);
  CHECK(ecmp.max_fct_us > 2 * ideal.max_fct_us);
  for (const Means& m : {spray, adaptive}) {
    CHECK(m.window_bytes > 0.9 * ideal.window_bytes);
    CHECK(m.max_fct_us < 1.25 * ideal.max_fct_us);
  }
  CHECK(flowlet.window_bytes > ecmp.window_bytes);
  CHECK(flowlet.window_bytes < std::max(spray.window_bytes, adaptive.window_bytes));
  CHECK(flowlet.max_fct_us < ecmp.max_fct_us);
  CHECK(flowlet.max_fct_us > std::min(spray.max_fct_us, adaptive.max_fct_us));
}

TEST_CASE("load balancing: under spraying, reorder-tolerant placement needs no resend; go-back-N is punished") {
  // Lossless fabric (PFC): no packet is ever lost, so every NAK and every retransmission comes
  // from reordering alone. reorder_tolerant places out-of-order packets (placed_out_of_order > 0
  // shows the reordering happened) and never NAKs or resends (gaps close well within the 100 us
  // reorder timeout). go_back_n discards each out-of-order packet, NAKs and makes its sender
  // resend from the gap: NAKs, retransmissions, and a longer max FCT than reorder-tolerant.
  const Outcome rt = run_permutation(LoadBalancing::spray, Receiver::reorder_tolerant, 1);
  const Outcome gbn = run_permutation(LoadBalancing::spray, Receiver::go_back_n, 1);
  CHECK(rt.counters.placed_out_of_order > 0);
  CHECK(rt.counters.retransmitted_packets == 0);
  CHECK(rt.counters.naks_sent == 0);
  CHECK(rt.counters.reorder_timeouts == 0);
  CHECK(rt.counters.data_packets_sent == rt.counters.data_packets_delivered);
  CHECK(gbn.counters.out_of_order_packets > 0);
  CHECK(gbn.counters.naks_sent > 0);
  CHECK(gbn.counters.retransmitted_packets > 0);
  CHECK(gbn.max_fct > rt.max_fct);
  // Per-flow ECMP never reorders: go-back-N sees nothing out of order.
  const Outcome ecmp = run_permutation(LoadBalancing::ecmp, Receiver::go_back_n, 1);
  CHECK(ecmp.counters.out_of_order_packets == 0);
  CHECK(ecmp.counters.retransmitted_packets == 0);
}

TEST_CASE("load balancing: every mode is deterministic (same seed, byte-identical counters)") {
  for (LoadBalancing lb : {LoadBalancing::ecmp, LoadBalancing::spray, LoadBalancing::flowlet, LoadBalancing::adaptive}) {
    CAPTURE(routing::to_string(lb));
    const Outcome a = run_permutation(lb, Receiver::reorder_tolerant, 7);
    const Outcome b = run_permutation(lb, Receiver::reorder_tolerant, 7);
    CHECK(a.fingerprint == b.fingerprint);
  }
  // A different seed changes the per-packet choices (and the permutation).
  CHECK(run_permutation(LoadBalancing::spray, Receiver::reorder_tolerant, 7).fingerprint !=
        run_permutation(LoadBalancing::spray, Receiver::reorder_tolerant, 8).fingerprint);
}

TEST_CASE("load balancing: spraying uses every spine, ECMP one per flow") {
  // One 2 MB flow from leaf 0 to leaf 1 over 8 spines. ECMP: all 500 packets on one uplink.
  // Spray: each packet picks an uplink uniformly, so each of the 8 gets 500/8 = 62.5 expected
  // packets, binomial sd √(500·(1/8)·(7/8)) ≈ 7.4: every uplink gets between 30 and 95.
  for (LoadBalancing lb : {LoadBalancing::ecmp, LoadBalancing::spray}) {
    routing::RoutingParams rp;
    rp.load_balancing = lb;
    NetParams p;
    p.nic.receiver = Receiver::reorder_tolerant;
    Harness h(leaf_spine(2, 1, 8, kLine, kHop), p, rp);
    h.send(0, 1, kFlowBytes, 1);
    h.sim.run();
    check_conservation(h.net, true);
    const NodeId leaf0 = 2;
    int used = 0;
    for (std::uint32_t s = 0; s < 8; ++s) {
      const std::uint64_t pk = h.net.port_counters(port_to(h.fabric, leaf0, 4 + s)).tx_packets;
      if (pk > 0) ++used;
      if (lb == LoadBalancing::spray) CHECK((pk >= 30 && pk <= 95));
    }
    CHECK(used == (lb == LoadBalancing::ecmp ? 1 : 8));
  }
}
