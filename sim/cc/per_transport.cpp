// Dispatch of CC hooks by the QP's transport: cc/per_transport.hpp.
#include "cc/per_transport.hpp"

namespace rocesim::cc {

PerTransportCc::PerTransportCc(std::unique_ptr<net::CcStrategy> roce, std::unique_ptr<net::CcStrategy> uet)
    : roce_(std::move(roce)), uet_(std::move(uet)) {
  name_ = std::string(roce_->name()) + " (roce), " + std::string(uet_->name()) + " (uet)";
}

void PerTransportCc::attach(Simulator& sim, net::CcHost& host) {
  roce_->attach(sim, host);
  uet_->attach(sim, host);
}

void PerTransportCc::on_qp_start(const net::QpInfo& info, net::CcControl& ctl) {
  if (is_uet_.size() <= info.qp) is_uet_.resize(info.qp + 1, 0);
  is_uet_[info.qp] = info.uet ? 1 : 0;
  of(info.qp).on_qp_start(info, ctl);
}

}  // namespace rocesim::cc
