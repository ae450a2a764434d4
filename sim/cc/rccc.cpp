// RCCC strategy: parameters and the optional NSCC it runs beside (cc/rccc.hpp, net/rccc.hpp).
#include "cc/rccc.hpp"

#include "cc/param_checks.hpp"

namespace rocesim::cc {

net::RcccParams read_rccc_params(JsonReader& r) {
  net::RcccParams p;
  if (r.has("credit_bytes")) {
    const nlohmann::json& v = r.raw("credit_bytes");
    if (!(v.is_string() && v.get<std::string>() == "auto")) {
      p.credit_bytes = r.bytes("credit_bytes", 64);
      if (p.credit_bytes.n > (1 << 20)) r.fail("credit_bytes", "must be at most 1MiB (or \"auto\": one data frame)");
    }
  }
  p.rate_factor = positive_number(r, "rate_factor", p.rate_factor, 2.0);
  p.initial_bdp = r.number_or("initial_bdp", p.initial_bdp, 0.0, 100.0);
  p.piggyback = r.boolean_or("piggyback", p.piggyback);
  r.finish();
  return p;
}

nlohmann::json to_json(const net::RcccParams& p) {
  return nlohmann::json{{"credit_bytes", p.credit_bytes.n > 0 ? nlohmann::json(to_string(p.credit_bytes)) : nlohmann::json("auto")},
                        {"rate_factor", p.rate_factor},
                        {"initial_bdp", p.initial_bdp},
                        {"piggyback", p.piggyback}};
}

Rccc::Rccc(net::RcccParams p, std::optional<NsccParams> nscc, Bytes data_frame) : p_(p) {
  if (nscc) nscc_ = std::make_unique<Nscc>(*nscc, data_frame);
}

void Rccc::attach(Simulator& sim, net::CcHost& host) {
  if (nscc_) nscc_->attach(sim, host);
}

void Rccc::on_qp_start(const net::QpInfo& info, net::CcControl& ctl) {
  if (nscc_) {
    nscc_->on_qp_start(info, ctl);
    return;
  }
  ctl.rate = info.line_rate;  // credit alone: line rate, no window
  ctl.window = Bytes{0};
}

void Rccc::on_ack(const net::AckSample& ack, net::CcControl& ctl) {
  if (nscc_) nscc_->on_ack(ack, ctl);
}

void Rccc::on_nack(std::uint32_t qp, Time now, Time rtt, net::CcControl& ctl) {
  if (nscc_) nscc_->on_nack(qp, now, rtt, ctl);
}

}  // namespace rocesim::cc
