// NSCC: UET's network-signal-based sender congestion control (UEC 1.0 §3.6; described in the UET
// overview, arXiv:2508.08906, and, with its control laws, in SMaRTT-REPS, arXiv:2404.01630).
// Window-based: the QP's in-flight wire bytes are bounded by cwnd (CcControl::window); no pacing.
// Runs with nic.transport = "uet" (SACK per packet, NACK of trimmed packets).
//
// Per QP, with line rate C, base RTT R0 (QpInfo, lowered by any smaller RTT sample), BDP =
// C·R0/8, full frame F (MTU + overhead), target queueing delay T (target_delay, or 0.75·R0 when
// 0), per ACK: delay d = max(0, rtt − R0), newly acknowledged payload a, CE echo e, and an EWMA
// D ← (1 − ewma)·D + ewma·d (an ACK with rtt = 0, the answer to a UET ACK_REQ, has no delay
// sample: d = D, and D is left as it is):
//   no CE, d <  T : proportional increase  cwnd += pi_gain·F·(a/cwnd)·(T − d)/T
//   no CE, d >= T : fair increase          cwnd += fi_gain·F·(a/cwnd)
//   CE,    d <  T : no change (one path is congested: leave it to the load balancer, REPS)
//   CE,    d >= T : multiplicative decrease, at most once per R0:
//                   cwnd ·= max(1 − gamma·(x − T)/x, 0.5), x = D if D > T else d
// Below one frame (paced, see Bounds) a/cwnd becomes a·cwnd/F², so the increase per round trip
// shrinks to gain·cwnd²/F instead of jumping past the frame.
// (a/cwnd summed over one window is 1: the increases are pi_gain·F and fi_gain·F per round trip,
// equal for every flow whatever its window, so flows sharing a bottleneck converge to equal
// windows as in AIMD.)
// NACK of a trimmed packet: the multiplicative decrease above with x = max(D, d, 2T) (a trim
// means a queue at its trim threshold), and quick adapt: at most once per R0 + T, cwnd =
// min(cwnd, max(F, r·(R0 + T))) with r the payload rate acknowledged since the QP started or the
// previous quick adapt: the window drops at once to what actually got through, but not below
// one frame (the consortium's htsim floors quick adapt at its minimum window, one MTU; without
// the floor a QP whose first window was all trimmed measured r = 0 and stayed paced at
// min_window: the 64:1 NSCC+RCCC study incast ended 16 % late).
// Bounds: min_window·F <= cwnd <= max_bdp·BDP; start: cwnd = BDP (line rate from the first
// packet, UET's default of starting at full speed). Below one frame the QP keeps one packet in
// flight and is paced at cwnd·8/(R0 + T) bit/s, so a 1000:1 incast can share a link without a
// standing queue of 1000 frames (our choice: a window of whole frames would keep n·F queued).
// ewma: the consortium's htsim uses 0.0125 per ACK (uec.cpp _delay_alpha) with an MD on the
// average alone; here D only picks x when D > T, so the weight matters little: a 63:1 incast
// ends within 0.2 % with either (tests/cc/nscc_test.cpp); 0.125 kept.
// Defaults (our choice where the sources leave a value open): gamma = 0.8, ewma = 0.125,
// pi_gain = 4, fi_gain = 1, max_bdp = 1.5, min_window = 0.05, target_delay = 0 (0.75·R0).
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "core/simulator.hpp"
#include "net/cc_strategy.hpp"

namespace rocesim::cc {

struct NsccParams {
  Time target_delay{};     // target queueing delay T; 0 = 0.75 × the QP's base RTT
  double gamma = 0.8;      // multiplicative-decrease gain, in (0, 1]
  double ewma = 0.125;     // weight of the newest delay sample in D, in (0, 1]
  double pi_gain = 4.0;    // proportional increase, full frames per round trip at d = 0, (0, 1000]
  double fi_gain = 1.0;    // fair increase, full frames per round trip, (0, 1000]
  double max_bdp = 1.5;    // window ceiling in BDPs, [1, 100]
  double min_window = 0.05;  // window floor in full frames, [0.001, 1]; below 1: paced
};

NsccParams read_nscc_params(JsonReader& r);
nlohmann::json to_json(const NsccParams& p);

class Nscc final : public net::CcStrategy {
 public:
  Nscc(NsccParams p, Bytes data_frame) : p_(p), frame_(static_cast<double>(data_frame.n)) {}

  std::string_view name() const override { return "nscc"; }
  void attach(Simulator& sim, net::CcHost& host) override;
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override;
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override;
  void on_nack(std::uint32_t qp, Time now, Time rtt, net::CcControl& ctl) override;

  const NsccParams& params() const { return p_; }
  double cwnd(std::uint32_t qp) const { return qp_[qp].cwnd; }

 private:
  struct QpState {
    double cwnd = 0;       // bytes (wire)
    double max_cwnd = 0;
    double line = 0;       // bit/s
    double base_rtt = 0;   // ps
    double target = 0;     // ps
    double avg_delay = 0;  // ps
    Time last_decrease{};
    Time qa_since{};       // start of the quick-adapt measurement
    std::int64_t qa_acked = 0;  // payload acknowledged since qa_since
    bool decreased = false;
  };
  void apply(QpState& q, net::CcControl& ctl) const;
  void decrease(QpState& q, Time now, double x) const;  // the multiplicative decrease, once per R0

  NsccParams p_;
  double frame_;
  Simulator* sim_ = nullptr;
  std::vector<QpState> qp_;
};

}  // namespace rocesim::cc
