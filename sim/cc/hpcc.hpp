// HPCC: High Precision Congestion Control (Li et al., SIGCOMM 2019), window-based CC driven by
// in-band network telemetry (INT).
//
// Every switch egress a data packet leaves appends one record (queue length qlen in bytes,
// cumulative tx bytes, timestamp ts, link rate B); the receiver echoes them in the ACK
// (net::AckSample::hops). Per QP the sender keeps the records of the previous ACK L, the
// reference window Wc, the smoothed utilization U and incStage. With T = base RTT:
//   per hop i  : txRate_i = 8·(txBytes − L_i.txBytes) / (ts − L_i.ts)               (bit/s)
//                u_i      = min(qlen, L_i.qlen)·8 / (B·T) + txRate_i / B
//   u, tau     : the largest u_i and its ts − L_i.ts;   tau = min(tau, T)
//   U          = (1 − tau/T)·U + (tau/T)·u
//   window     : if U >= eta or incStage >= max_stage:  W = Wc / (U/eta) + W_AI
//                else                                    W = Wc + W_AI
//   Wc         : takes the new W (and incStage resets to 0, or increments in the additive branch)
//                only on the first ACK for a packet sent after the last Wc update — once per
//                RTT; other ACKs compute W from the unchanged Wc (per-ACK reaction, per-RTT
//                reference).
//   rate       : R = W / T, both capped at the line rate (W <= W_init = line·T) and floored at
//                min_rate (W >= min_rate·T).
// U starts at 1 (a QP knows nothing yet; the HPCC authors' simulator, rdma-queue-pair.cc). The
//   first ACK with telemetry only stores the records and starts the first RTT: Wc is first updated
//   by an ACK for a packet sent after it.
// fast_react = true: every ACK recomputes W (from the unchanged Wc within an RTT); false: only the
//   once-per-RTT update changes W (U and the records are still tracked per ACK).
// Defaults follow the HPCC authors' ns-3 simulator (alibaba-edu/High-Precision-Congestion-
//   Control, simulation/mix/config.txt and run.py for the paper's 100 G fat tree): eta = 0.95
//   (U_TARGET), max_stage = 0 (MI_THRESH 0: every update is W = Wc/(U/eta) + W_AI, the
//   additive branch never runs alone), fast_react on (FAST_REACT 1), min_rate = 100 Mb/s, and an
//   additive step of rate_ai = 50 Mb/s at 100 Gb/s (RATE_AI in config.txt; run.py's
//   10 Mb/s per 25 G gives 40 Mb/s) applied to the window as W_AI = rate_ai · T.
//   rate_ai = 0 ("auto") scales it with the QP's line rate: rate_ai = line / 2000. In the paper's
//   terms W_AI = W_init·(1 − eta)/N with N = 100 concurrent flows.
// INT overhead: the HPCC INT header is 2 B plus 8 B per hop (B: 4 bit, ts: 24 bit, txBytes:
//   20 bit, qlen: 16 bit); the ns-3 lineage reserves a fixed 42 B (5 hops) on every data packet.
//   Here each switch egress grows the data frame by int_bytes_per_hop (8 B) as it appends its
//   record (CcStrategy::telemetry_bytes_per_hop), so a frame pays for the hops it really
//   crossed; the 2 B header itself is not modelled (0.05 % of a 4 KB frame).
// Fairness: the multiplicative update keeps the ratio of competing windows; only W_AI closes it.
//   Two flows on one bottleneck hold S = W_A + W_B and shrink the gap by eta/U = 1 − 2·W_AI/S per
//   Wc update: D(t) = D0·exp(−t/tau), tau = eta·C·T/(2·rate_ai) (defaults at 100 G on a 4-link
//   path, T = 9.3 us: 8.9 ms; measured 9.2 ms). The decay stops where a fixed bias d of U at each flow's update
//   instants (phase-locked frame trains) balances W_AI/W, i.e. a split off by ~d·W/W_AI: with
//   the defaults (W/W_AI ~ 950) a 0.1 % bias is a 2:1 split for ms at a time
//   (tests/cc/cc_behaviour_test.cpp, BENCHMARKS.md issue 17).
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "net/cc_strategy.hpp"

namespace rocesim::cc {

struct HpccParams {
  double eta = 0.95;            // target utilization, in (0, 1]
  int max_stage = 0;            // additive-increase stages before a multiplicative update
  Rate rate_ai{};               // additive step as a rate (W_AI = rate_ai · T), 0 = auto (line / 2000)
  bool fast_react = true;       // recompute W on every ACK, not only once per RTT
  Rate min_rate = Rate::mbps(100);
  int int_bytes_per_hop = 8;    // INT record each switch hop adds to a data frame
};

HpccParams read_hpcc_params(JsonReader& r);
nlohmann::json to_json(const HpccParams& p);

class Hpcc final : public net::CcStrategy {
 public:
  explicit Hpcc(HpccParams p) : p_(p) {}

  std::string_view name() const override { return "hpcc"; }
  bool wants_telemetry() const override { return true; }
  std::uint32_t telemetry_bytes_per_hop() const override { return static_cast<std::uint32_t>(p_.int_bytes_per_hop); }
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override;
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override;

  const HpccParams& params() const { return p_; }
  double utilization(std::uint32_t qp) const { return qp_[qp].u; }
  double window_bytes(std::uint32_t qp) const { return qp_[qp].w; }
  double reference_window(std::uint32_t qp) const { return qp_[qp].wc; }
  int inc_stage(std::uint32_t qp) const { return qp_[qp].inc_stage; }
  double w_ai_bytes(std::uint32_t qp) const { return qp_[qp].w_ai; }

 private:
  struct QpState {
    double w = 0;       // current window, bytes
    double wc = 0;      // reference window, bytes
    double w_init = 0;  // line · T, bytes
    double w_min = 0;   // min_rate · T, bytes
    double w_ai = 0;
    double u = 0;       // smoothed utilization
    double t_s = 0;     // base RTT, seconds
    Time last_update{}; // when Wc last changed
    int inc_stage = 0;
    std::uint8_t hops = 0;  // records held in prev_
    bool started = false;
  };

  double measure_inflight(QpState& q, std::uint32_t qp, std::span<const net::HopTelemetry> hops);
  void apply(const QpState& q, net::CcControl& ctl) const;

  HpccParams p_;
  std::vector<QpState> qp_;
  std::vector<net::HopTelemetry> prev_;  // kMaxTelemetryHops records per QP
};

}  // namespace rocesim::cc
