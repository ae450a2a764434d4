// Behaviour of every congestion-control algorithm on small fabrics, with each algorithm's defaults
// (the HPCC authors' simulator settings: hpcc.hpp, timely.hpp, dcqcn.hpp) and the backend
// defaults (100 Gb/s, 1 us links, MTU 4000 B, ECN Kmin 100 KB / Kmax 400 KB / Pmax 0.2, PFC on)
// unless a case says otherwise (issue 17):
//   1. convergence: a flow joins a running one on one bottleneck; the two shares must become
//      equal (Jain > 0.95 in every 200 us window) within a stated time after the join;
//   2. an 8:1 incast: HPCC holds the queue near zero without PFC; DCQCN holds it between Kmin and
//      Kmax with far fewer pauses than PFC alone; TIMELY ends differently from no CC.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cc/cc_factory.hpp"
#include "cc/hpcc.hpp"
#include "cc_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using namespace rocesim::cc::testing;

namespace {

// `algorithm`: a name (defaults) or a whole `cc` object as JSON text.
std::unique_ptr<net::CcStrategy> strategy(const std::string& algorithm) {
  const nlohmann::json cc = algorithm.front() == '{' ? nlohmann::json::parse(algorithm) : nlohmann::json{{"algorithm", algorithm}};
  return make_cc_strategy(cc, "test", CcContext{}).strategy;
}

// Per-flow goodput Jain index in consecutive windows.
struct Windows {
  std::vector<Time> start;   // window start, relative to the join
  std::vector<double> jain;  // of the two flows' delivered bytes in the window
  double goodput = 0;        // both flows, bit/s, over the last 2 ms
  // The earliest window start after which every window has Jain > 0.95 (Time::max() if none).
  Time converged() const {
    Time t = Time::max();
    for (std::size_t k = jain.size(); k-- > 0 && jain[k] > 0.95;) t = start[k];
    return t;
  }
  double worst(Time from) const {
    double w = 1;
    for (std::size_t k = 0; k < jain.size(); ++k)
      if (start[k] >= from) w = std::min(w, jain[k]);
    return w;
  }
};

// Star of 3 hosts, bottleneck = the switch port to host 2. Flow A (host 0) from t = 0, flow B
// (host 1) joins at t = 1 ms + `phase` (A alone has settled by then), both 200 MB; 200 us windows
// until 6 ms after the join.
Windows join_run(const std::string& algorithm, Time phase = Time{}) {
  CcHarness h(net::testing::leaf_spine(1, 3, 0), net::NetParams{}, strategy(algorithm));
  const Time join = Time::from_ms(1) + phase, step = Time::from_us(200);
  h.send(0, 2, 200'000'000, 0);
  h.sim.run_until(join);
  h.send(1, 2, 200'000'000, 1);
  std::vector<std::int64_t> a{h.net.qps()[0].delivered.n}, b{0};
  Windows w;
  for (Time now = join + step; now <= join + Time::from_ms(6); now += step) {
    h.sim.run_until(now);
    a.push_back(h.net.qps()[0].delivered.n);
    b.push_back(h.net.qps()[1].delivered.n);
    w.start.push_back(now - step - join);
    w.jain.push_back(jain({static_cast<double>(a.back() - a[a.size() - 2]), static_cast<double>(b.back() - b[b.size() - 2])}));
  }
  const std::size_t n = a.size() - 1;
  w.goodput = static_cast<double>(a[n] - a[n - 10] + b[n] - b[n - 10]) * 8 / 2e-3;
  return w;
}

}  // namespace

TEST_CASE("cc behaviour: a joining flow gets an equal share within a stated time, for every algorithm") {
  // Goodput ceiling: 100 Gb/s · 4000/4082 = 97.99 Gb/s (4090 B frames under HPCC: 97.80).
  // none: the egress FIFO serves the two ingresses in arrival order and PFC pauses both alike,
  //   so from the first window the shares are equal: converged at 0, goodput at the ceiling.
  // admission: a per-peer in-flight bound of 512 KiB on each flow, otherwise line rate; the
  //   FIFO splits 50/50 as with none: converged at 0.
  // dcqcn: B starts at line rate, the queue passes Kmin, both receive CNPs; the RP cuts are
  //   proportional to the rate, so the shares equalize within a few alpha periods — within
  //   0.4 ms (two windows); the queue around Kmin costs a few % of goodput (> 90 Gb/s).
  // timely: B's start raises the queue above t_low·line in ~50 us; the per-RTT gradient cut
  //   (gradient = rtt_diff/20 us ≫ 1) drops both to min_rate together, then both recover with
  //   identical steps. While at min_rate (100 Mb/s: 2.5 KB per window, under one frame) a window
  //   holds 0 or 1 frame of each flow, so Jain there is quantization noise (0.5 or 1); the
  //   recovery passes one frame per window within ~1 ms: converged within 1.2 ms. Recovery to
  //   full rate takes ~4 ms (timely.hpp), so the last 2 ms (4–6 ms) must exceed 85 Gb/s.
  // hpcc: see the HPCC test case below (its split is set by the join's phase, not by the algorithm).
  // swift: both flows see the same RTT, so each cut scales both windows by the same factor while
  //   the additive increase (1 packet per RTT each) is equal: the difference shrinks at every cut
  //   and never grows. B joins at the BDP (line · 4.7 us ≈ 14 frames) next to A at its ceiling
  //   (line · (R0 + 2 links · 1 us) ≈ 20 frames): Jain (34²)/(2·(14² + 20²)) = 0.97 > 0.95 from
  //   the first window: converged at 0. The target keeps a standing queue of at least 2 links ·
  //   hop_scale · line = 25 KB, so the port never idles: goodput at the ceiling (> 97 Gb/s).
  struct Expect {
    const char* algorithm;
    Time within;
    double min_goodput;
  };
  for (const Expect& e : {Expect{"none", Time{}, 97e9}, Expect{"admission", Time{}, 97e9},
                          Expect{"dcqcn", Time::from_us(400), 90e9}, Expect{"timely", Time::from_us(1200), 85e9},
                          Expect{"swift", Time{}, 97e9}}) {
    const Windows w = join_run(e.algorithm);
    const Time c = w.converged();
    MESSAGE(std::string(e.algorithm) << ": Jain > 0.95 in every window from " << (c == Time::max() ? -1.0 : c.us())
                        << " us after the join; worst Jain " << w.worst(Time{}) << "; last 2 ms goodput "
                        << w.goodput / 1e9 << " Gb/s");
    CHECK(c <= e.within);
    CHECK(w.goodput >= e.min_goodput);
  }
}

TEST_CASE("cc behaviour: HPCC's two-flow split is a random walk held by W_AI alone; sized for N = 2 or 10 flows it converges at once") {
  // Every HPCC update scales a window by the same eta/U (max_stage 0), which keeps the ratio of
  // the two windows; only the additive W_AI pulls them together, by k = W_AI/W per RTT. The
  // split is therefore set by the join transient (the first ~100 us, a few-KB queue whose
  // dequeue-time qlen each flow reads differently depending on how the two frame trains
  // interleave — i.e. on the join's phase at ns scale), then random-walks: each flow's U at its
  // once-per-RTT Wc update comes from INT intervals of 1-3 frames (per-ACK u in 0.65..1.0), so
  // U differs between the flows by sigma_d ~ 0.011 per update (measured 0.0074 and 0.0085 per
  // flow over 2.5-7 ms after the join, default run). For x = ln(W_A/W_B):
  //   x' = x - dU/eta - k·x   =>   stationary sigma_x = sigma_d / (eta · sqrt(2k)).
  // Defaults (rate_ai = line/2000 = 50 Mb/s, the authors' N = 100 sizing): W_AI = 29 B,
  //   W ~ 27.7 KB, k = 1.05e-3 per RTT (correlation time 1/k ~ 950 RTTs ~ 5 ms): sigma_x = 0.26,
  //   i.e. a split of 1.3 : 1 at one sigma (Jain 0.983) and 1.68 : 1 at two (Jain 0.94). So the
  //   issue's "Jain > 0.95 in every window" can fail with the defaults for some join phases and
  //   not others. Measured over join phases 0, 37, .., 148 ns (checked below): worst Jain
  //   0.948-0.966 with the 8 B INT record, 0.948-0.9999 with int_bytes_per_hop = 0 (phases up
  //   to 333 ns: 0.948-0.998 and 0.948-0.9999; 30 ms runs wander between 0.95 and 0.99). So the
  //   8 B record is not the cause: with 0 B and a join at exactly 1 ms the two frame trains lock
  //   into a periodic pattern where every u is 0.951 and sigma_d = 0, which an earlier version
  //   of this test relied on. Checked: worst Jain >= 0.90 (x <= 0.63 = 2.4 sigma_x).
  // rate_ai = 500 Mb/s (W_init·(1 - eta)/N with N = 10): k = 1.05e-2, sigma_x = 0.08 (Jain 0.998
  //   at one sigma, 0.99 at 2.5): converged at 0 (Jain > 0.95 in every window), measured worst
  //   0.984-0.99999; the pair keeps ~eta·line (> 90 Gb/s, measured 93.8).
  // rate_ai = 2.5 Gb/s (N = 2, the paper's W_AI for this scenario): k = 0.053, sigma_x = 0.037
  //   (Jain > 0.996 at 2.5 sigma): converged at 0, worst Jain >= 0.99 (measured 0.996-0.997);
  //   the larger AI pushes the equilibrium U to eta·W/(W - W_AI) ~ 1: goodput > 95 Gb/s (96.4).
  // Neither is a modelling error: the per-hop txRate/qlen/EWMA/update rule follows the authors'
  // simulator (rdma-hw.cc UpdateRateHp); their INT header has a fixed size, like our 0 B case.
  // The U difference is not all noise: part is a fixed bias of U at each flow's update instants
  // (phase-locked frame trains), which the imposed-split case below measures with the decay law
  // and convergence times it states.
  struct Expect {
    const char* cc;
    Time within;       // Time::max(): no convergence claimed
    double min_worst;  // worst Jain over every window from the join
    double min_goodput;
  };
  for (const Expect& e : {Expect{"hpcc", Time::max(), 0.90, 90e9},
                          Expect{R"({"algorithm": "hpcc", "hpcc": {"int_bytes_per_hop": 0}})", Time::max(), 0.90, 90e9},
                          Expect{R"({"algorithm": "hpcc", "hpcc": {"rate_ai": "500Mbps"}})", Time{}, 0.95, 90e9},
                          Expect{R"({"algorithm": "hpcc", "hpcc": {"rate_ai": "2500Mbps"}})", Time{}, 0.99, 95e9}}) {
    for (const std::int64_t phase_ns : {0, 37, 74, 111, 148}) {
      const Windows w = join_run(e.cc, Time::from_ns(phase_ns));
      const Time c = w.converged();
      MESSAGE(std::string(e.cc) << " join +" << phase_ns << " ns: worst Jain " << w.worst(Time{}) << ", Jain > 0.95 from "
                   << (c == Time::max() ? -1.0 : c.us()) << " us, goodput " << w.goodput / 1e9 << " Gb/s");
      CHECK(w.worst(Time{}) >= e.min_worst);
      if (e.within != Time::max()) CHECK(c <= e.within);
      CHECK(w.goodput >= e.min_goodput);
    }
  }
}

namespace {

// 8:1 incast on one switch: hosts 0..7 send 20 MB each to host 8 from t = 0; static PFC XOFF
// 200 KB / XON 160 KB per ingress. Samples the switch's buffered bytes every 10 us.
struct Incast {
  double mean_queue = 0;  // bytes, over 3–10 ms (the bottleneck egress is the only queue)
  std::int64_t peak_queue = 0;
  std::uint64_t pauses = 0;
  Time makespan{};
  std::vector<Time> done;  // per flow
};

Incast incast(const std::string& algorithm) {
  net::NetParams p;
  p.pfc.threshold = net::PfcThreshold::fixed;
  p.pfc.xoff = Bytes{200000};
  p.pfc.xon = Bytes{160000};
  CcHarness h(net::testing::leaf_spine(1, 9, 0), p, strategy(algorithm));
  for (std::uint32_t k = 0; k < 8; ++k) h.send(k, 8, 20'000'000, k);
  Incast r;
  int n = 0;
  for (Time now = Time::from_ms(3); now <= Time::from_ms(10); now += Time::from_us(10)) {
    h.sim.run_until(now);
    r.mean_queue += static_cast<double>(h.net.buffered_bytes());
    r.peak_queue = std::max(r.peak_queue, h.net.buffered_bytes());
    ++n;
  }
  r.mean_queue /= n;
  h.sim.run();
  net::testing::check_conservation(h.net, true);
  r.pauses = h.net.counters().pause_frames;
  r.makespan = h.rec.makespan();
  for (std::uint64_t k = 0; k < 8; ++k) r.done.push_back(h.rec.done.at(k));
  return r;
}

}  // namespace

TEST_CASE("cc behaviour: 8:1 incast — HPCC keeps the queue near zero, DCQCN between Kmin and Kmax, TIMELY is not no CC, Swift at its target") {
  // 160 MB over one 100 Gb/s port: ideal makespan 160e6 · 4082/4000 · 8 / 100e9 = 13.06 ms.
  // none: every sender at line rate; each of the 8 ingresses fills to XOFF (200 KB) and pauses,
  //   so the bottleneck queue holds ~8 × 200 KB = 1.6 MB plus the frames in flight during each
  //   pause (measured: 1.8 MB) with thousands of pause frames; the port never idles (13.06 ms).
  // hpcc: the 8 windows start at W_init = line·T (T = 4.7 us: ~59 KB each, below XOFF: no
  //   pause, ever) and U → eta = 0.95 leaves 5 % headroom, so the standing queue is about one
  //   frame: mean < 8 KB (two frames), peak < 32 KB; makespan ≈ 13.06 / 0.95 = 13.75 ms
  //   (+ INT bytes, allow 14.5 ms).
  // dcqcn: marks start at Kmin = 100 KB; the CNP cuts (≥ 4 us apart per QP) bring the 8 rates
  //   down within a few hundred us, then the queue oscillates in the marking band: it rises past
  //   Kmin (marks) and stays below Kmax = 400 KB (marks at pmax and beyond; each rise is cut
  //   before that). Its mean sits below Kmin (measured ~51 KB): each burst of cuts overshoots
  //   and drains the queue before the rates recover. Pauses: ≥ 10× fewer than none.
  // timely: the queue grows until RTTs exceed t_low (50 us ≈ 625 KB at 100 G), then gradient
  //   cuts hold it there: mean below 625 KB, far below none's 1.6 MB, and ≥ 10× fewer pauses;
  //   its sawtooth costs time (makespan > none's + 5 %).
  // swift: RTT target = R0 + 2 links · 1 us + flow scaling in [0, fs_range = 5 us]; the eight
  //   windows grow until the RTT reaches it, so the queue settles between 2 us · line = 25 KB (the
  //   target without flow scaling) and 7 us · line = 87.5 KB (with all of it); above it each flow
  //   may add one packet per RTT before the cut it triggers: peak < 87.5 KB + 8 frames (32.7 KB)
  //   = 120 KB. Per ingress that is < 15 KB, far below XOFF (200 KB): no pause. The standing queue
  //   never drains, so the port never idles: makespan within 1 % of 13.06 ms.
  const Incast none = incast("none"), hpcc = incast("hpcc"), dcqcn = incast("dcqcn"), timely = incast("timely"),
               swift = incast("swift");
  for (const auto& [name, r] :
       {std::pair{"none", &none}, {"hpcc", &hpcc}, {"dcqcn", &dcqcn}, {"timely", &timely}, {"swift", &swift}}) {
    MESSAGE(std::string(name) << ": mean queue 3-10 ms " << r->mean_queue << " B, peak " << r->peak_queue << " B, pauses "
                              << r->pauses << ", makespan " << r->makespan.us() << " us");
  }
  CHECK(none.mean_queue > 1.6e6);
  CHECK(none.pauses > 1000);
  CHECK(none.makespan.us() < 13060 * 1.01);
  CHECK(hpcc.pauses == 0);
  CHECK(hpcc.mean_queue < 8192);
  CHECK(hpcc.peak_queue < 32768);
  CHECK(hpcc.makespan.us() < 14500);
  CHECK(dcqcn.peak_queue > 100000);
  CHECK(dcqcn.peak_queue < 400000);
  CHECK(dcqcn.pauses * 10 < none.pauses);
  CHECK(timely.mean_queue < 625000);
  CHECK(timely.pauses * 10 < none.pauses);
  CHECK(timely.makespan.us() > none.makespan.us() * 1.05);
  CHECK(swift.mean_queue > 25000);
  CHECK(swift.mean_queue < 87500);
  CHECK(swift.peak_queue < 120000);
  CHECK(swift.pauses == 0);
  CHECK(swift.makespan.us() < 13060 * 1.01);
}

namespace {

// 3 leaves of 4 hosts, one spine (100 Gb/s, 1 us links). A: h0 → h4 and three flows C: h1..h3 →
// h9..h11 share leaf 0's uplink; B: h8 → h4 shares leaf 1's port to h4 with A. A and B both cross 4
// links (same base RTT). Samples A's and B's goodput in `step` windows from the C flows' end.
struct Split {
  Time c_end{};
  std::vector<double> a, b;  // bit/s per window
};

Split split_run(const std::string& algorithm, Time step, Time span, std::int64_t c_bytes = 2'970'000) {
  CcHarness h(net::testing::leaf_spine(3, 4, 1), net::NetParams{}, strategy(algorithm));
  h.send(0, 4, 2'000'000'000, 0);
  h.send(8, 4, 2'000'000'000, 1);
  for (std::uint32_t k = 1; k <= 3; ++k) h.send(k, 8 + k, c_bytes, 1 + k);
  Split s;
  while (h.rec.done.size() < 3) h.sim.run_until(h.sim.now() + Time::from_us(10));
  s.c_end = h.sim.now();
  std::int64_t a0 = h.net.qps()[0].delivered.n, b0 = h.net.qps()[1].delivered.n;
  for (Time now = s.c_end + step; now <= s.c_end + span; now += step) {
    h.sim.run_until(now);
    const std::int64_t a1 = h.net.qps()[0].delivered.n, b1 = h.net.qps()[1].delivered.n;
    s.a.push_back(static_cast<double>(a1 - a0) * 8 / step.seconds());
    s.b.push_back(static_cast<double>(b1 - b0) * 8 / step.seconds());
    a0 = a1;
    b0 = b1;
  }
  return s;
}

}  // namespace

TEST_CASE("cc behaviour: HPCC closes an imposed split at the rate W_AI sets, down to a floor set by per-flow U bias") {
  // Before the C flows end, A gets ~1/4 of leaf 0's uplink and B the rest of the port to h4, so at
  // the C flows' end A and B start from an unequal split (measured ~8/84 Gb/s). From then on both
  // are bottlenecked at the port to h4 only, U → eta there, and every update scales both windows by
  // the same eta/U: the sum S = W_A + W_B is held (S = S·eta/U + 2·W_AI) and the gap D = W_A − W_B
  // shrinks by the same factor, eta/U = 1 − 2·W_AI/S, per Wc update (once per RTT). With T = base
  // RTT of 4 links (8 us of propagation, a 4090 B frame serialized at 4 hops, the ACK: 9.33 us),
  // S = eta·C·T and W_AI = rate_ai·T:
  //   D(t) = D0 · exp(−t/tau),  tau = T·S/(2·W_AI) = eta·C·T/(2·rate_ai)
  //   rate_ai 50 Mb/s (default, line/2000): tau = 0.95·100e9·9.33e-6/1e8 = 8.87 ms
  //   rate_ai 500 Mb/s: 0.887 ms;   rate_ai 2.5 Gb/s: 0.177 ms.
  // Checked: the gap's decay between two early windows gives tau within 25 % of that (50 and 500
  // Mb/s; at 2.5 Gb/s the AI holds U near 1 with a standing queue, which stretches the update
  // period and the window sum by a few %, and 20 us windows of ~12 frames are too coarse: measured
  // 0.22-0.3 ms, not checked).
  // Jain > 0.95 needs D/S < 0.228 (a 1.59:1 split): from D0/S ~ 0.8 pure decay reaches it after
  // tau·ln(0.8/0.228) = 1.26·tau: 11.1 ms, 1.1 ms, 0.22 ms.
  // The floor: the decay assumes both flows read the same U at their Wc updates. They read it at
  // their own ACKs, whose timing is phase-locked to the two frame trains, so U at A's updates can
  // differ from U at B's by a fixed bias d; a split is then stationary where W_A·(1 − eta/U_A) =
  // W_B·(1 − eta/U_B) = W_AI, i.e. the ratio moves by ~d·W/W_AI: for d = 0.3 % that is 0.3 at
  // 500 Mb/s (W/W_AI ~ 95) and 3 at 50 Mb/s. Measured (rate_ai 500 Mb/s, 5-10 ms): time-averaged U
  // 0.9577 for both, windows 48.8 / 64.1 KB, i.e. U at the updates 0.9615 (A) / 0.9587 (B): the
  // split stalls at 40 / 53 Gb/s (Jain 0.98). With the default the same kind of stall holds the
  // split at 29 / 63 Gb/s (Jain 0.88) for ~6 ms before the decay resumes. So the convergence
  // times stated and checked here are: 500 Mb/s and 2.5 Gb/s: Jain > 0.95 in every window from
  // 1.26·tau + 0.4 ms to 20 ms; default: Jain > 0.95 in every window of 18-20 ms (11.1 ms by the
  // decay law; the stall adds ~6 ms: measured 0.97-0.98 there).
  struct Expect {
    const char* cc;
    double tau_ms;  // derived decay time; 0: not checked
    Time step;
    std::size_t fit_from, fit_to;  // windows whose gaps measure tau
    Time fair_from;                // every window from here on has Jain > 0.95
  };
  for (const Expect& e : {Expect{"hpcc", 8.87, Time::from_us(500), 0, 6, Time::from_ms(18)},
                          Expect{R"({"algorithm": "hpcc", "hpcc": {"rate_ai": "500Mbps"}})", 0.887, Time::from_us(100), 0, 6,
                                 Time::from_us(1520)},
                          Expect{R"({"algorithm": "hpcc", "hpcc": {"rate_ai": "2500Mbps"}})", 0, Time::from_us(20), 0, 5,
                                 Time::from_us(620)}}) {
    const Split s = split_run(e.cc, e.step, Time::from_ms(20));
    const auto gap = [&](std::size_t k) { return s.b[k] - s.a[k]; };
    const double dt_ms = static_cast<double>(e.fit_to - e.fit_from) * e.step.us() / 1000;
    const double tau = dt_ms / std::log(gap(e.fit_from) / gap(e.fit_to));
    double worst = 1;
    for (std::size_t k = 0; k < s.a.size(); ++k)
      if (e.step * static_cast<std::int64_t>(k) >= e.fair_from) worst = std::min(worst, jain({s.a[k], s.b[k]}));
    MESSAGE(std::string(e.cc) << ": C flows end at " << s.c_end.us() << " us; A/B " << s.a[0] / 1e9 << "/" << s.b[0] / 1e9 << " -> "
                 << s.a.back() / 1e9 << "/" << s.b.back() / 1e9 << " Gb/s; tau measured " << tau << " ms (derived "
                 << e.tau_ms << "); worst Jain from " << e.fair_from.us() << " us: " << worst);
    if (e.tau_ms > 0) CHECK(tau == doctest::Approx(e.tau_ms).epsilon(0.25));
    CHECK(worst > 0.95);
  }
}
