// Swift: delay-based congestion control (Kumar et al., "Swift: Delay is Simple and Effective for
// Congestion Control in the Datacenter", SIGCOMM 2020, Algorithm 1 and §3.5), window-based with
// pacing below one packet.
//
// Units: cwnd in packets (one packet = one full data frame F = MTU + overhead on the wire), times
// in ps, rates in bit/s. Per QP, with line rate C, idle base RTT R0 (QpInfo::base_rtt) and h links
// on its route (QpInfo::hops: the hop count a TTL in the ACK would give the paper's sender):
//   target delay (§3.5, topology + flow scaling):
//     t = base_target + h·hop_scale + max(0, min(a/√cwnd + b, fs_range)),
//     a = fs_range / (1/√fs_min_cwnd − 1/√fs_max_cwnd),  b = −a/√fs_max_cwnd,
//     so the flow term is fs_range at cwnd = fs_min_cwnd and 0 at fs_max_cwnd and above: many
//     small windows (an incast) get a larger target, which the paper uses to keep fairness and
//     to bound the queue at O(fs_range) whatever the fan-in.
//   per ACK with RTT sample `delay` acknowledging n = newly acked bytes / MTU packets:
//     delay < t : additive increase   cwnd += ai·n/cwnd   (cwnd >= 1: ai packets per RTT)
//                                     cwnd += ai·n        (cwnd <  1)
//     delay >= t: multiplicative decrease, at most once per RTT (now − t_last_decrease >= delay):
//                 cwnd ·= max(1 − beta·(delay − t)/delay, 1 − max_mdf)
//     cwnd = clamp(cwnd, min_cwnd, max_cwnd); if cwnd < its value before the ACK, t_last_decrease = now
//     (the paper writes <=: see swift.cpp for why a strict decrease).
//   two windows (§3.3): the fabric window fcwnd runs the rule above on the fabric delay
//     delay_f = RTT − endpoint delay against the scaled target t; the endpoint window ecwnd runs
//     the same rule (its own once-per-RTT cut) on the endpoint delay against endpoint_target,
//     which is fixed (no hop or flow scaling: host congestion does not grow with path length or
//     fan-in). cwnd = min(fcwnd, ecwnd) sets the window and pacing below.
//     Endpoint delay (AckSample::endpoint_delay) = the time the acked data frame spent in the
//     receiver's NIC from its arrival to the ACK: its wait in the NIC receive buffer plus its own
//     drain into the host (nic.rx_buffer, drain_rate; net_params.hpp); 0 without that buffer.
//     Sender-side ACK processing is not modelled (0). ecwnd starts at max_cwnd, so it binds only
//     after endpoint delay has cut it; with no receive buffer it never does and Swift behaves
//     exactly as with one window.
//   sending: cwnd >= 1: window = cwnd·F bytes, no pacing (rate = line);
//            cwnd <  1: one packet in flight, paced one per delay/cwnd: rate = 8·F·cwnd/delay.
// Start: cwnd = min(max_cwnd, C·R0/(8·F)) — line rate from the first packet, as the other
//   algorithms here start; max_cwnd "auto" (0) = C·(base_target + h·hop_scale)/(8·F), the window
//   that fills the path up to the unscaled target, so a lone flow's standing queue stays within
//   h·hop_scale·C (flow scaling adds nothing once cwnd >= fs_max_cwnd).
// base_target "auto" (0) = R0: the QP's own idle RTT, which the NIC knows exactly here, in place of
//   the paper's fleet-wide constant for one hop (the paper adds per-hop scaling for longer paths;
//   here R0 already carries the path's propagation and serialization, so hop_scale is queueing
//   allowance per hop).
// Not modelled: retransmit-timeout and fast-recovery reductions (RoCE here is lossless; go-back-N
//   NAKs reach on_ack as ACKs); host delay other than the NIC receive buffer (CPU scheduling).
// Defaults: Algorithm 1's constants as public Swift simulations commonly set them (the paper
//   publishes the equations, not every value): ai = 1 packet per RTT, beta = 0.8, max_mdf = 0.5,
//   fs_min_cwnd = 0.1, fs_max_cwnd = 100 packets, min_cwnd = 0.001 packets (the paper's
//   sub-packet windows for large incasts); our choice for a µs fabric: hop_scale = 1 us (12.5 KB
//   per hop at 100 Gb/s), fs_range = 5 us, endpoint_target = 5 us (31 KB of receive buffer at a
//   50 Gb/s drain: far below any sensible buffer's XOFF, so the host need not pause the link).
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "net/cc_strategy.hpp"

namespace rocesim::cc {

struct SwiftParams {
  double ai = 1.0;                      // additive increment, packets per RTT, (0, 1000]
  double beta = 0.8;                    // multiplicative-decrease gain, (0, 1]
  double max_mdf = 0.5;                 // largest decrease per RTT, (0, 1)
  Time base_target{};                   // 0 = auto: the QP's base RTT
  Time hop_scale = Time::from_us(1);    // target added per link of the route, >= 0
  Time fs_range = Time::from_us(5);     // largest flow-scaling addition, >= 0
  double fs_min_cwnd = 0.1;             // packets, (0, fs_max_cwnd)
  double fs_max_cwnd = 100;             // packets
  double min_cwnd = 0.001;              // packets, (0, 1]
  double max_cwnd = 0;                  // packets, 0 = auto (see header)
  Time endpoint_target = Time::from_us(5);  // target of the endpoint delay, > 0
};

SwiftParams read_swift_params(JsonReader& r);
nlohmann::json to_json(const SwiftParams& p);

class Swift final : public net::CcStrategy {
 public:
  // REQUIRES: frame = MTU + wire overhead of a full data frame, mtu = its payload (both > 0).
  Swift(SwiftParams p, Bytes frame, Bytes mtu);

  std::string_view name() const override { return "swift"; }
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override;
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override;

  const SwiftParams& params() const { return p_; }
  double cwnd(std::uint32_t qp) const { return std::min(qp_[qp].cwnd, qp_[qp].ecwnd); }  // effective
  double fabric_cwnd(std::uint32_t qp) const { return qp_[qp].cwnd; }
  double endpoint_cwnd(std::uint32_t qp) const { return qp_[qp].ecwnd; }
  Time endpoint_delay(std::uint32_t qp) const { return qp_[qp].endpoint; }  // latest sample
  double max_cwnd(std::uint32_t qp) const { return qp_[qp].max_cwnd; }
  // The target delay of qp at window `cwnd` (packets).
  Time target(std::uint32_t qp, double cwnd) const;

 private:
  struct QpState {
    double cwnd = 0;        // fabric window fcwnd, packets
    double ecwnd = 0;       // endpoint window, packets
    double max_cwnd = 0;    // packets
    double line = 0;        // bit/s
    double fixed_ps = 0;    // base_target + hops·hop_scale, ps
    Time last_decrease{};   // of fcwnd
    Time last_e_decrease{}; // of ecwnd
    Time delay{};           // latest RTT sample (pacing below one packet)
    Time endpoint{};        // latest endpoint-delay sample
  };

  // One window's AIMD step (Algorithm 1) for `delay` against `target`; returns the new window.
  double aimd(double cwnd, double delay, double target, double acked, Time now, Time rtt, Time& last_decrease,
              double max_cwnd) const;
  void apply(const QpState& q, net::CcControl& ctl) const;

  SwiftParams p_;
  double frame_;      // bytes
  double mtu_;        // bytes
  double fs_a_ = 0;   // ps·√packet
  double fs_b_ = 0;   // ps
  std::vector<QpState> qp_;
};

}  // namespace rocesim::cc
