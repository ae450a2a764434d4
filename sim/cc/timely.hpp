// TIMELY: RTT-based congestion control (Mittal et al., SIGCOMM 2015, Algorithm 1), rate-based.
//
// The rate is updated once per completion event: every `segment` bytes acknowledged (the paper
// samples per completed segment of 16–64 KB), with new_rtt = the RTT sample of that ACK:
//   new_rtt_diff = new_rtt − prev_rtt;  prev_rtt = new_rtt
//   rtt_diff     = (1 − alpha)·rtt_diff + alpha·new_rtt_diff          (EWMA of the difference)
//   gradient     = rtt_diff / min_rtt                                  (normalized)
//   new_rtt < t_low              : R = R + delta
//   new_rtt > t_high             : R = R·(1 − beta·(1 − t_high/new_rtt))
//   gradient <= 0                : R = R + n·delta, n = hai_n once `hai_after` consecutive
//                                  updates had gradient <= 0 (HAI mode), else n = 1
//   gradient > 0                 : R = R·(1 − beta·gradient)
// R stays in [min_rate, line rate]. The first sample only sets prev_rtt.
// Defaults (paper): alpha = 0.875, beta = 0.8, delta = 10 Mb/s, t_low = 50 us, t_high = 500 us,
//   HAI after 5 completions with n = 5, segment = 64 KB, min_rtt (D_minRTT) = 20 us;
//   min_rtt = 0 uses the QP's own base RTT instead; min_rate = 100 Mb/s (ns-3 lineage floor).
// Scaling note: the paper tuned delta and the segment for 10 Gb/s hosts. At 100 Gb/s, delta =
//   10 Mb/s per 64 KB completion recovers from a deep cut at ~2 Gb/s per ms only; the fabric tests
//   scale delta by the link speed (100 Mb/s) and use the paper's smaller 16 KB segment, and say so.
//   Normalizing by a µs base RTT instead of 20 us makes every queue ramp look like a gradient
//   near 1 and drives rates to the floor, which is why min_rtt defaults to the paper's value.
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
  Rate delta = Rate::mbps(10);       // additive increment
  Time t_low = Time::from_us(50);    // below: always additive increase
  Time t_high = Time::from_us(500);  // above: decrease by beta·(1 − t_high/rtt)
  Time min_rtt = Time::from_us(20);  // gradient normalizer D_minRTT, 0 = the QP's base RTT
  int hai_after = 5;                 // consecutive gradient <= 0 updates that enter HAI
  int hai_n = 5;                     // HAI multiplier of delta
  Bytes segment{65536};              // acknowledged bytes per rate update (completion event)
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
    Time prev_rtt{};
    std::int64_t acked = 0;  // bytes acknowledged since the last update
    int neg_count = 0;       // consecutive updates with gradient <= 0
    bool have_prev = false;
  };

  TimelyParams p_;
  std::vector<QpState> qp_;
};

}  // namespace rocesim::cc
