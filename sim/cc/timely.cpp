// TIMELY sender: equations and defaults in timely.hpp.
#include "cc/timely.hpp"

#include <algorithm>

#include "cc/param_checks.hpp"

namespace rocesim::cc {

TimelyParams read_timely_params(JsonReader& r) {
  TimelyParams p;
  p.alpha = half_open_unit_interval(r, "alpha", p.alpha);
  p.beta = half_open_unit_interval(r, "beta", p.beta);
  p.delta = rate_or_auto(r, "delta", p.delta);
  p.t_low = r.time_or("t_low", p.t_low);
  p.t_high = positive_time(r, "t_high", p.t_high);
  if (p.t_low > p.t_high) r.fail("t_low", "t_low (" + to_string(p.t_low) + ") exceeds t_high (" + to_string(p.t_high) + ")");
  p.min_rtt = r.time_or("min_rtt", p.min_rtt);
  p.hai_after = static_cast<int>(r.integer_or("hai_after", p.hai_after, 1, 1000000));
  p.hai_n = static_cast<int>(r.integer_or("hai_n", p.hai_n, 1, 1000000));
  p.min_rate = positive_rate(r, "min_rate", p.min_rate);
  r.finish();
  return p;
}

nlohmann::json to_json(const TimelyParams& p) {
  return nlohmann::json{{"alpha", p.alpha},
                        {"beta", p.beta},
                        {"delta", rate_or_auto_json(p.delta)},
                        {"t_low", to_string(p.t_low)},
                        {"t_high", to_string(p.t_high)},
                        {"min_rtt", to_string(p.min_rtt)},
                        {"hai_after", p.hai_after},
                        {"hai_n", p.hai_n},
                        {"min_rate", to_string(p.min_rate)}};
}

void Timely::on_qp_start(const net::QpInfo& info, net::CcControl& ctl) {
  if (qp_.size() <= info.qp) qp_.resize(info.qp + 1);
  QpState& q = qp_[info.qp];
  q = QpState{};
  q.line = static_cast<double>(info.line_rate.bps);
  q.rate = q.line;
  q.delta = p_.delta.bps > 0 ? static_cast<double>(p_.delta.bps) : q.line / 1000;
  q.min_rtt = static_cast<double>(p_.min_rtt.ps > 0 ? p_.min_rtt.ps : std::max<std::int64_t>(1, info.base_rtt.ps));
  ctl.rate = info.line_rate;
  ctl.window = Bytes{0};
}

void Timely::update(std::uint32_t id, Time rtt) {
  QpState& q = qp_[id];
  if (!q.have_prev) {
    q.have_prev = true;
    q.prev_rtt = rtt;
    return;
  }
  const double new_diff = static_cast<double>((rtt - q.prev_rtt).ps);
  q.prev_rtt = rtt;
  q.rtt_diff = (1 - p_.alpha) * q.rtt_diff + p_.alpha * new_diff;
  const double gradient = q.rtt_diff / q.min_rtt;
  const double delta = q.delta;
  if (rtt < p_.t_low) {
    q.rate += delta;
    q.neg_count = 0;  // the gradient branch was not taken: HAI counts consecutive gradient updates
  } else if (rtt > p_.t_high) {
    q.rate *= 1 - p_.beta * (1 - static_cast<double>(p_.t_high.ps) / static_cast<double>(rtt.ps));
    q.neg_count = 0;
  } else if (gradient <= 0) {
    ++q.neg_count;
    q.rate += (q.neg_count >= p_.hai_after ? p_.hai_n : 1) * delta;
  } else {
    q.neg_count = 0;
    q.rate *= std::max(0.0, 1 - p_.beta * gradient);
  }
  q.rate = std::clamp(q.rate, static_cast<double>(p_.min_rate.bps), q.line);
}

void Timely::on_ack(const net::AckSample& ack, net::CcControl& ctl) {
  QpState& q = qp_[ack.qp];
  if (!q.have_prev || ack.now - ack.rtt > q.last_update) {  // first sample, or a packet sent after the last update
    q.last_update = ack.now;
    update(ack.qp, ack.rtt);
  }
  ctl.rate = Rate{static_cast<std::uint64_t>(q.rate)};
}

}  // namespace rocesim::cc
