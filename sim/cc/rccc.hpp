// RCCC strategy: UET's receiver-credit congestion control (model, references and defaults in
// net/rccc.hpp; the credits themselves are PacketNet's, net/rccc.cpp), alone (cc.algorithm =
// "rccc": senders run at line rate with no window, limited by credit only) or with NSCC
// ("nscc+rccc": NSCC's window and pacing, and credit). Parameters: the `cc.rccc` object,
//   credit_bytes : bytes per grant, "auto" (default) = 4 full data frames, else [64 B, 1 MiB]
//   rate_factor  : grant rate over the receiver's link rate, (0, 2], default 1
//   initial_bdp  : speculative credit of a new QP in BDPs of its path, [0, 100], default 1
//                  (at least one frame: a QP's first packet is its request)
//   piggyback    : true (default) = grants ride the QP's ACKs (UEC ACK_CC credit field), a
//                  credit frame only for a grant no ACK took within a round; false = credit
//                  frames only
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cc/nscc.hpp"
#include "core/json_reader.hpp"
#include "net/cc_strategy.hpp"
#include "net/rccc.hpp"

namespace rocesim::cc {

net::RcccParams read_rccc_params(JsonReader& r);
nlohmann::json to_json(const net::RcccParams& p);

class Rccc final : public net::CcStrategy {
 public:
  // `nscc`: NSCC's parameters when both run, nullopt for RCCC alone.
  Rccc(net::RcccParams p, std::optional<NsccParams> nscc, Bytes data_frame);

  std::string_view name() const override { return nscc_ ? "nscc+rccc" : "rccc"; }
  void attach(Simulator& sim, net::CcHost& host) override;
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override;
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override;
  void on_nack(std::uint32_t qp, Time now, Time rtt, net::CcControl& ctl) override;
  const net::RcccParams* receiver_credit() const override { return &p_; }

  const Nscc* nscc() const { return nscc_.get(); }

 private:
  net::RcccParams p_;
  std::unique_ptr<Nscc> nscc_;
};

}  // namespace rocesim::cc
