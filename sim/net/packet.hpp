// Packet and PacketPool: the frames the packet backend moves, recycled by index.
//
// A packet is a 56-byte plain record addressed by a 32-bit index into the pool; queues link
// packets through `next` (intrusive FIFOs), so enqueue/dequeue never allocate. A packet carries a
// route id and a hop index into the shared flat route table instead of a path vector; a data
// packet routed per hop (spray, flowlet, adaptive: `steer` != route) carries no route at all:
// each switch picks its egress from the packet's QP (which names the destination), its
// `entropy` and the switch's own state.
// Invariant: in_use() == packets allocated and not yet released; it returns to 0 when a run
// drains, which the conservation checks assert.
// Per-hop telemetry (for HPCC-style CC) lives in a side array of kMaxTelemetryHops records per
// packet slot, allocated only when telemetry is enabled, so packets stay small otherwise.
// Thread safety: none; one pool per PacketNet.
#pragma once

#include <cstdint>
#include <vector>

#include "core/units.hpp"

namespace rocesim::net {

inline constexpr std::uint32_t kNoPacket = UINT32_MAX;
inline constexpr int kMaxTelemetryHops = 8;

// nak: go-back-N (resend from psn on); selective_nak: resend PSN psn only (reorder_tolerant; UET:
// the NACK of a trimmed packet); trimmed: a UET data packet a switch cut to its header
// (net/uet_transport.hpp), forwarded in the control class toward its receiver.
// credit: a UET RCCC grant from a receiver to a sender (net/rccc.hpp), control class.
// ack_request: a UET ACK_REQ control packet from a blocked sender to its receiver (psn: the
// highest PSN it wants acknowledged), control class, on the QP's forward route.
enum class PacketType : std::uint8_t { data, ack, nak, cnp, pause, selective_nak, trimmed, credit, ack_request };

// How switches forward a data packet (load_balancing.hpp): along its precomputed route, by a
// per-hop hash of (QP, entropy), or to the least-queued candidate.
enum class Steer : std::uint8_t { route, hashed, adaptive };

struct Packet {
  Time sent;                 // data: when the sender emitted it; ACK/NAK: echo of that data time
  Time next_due;             // in flight: arrival time of the frame behind it on the link; data in
                             // a NIC receive buffer: when it reached the NIC (nic_rx.cpp)
  std::uint32_t next = kNoPacket;  // intrusive link: egress queue, or the link's in-flight FIFO
  std::uint32_t qp = 0;      // QP id (data/ACK/NAK/CNP); pause: the paused data priority
  std::uint32_t psn = 0;     // data: PSN; ACK: next expected PSN (cumulative); NAK: expected PSN;
                             // pause: quanta (0 = resume / XON)
  std::uint32_t route = 0;   // route id in the flat route table (unused by pause frames)
  std::uint32_t wire = 0;    // bytes of link time (payload + all overheads)
  std::uint32_t payload = 0; // payload bytes (data, trimmed); UET ACK: first PSN of its SACK bitmap;
                             // RoCE ACK/NAK: the endpoint delay in ns (AckSample::endpoint_delay)
  std::uint32_t from_port = 0;  // port that last transmitted it (ingress accounting, pause target)
  std::uint32_t entropy = 0; // Steer::hashed: PSN (spray), the QP's flowlet number (flowlet) or the
                             // UET entropy value (EV); UET ACK/NACK: the EV of the data it answers
  std::uint16_t hop = 0;     // index in the route of the port it is on / was last sent from
  PacketType type = PacketType::data;
  std::uint8_t cls = 0;      // queue class (net_params.hpp: kControlClass, kFirstDataClass + prio)
  std::uint8_t ecn = 0;      // CE mark (data); ECN echo on ACKs
  std::uint8_t hops_recorded = 0;  // telemetry records filled
  Steer steer = Steer::route;
  std::uint8_t ar = 0;       // UET data: ACK request (the PDS AR flag), set by uet_sent()
};
static_assert(sizeof(Packet) == 56, "Packet grew: keep the per-packet record small");

// Telemetry one switch egress appends to a data packet (HPCC INT): queue length, bytes sent so
// far, timestamp, line rate.
struct HopTelemetry {
  Time ts;
  std::int64_t qlen = 0;
  std::uint64_t tx_bytes = 0;
  Rate rate{};
};

class PacketPool {
 public:
  explicit PacketPool(bool telemetry) : telemetry_(telemetry) {}

  std::uint32_t alloc() {
    std::uint32_t i;
    if (free_ != kNoPacket) {
      i = free_;
      free_ = packets_[i].next;
    } else {
      i = static_cast<std::uint32_t>(packets_.size());
      packets_.emplace_back();
      if (telemetry_) hops_.resize(hops_.size() + kMaxTelemetryHops);
    }
    packets_[i] = Packet{};
    ++in_use_;
    return i;
  }
  void release(std::uint32_t i) {
    packets_[i].next = free_;
    free_ = i;
    --in_use_;
  }
  Packet& operator[](std::uint32_t i) { return packets_[i]; }
  const Packet& operator[](std::uint32_t i) const { return packets_[i]; }
  std::size_t in_use() const { return in_use_; }
  std::size_t capacity() const { return packets_.size(); }
  bool telemetry() const { return telemetry_; }
  HopTelemetry* hops(std::uint32_t i) { return hops_.data() + static_cast<std::size_t>(i) * kMaxTelemetryHops; }

 private:
  std::vector<Packet> packets_;
  std::vector<HopTelemetry> hops_;
  std::uint32_t free_ = kNoPacket;
  std::size_t in_use_ = 0;
  bool telemetry_;
};

}  // namespace rocesim::net
