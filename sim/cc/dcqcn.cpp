// DCQCN reaction point: equations and defaults in dcqcn.hpp.
#include "cc/dcqcn.hpp"

#include <algorithm>
#include <cmath>

#include "cc/param_checks.hpp"

namespace rocesim::cc {

DcqcnParams read_dcqcn_params(JsonReader& r) {
  DcqcnParams p;
  p.g = open_unit_interval(r, "g", p.g);
  p.alpha_init = half_open_unit_interval(r, "alpha_init", p.alpha_init);
  p.alpha_interval = positive_time(r, "alpha_interval", p.alpha_interval);
  p.decrease_interval = positive_time(r, "decrease_interval", p.decrease_interval);
  p.increase_interval = positive_time(r, "increase_interval", p.increase_interval);
  p.byte_counter = r.bytes_or("byte_counter", p.byte_counter, 0);
  p.fast_recovery_steps = static_cast<int>(r.integer_or("fast_recovery_steps", p.fast_recovery_steps, 0, 1000000));
  p.rate_ai = r.rate_or("rate_ai", p.rate_ai);
  p.rate_hai = r.rate_or("rate_hai", p.rate_hai);
  p.min_rate = positive_rate(r, "min_rate", p.min_rate);
  p.rate_on_first_cnp = half_open_unit_interval(r, "rate_on_first_cnp", p.rate_on_first_cnp);
  p.clamp_target_rate = r.boolean_or("clamp_target_rate", p.clamp_target_rate);
  r.finish();
  return p;
}

nlohmann::json to_json(const DcqcnParams& p) {
  return nlohmann::json{{"g", p.g},
                        {"alpha_init", p.alpha_init},
                        {"alpha_interval", to_string(p.alpha_interval)},
                        {"decrease_interval", to_string(p.decrease_interval)},
                        {"increase_interval", to_string(p.increase_interval)},
                        {"byte_counter", to_string(p.byte_counter)},
                        {"fast_recovery_steps", p.fast_recovery_steps},
                        {"rate_ai", to_string(p.rate_ai)},
                        {"rate_hai", to_string(p.rate_hai)},
                        {"min_rate", to_string(p.min_rate)},
                        {"rate_on_first_cnp", p.rate_on_first_cnp},
                        {"clamp_target_rate", p.clamp_target_rate}};
}

void Dcqcn::attach(Simulator& sim, net::CcHost& host) {
  sim_ = &sim;
  host_ = &host;
}

TimerId Dcqcn::timer(TimerId& slot, Kind kind, std::uint32_t qp) {
  if (!slot.valid()) slot = sim_->make_timer(this, kind, qp);
  return slot;
}

void Dcqcn::on_qp_start(const net::QpInfo& info, net::CcControl& ctl) {
  if (qp_.size() <= info.qp) qp_.resize(info.qp + 1);
  QpState& q = qp_[info.qp];
  q = QpState{};
  q.line = static_cast<double>(info.line_rate.bps);
  q.rc = q.rt = q.line;
  q.alpha = p_.alpha_init;
  q.active = true;
  ctl.rate = info.line_rate;
  ctl.window = Bytes{0};
}

// Applies the alpha ticks t0 + k·K with t0 + k·K <= now that have not run yet: the first sees the
// CNP flag, the others decay by (1 − g) each.
void Dcqcn::advance_alpha(QpState& q, Time now) const {
  if (!q.cnp_seen) return;
  const std::int64_t n = (now - q.t0).ps / p_.alpha_interval.ps;
  const std::int64_t pending = n - q.alpha_ticks;
  if (pending <= 0) return;
  q.alpha = (1 - p_.g) * q.alpha + (q.alpha_flag ? p_.g : 0.0);
  q.alpha_flag = false;
  if (pending > 1) q.alpha *= std::pow(1 - p_.g, static_cast<double>(pending - 1));
  q.alpha_ticks = n;
}

double Dcqcn::alpha_at(std::uint32_t qp, Time now) const {
  QpState q = qp_[qp];
  advance_alpha(q, now);
  return q.alpha;
}

void Dcqcn::on_send(std::uint32_t id, Bytes wire, Time now, net::CcControl& ctl) {
  QpState& q = qp_[id];
  q.last_send = now;
  q.last_wire = wire.n;
  if (q.cnp_seen && p_.byte_counter.n > 0 && (q.rc < q.line || q.rt < q.line)) {
    q.bytes += wire.n;
    while (q.bytes >= p_.byte_counter.n) {
      q.bytes -= p_.byte_counter.n;
      increase_event(id, false, now);
    }
  }
  ctl.rate = Rate{static_cast<std::uint64_t>(q.rc)};
}

void Dcqcn::on_ack(const net::AckSample& ack, net::CcControl& ctl) {
  ctl.rate = Rate{static_cast<std::uint64_t>(qp_[ack.qp].rc)};
}

void Dcqcn::on_cnp(std::uint32_t id, Time now, net::CcControl& ctl) {
  QpState& q = qp_[id];
  if (!q.active) return;
  if (!q.cnp_seen) {
    q.cnp_seen = true;
    q.alpha = p_.alpha_init;
    q.alpha_flag = false;
    q.t0 = now;
    q.alpha_ticks = 0;
    q.rc = std::max(static_cast<double>(p_.min_rate.bps), q.rc * p_.rate_on_first_cnp);
    q.rt = q.rc;
    q.dec_flag = true;
    q.dec_ticks = 0;
    decrease(id, now);  // decrease grid tick 0 is the first CNP itself
  } else {
    advance_alpha(q, now);
    q.alpha_flag = true;
    q.dec_flag = true;
    const TimerId t = timer(q.dec_timer, kDecrease, id);
    if (!sim_->armed(t)) {
      const std::int64_t step = p_.decrease_interval.ps;
      std::int64_t k = ((now - q.t0).ps + step - 1) / step;  // first grid tick at or after now
      if (k <= q.dec_ticks) k = q.dec_ticks + 1;
      sim_->arm(t, q.t0 + Time{k * step});
    }
  }
  ctl.rate = Rate{static_cast<std::uint64_t>(q.rc)};
}

void Dcqcn::decrease(std::uint32_t id, Time now) {
  QpState& q = qp_[id];
  advance_alpha(q, now);
  if (p_.clamp_target_rate || q.t_stage > 0 || q.bc_stage > 0) q.rt = q.rc;
  q.rc = std::max(static_cast<double>(p_.min_rate.bps), q.rc * (1 - q.alpha / 2));
  q.t_stage = 0;
  q.bc_stage = 0;
  q.bytes = 0;
  q.dec_flag = false;
  sim_->arm(timer(q.inc_timer, kIncrease, id), now + p_.increase_interval);
}

void Dcqcn::increase_event(std::uint32_t id, bool by_timer, Time) {
  QpState& q = qp_[id];
  const int t = q.t_stage;
  const int bc = p_.byte_counter.n > 0 ? q.bc_stage : q.t_stage;  // timer-only model: BC ≡ T
  const int f = p_.fast_recovery_steps;
  if (std::max(t, bc) >= f) {
    const double step = std::min(t, bc) > f ? static_cast<double>(p_.rate_hai.bps) : static_cast<double>(p_.rate_ai.bps);
    q.rt = std::min(q.line, q.rt + step);
  }
  q.rc = std::min(q.line, (q.rc + q.rt) / 2);
  if (q.line - q.rc < 1.0) q.rc = q.line;  // halving the gap stalls one ulp short of the line rate
  if (by_timer) {
    ++q.t_stage;
  } else {
    ++q.bc_stage;
  }
}

// The rate went up outside a hook: the QP may send its next packet as soon as the gap at the new
// rate since its last packet has passed.
void Dcqcn::rate_raised(std::uint32_t id, Time now) {
  QpState& q = qp_[id];
  if (q.last_wire == 0) {
    host_->cc_changed(id);
    return;
  }
  const Time due = q.last_send + serialization_time(Bytes{q.last_wire}, Rate{static_cast<std::uint64_t>(q.rc)});
  if (due <= now) {
    host_->cc_changed(id);
  } else {
    sim_->arm(timer(q.kick_timer, kKick, id), due);
  }
}

void Dcqcn::on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) {
  const auto id = static_cast<std::uint32_t>(arg);
  QpState& q = qp_[id];
  if (!q.active) return;
  const Time now = sim.now();
  switch (kind) {
    case kDecrease:
      q.dec_ticks = (now - q.t0).ps / p_.decrease_interval.ps;
      if (q.dec_flag) {
        decrease(id, now);
        // Applies at once: the NIC re-paces the QP's next packet at the lower rate.
        host_->control(id).rate = Rate{static_cast<std::uint64_t>(q.rc)};
        host_->cc_changed(id);
      }
      break;
    case kIncrease:
      increase_event(id, true, now);
      if (q.rc < q.line || q.rt < q.line) sim.arm(q.inc_timer, now + p_.increase_interval);
      rate_raised(id, now);
      break;
    case kKick:
      host_->cc_changed(id);
      break;
    default:
      break;
  }
}

void Dcqcn::on_qp_done(std::uint32_t id) {
  QpState& q = qp_[id];
  q.active = false;
  for (TimerId t : {q.dec_timer, q.inc_timer, q.kick_timer}) {
    if (t.valid()) sim_->cancel(t);
  }
}

}  // namespace rocesim::cc
