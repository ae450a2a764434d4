// HPCC sender: equations and defaults in hpcc.hpp.
#include "cc/hpcc.hpp"

#include <algorithm>
#include <cmath>

#include "cc/param_checks.hpp"

namespace rocesim::cc {

HpccParams read_hpcc_params(JsonReader& r) {
  HpccParams p;
  p.eta = half_open_unit_interval(r, "eta", p.eta);
  p.max_stage = static_cast<int>(r.integer_or("max_stage", p.max_stage, 0, 1000000));
  p.rate_ai = rate_or_auto(r, "rate_ai", p.rate_ai);
  p.fast_react = r.boolean_or("fast_react", p.fast_react);
  p.min_rate = positive_rate(r, "min_rate", p.min_rate);
  p.int_bytes_per_hop = static_cast<int>(r.integer_or("int_bytes_per_hop", p.int_bytes_per_hop, 0, 64));
  r.finish();
  return p;
}

nlohmann::json to_json(const HpccParams& p) {
  return nlohmann::json{{"eta", p.eta},
                        {"max_stage", p.max_stage},
                        {"rate_ai", rate_or_auto_json(p.rate_ai)},
                        {"fast_react", p.fast_react},
                        {"min_rate", to_string(p.min_rate)},
                        {"int_bytes_per_hop", p.int_bytes_per_hop}};
}

void Hpcc::on_qp_start(const net::QpInfo& info, net::CcControl& ctl) {
  if (qp_.size() <= info.qp) {
    qp_.resize(info.qp + 1);
    prev_.resize(qp_.size() * net::kMaxTelemetryHops);
  }
  QpState& q = qp_[info.qp];
  q = QpState{};
  q.t_s = info.base_rtt.seconds();
  q.w_init = info.line_rate.bytes_per_second() * q.t_s;
  q.w_min = std::min(q.w_init, p_.min_rate.bytes_per_second() * q.t_s);
  const double rate_ai = p_.rate_ai.bps > 0 ? static_cast<double>(p_.rate_ai.bps) : static_cast<double>(info.line_rate.bps) / 2000;
  q.w_ai = rate_ai / 8 * q.t_s;
  q.u = 1;
  q.w = q.wc = q.w_init;
  q.last_update = Time{-1};
  q.started = true;
  apply(q, ctl);
}

double Hpcc::measure_inflight(QpState& q, std::uint32_t qp, std::span<const net::HopTelemetry> hops) {
  net::HopTelemetry* prev = prev_.data() + static_cast<std::size_t>(qp) * net::kMaxTelemetryHops;
  const std::size_t n = std::min<std::size_t>(hops.size(), net::kMaxTelemetryHops);
  double u = -1;
  double tau = 0;
  for (std::size_t i = 0; i < n && i < q.hops; ++i) {
    const net::HopTelemetry& now = hops[i];
    const double dt = (now.ts - prev[i].ts).seconds();
    if (dt <= 0 || now.rate.bps == 0) continue;
    const double b = static_cast<double>(now.rate.bps);
    const double tx_rate = 8.0 * static_cast<double>(now.tx_bytes - prev[i].tx_bytes) / dt;
    const double qlen = static_cast<double>(std::min(now.qlen, prev[i].qlen));
    const double ui = qlen * 8.0 / (b * q.t_s) + tx_rate / b;
    if (ui > u) {
      u = ui;
      tau = dt;
    }
  }
  std::copy_n(hops.begin(), n, prev);
  q.hops = static_cast<std::uint8_t>(n);
  if (u < 0) return q.u;  // no hop with an earlier record to compare with
  tau = std::min(tau, q.t_s);
  q.u = (1 - tau / q.t_s) * q.u + (tau / q.t_s) * u;
  return q.u;
}

void Hpcc::on_ack(const net::AckSample& ack, net::CcControl& ctl) {
  QpState& q = qp_[ack.qp];
  const bool had_record = q.hops > 0;
  const double u = measure_inflight(q, ack.qp, ack.hops);
  if (!had_record) {  // the first telemetry only sets the reference records and starts the first RTT
    q.last_update = ack.now;
    return;
  }
  const bool update_wc = ack.now - ack.rtt > q.last_update;  // packet sent after the last Wc update
  if (!update_wc && !p_.fast_react) return;
  double w;
  if (u >= p_.eta || q.inc_stage >= p_.max_stage) {
    w = q.wc / (std::max(u, 1e-9) / p_.eta) + q.w_ai;
    if (update_wc) q.inc_stage = 0;
  } else {
    w = q.wc + q.w_ai;
    if (update_wc) ++q.inc_stage;
  }
  q.w = std::clamp(w, q.w_min, q.w_init);
  if (update_wc) {
    q.wc = q.w;
    q.last_update = ack.now;
  }
  apply(q, ctl);
}

void Hpcc::apply(const QpState& q, net::CcControl& ctl) const {
  ctl.window = Bytes{std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(q.w)))};
  ctl.rate = Rate{static_cast<std::uint64_t>(std::max(1.0, 8.0 * q.w / q.t_s))};
}

}  // namespace rocesim::cc
