// Swift driven directly with synthetic ACKs (the branches of Algorithm 1, swift.hpp), then on a
// packet fabric: an 8:1 incast against the target delay it aims for.
// Unit fixture: line 100 Gb/s, base RTT R0 = 10 us, no hops (qp_info), frame F = 4082 B, MTU
// 4000 B, defaults: ai 1, beta 0.8, max_mdf 0.5, base_target auto (= R0), fs_range 5 us over
// cwnd [0.1, 100] packets, min_cwnd 0.001.
//   flow-scaling constants: a = 5 us / (1/√0.1 − 1/√100) = 5e6 ps / 3.062278 = 1.632772e6 ps,
//   b = −a/√100 = −1.632772e5 ps.
//   max_cwnd auto = C·R0/(8F) = 100e9 · 10e-6 / 32656 = 30.6222 packets; start cwnd = BDP = the same.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "cc/cc_factory.hpp"
#include "cc/swift.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using rocesim::cc::testing::qp_info;

namespace {

constexpr double kFrame = 4082, kMtu = 4000;
constexpr double kBdp = 100e9 * 10e-6 / (8 * kFrame);  // 30.6222 packets

struct Rig {
  Swift cc;
  net::CcControl ctl;
  explicit Rig(SwiftParams p = {}) : cc(p, Bytes{4082}, Bytes{4000}) { cc.on_qp_start(qp_info(0), ctl); }
  void ack(Time now, Time rtt, std::int64_t bytes = 4000) {
    cc.on_ack(net::AckSample{0, now, rtt, Bytes{bytes}, false, {}}, ctl);
  }
};

}  // namespace

TEST_CASE("swift: target delay = base + hops·h + flow scaling, fs_range at fs_min_cwnd, 0 from fs_max_cwnd") {
  Rig r;
  // a/√cwnd + b: cwnd 100 → 0: target = R0 = 10 us; cwnd 0.1 → fs_range: 15 us; cwnd 1 → a + b =
  // 1.469495e6 ps: 11.469495 us; cwnd 0.01 → a/0.1 + b = 16.2e6 ps, capped at fs_range: 15 us; cwnd 1000 → < 0: 10 us.
  CHECK(r.cc.target(0, 100).ps == doctest::Approx(10e6).epsilon(1e-6));
  CHECK(r.cc.target(0, 0.1).ps == doctest::Approx(15e6).epsilon(1e-6));
  CHECK(r.cc.target(0, 1).ps == doctest::Approx(11.469495e6).epsilon(1e-6));
  CHECK(r.cc.target(0, 0.01).ps == doctest::Approx(15e6).epsilon(1e-6));
  CHECK(r.cc.target(0, 1000).ps == doctest::Approx(10e6).epsilon(1e-6));
  // Topology scaling: 4 links at hop_scale 1 us add 4 us to every target.
  Swift hops(SwiftParams{}, Bytes{4082}, Bytes{4000});
  net::CcControl ctl;
  net::QpInfo info = qp_info(0);
  info.hops = 4;
  hops.on_qp_start(info, ctl);
  CHECK(hops.target(0, 100).ps == doctest::Approx(14e6).epsilon(1e-6));
  // ... and to max_cwnd: C·(R0 + 4 us)/(8F) = 42.8711 packets; the start stays at the BDP.
  CHECK(hops.max_cwnd(0) == doctest::Approx(100e9 * 14e-6 / (8 * kFrame)));
  CHECK(hops.cwnd(0) == doctest::Approx(kBdp));
}

TEST_CASE("swift: starts at the BDP unpaced; below target it adds ai/cwnd per packet acked") {
  SwiftParams p;
  p.max_cwnd = 1000;
  Rig r(p);
  CHECK(r.cc.cwnd(0) == doctest::Approx(kBdp));
  CHECK(r.ctl.rate.bps == 100'000'000'000ull);
  // window = cwnd·F = C·R0/8 = 125,000 B (the ceiling may add 1 B of floating-point rounding).
  CHECK(r.ctl.window.n >= 125000);
  CHECK(r.ctl.window.n <= 125001);
  // Target at cwnd 30.62: a/√30.6222 + b = 1.317e5 ps → 10.13 us; an RTT of 10 us is below it:
  // cwnd += 1/30.6222 per packet; an ACK of 2 packets adds 2/cwnd.
  r.ack(Time::from_us(20), Time::from_us(10), 8000);
  CHECK(r.cc.cwnd(0) == doctest::Approx(kBdp + 2 / kBdp));
}

TEST_CASE("swift: above target it cuts by beta·(delay − target)/delay, at most once per RTT, never below 1 − max_mdf") {
  Rig r;
  // RTT 20 us at cwnd 30.6222: target 10.131749 us (a/√cwnd + b = 1.317487e5 ps); factor =
  // 1 − 0.8·(20 − 10.131749)/20 = 0.605270.
  const double t = 10e6 + 1.632772e6 / std::sqrt(kBdp) - 1.632772e5;
  const double f = 1 - 0.8 * (20e6 - t) / 20e6;
  r.ack(Time::from_us(100), Time::from_us(20));
  CHECK(r.cc.cwnd(0) == doctest::Approx(kBdp * f).epsilon(1e-5));
  // 5 us later (< one RTT of 20 us since the cut): no second cut.
  r.ack(Time::from_us(105), Time::from_us(20));
  CHECK(r.cc.cwnd(0) == doctest::Approx(kBdp * f).epsilon(1e-5));
  // 200 us after the cut with an RTT of 200 us (a full RTT): 1 − 0.8·(200 − t)/200 ≈ 0.24, floored
  // at 1 − max_mdf = 0.5.
  r.ack(Time::from_us(300), Time::from_us(200));
  CHECK(r.cc.cwnd(0) == doctest::Approx(kBdp * f * 0.5).epsilon(1e-5));
}

TEST_CASE("swift: below one packet it keeps one frame in flight, paced at 8·F·cwnd/RTT, and grows by ai per packet") {
  Rig r;
  // Halve every 100 us with an RTT of 100 us (factor floored at 0.5): 30.62 → 0.478 after 6 cuts.
  Time now{};
  for (int i = 0; i < 6; ++i) {
    now += Time::from_us(100);
    r.ack(now, Time::from_us(100));
  }
  const double cw = kBdp / 64;  // 0.478472
  CHECK(r.cc.cwnd(0) == doctest::Approx(cw).epsilon(1e-9));
  CHECK(r.ctl.window.n == 4082);
  // One frame every RTT/cwnd = 209 us: 8 · 4082 · 0.478472 / 100 us = 156.25 Mb/s.
  CHECK(static_cast<double>(r.ctl.rate.bps) == doctest::Approx(8 * kFrame * cw / 100e-6).epsilon(1e-6));
  // Target at cwnd 0.478: a/√0.478 + b = 2.197e6 ps → 12.2 us; an RTT of 11 us is below: cwnd += ai · 1.
  r.ack(now + Time::from_us(1), Time::from_us(11));
  CHECK(r.cc.cwnd(0) == doctest::Approx(cw + 1).epsilon(1e-9));
  CHECK(r.ctl.rate.bps == 100'000'000'000ull);
}

TEST_CASE("swift: the endpoint delay drives the endpoint window only; the fabric window sees RTT − endpoint delay") {
  Rig r;
  // ecwnd starts at max_cwnd (auto = C·R0/(8F) = kBdp with no hops), fcwnd at the BDP: equal here.
  CHECK(r.cc.endpoint_cwnd(0) == doctest::Approx(kBdp));
  // RTT 12 us of which 8 us endpoint: fabric delay 4 us < fabric target 10.13 us → fcwnd += 1/cwnd,
  // clamped at max_cwnd = kBdp; endpoint delay 8 us >= endpoint_target 5 us → ecwnd ·= 1 − 0.8·3/8 = 0.7.
  r.cc.on_ack(net::AckSample{0, Time::from_us(50), Time::from_us(12), Bytes{4000}, false, {}, Time::from_us(8)}, r.ctl);
  CHECK(r.cc.fabric_cwnd(0) == doctest::Approx(kBdp));
  CHECK(r.cc.endpoint_cwnd(0) == doctest::Approx(kBdp * 0.7));
  CHECK(r.cc.cwnd(0) == doctest::Approx(kBdp * 0.7));
  CHECK(r.ctl.window.n == static_cast<std::int64_t>(std::ceil(kBdp * 0.7 * kFrame)));
  // Without endpoint delay the same 12 us RTT is all fabric: above 10.13 us, fcwnd is cut (a full
  // RTT after nothing) by 1 − 0.8·(12 − t)/12, ecwnd grows back by 1/ecwnd.
  Rig f;
  f.ack(Time::from_us(50), Time::from_us(12));
  const double t = 10e6 + 1.632772e6 / std::sqrt(kBdp) - 1.632772e5;
  CHECK(f.cc.fabric_cwnd(0) == doctest::Approx(kBdp * (1 - 0.8 * (12e6 - t) / 12e6)).epsilon(1e-5));
  CHECK(f.cc.endpoint_cwnd(0) == doctest::Approx(kBdp));
}

TEST_CASE("swift: min_cwnd floors the window; parameters are range-checked") {
  SwiftParams p;
  p.min_cwnd = 0.01;
  Rig r(p);
  Time now{};
  for (int i = 0; i < 20; ++i) {  // 30.62 / 2^20 would be 2.9e-5: floored at 0.01
    now += Time::from_us(100);
    r.ack(now, Time::from_us(100));
  }
  CHECK(r.cc.cwnd(0) == doctest::Approx(0.01));
  const auto bad = [](const std::string& swift) {
    const nlohmann::json cc = nlohmann::json::parse(R"({"algorithm": "swift", "swift": )" + swift + "}");
    CHECK_THROWS_AS(make_cc_strategy(cc, "cc.json", CcContext{}), ConfigError);
  };
  bad(R"({"beta": 0})");
  bad(R"({"max_mdf": 1})");
  bad(R"({"ai": -1})");
  bad(R"({"fs_min_cwnd": 200})");
  bad(R"({"hop_scale": "-1us"})");
  bad(R"({"min_cwnd": 2})");
  bad(R"({"max_cwnd": "big"})");
  bad(R"({"target": "10us"})");
  bad(R"({"endpoint_target": "0us"})");
  const nlohmann::json ok = nlohmann::json::parse(R"({"algorithm": "swift", "swift": {"base_target": "12us", "max_cwnd": 64}})");
  const CcSetup s = make_cc_strategy(ok, "cc.json", CcContext{});
  CHECK(s.strategy->name() == "swift");
  CHECK(s.effective["swift"]["base_target"] == "12us");
  CHECK(s.effective["swift"]["max_cwnd"] == 64);
  CHECK(make_cc_strategy(nlohmann::json{{"algorithm", "swift"}}, "cc.json", CcContext{}).effective["swift"]["max_cwnd"] == "auto");
}

namespace {

// One 30 MB flow host 0 → host 1 through one switch (100 Gb/s, 1 us links), host 1's NIC draining
// its 1 MiB receive buffer at 50 Gb/s (nic.rx_buffer, XOFF auto = 1 MiB − headroom). Samples Swift's
// windows and endpoint delay every 10 us over 0.5–2.5 ms (steady state).
struct EndpointRun {
  double max_cwnd = 0;
  int samples = 0, endpoint_binds = 0, fabric_at_max = 0;
  double mean_endpoint_us = 0, mean_ecwnd = 0;
  double goodput = 0;  // bit/s over 0.5–2.5 ms
  std::int64_t rx_peak = 0;
  std::uint64_t pauses = 0;
};

EndpointRun endpoint_run(SwiftParams sp) {
  net::NetParams p;
  p.nic.rx_buffer.size = Bytes{1 << 20};
  p.nic.rx_buffer.drain_rate = Rate::gbps(50);
  auto owned = std::make_unique<Swift>(sp, Bytes{4082}, Bytes{4000});
  const Swift& sw = *owned;
  rocesim::cc::testing::CcHarness h(net::testing::leaf_spine(1, 2, 0), p, std::move(owned));
  h.send(0, 1, 30'000'000, 0);
  EndpointRun r;
  h.sim.run_until(Time::from_us(500));
  r.max_cwnd = sw.max_cwnd(0);
  const std::int64_t d0 = h.net.qps()[0].delivered.n;
  for (Time now = Time::from_us(500); now <= Time::from_us(2500); now += Time::from_us(10)) {
    h.sim.run_until(now);
    ++r.samples;
    r.endpoint_binds += sw.endpoint_cwnd(0) < sw.fabric_cwnd(0) ? 1 : 0;
    r.fabric_at_max += sw.fabric_cwnd(0) == r.max_cwnd ? 1 : 0;
    r.mean_endpoint_us += sw.endpoint_delay(0).us();
    r.mean_ecwnd += sw.endpoint_cwnd(0);
  }
  r.goodput = static_cast<double>(h.net.qps()[0].delivered.n - d0) * 8 / 2e-3;
  r.mean_endpoint_us /= r.samples;
  r.mean_ecwnd /= r.samples;
  h.sim.run();
  net::testing::check_conservation(h.net, true);
  r.rx_peak = h.net.counters().nic_rx_peak_bytes;
  r.pauses = h.net.counters().pause_frames;
  return r;
}

}  // namespace

TEST_CASE("swift: a host draining at half line rate is endpoint congestion — the endpoint window binds, the fabric's stays open") {
  // Base RTT R0 ≈ 4.7 us (4 us of links, a 4082 B frame serialized twice at 100 Gb/s, the ACK);
  // max_cwnd (auto) = C·(R0 + 2 links · 1 us)/(8F) ≈ 20.5 packets.
  // The receiver's NIC drains 50 Gb/s behind a 100 Gb/s link, so the queue forms in its receive
  // buffer, not in the switch (switch egress and sender run at the same 100 Gb/s): the fabric delay
  // RTT − endpoint delay stays ≈ R0, below the fabric target R0 + 2 us + flow scaling, so fcwnd
  // only grows and sits at max_cwnd. The endpoint delay (wait in the buffer + the frame's own
  // 0.65 us drain) is held by ecwnd's AIMD around endpoint_target = 5 us: ecwnd ≈ drain · (R0 +
  // 5 us)/(8F) ≈ 6.25e9 · 9.7e-6 / 4082 ≈ 14.9 packets < 20.5, so the endpoint window binds.
  // The buffer never empties (each cut, 1 − 0.8·(e − 5 us)/e with e just above 5 us, removes
  // about a frame; the standing queue is ~7 frames): goodput = 50 Gb/s · 4000/4082 = 48.99 Gb/s
  // (> 48.5). The buffer holds ≈ 5 us · 6.25 GB/s = 31 KB; it overshoots by at most the packets
  // ecwnd adds in the RTT before a cut reaches the sender (ai = 1 per RTT, plus the start's
  // excess at max_cwnd: 20.5 − 14.9 ≈ 6 frames once): peak < 31 KB + 8 frames = 64 KB, far below
  // XOFF (~1 MiB − headroom): no pause frame.
  const EndpointRun r = endpoint_run(SwiftParams{});
  MESSAGE("endpoint target 5 us: ecwnd < fcwnd in " << r.endpoint_binds << "/" << r.samples << " samples, fcwnd at max ("
                                                    << r.max_cwnd << ") in " << r.fabric_at_max << ", mean ecwnd "
                                                    << r.mean_ecwnd << ", mean endpoint delay " << r.mean_endpoint_us
                                                    << " us, goodput " << r.goodput / 1e9 << " Gb/s, rx peak " << r.rx_peak
                                                    << " B, pauses " << r.pauses);
  CHECK(r.max_cwnd == doctest::Approx(100e9 * 6.7e-6 / (8 * 4082)).epsilon(0.03));
  CHECK(r.endpoint_binds == r.samples);
  CHECK(r.fabric_at_max == r.samples);
  CHECK(r.mean_ecwnd == doctest::Approx(6.25e9 * 9.7e-6 / 4082).epsilon(0.15));
  CHECK(r.mean_endpoint_us > 4);
  CHECK(r.mean_endpoint_us < 6);
  CHECK(r.goodput > 48.5e9);
  CHECK(r.rx_peak < 64000);
  CHECK(r.pauses == 0);
  // Contrast: an endpoint target of 1 ms (62.5 MB at 50 Gb/s, beyond the buffer) never cuts
  // ecwnd, and the host's queue is invisible to the fabric window (fabric delay ≈ R0), which stays
  // at max_cwnd: W = 20.42 · 4082 B = 83.3 KB in flight. By Little's law at the 50 Gb/s drain
  // (6.25 GB/s of wire bytes) the RTT is W/6.25e9 = 13.3 us, of which R0 = 4.67 us (max_cwnd·8F/C
  // − 2 us) is fabric: the endpoint delay is 8.7 us and the buffer holds ~54 KB, set by the window
  // cap instead of a target (a single window-limited flow still never reaches XOFF).
  SwiftParams off;
  off.endpoint_target = Time::from_ms(1);
  const EndpointRun o = endpoint_run(off);
  MESSAGE("endpoint target 1 ms: ecwnd < fcwnd in " << o.endpoint_binds << " samples, mean endpoint delay "
                                                    << o.mean_endpoint_us << " us, rx peak " << o.rx_peak << " B, pauses "
                                                    << o.pauses << ", goodput " << o.goodput / 1e9 << " Gb/s");
  CHECK(o.endpoint_binds == 0);
  CHECK(o.fabric_at_max == o.samples);
  CHECK(o.mean_endpoint_us == doctest::Approx(8.7).epsilon(0.1));
  CHECK(o.rx_peak > r.rx_peak);
}
