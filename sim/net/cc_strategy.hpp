// Congestion-control strategy interface of the packet backend.
//
// The NIC owns per-QP state; a strategy owns its own per-QP algorithm state (indexed by the dense
// QP id) and steers each QP through CcControl: `rate` paces the QP's packets (a QP emits a packet
// of w wire bytes and then waits w·8/rate), `window` bounds its unacknowledged bytes (0 = none).
// The NIC calls the hooks below from its hot path without allocation; strategies that need
// timers (DCQCN's alpha and rate-increase timers) make them once with Simulator::make_timer; a
// timer that changes a QP's rate or window writes it through CcHost::control(qp) and calls
// CcHost::cc_changed(qp), and the NIC applies it at once: the QP's next packet is re-paced from
// its last one at the new rate (a decrease delays a packet already due later, an increase
// brings it forward).
// Events a strategy sees:
//   on_qp_start : once per QP, with line rate and base RTT (set the initial rate/window)
//   on_send     : every data packet sent (byte counters, DCQCN's rate-increase byte counter)
//   on_ack      : every ACK with the RTT sample, newly acked bytes, ECN echo and, when
//                 wants_telemetry(), the per-hop records switches appended (HPCC INT)
//   on_cnp      : every CNP (DCQCN rate decrease)
//   on_nack     : every UET NACK of a trimmed packet (net/uet_transport.hpp)
//   on_qp_done  : the QP's last byte is acknowledged
// "none" (NoCc below): line rate, no window; PFC alone keeps the fabric lossless.
// Thread safety: none; one strategy per PacketNet.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/units.hpp"
#include "net/packet.hpp"
#include "net/rccc.hpp"

namespace rocesim {
class Simulator;
}

namespace rocesim::net {

struct CcControl {
  Rate rate{};     // pacing rate; the NIC never exceeds the port's line rate anyway
  Bytes window{};  // max unacknowledged bytes, 0 = unlimited
};

struct QpInfo {
  std::uint32_t qp = 0;
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  Bytes bytes{};
  Rate line_rate{};  // rate of the sender's first link
  Time base_rtt{};   // propagation + serialization of one MTU there and one ACK back, idle fabric
  std::uint32_t hops = 0;  // links on the forward route (switch hops + 1), as a TTL would tell
  bool uet = false;  // the QP runs UET (its class's transport), else RoCE
};

struct AckSample {
  std::uint32_t qp = 0;
  Time now{};
  Time rtt{};            // now - send time of the data packet that triggered the ACK
  Bytes newly_acked{};   // payload bytes this ACK acknowledged for the first time
  bool ecn_echo = false; // the triggering data packet carried CE
  std::span<const HopTelemetry> hops;  // empty unless wants_telemetry()
  // RoCE: the acked data frame's time in the receiving NIC, from its arrival to the ACK (its wait
  // in nic.rx_buffer plus its drain into the host; Swift's endpoint delay), 1 ns resolution; 0
  // without a receive buffer.
  Time endpoint_delay{};
};

class CcHost {
 public:
  // The strategy changed qp's CcControl outside a hook (e.g. from a timer).
  virtual void cc_changed(std::uint32_t qp) = 0;
  // The QP's control block, for changes outside a hook (then call cc_changed).
  virtual CcControl& control(std::uint32_t qp) = 0;

 protected:
  ~CcHost() = default;
};

class CcStrategy {
 public:
  virtual ~CcStrategy() = default;
  virtual std::string_view name() const = 0;
  // Called once by PacketNet before any QP starts.
  virtual void attach(Simulator& sim, CcHost& host) {
    (void)sim;
    (void)host;
  }
  virtual bool wants_telemetry() const { return false; }
  // Bytes each switch egress adds to a data frame when it appends its record (HPCC's INT header).
  virtual std::uint32_t telemetry_bytes_per_hop() const { return 0; }
  virtual void on_qp_start(const QpInfo& info, CcControl& ctl) = 0;
  virtual void on_send(std::uint32_t qp, Bytes wire, Time now, CcControl& ctl) {
    (void)qp, (void)wire, (void)now, (void)ctl;
  }
  virtual void on_ack(const AckSample& ack, CcControl& ctl) { (void)ack, (void)ctl; }
  virtual void on_cnp(std::uint32_t qp, Time now, CcControl& ctl) { (void)qp, (void)now, (void)ctl; }
  // UET: a NACK of a trimmed packet (`rtt`: now − that packet's send time).
  virtual void on_nack(std::uint32_t qp, Time now, Time rtt, CcControl& ctl) { (void)qp, (void)now, (void)rtt, (void)ctl; }
  virtual void on_qp_done(std::uint32_t qp) { (void)qp; }
  // UET RCCC (net/rccc.hpp): non-null when receivers grant credit; read once by PacketNet.
  virtual const RcccParams* receiver_credit() const { return nullptr; }
};

// No congestion control: every QP sends at its line rate, unlimited window.
class NoCc final : public CcStrategy {
 public:
  std::string_view name() const override { return "none"; }
  void on_qp_start(const QpInfo& info, CcControl& ctl) override {
    ctl.rate = info.line_rate;
    ctl.window = Bytes{0};
  }
};

}  // namespace rocesim::net
