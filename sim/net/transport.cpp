// NIC side of PacketNet: the ready-QP scheduler, packetisation, pacing, flowlet numbering, the
// RoCE sender (go-back-N on NAK and RTO, selective resend on a selective NAK), the go-back-N
// receiver (ACK coalescing, NAK) and CNP generation. The reorder-tolerant receiver is in
// reorder_receiver.cpp.
// Sender invariants per QP: snd_una <= snd_nxt <= total_pkts after any event; snd_una <= max_sent;
// PSN i carries bytes [i·MTU, min((i+1)·MTU, bytes)). Receiver: rcv_next packets were accepted,
// each exactly once, in order.
#include <algorithm>

#include "net/packet_net.hpp"

namespace rocesim::net {

std::uint32_t PacketNet::payload_of(std::uint32_t qp, std::uint32_t psn) const {
  return psn + 1 == qp_[qp].total_pkts ? qp_bytes_last_[qp] : mtu_;
}

std::int64_t PacketNet::bytes_before(std::uint32_t qp, std::uint32_t psn) const {
  if (psn == 0) return 0;
  if (psn >= qp_[qp].total_pkts) return records_[qp].bytes.n;
  return static_cast<std::int64_t>(psn) * mtu_;
}

bool PacketNet::sendable(const Qp& q) const {
  if (q.uet) return uet_sendable(static_cast<std::uint32_t>(&q - qp_.data()));
  if (q.rtx_pending) return true;  // a resend adds nothing in flight
  if (q.snd_nxt >= q.total_pkts) return false;
  const std::int64_t window = qp_window(q);
  if (window > 0 && static_cast<std::int64_t>(q.snd_nxt - q.snd_una) * data_wire_mtu_ >= window) return false;
  return true;
}

// Puts the QP on its port's ready ring if it can send now, or arms its pacing timer.
void PacketNet::make_ready(std::uint32_t id) {
  Qp& q = qp_[id];
  if (q.in_ready || q.sender_done || !sendable(q)) return;
  if (q.next_allowed > sim_.now()) {
    if (!q.pace.valid()) q.pace = sim_.make_timer(this, kPace, id);
    if (!sim_.armed(q.pace) || sim_.expiry(q.pace) > q.next_allowed) sim_.arm(q.pace, q.next_allowed);
    return;
  }
  PortState& ps = ports_[q.port];
  const std::size_t c = q.prio;
  q.in_ready = true;
  q.ready_next = UINT32_MAX;
  if (ps.ready_tail[c] == UINT32_MAX) {
    ps.ready_head[c] = id;
  } else {
    qp_[ps.ready_tail[c]].ready_next = id;
  }
  ps.ready_tail[c] = id;
  try_transmit(q.port);
}

void PacketNet::cc_changed(std::uint32_t id) {
  Qp& q = qp_[id];
  if (q.last_wire != 0) {
    const bool paced = q.cc.rate.bps > 0 && q.cc.rate < ports_[q.port].rate;
    q.next_allowed = paced ? q.last_sent + serialization_time(Bytes{q.last_wire}, q.cc.rate) : q.last_sent;
  }
  if (q.pace.valid() && sim_.armed(q.pace)) {
    if (q.next_allowed > sim_.now()) {
      sim_.arm(q.pace, q.next_allowed);
    } else {
      sim_.cancel(q.pace);
    }
  }
  make_ready(id);  // a QP already on the ready ring but now due later is re-timed by pull_data
}

// Round robin over the ready QPs of (port, prio): the head QP emits one packet and goes to the
// back if it can send again at once. A QP that cannot is dropped from the ring; make_ready()
// brings it back (ACK, pacing timer, CC change), so the cost per packet is O(1) amortized.
std::uint32_t PacketNet::pull_data(PortId port, int prio) {
  PortState& ps = ports_[port];
  const std::size_t c = static_cast<std::size_t>(prio);
  while (ps.ready_head[c] != UINT32_MAX) {
    const std::uint32_t id = ps.ready_head[c];
    Qp& q = qp_[id];
    ps.ready_head[c] = q.ready_next;
    if (ps.ready_head[c] == UINT32_MAX) ps.ready_tail[c] = UINT32_MAX;
    q.in_ready = false;
    if (q.sender_done || !sendable(q)) continue;
    if (q.next_allowed > sim_.now()) {  // slowed down while on the ring (cc_changed)
      make_ready(id);
      continue;
    }
    const Time now = sim_.now();
    std::uint32_t psn;
    if (q.snd_una >= q.max_sent) q.last_progress = now;  // nothing was outstanding: RTO counts from here
    if (q.uet) {
      psn = uet_take_psn(id);  // counts resends; uet_sent() below moves max_sent
    } else {
      if (q.rtx_pending) {
        q.rtx_pending = false;
        psn = q.rtx_psn;
      } else {
        psn = q.snd_nxt++;
      }
      if (psn < q.max_sent) {
        ++counters_.retransmitted_packets;
      } else {
        q.max_sent = psn + 1;
      }
    }
    ++counters_.data_packets_sent;
    const std::uint32_t pkt = pool_.alloc();
    Packet& p = pool_[pkt];
    p.type = PacketType::data;
    p.cls = static_cast<std::uint8_t>(kFirstDataClass + prio);
    p.qp = id;
    p.psn = psn;
    p.route = q.route_fwd;
    p.hop = 0;
    p.payload = payload_of(id, psn);
    p.wire = p.payload + static_cast<std::uint32_t>(params_.wire.data_overhead.n);
    p.sent = now;
    p.steer = q.steer;
    if (q.uet) {
      p.entropy = uet_entropy(id);
      uet_sent(id, p);
    } else if (lb_.mode() == routing::LoadBalancing::flowlet) {
      if (q.last_wire != 0 && now - q.last_sent > lb_.flowlet_gap()) ++q.flowlet;
      p.entropy = q.flowlet;
    } else {
      p.entropy = psn;
    }
    const std::uint32_t wire = p.wire;
    q.last_sent = now;
    q.last_wire = wire;
    counters_.peak_packets_in_use = std::max(counters_.peak_packets_in_use, pool_.in_use());
    cc_->on_send(id, Bytes{wire}, now, q.cc);
    if (q.cc.rate.bps > 0 && q.cc.rate < ps.rate) q.next_allowed = now + serialization_time(Bytes{wire}, q.cc.rate);
    if (!sim_.armed(q.rto)) sim_.arm(q.rto, now + params_.nic.rto);
    make_ready(id);  // back of the ring, or pacing timer, or idle until an ACK
    return pkt;
  }
  return kNoPacket;
}

void PacketNet::on_host_arrival(std::uint32_t pkt) {
  switch (pool_[pkt].type) {
    case PacketType::data:
      on_data_at_receiver(pkt);
      return;
    case PacketType::ack:
    case PacketType::nak:
      if (qp_[pool_[pkt].qp].uet) {
        on_uet_ack(pkt);
      } else {
        on_ack_at_sender(pkt);
      }
      return;
    case PacketType::selective_nak:
      if (qp_[pool_[pkt].qp].uet) {
        on_uet_nack(pkt);
      } else {
        on_ack_at_sender(pkt);
      }
      return;
    case PacketType::trimmed:
      on_uet_trimmed(pkt);
      return;
    case PacketType::cnp: {
      const std::uint32_t id = pool_[pkt].qp;
      pool_.release(pkt);
      if (!qp_[id].sender_done) {
        cc_->on_cnp(id, sim_.now(), qp_[id].cc);
        make_ready(id);
      }
      return;
    }
    case PacketType::credit:
      on_rccc_credit(pkt);
      return;
    case PacketType::ack_request:
      on_uet_ack_request(pkt);
      return;
    case PacketType::pause:
      return;  // handled in on_arrive
  }
}

// ACK/NAK/CNP from the receiver of `qp` back to its sender, in the control class.
void PacketNet::send_control(std::uint32_t id, PacketType type, std::uint32_t psn, const Packet* trigger) {
  send_reverse(make_control(id, type, psn, trigger));
}

void PacketNet::send_reverse(std::uint32_t pkt) {
  const PortId out = route_ports_[route_begin_[pool_[pkt].route]];
  enqueue(out, pkt);
  try_transmit(out);
}

std::uint32_t PacketNet::make_control(std::uint32_t id, PacketType type, std::uint32_t psn, const Packet* trigger) {
  const Time sent = trigger ? trigger->sent : sim_.now();
  const std::uint8_t ecn = trigger ? trigger->ecn : 0;
  const std::uint8_t hops = trigger ? trigger->hops_recorded : 0;
  // A data frame that passed the NIC receive buffer carries its arrival time there (nic_rx.cpp).
  const bool endpoint = !nic_rx_.empty() && trigger && trigger->type == PacketType::data &&
                        (type == PacketType::ack || type == PacketType::nak);
  const std::int64_t endpoint_ns = endpoint ? (sim_.now() - trigger->next_due).ps / 1000 : 0;
  const std::uint32_t trigger_idx = trigger ? static_cast<std::uint32_t>(trigger - &pool_[0]) : kNoPacket;
  const std::uint32_t pkt = pool_.alloc();  // may move the pool: `trigger` is dead from here
  Packet& p = pool_[pkt];
  p.type = type;
  p.cls = kControlClass;
  p.qp = id;
  p.psn = psn;
  p.route = qp_[id].route_rev;
  p.hop = 0;
  p.wire = static_cast<std::uint32_t>(params_.wire.control_bytes.n);
  p.sent = sent;
  p.ecn = ecn;
  p.payload = static_cast<std::uint32_t>(std::clamp<std::int64_t>(endpoint_ns, 0, UINT32_MAX));
  if (pool_.telemetry() && trigger_idx != kNoPacket && type == PacketType::ack) {
    std::copy_n(pool_.hops(trigger_idx), hops, pool_.hops(pkt));
    p.hops_recorded = hops;
  }
  return pkt;
}

void PacketNet::on_data_at_receiver(std::uint32_t pkt) {
  const std::uint32_t id = pool_[pkt].qp;
  const std::uint32_t psn = pool_[pkt].psn;
  Qp& q = qp_[id];
  const Time now = sim_.now();
  if (pool_[pkt].ecn && params_.nic.generate_cnp &&
      (q.last_cnp == Time::max() || now - q.last_cnp >= params_.nic.cnp_interval)) {
    q.last_cnp = now;
    ++counters_.cnps_sent;
    send_control(id, PacketType::cnp, psn, nullptr);
  }
  if (q.uet) {
    on_uet_data(pkt);
    return;
  }
  if (params_.nic.receiver == Receiver::reorder_tolerant) {
    on_data_reorder_tolerant(pkt);
    return;
  }
  if (psn == q.rcv_next) {
    accept_payload(id, pool_[pkt].payload);
    ++q.rcv_next;
    q.nak_sent = false;
    after_in_order(id, pkt, 1);
    return;
  }
  if (psn > q.rcv_next) {
    ++counters_.out_of_order_packets;
    if (!q.nak_sent) {
      q.nak_sent = true;
      ++counters_.naks_sent;
      send_control(id, PacketType::nak, q.rcv_next, &pool_[pkt]);
    }
  } else {
    // A go-back-N duplicate: re-acknowledge so a sender that lost track moves on.
    ++counters_.duplicate_packets;
    ++counters_.acks_sent;
    send_control(id, PacketType::ack, q.rcv_next, &pool_[pkt]);
  }
  pool_.release(pkt);
}

// Payload accepted by the receiver for the first time (in order, or placed out of order).
void PacketNet::accept_payload(std::uint32_t id, std::uint32_t payload) {
  ++counters_.data_packets_delivered;
  counters_.payload_bytes_delivered += payload;
  progress_ += payload;
  records_[id].delivered += Bytes{payload};
}

void PacketNet::finish_receive(std::uint32_t id) {
  qp_[id].receiver_done = true;
  records_[id].delivered_at = sim_.now();
  if (params_.nic.complete_on == CompleteOn::delivery) qp_finished(id);
}

void PacketNet::on_ack_at_sender(std::uint32_t pkt) {
  const Packet& p = pool_[pkt];
  const std::uint32_t id = p.qp;
  const std::uint32_t psn = p.psn;
  const bool nak = p.type == PacketType::nak;
  Qp& q = qp_[id];
  const Time now = sim_.now();
  AckSample sample{id, now, now - p.sent, Bytes{}, p.ecn != 0, {}, Time::from_ns(p.payload)};
  if (pool_.telemetry()) sample.hops = std::span<const HopTelemetry>(pool_.hops(pkt), p.hops_recorded);
  if (psn > q.snd_una) {
    sample.newly_acked = Bytes{bytes_before(id, psn) - bytes_before(id, q.snd_una)};
    progress_ += static_cast<std::uint64_t>(sample.newly_acked.n);
    records_[id].acked += sample.newly_acked;
    q.snd_una = psn;
    q.last_progress = now;
    if (q.snd_nxt < q.snd_una) q.snd_nxt = q.snd_una;
  }
  if (nak && psn < q.snd_nxt) q.snd_nxt = psn;  // go back N
  if (q.rtx_pending && q.rtx_psn < q.snd_una) q.rtx_pending = false;  // acknowledged meanwhile
  // Selective NAK: resend that PSN only (unless a go-back-N rewind will resend it anyway).
  if (p.type == PacketType::selective_nak && psn >= q.snd_una && psn < q.snd_nxt) {
    q.rtx_pending = true;
    q.rtx_psn = psn;
  }
  // A selective NAK is timer-driven and echoes no data packet: it carries no RTT sample.
  if (!q.sender_done && p.type != PacketType::selective_nak) cc_->on_ack(sample, q.cc);
  pool_.release(pkt);
  if (q.sender_done) return;
  if (q.snd_una == q.total_pkts) {
    sender_finished(id);
    return;
  }
  make_ready(id);
}

void PacketNet::sender_finished(std::uint32_t id) {
  Qp& q = qp_[id];
  q.sender_done = true;
  records_[id].acked_at = sim_.now();
  sim_.cancel(q.rto);
  if (q.pace.valid()) sim_.cancel(q.pace);
  cc_->on_qp_done(id);
  if (--active_qps_ == 0) sim_.cancel(stall_timer_);  // nothing to watch: let the run end here
  if (params_.nic.complete_on == CompleteOn::ack) qp_finished(id);
}

void PacketNet::on_rto(std::uint32_t id) {
  Qp& q = qp_[id];
  if (q.sender_done || q.snd_una >= q.max_sent) return;  // nothing outstanding: timer stays off
  const Time now = sim_.now();
  if (now - q.last_progress < params_.nic.rto) {
    sim_.arm(q.rto, q.last_progress + params_.nic.rto);
    return;
  }
  ++counters_.timeouts;
  if (q.uet) {
    on_uet_rto(id);  // resend every unacknowledged PSN (marked lost), not a rewind
  } else {
    q.snd_nxt = q.snd_una;
    q.rtx_pending = false;  // everything from snd_una is resent
  }
  q.last_progress = now;
  sim_.arm(q.rto, now + params_.nic.rto);
  make_ready(id);
}

void PacketNet::qp_finished(std::uint32_t id) {
  Transfer& t = transfers_[records_[id].transfer];
  if (--t.remaining_qps == 0 && sink_ != nullptr) sink_->on_transfer_done(t.tag, sim_.now());
}

void PacketNet::after_in_order(std::uint32_t id, std::uint32_t pkt, std::uint32_t advanced) {
  Qp& q = qp_[id];
  q.unacked += advanced;
  const bool last = q.rcv_next == q.total_pkts;
  if (last || q.unacked >= static_cast<std::uint32_t>(params_.nic.ack_every)) {
    q.unacked = 0;
    ++counters_.acks_sent;
    send_control(id, PacketType::ack, q.rcv_next, &pool_[pkt]);
  }
  pool_.release(pkt);
  if (last) finish_receive(id);
}

}  // namespace rocesim::net
