// TIMELY: RTT-based congestion control (Mittal et al., SIGCOMM 2015, Algorithm 1), rate-based.
//
// The rate is updated once per RTT, as the HPCC authors' ns-3 TIMELY does (rdma-hw.cc,
// UpdateRateTimely): by the first ACK for a data packet sent after the previous update (the
// paper's "completion event" of one in-flight window). With new_rtt = the RTT sample of that ACK:
//   new_rtt_diff = new_rtt − prev_rtt;  prev_rtt = new_rtt
//   rtt_diff     = (1 − alpha)·rtt_diff + alpha·new_rtt_diff          (EWMA of the difference)
//   gradient     = rtt_diff / min_rtt                                  (normalized)
//   new_rtt < t_low              : R = R + delta
//   new_rtt > t_high             : R = R·(1 − beta·(1 − t_high/new_rtt))
//   gradient <= 0                : R = R + n·delta, n = hai_n once `hai_after` consecutive
//                                  updates had gradient <= 0 (HAI mode), else n = 1
//   gradient > 0                 : R = R·max(0, 1 − beta·gradient)
// R stays in [min_rate, line rate]. The first sample only sets prev_rtt and starts the first RTT.
// Why per RTT and not per fixed byte count: at a low rate a 64 KB segment takes milliseconds, so a
//   QP cut to 1 % of the line recovered by one delta per millisecond (a 4:1 incast of 4 MB flows
//   took 86 ms instead of 1.3 ms); per RTT, each update sees the effect of the previous one.
// Defaults (paper, and the ns-3 TIMELY of the HPCC simulator): alpha = 0.875, beta = 0.8,
//   t_low = 50 us, t_high = 500 us, min_rtt (D_minRTT) = 20 us, HAI after 5 updates with n = 5,
//   min_rate = 100 Mb/s. delta = 10 Mb/s per 10 Gb/s of line rate (the paper's 10 Mb/s at 10 G;
//   the HPCC simulator's run.py uses RATE_AI = 10·bw/10 Mb/s): "auto" = line / 1000, so 100 Mb/s
//   at 100 G. min_rtt = 0 uses the QP's own base RTT instead; normalizing by a µs base RTT makes
//   every queue ramp look like a gradient near 1 and drives rates to the floor.
// Limits of the paper thresholds in a µs fabric: TIMELY only reacts once an RTT exceeds t_low,
//   i.e. once a queue holds t_low · line (625 KB at 100 G); a flow that has put all its bytes into
//   the network before such an ACK returns (a 1 MB incast flow at 100 G sends for 80 us) finishes
//   exactly as without CC. That is the algorithm, not a missing hook.
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "net/cc_strategy.hpp"

namespace rocesim::cc {

struct TimelyParams {
  double alpha = 0.875;              // EWMA weight of the newest RTT difference, in (0, 1]
  double beta = 0.8;                 // multiplicative decrease factor, in (0, 1]
  Rate delta{};                      // additive increment, 0 = auto (line / 1000)
  Time t_low = Time::from_us(50);    // below: always additive increase
  Time t_high = Time::from_us(500);  // above: decrease by beta·(1 − t_high/rtt)
  Time min_rtt = Time::from_us(20);  // gradient normalizer D_minRTT, 0 = the QP's base RTT
  int hai_after = 5;                 // consecutive gradient <= 0 updates that enter HAI
  int hai_n = 5;                     // HAI multiplier of delta
  Rate min_rate = Rate::mbps(100);
};

TimelyParams read_timely_params(JsonReader& r);
nlohmann::json to_json(const TimelyParams& p);

class Timely final : public net::CcStrategy {
 public:
  explicit Timely(TimelyParams p) : p_(p) {}

  std::string_view name() const override { return "timely"; }
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override;
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override;

  const TimelyParams& params() const { return p_; }
  double rate_bps(std::uint32_t qp) const { return qp_[qp].rate; }
  double rtt_diff_ps(std::uint32_t qp) const { return qp_[qp].rtt_diff; }
  bool in_hai(std::uint32_t qp) const { return qp_[qp].neg_count >= p_.hai_after; }

  // One completion event with RTT sample `rtt` (exposed for unit tests; on_ack calls it).
  void update(std::uint32_t qp, Time rtt);

 private:
  struct QpState {
    double rate = 0;      // bit/s
    double line = 0;
    double rtt_diff = 0;  // ps
    double min_rtt = 0;   // ps
    double delta = 0;     // bit/s
    Time prev_rtt{};
    Time last_update{};   // when the rate was last updated (an RTT ends with an ACK for a later packet)
    int neg_count = 0;       // consecutive updates with gradient <= 0
    bool have_prev = false;
  };

  TimelyParams p_;
  std::vector<QpState> qp_;
};

}  // namespace rocesim::cc
