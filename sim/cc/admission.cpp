// Receiver-driven admission: model and differences from CTS in admission.hpp.
#include "cc/admission.hpp"

#include <algorithm>

#include "core/config_error.hpp"

namespace rocesim::cc {

AdmissionParams read_admission_params(JsonReader& r) {
  AdmissionParams p;
  p.inflight = r.bytes_or("inflight", p.inflight, 1);
  r.finish();
  return p;
}

nlohmann::json to_json(const AdmissionParams& p) { return nlohmann::json{{"inflight", to_string(p.inflight)}}; }

Admission::Admission(AdmissionParams p, Bytes frame) : p_(p), frame_(frame.n), credits_(0) {
  if (frame_ <= 0) throw ConfigError("", "/cc/admission", "data frame size must be positive");
  credits_ = p_.inflight.n / frame_;
  if (credits_ < 1) {
    throw ConfigError("", "/cc/admission/inflight",
                      "bound " + to_string(p_.inflight) + " is below one data frame (" + to_string(frame) + ")");
  }
}

void Admission::resplit(Pair& pair) {
  const auto k = static_cast<std::int64_t>(pair.qps.size());
  pair.window = k == 0 ? 0 : std::max<std::int64_t>(1, credits_ / k) * frame_;
  for (std::uint32_t id : pair.qps) qp_[id].window = pair.window;
}

void Admission::on_qp_start(const net::QpInfo& info, net::CcControl& ctl) {
  if (qp_.size() <= info.qp) qp_.resize(info.qp + 1);
  QpState& q = qp_[info.qp];
  q.pair = (static_cast<std::uint64_t>(info.src) << 32) | info.dst;
  q.active = true;
  Pair& pair = pairs_[q.pair];
  pair.qps.push_back(info.qp);
  resplit(pair);
  ctl.rate = info.line_rate;
  ctl.window = Bytes{q.window};
}

void Admission::on_send(std::uint32_t id, Bytes, Time, net::CcControl& ctl) { ctl.window = Bytes{qp_[id].window}; }

void Admission::on_ack(const net::AckSample& ack, net::CcControl& ctl) { ctl.window = Bytes{qp_[ack.qp].window}; }

void Admission::on_qp_done(std::uint32_t id) {
  QpState& q = qp_[id];
  if (!q.active) return;
  q.active = false;
  auto it = pairs_.find(q.pair);
  Pair& pair = it->second;
  pair.qps.erase(std::find(pair.qps.begin(), pair.qps.end(), id));
  if (pair.qps.empty()) {
    pairs_.erase(it);
  } else {
    resplit(pair);
  }
}

}  // namespace rocesim::cc
