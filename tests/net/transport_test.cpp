// Packet backend: one-hop goodput, N:1 incast with and without PFC, conservation, determinism.
#include <doctest/doctest.h>

#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

constexpr std::int64_t kMtu = 4000;
constexpr std::int64_t kWire = kMtu + 82;  // default RoCEv2/IPv4 overhead incl. preamble + IFG
// One full frame at 100 Gb/s: 4082 B · 8 / 1e11 b/s = 326.56 ns, exactly.
constexpr Time kSer = Time::from_ps(326560);

NetParams incast_params() {
  NetParams p;
  p.pfc.threshold = PfcThreshold::fixed;
  p.mmu.reserve_per_port = Bytes{0};
  p.pfc.xoff = Bytes{40000};
  p.pfc.xon = Bytes{20000};
  return p;
}

}  // namespace

TEST_CASE("one QP over one switch: goodput = line rate x payload / (payload + overhead)") {
  Harness h(leaf_spine(1, 2, 0), NetParams{});
  const std::int64_t packets = 1000;
  h.send(0, 1, packets * kMtu, 7);
  h.sim.run();
  REQUIRE(h.rec.done.count(7) == 1);
  // Back-to-back frames: the last leaves the NIC at 1000·ser, reaches the switch 1 us later, is
  // forwarded without queueing (the switch egress drains one frame per ser too) and arrives one
  // ser + 1 us after that: FCT = 1001·ser + 2 us = 328.88656 us.
  CHECK(serialization_time(Bytes{kWire}, Rate::gbps(100)) == kSer);
  const Time fct = h.rec.done.at(7);
  CHECK(fct == kSer * (packets + 1) + Time::from_us(2));
  // Goodput over the streaming interval (FCT minus the one-frame, two-link pipeline fill):
  // 100 Gb/s · 4000/4082 = 97.991 Gb/s.
  const double expected = 100e9 * 4000.0 / 4082.0;
  const double goodput = static_cast<double>(packets * kMtu * 8) / (fct - kSer - Time::from_us(2)).seconds();
  CHECK(within(goodput, expected, 0.01));
  check_conservation(h.net, true);
}

TEST_CASE("8:1 incast with PFC: lossless, line-rate makespan, pauses upstream at the predicted time") {
  const std::uint32_t n = 8;
  const std::int64_t bytes = 500 * kMtu;
  Harness h(leaf_spine(1, n + 1, 0), incast_params());
  for (std::uint32_t s = 1; s <= n; ++s) h.send(s, 0, bytes, s);
  h.sim.run();
  REQUIRE(h.rec.done.size() == n);
  check_conservation(h.net, true);
  CHECK(h.net.counters().retransmitted_packets == 0);
  // The receiver's link is the bottleneck: 8·500 frames of 4082 B at 100 Gb/s = 4000·ser =
  // 1306.24 us, plus the first frame's 1 us + ser to reach the switch and 1 us to the receiver.
  const Time ideal = kSer * 4000 + kSer + Time::from_us(2);
  CHECK(within(h.rec.makespan().seconds(), ideal.seconds(), 0.02));
  // Against payload bytes / line rate (16 MB / 100 Gb/s = 1280 us) the makespan is the header
  // overhead (2.05 %) longer, plus the pipeline fill: 1.022 × 1280 us.
  CHECK(within(h.rec.makespan().seconds() / (16e6 * 8 / 100e9), 4082.0 / 4000.0, 0.005));
  // Time to first pause: the egress FIFO serves the 8 ingresses in turn, so each ingress gains
  // (N-1)/N frames per frame time from t0 = ser + 1 us (first arrival). It holds more than XOFF =
  // 40000 B after XOFF·N/((N-1)·R) = 40000·8·8/(7·1e11) s = 3.657 us; the pause frame (84 B,
  // 6.72 ns) then crosses the 1 us link. (The XOFF/((N-1)·R) is the same law for a
  // threshold on the whole egress queue; this MMU counts XOFF per ingress port.) Frames are
  // discrete: the ingress served last in each FIFO round runs ahead of the fluid law by up to
  // (N-1)/N frame, so allow two frame times.
  const double t0 = kSer.seconds() + 1e-6;
  const double expected_first = t0 + 40000.0 * 8 * n / ((n - 1) * 100e9) + 6.72e-9 + 1e-6;
  Time first = Time::max();
  std::uint64_t pauses_upstream = 0;
  for (std::uint32_t s = 1; s <= n; ++s) {
    const auto& pc = h.net.port_counters(port_to(h.fabric, s, n + 1));  // sender NIC → leaf (node n+1)
    pauses_upstream += pc.pauses_received;
    first = std::min(first, pc.first_pause_received);
    CHECK(pc.paused_time > Time{});
  }
  CHECK(pauses_upstream > 0);
  CHECK(std::abs(first.seconds() - expected_first) <= 2 * kSer.seconds());
  // Longest single pause of a sender NIC: the ingress must drain from above XOFF to XON at its
  // FIFO share R/N = 12.5 Gb/s: at least (40000 − 20000)·8 / 12.5e9 = 12.8 us. At most it
  // also drains a full PFC headroom H = 2·12500 + 4·4082 + 84 = 41412 B (pfc_headroom.hpp: what
  // can arrive after the XOFF decision) and waits for the XON to cross the 1 us link:
  // (40000 + 41412 − 20000)·8 / 12.5e9 + 1 us = 40.3 us. (Measured: 39.14 us, the first pause,
  // when all eight senders start at line rate at once and fill their headroom.)
  for (std::uint32_t s = 1; s <= n; ++s) {
    const auto& pc = h.net.port_counters(port_to(h.fabric, s, n + 1));
    CHECK(pc.longest_pause >= Time::from_ns(12800));
    CHECK(pc.longest_pause <= Time::from_ns(40300));
    CHECK(pc.longest_pause <= pc.paused_time);
  }
  // The switch sent them: its ports toward the senders counted XOFF frames.
  CHECK(h.net.port_counters(port_to(h.fabric, n + 1, 1)).pauses_sent > 0);
  // The clock stops at the last event that matters (the last ACK reaching its sender): pause
  // expiry, XOFF refresh and stall-check timers never outlive the traffic.
  Time last_ack{};
  for (const QpRecord& r : h.net.qps()) last_ack = std::max(last_ack, r.acked_at);
  CHECK(h.sim.now() == last_ack);
}

TEST_CASE("8:1 incast lossy (PFC off, small buffer): drops, go-back-N recovers every byte exactly once") {
  const std::uint32_t n = 8;
  NetParams p;
  p.pfc.enabled = false;
  p.mmu.buffer = Bytes{200000};
  p.nic.rto = Time::from_us(100);
  Harness h(leaf_spine(1, n + 1, 0), p);
  for (std::uint32_t s = 1; s <= n; ++s) h.send(s, 0, 250 * kMtu, s);
  h.sim.run();
  REQUIRE(h.rec.done.size() == n);
  // Shared pool 200000 − 9 ports · 8 KiB = 126272 B against 8 senders at line rate into one
  // port: the egress must overflow within a few microseconds, so drops are certain.
  CHECK(h.net.counters().drops > 0);
  CHECK(h.net.counters().lossless_drops == 0);  // no class is lossless with PFC off
  CHECK(h.net.counters().retransmitted_packets > 0);
  CHECK(h.net.counters().naks_sent + h.net.counters().timeouts > 0);
  // Each byte delivered once: the receiver's in-order count equals the transfer size exactly
  // (duplicates and out-of-order frames are counted and discarded, never delivered).
  CHECK(h.net.counters().payload_bytes_delivered == static_cast<std::uint64_t>(n * 250 * kMtu));
  check_conservation(h.net, false);
}

TEST_CASE("same seed gives identical results; the ECN stream follows the seed") {
  const auto run = [](std::uint64_t seed) {
    NetParams p = incast_params();
    p.seed = seed;
    p.ecn.kmin = Bytes{20000};
    p.ecn.kmax = Bytes{400000};
    auto h = std::make_unique<Harness>(leaf_spine(1, 9, 0), p);
    for (std::uint32_t s = 1; s <= 8; ++s) h->send(s, 0, 300 * kMtu + 123 * s, s, s);
    h->sim.run();
    check_conservation(h->net, true);
    return h;
  };
  const auto a = run(5), b = run(5), c = run(6);
  REQUIRE(a->rec.done == b->rec.done);
  CHECK(a->sim.events_executed() == b->sim.events_executed());
  CHECK(a->net.counters().cnps_sent == b->net.counters().cnps_sent);
  std::uint64_t marks_a = 0, marks_b = 0, marks_c = 0;
  for (std::size_t p = 0; p < a->fabric.port_count(); ++p) {
    marks_a += a->net.port_counters(static_cast<PortId>(p)).ecn_marks;
    marks_b += b->net.port_counters(static_cast<PortId>(p)).ecn_marks;
    marks_c += c->net.port_counters(static_cast<PortId>(p)).ecn_marks;
    CHECK(a->net.port_counters(static_cast<PortId>(p)).paused_time == b->net.port_counters(static_cast<PortId>(p)).paused_time);
  }
  CHECK(marks_a > 0);
  CHECK(marks_a == marks_b);
  // Marking draws come from the seed: another seed marks a different set of the same packets.
  CHECK(marks_a != marks_c);
}

TEST_CASE("receiver ACK coalescing: one ACK per ack_every in-order packets plus the last") {
  NetParams p;
  p.nic.ack_every = 4;
  Harness h(leaf_spine(1, 2, 0), p);
  h.send(0, 1, 102 * kMtu, 1);
  h.sim.run();
  // 102 packets: ACKs after packets 4, 8, ..., 100 (25 of them) and after the last, 102: 26.
  CHECK(h.net.counters().acks_sent == 26);
  // Coalescing does not delay delivery: same FCT as the one-QP case, 103·ser + 2 us.
  CHECK(h.rec.done.at(1) == kSer * 103 + Time::from_us(2));
  check_conservation(h.net, true);
}

TEST_CASE("CNPs answer ECN-marked data at most once per cnp_interval per QP") {
  // 4:1 incast with Kmin = Kmax = 0: every data frame that finds a non-empty egress queue is
  // marked, i.e. all but the first few. Each QP streams for T ≈ 4·250 frames·ser = 326.6 us, so
  // with a 50 us interval each receiver QP sends floor(T/50 us) + 1 = 7 CNPs (±1 at the edges).
  NetParams p;
  p.ecn.kmin = Bytes{0};
  p.ecn.kmax = Bytes{0};
  p.pfc.threshold = PfcThreshold::fixed;
  p.pfc.xoff = Bytes{60000};
  p.pfc.xon = Bytes{40000};
  Harness h(leaf_spine(1, 5, 0), p);
  for (std::uint32_t s = 1; s <= 4; ++s) h.send(s, 0, 250 * kMtu, s);
  h.sim.run();
  check_conservation(h.net, true);
  const double per_qp = static_cast<double>(h.net.counters().cnps_sent) / 4;
  CHECK(per_qp >= 6.0);
  CHECK(per_qp <= 8.0);
  std::uint64_t marks = 0;
  for (const auto& pc : h.net.all_port_counters()) marks += pc.ecn_marks;
  CHECK(marks > 900);  // of 1000 frames, nearly all met a queue
}

TEST_CASE("nic.window caps a QP's bytes in flight: goodput = window / RTT") {
  // One QP over one switch (1 us links, 100 Gb/s), window = 4 full frames (4 · 4082 wire bytes).
  // A frame reaches the receiver after ser + 1 us + ser + 1 us; its 86 B ACK returns after
  // 2 · (6.88 ns + 1 us): RTT = 2 · 326.56 ns + 2 · 6.88 ns + 4 us = 4.66688 us. Four frames take
  // 1.31 us < RTT, so the QP sends four frames per RTT: 1000 frames in 250 RTTs = 1166.7 us,
  // goodput 4 · 4000 · 8 b / RTT = 27.4 Gb/s instead of ~98 Gb/s without the window.
  NetParams p;
  p.nic.window = Bytes{4 * kWire};
  Harness h(leaf_spine(1, 2, 0), p);
  h.send(0, 1, 1000 * kMtu, 7);
  h.sim.run();
  REQUIRE(h.rec.done.count(7) == 1);
  const double rtt = 2 * kSer.seconds() + 2 * 6.88e-9 + 4e-6;
  CHECK(within(h.rec.done.at(7).seconds(), 250 * rtt, 0.03));
  check_conservation(h.net, true);
}
