// The congestion-control strategy interface: pacing rate, window, RTT samples and per-hop
// telemetry reach a strategy the way DCQCN/HPCC/TIMELY will use them; DWRR between data
// classes; the PFC watchdog.
#include <doctest/doctest.h>

#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

constexpr std::int64_t kMtu = 4000;
constexpr Time kSer = Time::from_ps(326560);      // 4082 B at 100 Gb/s
constexpr Time kSerCtl = Time::from_ps(6880);     // 86 B at 100 Gb/s

// A stand-in for a real algorithm: fixed rate and window, records what the NIC reports.
class ProbeCc final : public CcStrategy {
 public:
  ProbeCc(Rate rate, Bytes window, bool telemetry) : rate_(rate), window_(window), telemetry_(telemetry) {}
  std::string_view name() const override { return "probe"; }
  bool wants_telemetry() const override { return telemetry_; }
  std::uint32_t telemetry_bytes_per_hop() const override { return 42; }
  void on_qp_start(const QpInfo& info, CcControl& ctl) override {
    base_rtt = info.base_rtt;
    ctl.rate = rate_;
    ctl.window = window_;
  }
  void on_send(std::uint32_t, Bytes, Time, CcControl&) override { ++sends; }
  void on_ack(const AckSample& ack, CcControl&) override {
    ++acks;
    min_rtt = std::min(min_rtt, ack.rtt);
    acked += ack.newly_acked.n;
    hop_counts.push_back(ack.hops.size());
    for (std::size_t i = 1; i < ack.hops.size(); ++i) monotone_ts &= ack.hops[i].ts >= ack.hops[i - 1].ts;
  }
  void on_qp_done(std::uint32_t) override { ++done; }

  Time base_rtt{}, min_rtt = Time::max();
  int sends = 0, acks = 0, done = 0;
  std::int64_t acked = 0;
  std::vector<std::size_t> hop_counts;
  bool monotone_ts = true;

 private:
  Rate rate_;
  Bytes window_;
  bool telemetry_;
};

struct CcHarness {
  Fabric fabric;
  routing::Router router;
  Simulator sim;
  ProbeCc* cc;
  PacketNet net;
  Recorder rec;
  CcHarness(Fabric f, std::unique_ptr<ProbeCc> probe)
      : fabric(std::move(f)), router(fabric, {}), cc(probe.get()), net(sim, fabric, router, NetParams{}, std::move(probe)) {
    net.set_sink(&rec);
  }
};

}  // namespace

TEST_CASE("CC interface: a strategy's rate paces the QP") {
  CcHarness h(leaf_spine(1, 2, 0), std::make_unique<ProbeCc>(Rate::gbps(25), Bytes{0}, false));
  const std::int64_t n = 100;
  h.net.start(TransferRequest{0, 1, Bytes{n * kMtu}, 0, 0, 1});
  h.sim.run();
  // At 25 Gb/s a 4082 B frame is spaced 4·326.56 ns = 1306.24 ns after the previous one; the last
  // (n−1 = 99th) leaves at 99·1306.24 ns and needs ser + 1 us + ser + 1 us to arrive.
  CHECK(h.rec.done.at(1) == Time::from_ps(1306240) * (n - 1) + kSer * 2 + Time::from_us(2));
  CHECK(h.cc->sends == n);
  CHECK(h.cc->acks == n);  // ack_every = 1
  CHECK(h.cc->acked == n * kMtu);
  CHECK(h.cc->done == 1);
  check_conservation(h.net, true);
}

TEST_CASE("CC interface: a window bounds in-flight data; RTT samples and base RTT agree") {
  CcHarness h(leaf_spine(1, 2, 0), std::make_unique<ProbeCc>(Rate::gbps(100), Bytes{2 * (kMtu + 82)}, false));
  const std::int64_t n = 100;
  h.net.start(TransferRequest{0, 1, Bytes{n * kMtu}, 0, 0, 1});
  h.sim.run();
  // Idle RTT: data 2·(326.56 ns + 1 us) out, ACK 2·(6.88 ns + 1 us) back = 4666.88 ns.
  const Time rtt = kSer * 2 + kSerCtl * 2 + Time::from_us(4);
  CHECK(h.cc->base_rtt == rtt);
  CHECK(h.cc->min_rtt == rtt);
  // Two frames per RTT: frame 2k leaves at k·RTT, frame 2k+1 one ser later; the last (99 = 2·49+1)
  // leaves at 49·RTT + ser and arrives 2·ser + 2 us later. (~13.7 Gb/s instead of 98.)
  CHECK(h.rec.done.at(1) == rtt * 49 + kSer * 3 + Time::from_us(2));
  check_conservation(h.net, true);
}

TEST_CASE("CC interface: switches append one telemetry record per hop when the strategy asks") {
  CcHarness h(leaf_spine(2, 2, 2), std::make_unique<ProbeCc>(Rate::gbps(100), Bytes{0}, true));
  h.net.start(TransferRequest{0, 3, Bytes{50 * kMtu}, 0, 0, 1});
  h.sim.run();
  // host → leaf → spine → leaf → host: three switch egresses, so three records per ACK.
  REQUIRE(h.cc->hop_counts.size() == 50u);
  for (std::size_t c : h.cc->hop_counts) CHECK(c == 3u);
  CHECK(h.cc->monotone_ts);
  // Each record adds 42 B to the frame: the last link (leaf 1 → host 3) carries 50 frames of
  // 4082 + 3·42 = 4208 B and nothing else (the ACKs flow the other way).
  CHECK(h.net.port_counters(port_to(h.fabric, 5, 3)).tx_wire_bytes == 50u * 4208u);
  check_conservation(h.net, true);
}

TEST_CASE("DWRR between two lossless data classes shares the bottleneck by weight") {
  // Host 1 sends 3 MB in class 0 (weight 3), host 2 3 MB in class 1 (weight 1), both to host 0.
  // DWRR: while both are backlogged class 0 gets 3/4 of the link, so it finishes at
  // 3 MB/(0.75 R) = 4 MB/R, when class 1 has sent 1 MB; class 1 then runs alone and ends at
  // 4 MB/R + 2 MB/R = 6 MB/R: ratio 2/3. Strict priority: 3 MB/R and 6 MB/R, ratio 1/2.
  const auto ratio = [](Scheduler sched) {
    NetParams p;
    p.queues.data_classes = 2;
    p.queues.lossless = {true, true};
    p.queues.dwrr_weights = {3, 1};
    p.queues.scheduler = sched;
    p.pfc.threshold = PfcThreshold::fixed;
    p.pfc.xoff = Bytes{60000};
    p.pfc.xon = Bytes{40000};
    Harness h(leaf_spine(1, 3, 0), p);
    h.send(1, 0, 750 * kMtu, 1, 0, 0);
    h.send(2, 0, 750 * kMtu, 2, 0, 1);
    h.sim.run();
    check_conservation(h.net, true);
    return h.rec.done.at(1).seconds() / h.rec.done.at(2).seconds();
  };
  CHECK(within(ratio(Scheduler::dwrr), 2.0 / 3.0, 0.03));
  CHECK(within(ratio(Scheduler::strict), 1.0 / 2.0, 0.03));
}

TEST_CASE("PFC watchdog breaks a deadlock: pauses ignored after the limit, losses recovered by go-back-N") {
  // The ring of fabric_test.cpp's deadlock case with a 200 us watchdog: ring ports paused longer
  // stop honouring pause, the class turns lossy there (headroom overflows downstream) and the
  // RTO/NAK machinery delivers every byte.
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
  p.pfc.watchdog = Time::from_us(200);
  p.mmu.buffer = Bytes{1 << 20};
  p.nic.rto = Time::from_us(300);
  p.stall_timeout = Time::from_ms(5);
  Harness h(std::move(b).build(), p);
  for (std::uint32_t e = 0; e < 8; ++e) {
    const std::uint32_t s = e / 2;
    const std::uint32_t dst = 2 * ((s + 3) % 4) + (e % 2);
    std::vector<PortId> path{port_to(h.fabric, e, sw[s])};
    for (std::uint32_t k = 0; k < 3; ++k) path.push_back(port_to(h.fabric, sw[(s + k) % 4], sw[(s + k + 1) % 4]));
    path.push_back(port_to(h.fabric, sw[(s + 3) % 4], dst));
    h.net.pin_path(e, dst, e, path);
    h.net.pin_path(dst, e, e, {port_to(h.fabric, dst, sw[(s + 3) % 4]), port_to(h.fabric, sw[(s + 3) % 4], sw[s]),
                               port_to(h.fabric, sw[s], e)});
    h.send(e, dst, 500 * kMtu, e, e);
  }
  h.sim.run();
  CHECK_FALSE(h.net.stall().stalled);
  REQUIRE(h.rec.done.size() == 8);
  std::uint64_t trips = 0;
  for (const auto& pc : h.net.all_port_counters()) trips += pc.watchdog_trips;
  CHECK(trips > 0);
  for (const QpRecord& r : h.net.qps()) CHECK(r.delivered == r.bytes);
  CHECK(h.net.packets_in_use() == 0);
  CHECK(h.net.buffered_bytes() == 0);
}
