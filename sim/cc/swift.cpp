// Swift sender: equations and defaults in swift.hpp.
#include "cc/swift.hpp"

#include <algorithm>
#include <cmath>

#include "cc/param_checks.hpp"

namespace rocesim::cc {

namespace {

Time non_negative_time(JsonReader& r, std::string_view key, Time fallback) {
  if (!r.has(key)) return fallback;
  const Time t = r.time(key);
  if (t.ps < 0) r.fail(key, "must be a time >= 0, got " + to_string(t));
  return t;
}

// A positive time, or "auto" (returned as 0).
Time time_or_auto(JsonReader& r, std::string_view key, Time fallback) {
  if (r.has(key) && r.raw(key).is_string() && r.raw(key).get<std::string>() == "auto") return Time{};
  return positive_time(r, key, fallback);
}

}  // namespace

SwiftParams read_swift_params(JsonReader& r) {
  SwiftParams p;
  p.ai = positive_number(r, "ai", p.ai, 1000);
  p.beta = half_open_unit_interval(r, "beta", p.beta);
  p.max_mdf = open_unit_interval(r, "max_mdf", p.max_mdf);
  p.base_target = time_or_auto(r, "base_target", p.base_target);
  p.hop_scale = non_negative_time(r, "hop_scale", p.hop_scale);
  p.fs_range = non_negative_time(r, "fs_range", p.fs_range);
  p.fs_min_cwnd = positive_number(r, "fs_min_cwnd", p.fs_min_cwnd, 1e6);
  p.fs_max_cwnd = positive_number(r, "fs_max_cwnd", p.fs_max_cwnd, 1e6);
  if (!(p.fs_min_cwnd < p.fs_max_cwnd)) {
    r.fail("fs_min_cwnd", "must be below fs_max_cwnd (" + detail::number_text(p.fs_max_cwnd) + "), got " +
                              detail::number_text(p.fs_min_cwnd));
  }
  p.min_cwnd = half_open_unit_interval(r, "min_cwnd", p.min_cwnd);
  if (r.has("max_cwnd")) {
    if (r.raw("max_cwnd").is_string()) {
      if (r.raw("max_cwnd").get<std::string>() != "auto") r.fail("max_cwnd", "expected \"auto\" or a number of packets");
      p.max_cwnd = 0;
    } else {
      p.max_cwnd = positive_number(r, "max_cwnd", 1, 1e9);
      if (p.max_cwnd < p.min_cwnd) r.fail("max_cwnd", "must be at least min_cwnd (" + detail::number_text(p.min_cwnd) + ")");
    }
  }
  p.endpoint_target = positive_time(r, "endpoint_target", p.endpoint_target);
  r.finish();
  return p;
}

nlohmann::json to_json(const SwiftParams& p) {
  return nlohmann::json{{"ai", p.ai},
                        {"beta", p.beta},
                        {"max_mdf", p.max_mdf},
                        {"base_target", p.base_target.ps == 0 ? nlohmann::json("auto") : nlohmann::json(to_string(p.base_target))},
                        {"hop_scale", to_string(p.hop_scale)},
                        {"fs_range", to_string(p.fs_range)},
                        {"fs_min_cwnd", p.fs_min_cwnd},
                        {"fs_max_cwnd", p.fs_max_cwnd},
                        {"min_cwnd", p.min_cwnd},
                        {"max_cwnd", p.max_cwnd == 0 ? nlohmann::json("auto") : nlohmann::json(p.max_cwnd)},
                        {"endpoint_target", to_string(p.endpoint_target)}};
}

Swift::Swift(SwiftParams p, Bytes frame, Bytes mtu)
    : p_(p), frame_(static_cast<double>(frame.n)), mtu_(static_cast<double>(mtu.n)) {
  const double range = static_cast<double>(p_.fs_range.ps);
  fs_a_ = range / (1 / std::sqrt(p_.fs_min_cwnd) - 1 / std::sqrt(p_.fs_max_cwnd));
  fs_b_ = -fs_a_ / std::sqrt(p_.fs_max_cwnd);
}

Time Swift::target(std::uint32_t qp, double cwnd) const {
  const double fs = std::max(0.0, std::min(fs_a_ / std::sqrt(std::max(cwnd, 1e-12)) + fs_b_, static_cast<double>(p_.fs_range.ps)));
  return Time{static_cast<std::int64_t>(qp_[qp].fixed_ps + fs)};
}

void Swift::on_qp_start(const net::QpInfo& info, net::CcControl& ctl) {
  if (qp_.size() <= info.qp) qp_.resize(info.qp + 1);
  QpState& q = qp_[info.qp];
  q = QpState{};
  q.line = static_cast<double>(info.line_rate.bps);
  const double base = static_cast<double>((p_.base_target.ps > 0 ? p_.base_target : info.base_rtt).ps);
  q.fixed_ps = base + static_cast<double>(info.hops) * static_cast<double>(p_.hop_scale.ps);
  q.max_cwnd = p_.max_cwnd > 0 ? p_.max_cwnd : std::max(p_.min_cwnd, q.line * q.fixed_ps * 1e-12 / (8 * frame_));
  q.cwnd = std::clamp(q.line * static_cast<double>(info.base_rtt.ps) * 1e-12 / (8 * frame_), p_.min_cwnd, q.max_cwnd);
  q.ecwnd = q.max_cwnd;  // binds only once endpoint delay has cut it (swift.hpp)
  q.delay = info.base_rtt;
  q.last_decrease = q.last_e_decrease = Time{INT64_MIN / 2};
  apply(q, ctl);
}

double Swift::aimd(double cwnd, double delay, double target, double acked, Time now, Time rtt, Time& last_decrease,
                   double max_cwnd) const {
  const double before = cwnd;
  if (delay < target) {
    cwnd += cwnd >= 1 ? p_.ai * acked / cwnd : p_.ai * acked;
  } else if (now - last_decrease >= rtt) {
    cwnd *= std::max(1 - p_.beta * (delay - target) / delay, 1 - p_.max_mdf);
  }
  cwnd = std::clamp(cwnd, p_.min_cwnd, max_cwnd);
  // Algorithm 1 writes "cwnd <= cwnd_prev"; taken literally, an ACK that may not cut (within an RTT
  // of the last cut) restarts the clock, and ACKs denser than one per RTT would block every later
  // cut. The paper's intent, one decrease per RTT, is "a decrease happened": strictly below.
  if (cwnd < before) last_decrease = now;
  return cwnd;
}

void Swift::on_ack(const net::AckSample& ack, net::CcControl& ctl) {
  QpState& q = qp_[ack.qp];
  q.delay = ack.rtt;
  const double acked = static_cast<double>(ack.newly_acked.n) / mtu_;
  const Time endpoint = std::min(ack.endpoint_delay, ack.rtt);
  q.endpoint = endpoint;
  const double fabric = static_cast<double>((ack.rtt - endpoint).ps);
  const double t = static_cast<double>(target(ack.qp, q.cwnd).ps);
  q.cwnd = aimd(q.cwnd, fabric, t, acked, ack.now, ack.rtt, q.last_decrease, q.max_cwnd);
  q.ecwnd = aimd(q.ecwnd, static_cast<double>(endpoint.ps), static_cast<double>(p_.endpoint_target.ps), acked, ack.now,
                 ack.rtt, q.last_e_decrease, q.max_cwnd);
  apply(q, ctl);
}

void Swift::apply(const QpState& q, net::CcControl& ctl) const {
  const double cwnd = std::min(q.cwnd, q.ecwnd);
  if (cwnd >= 1) {
    ctl.window = Bytes{static_cast<std::int64_t>(std::ceil(cwnd * frame_))};
    ctl.rate = Rate{static_cast<std::uint64_t>(q.line)};
    return;
  }
  ctl.window = Bytes{static_cast<std::int64_t>(frame_)};  // one packet in flight
  const double rtt_s = std::max<std::int64_t>(1, q.delay.ps) * 1e-12;
  ctl.rate = Rate{static_cast<std::uint64_t>(std::max(1.0, 8 * frame_ * cwnd / rtt_s))};
}

}  // namespace rocesim::cc
