// DCQCN: ECN/CNP-driven rate control for RoCEv2 (Zhu et al., "Congestion Control for Large-Scale
// RDMA Deployments", SIGCOMM 2015), with the Mellanox NIC timer model that the ns-3 RDMA code
// lineage (Li et al., HPCC SIGCOMM 2019 artifact) simulates.
//
// Per QP the sender (reaction point) keeps the current rate Rc, the target rate Rt and alpha.
// The receiver (notification point) is the packet backend: it answers CE-marked data with a CNP
// at most once per NicParams::cnp_interval per QP (paper: N = 50 us).
//   First CNP          : alpha = alpha_init; Rc = Rt = rate_on_first_cnp · Rc; the alpha and
//                        rate-decrease timers start there (t0).
//   Alpha timer        : every alpha_interval (K) after t0:
//                          alpha = (1 − g)·alpha + g   if a CNP arrived since the last tick
//                          alpha = (1 − g)·alpha       otherwise
//   Rate decrease      : checked every decrease_interval (Mellanox rate_reduce_monitor_period)
//                        from t0; if a CNP arrived since the last check:
//                          Rt = Rc              (always if clamp_target_rate, else only when an
//                                                increase event happened since the last decrease)
//                          Rc = max(min_rate, Rc·(1 − alpha/2))
//                        and the increase stages T, BC, the byte count and the increase timer reset.
//   Rate increase      : an increase event happens every increase_interval (timer, stage T) and
//                        every byte_counter bytes sent (stage BC; 0 disables it, leaving the
//                        timer-only Mellanox model where BC ≡ T). With the stages counted before
//                        the event (F = fast_recovery_steps):
//                          max(T, BC) <  F          fast recovery  Rc = (Rc + Rt)/2
//                          min(T, BC) >  F          hyper increase Rt = min(line, Rt + rate_hai); Rc = (Rc + Rt)/2
//                          otherwise                additive       Rt = min(line, Rt + rate_ai);  Rc = (Rc + Rt)/2
// Defaults (units): g = 1/256, alpha_init = 1, K = 55 us, T = 55 us, B = 10 MB, F = 5,
//   rate_ai = 40 Mb/s (paper §5); decrease_interval = 4 us, min_rate = 100 Mb/s,
//   rate_on_first_cnp = 1, clamp_target_rate = false (Mellanox / ns-3 lineage); rate_hai =
//   400 Mb/s (10 × rate_ai, the ratio of the ns-3 lineage's 5/50 Mb/s).
// Simulation shortcuts (exact, not approximations): the alpha timer is evaluated lazily — at a
// CNP or a decrease, all ticks up to now are applied in closed form, (1 − g)^n for n silent
// ticks — so an idle QP costs no events; the decrease check is armed only on a grid tick after a
// CNP; the increase timer stops once Rc = Rt = line rate (further events could only clamp).
// Timer-driven changes reach the NIC at once: a decrease writes the rate through
// CcHost::control(qp) and calls cc_changed, so the packet already waiting is re-paced at the
// lower rate (due w·8/Rc after the previous one); an increase calls cc_changed at the exact time
// the next packet is due at the new rate.
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "core/simulator.hpp"
#include "net/cc_strategy.hpp"

namespace rocesim::cc {

struct DcqcnParams {
  double g = 1.0 / 256;                         // alpha EWMA gain, in (0, 1)
  double alpha_init = 1.0;                      // alpha set by the first CNP, in (0, 1]
  Time alpha_interval = Time::from_us(55);      // K: alpha update period
  Time decrease_interval = Time::from_us(4);    // CNP sampling period for rate decrease
  Time increase_interval = Time::from_us(55);   // T: rate-increase timer
  Bytes byte_counter{10'000'000};               // B: bytes per byte-counter increase event, 0 = off
  int fast_recovery_steps = 5;                  // F
  Rate rate_ai = Rate::mbps(40);                // additive increase of the target rate
  Rate rate_hai = Rate::mbps(400);              // hyper increase of the target rate
  Rate min_rate = Rate::mbps(100);              // floor of the current rate
  double rate_on_first_cnp = 1.0;               // Rc multiplier at the first CNP, in (0, 1]
  bool clamp_target_rate = false;               // Rt = Rc at every decrease
};

// Reads the object of `r` (keys optional, unknown keys rejected); range errors are ConfigError.
DcqcnParams read_dcqcn_params(JsonReader& r);
nlohmann::json to_json(const DcqcnParams& p);

class Dcqcn final : public net::CcStrategy, public EventHandler {
 public:
  explicit Dcqcn(DcqcnParams p) : p_(p) {}

  std::string_view name() const override { return "dcqcn"; }
  void attach(Simulator& sim, net::CcHost& host) override;
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override;
  void on_send(std::uint32_t qp, Bytes wire, Time now, net::CcControl& ctl) override;
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override;
  void on_cnp(std::uint32_t qp, Time now, net::CcControl& ctl) override;
  void on_qp_done(std::uint32_t qp) override;
  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override;

  const DcqcnParams& params() const { return p_; }
  // Inspection for tests and reports; alpha is brought up to `now` (lazy timer, see above).
  double current_rate_bps(std::uint32_t qp) const { return qp_[qp].rc; }
  double target_rate_bps(std::uint32_t qp) const { return qp_[qp].rt; }
  double alpha_at(std::uint32_t qp, Time now) const;

 private:
  enum Kind : std::uint32_t { kDecrease, kIncrease, kKick };

  struct QpState {
    double rc = 0;       // current rate, bit/s
    double rt = 0;       // target rate, bit/s
    double line = 0;     // line rate, bit/s
    double alpha = 1;
    Time t0{};           // first CNP: origin of the alpha and decrease grids
    std::int64_t alpha_ticks = 0;  // alpha ticks applied since t0
    std::int64_t dec_ticks = -1;   // last decrease-check tick run (index on the grid), -1 none
    Time last_send{};
    std::int64_t last_wire = 0;    // wire bytes of the last packet sent (pacing gap)
    std::int64_t bytes = 0;        // bytes sent since the last byte-counter event or decrease
    int t_stage = 0;
    int bc_stage = 0;
    bool cnp_seen = false;
    bool alpha_flag = false;       // CNP since the last alpha tick
    bool dec_flag = false;         // CNP since the last decrease check
    bool active = false;
    TimerId dec_timer{};
    TimerId inc_timer{};
    TimerId kick_timer{};
  };

  void advance_alpha(QpState& q, Time now) const;
  void decrease(std::uint32_t id, Time now);
  void increase_event(std::uint32_t id, bool timer, Time now);
  void rate_raised(std::uint32_t id, Time now);
  TimerId timer(TimerId& slot, Kind kind, std::uint32_t qp);

  DcqcnParams p_;
  Simulator* sim_ = nullptr;
  net::CcHost* host_ = nullptr;
  std::vector<QpState> qp_;
};

}  // namespace rocesim::cc
