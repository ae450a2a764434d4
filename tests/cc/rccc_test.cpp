// RCCC (UET's receiver credits, net/rccc.hpp, cc/rccc.hpp): parameters, an incast paced by the
// receiver's credits (nothing trimmed, the queue never above the first frames, the exact number of
// credit frames), RCCC with NSCC, and the speculative-credit default against NSCC alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "cc/cc_factory.hpp"
#include "cc/nscc.hpp"
#include "cc/rccc.hpp"
#include "cc_fixtures.hpp"
#include "core/config_error.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using namespace rocesim::cc::testing;

namespace {

net::NetParams uet() {
  net::NetParams p;
  p.nic.transport = net::Transport::uet;
  return p;
}

std::unique_ptr<net::CcStrategy> rccc(double initial_bdp, bool with_nscc, bool piggyback = true,
                                      Bytes credit_bytes = Bytes{}) {
  net::RcccParams p;
  p.initial_bdp = initial_bdp;
  p.piggyback = piggyback;
  p.credit_bytes = credit_bytes;
  return std::make_unique<Rccc>(p, with_nscc ? std::optional<NsccParams>(NsccParams{}) : std::nullopt, Bytes{4082});
}

}  // namespace

TEST_CASE("rccc parameters: ranges, effective config, alone or with nscc, and the uet transport required") {
  const auto fails_at = cc_error_path;
  CHECK(fails_at({{"algorithm", "rccc"}, {"rccc", {{"rate_factor", 0}}}}) == "/cc/rccc/rate_factor");
  CHECK(fails_at({{"algorithm", "rccc"}, {"rccc", {{"rate_factor", 2.5}}}}) == "/cc/rccc/rate_factor");
  CHECK(fails_at({{"algorithm", "rccc"}, {"rccc", {{"initial_bdp", -1}}}}) == "/cc/rccc/initial_bdp");
  CHECK(fails_at({{"algorithm", "rccc"}, {"rccc", {{"credit_bytes", "10B"}}}}) == "/cc/rccc/credit_bytes");
  CHECK(fails_at({{"algorithm", "rccc"}, {"rccc", {{"credit_bytes", "2MiB"}}}}) == "/cc/rccc/credit_bytes");
  CHECK(fails_at({{"algorithm", "rccc"}, {"rccc", {{"bogus", 1}}}}) == "/cc/rccc/bogus");
  CHECK(fails_at({{"algorithm", "rccc"}, {"rccc", {{"piggyback", 1}}}}) == "/cc/rccc/piggyback");
  const CcSetup alone = make_cc_strategy({{"algorithm", "rccc"}}, "t.json", CcContext{});
  CHECK(alone.strategy->name() == "rccc");
  CHECK(alone.effective["rccc"] == nlohmann::json{{"credit_bytes", "auto"}, {"rate_factor", 1.0}, {"initial_bdp", 1.0}, {"piggyback", true}});
  CHECK_FALSE(alone.effective.contains("nscc"));
  REQUIRE(alone.strategy->receiver_credit() != nullptr);
  const CcSetup both = make_cc_strategy({{"algorithm", "nscc+rccc"}, {"rccc", {{"credit_bytes", "8KB"}}}}, "t.json", CcContext{});
  CHECK(both.strategy->name() == "nscc+rccc");
  CHECK(both.effective["nscc"]["gamma"] == 0.8);
  CHECK(both.effective["rccc"]["credit_bytes"] == "8KB");
  topology::Fabric f = net::testing::leaf_spine(1, 2, 0);
  routing::Router router(f, {});
  Simulator sim;
  CHECK_THROWS_AS(make_packet_net_with_cc(sim, f, router, {{"cc", "rccc"}}), ConfigError);
  CHECK(make_packet_net_with_cc(sim, f, router, {{"cc", "nscc+rccc"}, {"nic", {{"transport", "uet"}}}}) != nullptr);
}

TEST_CASE("rccc 63:1 incast, one frame of speculative credit: the receiver paces it, nothing trimmed") {
  // Grants of one frame, each in its own credit frame (piggyback off).
  // 64 hosts on one switch, 100 Gb/s, 1 us links; hosts 1..63 each send 256 KiB to host 0.
  // Each QP: 66 packets (65 x 4000 B + 2144 B), wire W = 262,144 + 66 x 82 = 267,556 B. With
  // initial_bdp = 0 a QP may send one frame (F = 4082 B) before any credit; the receiver owes it
  // W − F = 263,474 B and grants one frame per 4082·8/100e9 = 326.6 ns to the QPs in turn.
  // Expected:
  //  * the first frames, 63·F = 257,166 B, reach the port at once, below the 400 kB trim
  //    threshold: nothing is trimmed; after them arrivals come at most at the grant rate = the
  //    port's rate, so the queue never exceeds 63·F;
  //  * credit frames: ceil(263,474 / 4082) = 65 per QP, 63·65 = 4095 in all;
  //  * the port is never idle once the first frame arrives: the last byte arrives after
  //    63·W·8/100e9 = 1348.5 us plus the path latency (2 us + one frame 0.33 us), within 1 %.
  for (const bool with_nscc : {false, true}) {
    CAPTURE(with_nscc);
    CcHarness h(net::testing::leaf_spine(1, 64, 0), uet(), rccc(0.0, with_nscc, false, Bytes{4082}));
    constexpr std::int64_t kBytes = 262144;
    for (std::uint32_t s = 1; s < 64; ++s) h.send(s, 0, kBytes, s, s);
    h.sim.run();
    const double ideal_us = 63.0 * 267556 * 8 / 100e9 * 1e6 + 2.33;
    const double took_us = h.rec.makespan().us();
    const net::PortCounters down = h.net.port_counters(net::testing::port_to(h.fabric, 64, 0));
    MESSAGE("rccc incast: " << took_us << " us vs " << ideal_us << " us; max queue " << down.max_queue_bytes << " B");
    CHECK(h.rec.done.size() == 63);
    net::testing::check_conservation(h.net, true);
    CHECK(h.net.counters().trimmed == 0);
    CHECK(h.net.counters().credits_sent == 63 * 65);
    CHECK(down.max_queue_bytes <= 63 * 4082);
    CHECK(took_us >= ideal_us - 0.5);
    CHECK(took_us <= 1.01 * ideal_us);
  }
}

TEST_CASE("rccc default (one BDP speculative) vs nscc alone on the same incast: both trim the first burst, rccc ends first") {
  // Same incast with initial_bdp = 1: each QP may send a BDP first (100 Gb/s x base RTT of
  // about 4.7 us: 58 kB), 63 x 58 kB = 3.7 MB against the 400 kB threshold, so both trim the
  // first burst and resend; neither drops a byte nor needs an RTO. RCCC re-credits every
  // trimmed PSN and from then on offers the port exactly its rate, so it ends within 5 % of the
  // bound above. NSCC alone must find each sender's 1/63 share by window cuts and quick adapt
  // from ECN, delay and trims: it cannot end sooner (measured here: 1.21 x the bound).
  double took[2] = {0, 0};
  for (const bool use_rccc : {true, false}) {
    CAPTURE(use_rccc);
    CcHarness h(net::testing::leaf_spine(1, 64, 0), uet(),
                use_rccc ? rccc(1.0, false) : std::make_unique<Nscc>(NsccParams{}, Bytes{4082}));
    for (std::uint32_t s = 1; s < 64; ++s) h.send(s, 0, 262144, s, s);
    h.sim.run();
    CHECK(h.rec.done.size() == 63);
    net::testing::check_conservation(h.net, true);
    CHECK(h.net.counters().trimmed > 0);
    CHECK(h.net.counters().timeouts == 0);
    took[use_rccc ? 0 : 1] = h.rec.makespan().us();
  }
  MESSAGE("63:1 incast: rccc " << took[0] << " us, nscc " << took[1] << " us");
  CHECK(took[0] <= 1.05 * (63.0 * 267556 * 8 / 100e9 * 1e6 + 2.33));
  CHECK(took[0] <= took[1]);
}

TEST_CASE("rccc single flow: one QP alone is granted its receiver's whole link") {
  // Host 1 sends 4 MB to host 0 through one switch, 100 Gb/s, 1 us links. One BDP of
  // speculative credit covers the first round trip; from the first arrival the receiver grants
  // a frame per frame time, so the sender never waits: 1000 packets at line rate, wire 4,082,000
  // B in 326.56 us, plus 2.33 us of path latency, within 1 %. Grants are 4 frames (16,328 B):
  // (4,082,000 B − the speculative BDP, under 100 kB) / 16,328 B = 244 to 250 of them. Data
  // flows without a gap, so with per-packet ACKs (uet.ack_bytes = 0) an ACK leaves the receiver
  // every frame time and each grant but the last (a credit frame) rides the next one.
  net::NetParams p = uet();
  p.uet.ack_bytes = Bytes{0};
  CcHarness h(net::testing::leaf_spine(1, 2, 0), p, rccc(1.0, false));
  h.send(1, 0, 4'000'000, 1, 1);
  h.sim.run();
  net::testing::check_conservation(h.net, true);
  const net::NetCounters& c = h.net.counters();
  MESSAGE("rccc single flow: " << h.rec.makespan().us() << " us, credit frames " << c.credits_sent << ", grants on ACKs "
                               << c.credits_on_acks);
  CHECK(c.credits_sent == 1);
  CHECK(c.credits_on_acks >= 243);
  CHECK(c.credits_on_acks <= 249);
  const double ideal_us = 4'082'000.0 * 8 / 100e9 * 1e6 + 2.33;
  CHECK(h.rec.makespan().us() >= ideal_us - 0.5);
  CHECK(h.rec.makespan().us() <= 1.01 * ideal_us);
}

TEST_CASE("rccc single flow with coalesced ACKs: same line rate, grants that miss an ACK go as frames") {
  // As above with uet.ack_bytes = 16 KiB: an ACK leaves the receiver every
  // ceil(16,384 / 4000) = 5 frames, a grant every 4. A grant waits for the next ACK unless the
  // pacer's next turn (4 frame times, one QP in the round robin) comes first: in every 20 frame
  // times 5 grants meet 4 ACKs, so at most 1 in 5 grants (about 50 of the 244-250) goes as a
  // credit frame. The sender never waits for credit: the makespan stays within 1 % of ideal.
  net::NetParams p = uet();
  p.uet.ack_bytes = Bytes{16384};
  CcHarness h(net::testing::leaf_spine(1, 2, 0), p, rccc(1.0, false));
  h.send(1, 0, 4'000'000, 1, 1);
  h.sim.run();
  net::testing::check_conservation(h.net, true);
  const net::NetCounters& c = h.net.counters();
  MESSAGE("rccc single flow, coalesced ACKs: " << h.rec.makespan().us() << " us, credit frames " << c.credits_sent
                                               << ", grants on ACKs " << c.credits_on_acks);
  CHECK(c.credits_sent <= 250 / 5 + 1);
  CHECK(c.credits_on_acks > 0);
  CHECK(c.timeouts == 0);
  const double ideal_us = 4'082'000.0 * 8 / 100e9 * 1e6 + 2.33;
  CHECK(h.rec.makespan().us() <= 1.01 * ideal_us);
}

TEST_CASE("rccc with a spine failing mid-run: credits lost with the link are granted again, no RTO") {
  // 2 leaves x 4 hosts, 4 spines, 100 Gb/s, 1 us links; hosts 0..3 send 2 MB each to hosts
  // 4..7, sprayed over the spines, nscc+rccc. At 50 us every link of spine 0 goes down: data,
  // ACKs and credit frames on it are lost. Lost data is found by SACK inference and re-credited;
  // a lost credit frame is repaired by the next (grants are cumulative; the receivers also repeat
  // them at the change). Expected: every byte arrives exactly once and the 4 ms RTO never fires.
  CcHarness h(net::testing::leaf_spine(2, 4, 4), uet(), rccc(1.0, true));
  for (std::uint32_t s = 0; s < 4; ++s) h.send(s, 4 + s, 2'000'000, s, s);
  h.sim.run_until(Time::from_us(50));
  const topology::NodeId spine0 = 10;
  const std::vector<std::uint32_t> links = net::testing::links_of(h.fabric, spine0);
  net::testing::change_links(h, links, false);
  h.sim.run();
  const net::NetCounters& c = h.net.counters();
  MESSAGE("rccc link down: lost " << c.link_down_drops << ", presumed lost " << c.presumed_lost << ", credits " << c.credits_sent);
  CHECK(h.rec.done.size() == 4);
  net::testing::check_conservation(h.net, false);
  CHECK(c.link_down_drops > 0);
  CHECK(c.timeouts == 0);
}


TEST_CASE("rccc credit piggy-backed on ACKs: same incast, same makespan, far fewer credit frames") {
  // The 63:1 incast of the default test (one BDP speculative, so the port's queue holds the
  // first burst), grants of one frame (F = 4082 B). Piggy-backing off: every grant is a credit
  // frame, 4096 of them (63 x 65 plus the trimmed PSNs' re-credit). On: a grant rides the QP's
  // next ACK (or NACK of a trimmed packet) whenever a full frame of its earlier credit is still
  // on the way, which holds for all but the tail of each QP (its data sits in the queue), so
  // the last grant of each QP (63) and a few whose data was all delivered need a frame: at most
  // 1 in 20 of the grants.
  // Credit then arrives later by at most one round of the receiver's round robin, but the
  // grant rate is unchanged, so the makespan must stay within 0.1 %.
  // With grants of 4 frames a QP's turn comes every 63 x 4 frame times (82 us), after its data
  // has left the queue: almost no ACK is left to carry the next grant, so nearly every grant is
  // a frame at once (not held), again with the same makespan.
  double took[3] = {0, 0, 0};
  std::uint64_t frames[3] = {0, 0, 0}, on_acks[3] = {0, 0, 0};
  const struct { bool piggyback; std::int64_t credit; } cases[3] = {{false, 4082}, {true, 4082}, {true, 4 * 4082}};
  for (int k = 0; k < 3; ++k) {
    CcHarness h(net::testing::leaf_spine(1, 64, 0), uet(), rccc(1.0, false, cases[k].piggyback, Bytes{cases[k].credit}));
    for (std::uint32_t s = 1; s < 64; ++s) h.send(s, 0, 262144, s, s);
    h.sim.run();
    CHECK(h.rec.done.size() == 63);
    net::testing::check_conservation(h.net, true);
    CHECK(h.net.counters().timeouts == 0);
    took[k] = h.rec.makespan().us();
    frames[k] = h.net.counters().credits_sent;
    on_acks[k] = h.net.counters().credits_on_acks;
    MESSAGE("piggyback " << cases[k].piggyback << ", grant " << cases[k].credit << " B: " << took[k] << " us, credit frames "
                         << frames[k] << ", grants on ACKs " << on_acks[k]);
  }
  CHECK(on_acks[0] == 0);
  CHECK(frames[1] >= 63);
  CHECK(frames[1] * 20 <= frames[0]);
  CHECK(frames[1] + on_acks[1] >= frames[0] - 2 * 63);  // a carrier may take two grants at most
  CHECK(took[1] == doctest::Approx(took[0]).epsilon(0.001));
  // At least ceil((267,556 - 58,000) / 16,328) = 13 grants per QP, nearly all of them frames.
  CHECK(frames[2] + on_acks[2] >= 63 * 13);
  CHECK(on_acks[2] * 10 <= frames[2]);
  CHECK(took[2] == doctest::Approx(took[0]).epsilon(0.001));
}
