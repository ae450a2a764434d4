// One CC strategy per transport, for runs where RoCE and UET classes share a fabric
// (nic.transport given per data class, net/net_params.hpp): `cc.algorithm` runs the RoCE QPs
// (none, dcqcn, hpcc, timely, admission) and `cc.uet_algorithm` the UET QPs (none, nscc, rccc,
// nscc+rccc). Each hook goes to the strategy of the QP's transport (QpInfo::uet, recorded at
// on_qp_start); telemetry (HPCC's INT) is the RoCE strategy's and, as on a real fabric, the
// switches then append it to every data frame, UET's included.
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/cc_strategy.hpp"

namespace rocesim::cc {

class PerTransportCc final : public net::CcStrategy {
 public:
  PerTransportCc(std::unique_ptr<net::CcStrategy> roce, std::unique_ptr<net::CcStrategy> uet);

  std::string_view name() const override { return name_; }
  void attach(Simulator& sim, net::CcHost& host) override;
  bool wants_telemetry() const override { return roce_->wants_telemetry(); }
  std::uint32_t telemetry_bytes_per_hop() const override { return roce_->telemetry_bytes_per_hop(); }
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override;
  void on_send(std::uint32_t qp, Bytes wire, Time now, net::CcControl& ctl) override { of(qp).on_send(qp, wire, now, ctl); }
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override { of(ack.qp).on_ack(ack, ctl); }
  void on_cnp(std::uint32_t qp, Time now, net::CcControl& ctl) override { of(qp).on_cnp(qp, now, ctl); }
  void on_nack(std::uint32_t qp, Time now, Time rtt, net::CcControl& ctl) override { of(qp).on_nack(qp, now, rtt, ctl); }
  void on_qp_done(std::uint32_t qp) override { of(qp).on_qp_done(qp); }
  const net::RcccParams* receiver_credit() const override { return uet_->receiver_credit(); }

 private:
  net::CcStrategy& of(std::uint32_t qp) { return is_uet_[qp] != 0 ? *uet_ : *roce_; }

  std::unique_ptr<net::CcStrategy> roce_;
  std::unique_ptr<net::CcStrategy> uet_;
  std::vector<std::uint8_t> is_uet_;  // per QP
  std::string name_;
};

}  // namespace rocesim::cc
