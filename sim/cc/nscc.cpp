// NSCC sender: equations and defaults in nscc.hpp.
#include "cc/nscc.hpp"

#include <algorithm>

#include "cc/param_checks.hpp"

namespace rocesim::cc {

NsccParams read_nscc_params(JsonReader& r) {
  NsccParams p;
  p.target_delay = r.time_or("target_delay", p.target_delay);
  if (p.target_delay.ps < 0) r.fail("target_delay", "must be >= 0 (0: 0.75 x the base RTT)");
  p.gamma = half_open_unit_interval(r, "gamma", p.gamma);
  p.ewma = half_open_unit_interval(r, "ewma", p.ewma);
  p.pi_gain = positive_number(r, "pi_gain", p.pi_gain, 1000);
  p.fi_gain = positive_number(r, "fi_gain", p.fi_gain, 1000);
  p.max_bdp = r.number_or("max_bdp", p.max_bdp, 1.0, 100.0);
  p.min_window = r.number_or("min_window", p.min_window, 0.001, 1.0);
  r.finish();
  return p;
}

nlohmann::json to_json(const NsccParams& p) {
  return nlohmann::json{{"target_delay", to_string(p.target_delay)},
                        {"gamma", p.gamma},
                        {"ewma", p.ewma},
                        {"pi_gain", p.pi_gain},
                        {"fi_gain", p.fi_gain},
                        {"max_bdp", p.max_bdp},
                        {"min_window", p.min_window}};
}

void Nscc::attach(Simulator& sim, net::CcHost& host) {
  sim_ = &sim;
  (void)host;
}

void Nscc::apply(QpState& q, net::CcControl& ctl) const {
  q.cwnd = std::clamp(q.cwnd, p_.min_window * frame_, std::max(frame_, q.max_cwnd));
  if (q.cwnd >= frame_) {
    ctl.window = Bytes{static_cast<std::int64_t>(q.cwnd)};
    ctl.rate = Rate{static_cast<std::uint64_t>(q.line)};
    return;
  }
  // Below one frame: one packet in flight, paced at cwnd per (R0 + T).
  ctl.window = Bytes{static_cast<std::int64_t>(frame_)};
  ctl.rate = Rate{std::max<std::uint64_t>(1, static_cast<std::uint64_t>(q.cwnd * 8 / ((q.base_rtt + q.target) * 1e-12)))};
}

void Nscc::on_qp_start(const net::QpInfo& info, net::CcControl& ctl) {
  if (qp_.size() <= info.qp) qp_.resize(info.qp + 1);
  QpState& q = qp_[info.qp];
  q = QpState{};
  q.base_rtt = static_cast<double>(std::max<std::int64_t>(1, info.base_rtt.ps));
  q.target = p_.target_delay.ps > 0 ? static_cast<double>(p_.target_delay.ps) : 0.75 * q.base_rtt;
  const double bdp = static_cast<double>(info.line_rate.bps) * q.base_rtt * 1e-12 / 8.0;
  q.max_cwnd = p_.max_bdp * bdp;
  q.cwnd = bdp;
  q.line = static_cast<double>(info.line_rate.bps);
  q.qa_since = sim_ != nullptr ? sim_->now() : Time{};
  ctl.rate = info.line_rate;
  apply(q, ctl);
}

void Nscc::on_ack(const net::AckSample& ack, net::CcControl& ctl) {
  QpState& q = qp_[ack.qp];
  const double rtt = static_cast<double>(ack.rtt.ps);
  const bool timed = rtt > 0;  // 0: an ACK answering an ACK_REQ, no delay sample
  if (timed && rtt < q.base_rtt) q.base_rtt = rtt;
  const double d = timed ? std::max(0.0, rtt - q.base_rtt) : q.avg_delay;
  if (timed) q.avg_delay = (1 - p_.ewma) * q.avg_delay + p_.ewma * d;
  q.qa_acked += ack.newly_acked.n;
  const double a = static_cast<double>(ack.newly_acked.n);
  if (!ack.ecn_echo) {
    // a/cwnd sums to 1 per round trip; below one frame (paced) the increase shrinks with cwnd/F.
    const double share = q.cwnd >= frame_ ? a / q.cwnd : a * q.cwnd / (frame_ * frame_);
    q.cwnd += d < q.target ? p_.pi_gain * frame_ * share * (q.target - d) / q.target : p_.fi_gain * frame_ * share;
  } else if (d >= q.target) {
    decrease(q, ack.now, q.avg_delay > q.target ? q.avg_delay : d);
  }
  apply(q, ctl);
}

void Nscc::decrease(QpState& q, Time now, double x) const {
  if (q.decreased && (now - q.last_decrease).ps < static_cast<std::int64_t>(q.base_rtt)) return;
  q.cwnd *= std::max(1 - p_.gamma * (x - q.target) / x, 0.5);
  q.last_decrease = now;
  q.decreased = true;
}

void Nscc::on_nack(std::uint32_t qp, Time now, Time rtt, net::CcControl& ctl) {
  QpState& q = qp_[qp];
  // A trim means a queue at its threshold, above any sane target: decrease as for CE with a
  // delay of at least the trimmed packet's own.
  const double d = std::max(0.0, static_cast<double>(rtt.ps) - q.base_rtt);
  decrease(q, now, std::max({q.avg_delay, d, 2 * q.target}));
  const double period = static_cast<double>((now - q.qa_since).ps);
  if (period < q.base_rtt + q.target) {
    apply(q, ctl);
    return;
  }
  const double rate_bytes_per_ps = static_cast<double>(q.qa_acked) / period;
  // Never below one frame (htsim's quick adapt floors at its minimum window, one MTU): a QP whose
  // first packets were all trimmed measures r = 0 and would be left paced at min_window.
  q.cwnd = std::min(q.cwnd, std::max(frame_, rate_bytes_per_ps * (q.base_rtt + q.target)));
  q.qa_since = now;
  q.qa_acked = 0;
  apply(q, ctl);
}

}  // namespace rocesim::cc
