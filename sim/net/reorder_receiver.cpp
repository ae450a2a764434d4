// Reorder-tolerant receiver of PacketNet (nic.receiver = "reorder_tolerant", net_params.hpp):
// out-of-order placement with a per-QP bitmap, cumulative ACKs and a gap timer.
// Per QP, with e = rcv_next (next expected PSN), W = reorder_window and data PSN s:
//   s < e, or s already placed          : duplicate, discarded, cumulative ACK of e re-sent
//   e < s < e + W, not yet placed       : placed now (payload counts as delivered), bit s mod W set;
//                                         no ACK (the cumulative point did not move)
//   s == e                              : placed; e advances over every placed PSN after it
//                                         (clearing their bits); ACK of e every ack_every PSNs
//                                         the cumulative point passed, and at the last
//   s >= e + W                          : discarded; go-back-N NAK of e, once per gap
// Gap timer: while some PSN beyond e is placed (rcv_high > e), a timer fires reorder_timeout
// after the gap at e opened; if e has not arrived by then, a selective NAK of e asks the sender
// to resend that PSN alone, and the timer re-arms for another reorder_timeout. Invariant: a bit
// is set only for a placed PSN in (e, e + W), so PSN mod W names at most one such PSN.
#include "net/packet_net.hpp"

namespace rocesim::net {

bool PacketNet::placed(std::uint32_t qp, std::uint32_t psn) const {
  const std::uint32_t bit = psn % (rcv_words_ * 64);
  return (rcv_bits_[static_cast<std::size_t>(qp) * rcv_words_ + bit / 64] >> (bit % 64) & 1) != 0;
}

void PacketNet::mark_placed(std::uint32_t qp, std::uint32_t psn, bool on) {
  const std::uint32_t bit = psn % (rcv_words_ * 64);
  std::uint64_t& w = rcv_bits_[static_cast<std::size_t>(qp) * rcv_words_ + bit / 64];
  const std::uint64_t m = std::uint64_t{1} << (bit % 64);
  w = on ? (w | m) : (w & ~m);
}

void PacketNet::on_data_reorder_tolerant(std::uint32_t pkt) {
  const std::uint32_t id = pool_[pkt].qp;
  const std::uint32_t psn = pool_[pkt].psn;
  Qp& q = qp_[id];
  const std::uint32_t window = rcv_words_ * 64;
  const Time now = sim_.now();
  if (psn < q.rcv_next || (psn - q.rcv_next < window && psn != q.rcv_next && placed(id, psn))) {
    ++counters_.duplicate_packets;
    ++counters_.acks_sent;
    send_control(id, PacketType::ack, q.rcv_next, &pool_[pkt]);
    pool_.release(pkt);
    return;
  }
  if (psn - q.rcv_next >= window) {
    ++counters_.out_of_order_packets;
    if (!q.nak_sent) {
      q.nak_sent = true;
      ++counters_.naks_sent;
      send_control(id, PacketType::nak, q.rcv_next, &pool_[pkt]);
    }
    pool_.release(pkt);
    return;
  }
  accept_payload(id, pool_[pkt].payload);
  if (psn != q.rcv_next) {
    ++counters_.placed_out_of_order;
    mark_placed(id, psn, true);
    if (psn + 1 > q.rcv_high) q.rcv_high = psn + 1;
    if (!q.reorder.valid()) q.reorder = sim_.make_timer(this, kReorder, id);
    if (!sim_.armed(q.reorder)) {
      q.gap_since = now;
      sim_.arm(q.reorder, now + params_.nic.reorder_timeout);
    }
    pool_.release(pkt);
    return;
  }
  std::uint32_t advanced = 1;
  ++q.rcv_next;
  while (q.rcv_next < q.rcv_high && placed(id, q.rcv_next)) {
    mark_placed(id, q.rcv_next, false);
    ++q.rcv_next;
    ++advanced;
  }
  if (q.rcv_high < q.rcv_next) q.rcv_high = q.rcv_next;
  q.nak_sent = false;
  if (q.rcv_high > q.rcv_next) {
    q.gap_since = now;  // a new gap: the armed timer re-arms itself from here (lazily)
  } else if (q.reorder.valid()) {
    sim_.cancel(q.reorder);
  }
  after_in_order(id, pkt, advanced);
}

void PacketNet::on_reorder_timer(std::uint32_t id) {
  Qp& q = qp_[id];
  if (q.receiver_done || q.rcv_high <= q.rcv_next) return;
  const Time now = sim_.now();
  const Time due = q.gap_since + params_.nic.reorder_timeout;
  if (now < due) {
    sim_.arm(q.reorder, due);
    return;
  }
  ++counters_.reorder_timeouts;
  ++counters_.naks_sent;
  send_control(id, PacketType::selective_nak, q.rcv_next, nullptr);
  q.gap_since = now;
  sim_.arm(q.reorder, now + params_.nic.reorder_timeout);
}

}  // namespace rocesim::net
