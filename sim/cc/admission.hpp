// Receiver-driven admission: a per-peer bound on bytes in flight, as Meta's collective library
// runs over RoCE (Gangidi et al., "RDMA over Ethernet for Distributed AI Training at Meta
// Scale", SIGCOMM 2024: a sender posts data to a peer only against clear-to-send (CTS) credits
// the receiver returns in a high-priority class, bounding in-flight bytes per peer; the fabric
// itself runs without end-to-end CC and relies on PFC).
//
// Model here (closest faithful model the CcStrategy interface can express): each ordered pair
// (src, dst) owns C = floor(inflight / frame) credits of one data frame (frame = MTU payload +
// wire overhead, so the bound is in wire bytes, the unit queues hold). A QP of the pair holds a
// window of floor(C / k)·frame bytes, k = the pair's active QPs (at least one frame), re-split
// when a QP of the pair starts or finishes. The NIC sends while unacknowledged frames · frame <
// window, so a QP never has more than floor(C/k) frames outstanding and the pair never more than
// C frames = the bound, at every instant, as long as k <= C.
// Credit return: a frame's credit comes back with the ACK that acknowledges it; ACKs travel in
// the control class (strict priority over data), exactly the class a CTS would use.
// What differs from a real CTS protocol:
//   * credits return with transport ACKs (every NicParams::ack_every packets) instead of separate
//     CTS messages, so there is no extra CTS frame on the wire and no receiver-side scheduling
//     policy (a receiver granting one sender at a time would bound the incast further);
//   * the bound is per QP pair as seen by one strategy instance, not per application buffer;
//   * when a new QP of a pair starts, the older QPs' windows shrink at once but frames they
//     already have outstanding above the new share drain with their ACKs: for up to one RTT the
//     pair may exceed the bound by those frames (never when each pair has a single QP at a time);
//     other QPs of the pair see a re-split window at their next packet or ACK (the interface
//     hands a strategy a QP's CcControl only inside that QP's hooks);
//   * rate is the line rate (no end-to-end CC), as in the deployment described.
// Default: inflight = 512 KiB per peer, enough for line rate at 400 Gb/s over a ~10 us RTT.
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_reader.hpp"
#include "net/cc_strategy.hpp"

namespace rocesim::cc {

struct AdmissionParams {
  Bytes inflight{512 * 1024};  // per (src, dst) bound on wire bytes in flight
};

AdmissionParams read_admission_params(JsonReader& r);
nlohmann::json to_json(const AdmissionParams& p);

class Admission final : public net::CcStrategy {
 public:
  // REQUIRES: frame = MTU + wire overhead of a full data frame of the backend (> 0).
  // Throws ConfigError if the bound holds less than one frame.
  Admission(AdmissionParams p, Bytes frame);

  std::string_view name() const override { return "admission"; }
  void on_qp_start(const net::QpInfo& info, net::CcControl& ctl) override;
  void on_ack(const net::AckSample& ack, net::CcControl& ctl) override;
  void on_send(std::uint32_t qp, Bytes wire, Time now, net::CcControl& ctl) override;
  void on_qp_done(std::uint32_t qp) override;

  const AdmissionParams& params() const { return p_; }
  std::int64_t credits() const { return credits_; }
  Bytes window_of(std::uint32_t qp) const { return Bytes{qp_[qp].window}; }

 private:
  struct QpState {
    std::uint64_t pair = 0;
    std::int64_t window = 0;
    bool active = false;
  };
  struct Pair {
    std::vector<std::uint32_t> qps;  // active QPs, in start order
    std::int64_t window = 0;         // current per-QP share
  };

  void resplit(Pair& pair);

  AdmissionParams p_;
  std::int64_t frame_;
  std::int64_t credits_;
  std::vector<QpState> qp_;
  std::map<std::uint64_t, Pair> pairs_;  // touched at QP start/finish only, never per packet
};

}  // namespace rocesim::cc
