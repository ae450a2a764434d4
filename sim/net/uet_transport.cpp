// UET sender, receiver and switch trimming of PacketNet: model and references in
// net/uet_transport.hpp.
// Invariants per QP: snd_una <= snd_nxt <= total_pkts; snd_nxt < snd_una + W; a sender bit (acked,
// lost) is set only for a PSN in [snd_una, snd_una + W), so PSN mod W names one PSN; lost equals
// the number of lost bits set; in_flight >= 0.
#include <algorithm>

#include "core/config_error.hpp"
#include "core/rng.hpp"
#include "net/packet_net.hpp"
#include "topology/failures.hpp"

namespace rocesim::net {

bool PacketNet::uet_bit(const std::vector<std::uint64_t>& bits, std::uint32_t qp, std::uint32_t psn) const {
  const std::uint32_t bit = psn % (rcv_words_ * 64);
  return (bits[static_cast<std::size_t>(qp) * rcv_words_ + bit / 64] >> (bit % 64) & 1) != 0;
}

void PacketNet::uet_set(std::vector<std::uint64_t>& bits, std::uint32_t qp, std::uint32_t psn, bool on) {
  const std::uint32_t bit = psn % (rcv_words_ * 64);
  std::uint64_t& w = bits[static_cast<std::size_t>(qp) * rcv_words_ + bit / 64];
  const std::uint64_t m = std::uint64_t{1} << (bit % 64);
  w = on ? (w | m) : (w & ~m);
}

bool PacketNet::uet_sendable(std::uint32_t id) const {
  const Qp& q = qp_[id];
  const UetSender& u = uet_qp_[id];
  std::uint32_t psn;
  if (u.lost > 0) {
    psn = u.lost_low;  // a lower bound of the next resend: its size is at most one MTU frame
  } else {
    if (q.snd_nxt >= q.total_pkts || q.snd_nxt - q.snd_una >= rcv_words_ * 64) return false;
    psn = q.snd_nxt;
  }
  const std::int64_t w = payload_of(id, std::min(psn, q.total_pkts - 1)) + params_.wire.data_overhead.n;
  const std::int64_t window = qp_window(q);
  return (window == 0 || u.in_flight + w <= window || u.in_flight == 0) && rccc_allows(u, w);
}

std::uint32_t PacketNet::uet_take_psn(std::uint32_t id) {
  Qp& q = qp_[id];
  UetSender& u = uet_qp_[id];
  if (u.lost > 0) {
    std::uint32_t s = std::max(u.lost_low, q.snd_una);
    while (!uet_bit(snd_lost_, id, s)) ++s;  // terminates: a lost bit is set in [snd_una, max_sent)
    uet_set(snd_lost_, id, s, false);
    --u.lost;
    u.lost_low = s + 1;
    ++counters_.retransmitted_packets;
    return s;
  }
  const std::uint32_t s = q.snd_nxt++;
  if (s < q.max_sent) ++counters_.retransmitted_packets;  // after an RTO rewind
  return s;
}

std::uint32_t PacketNet::uet_entropy(std::uint32_t id) {
  UetSender& u = uet_qp_[id];
  const auto depth = static_cast<std::uint32_t>(params_.uet.reps_buffer);
  if (params_.uet.load_balancing == UetSpray::reps && u.reps_count > 0) {
    const std::uint32_t ev = reps_ring_[static_cast<std::size_t>(id) * depth + u.reps_head];
    u.reps_head = (u.reps_head + 1) % depth;
    --u.reps_count;
    return ev;
  }
  const std::uint64_t h = splitmix64(static_cast<std::uint64_t>(qp_[id].qp_number) << 32 | u.fresh++);
  return static_cast<std::uint32_t>(h % static_cast<std::uint64_t>(params_.uet.entropies));
}

void PacketNet::uet_sent(std::uint32_t id, Packet& p) {
  Qp& q = qp_[id];
  UetSender& u = uet_qp_[id];
  const std::uint32_t psn = p.psn;
  const bool resend = psn < q.max_sent;
  u.in_flight += p.wire;
  if (!snd_ev_.empty()) sent_ev(id, psn) = static_cast<std::uint16_t>(p.entropy);
  if (rccc_ != nullptr) u.credit -= p.wire;
  if (psn >= q.max_sent) q.max_sent = psn + 1;
  // AR flag: with coalesced ACKs, a resend, or a packet after which the sender cannot send
  // (window, credit, or nothing left), asks for an ACK at once.
  p.ar = params_.uet.ack_bytes.n > 0 && (resend || !uet_sendable(id)) ? 1 : 0;
  if (p.ar != 0 && (u.req_upto == UINT32_MAX || psn > u.req_upto)) u.req_upto = psn;
}

// A sender that cannot send with bytes in flight needs an ACK for them. If no live request covers
// its highest PSN sent (the window was cut after those packets left, or the packet carrying the
// request was trimmed or lost), it sends an ACK_REQ control packet for PSNs up to that one.
void PacketNet::uet_request_ack(std::uint32_t id) {
  const Qp& q = qp_[id];
  UetSender& u = uet_qp_[id];
  if (params_.uet.ack_bytes.n == 0 || q.sender_done || u.in_flight == 0 || q.max_sent == 0) return;
  if (u.req_upto != UINT32_MAX && u.req_upto + 1 >= q.max_sent) return;
  if (uet_sendable(id)) return;
  ++counters_.ack_requests;
  u.req_upto = q.max_sent - 1;
  const std::uint32_t pkt = make_control(id, PacketType::ack_request, u.req_upto, nullptr);
  pool_[pkt].route = q.route_fwd;
  pool_[pkt].steer = Steer::route;
  pool_[pkt].payload = 0;
  send_reverse(pkt);  // the first hop of pool_[pkt].route: here the forward route
}

// --- receiver ---

// Bits b .. b+63 of the receiver's placement bitmap (two words at most). Exact because every set
// bit names a placed PSN in (rcv_next, rcv_next + W) and b + 63 < rcv_next + W (send_uet_ack).
std::uint64_t PacketNet::sack_bitmap(std::uint32_t id, std::uint32_t base) const {
  const std::uint32_t bit = base % (rcv_words_ * 64);
  const std::uint64_t* w = rcv_bits_.data() + static_cast<std::size_t>(id) * rcv_words_;
  const std::uint32_t k = bit / 64, o = bit % 64;
  if (o == 0) return w[k];
  return w[k] >> o | w[(k + 1) % rcv_words_] << (64 - o);
}

void PacketNet::send_uet_ack(std::uint32_t id, std::uint32_t psn, const Packet& trigger) {
  Qp& q = qp_[id];
  UetSender& u = uet_qp_[id];
  u.arrivals = 0;
  u.ack_pending = 0;
  if (u.ack_upto != UINT32_MAX && q.rcv_next > u.ack_upto) u.ack_upto = UINT32_MAX;  // request met
  const std::uint32_t base = psn >= q.rcv_next + 64 ? psn - 63 : q.rcv_next;
  const std::uint64_t bits = sack_bitmap(id, base);
  const std::uint32_t ev = trigger.entropy;
  ++counters_.acks_sent;
  const std::uint32_t ack = make_control(id, PacketType::ack, q.rcv_next, &trigger);
  if (sack_.size() < pool_.capacity()) sack_.resize(pool_.capacity());
  pool_[ack].payload = base;
  pool_[ack].entropy = ev;
  sack_[ack] = bits;
  if (rccc_ != nullptr) stamp_ack_credit(ack, id);
  send_reverse(ack);
}

void PacketNet::on_uet_data(std::uint32_t pkt) {
  const std::uint32_t id = pool_[pkt].qp;
  const std::uint32_t psn = pool_[pkt].psn;
  Qp& q = qp_[id];
  UetSender& u = uet_qp_[id];
  if (rccc_ != nullptr) rccc_arrival(id, psn);
  const bool first = q.rcv_high == 0;
  const bool dup = psn < q.rcv_next || (psn != q.rcv_next && placed(id, psn));
  if (dup) {
    ++counters_.duplicate_packets;
  } else {
    accept_payload(id, pool_[pkt].payload);
    if (psn == q.rcv_next) {
      ++q.rcv_next;
      while (q.rcv_next < q.rcv_high && placed(id, q.rcv_next)) {
        mark_placed(id, q.rcv_next, false);
        ++q.rcv_next;
      }
      if (q.rcv_high < q.rcv_next) q.rcv_high = q.rcv_next;
    } else {
      ++counters_.placed_out_of_order;
      mark_placed(id, psn, true);
      if (psn + 1 > q.rcv_high) q.rcv_high = psn + 1;
    }
  }
  const bool last = !q.receiver_done && q.rcv_next == q.total_pkts;
  bool due;
  if (params_.uet.ack_bytes.n > 0) {
    // Coalescing by bytes; at once for the QP's first packet, a CE mark, an AR flag, and every
    // arrival while a request is owed (until all PSNs up to it arrived).
    const Packet& p = pool_[pkt];
    u.ack_pending += p.payload;
    if (p.ar != 0 && (u.ack_upto == UINT32_MAX || psn > u.ack_upto)) u.ack_upto = psn;
    due = u.ack_pending >= static_cast<std::uint64_t>(params_.uet.ack_bytes.n) || first || p.ecn != 0 ||
          u.ack_upto != UINT32_MAX;
  } else {
    due = ++u.arrivals >= static_cast<std::uint32_t>(params_.nic.ack_every);
  }
  if (dup || last || due) send_uet_ack(id, psn, pool_[pkt]);
  pool_.release(pkt);
  if (last) finish_receive(id);
}

void PacketNet::on_uet_trimmed(std::uint32_t pkt) {
  const std::uint32_t id = pool_[pkt].qp;
  const std::uint32_t psn = pool_[pkt].psn;
  const Qp& q = qp_[id];
  if (rccc_ != nullptr) rccc_arrival(id, psn);
  if (psn < q.rcv_next || placed(id, psn)) {  // an earlier copy made it: acknowledge instead
    send_uet_ack(id, psn, pool_[pkt]);
  } else {
    const std::uint32_t ev = pool_[pkt].entropy;
    ++counters_.naks_sent;
    const std::uint32_t nack = make_control(id, PacketType::selective_nak, psn, &pool_[pkt]);
    pool_[nack].entropy = ev;
    if (rccc_ != nullptr) stamp_ack_credit(nack, id);  // a NACK carries the grant as an ACK does (UEC's NACK_CCX)
    send_reverse(nack);
  }
  pool_.release(pkt);
}

// An ACK_REQ: acknowledge at once, and every arrival until all PSNs up to its PSN arrived. The
// ACK carries no delay sample (its echo would time the control class, not the data path).
void PacketNet::on_uet_ack_request(std::uint32_t pkt) {
  const std::uint32_t id = pool_[pkt].qp;
  const std::uint32_t upto = pool_[pkt].psn;
  UetSender& u = uet_qp_[id];
  if (u.ack_upto == UINT32_MAX || upto > u.ack_upto) u.ack_upto = upto;
  pool_[pkt].sent = Time::max();
  pool_[pkt].ecn = 0;
  pool_[pkt].hops_recorded = 0;
  send_uet_ack(id, qp_[id].rcv_next, pool_[pkt]);
  pool_.release(pkt);
}

// --- sender ---

void PacketNet::uet_mark_lost(std::uint32_t id, std::uint32_t psn) {
  UetSender& u = uet_qp_[id];
  if (uet_bit(snd_acked_, id, psn) || uet_bit(snd_lost_, id, psn)) return;
  uet_set(snd_lost_, id, psn, true);
  ++u.lost;
  if (psn == u.req_upto) u.req_upto = UINT32_MAX;  // the request was on this packet: gone with it
  if (psn < u.lost_low || u.lost == 1) u.lost_low = psn;
  if (rccc_ != nullptr) rccc_owe(id, payload_of(id, psn) + params_.wire.data_overhead.n);  // the resend's credit
  u.in_flight -= payload_of(id, psn) + params_.wire.data_overhead.n;
  if (u.in_flight < 0) u.in_flight = 0;
}

// REPS: the EV goes to the back of the QP's FIFO of recycled EVs; when full, the oldest gives way.
void PacketNet::reps_recycle(std::uint32_t id, std::uint32_t ev) {
  UetSender& u = uet_qp_[id];
  const auto depth = static_cast<std::uint32_t>(params_.uet.reps_buffer);
  const std::size_t at = static_cast<std::size_t>(id) * depth;
  if (u.reps_count == depth) {
    u.reps_head = (u.reps_head + 1) % depth;
    --u.reps_count;
  }
  reps_ring_[at + (u.reps_head + u.reps_count) % depth] = ev;
  ++u.reps_count;
  ++counters_.reps_recycled;
}

// `ce_ev`: the EV of the CE-marked packet that triggered the ACK (UINT32_MAX: none). Under REPS
// every PSN acknowledged here for the first time recycles the EV it was sent with, unless it was
// presumed lost or carries ce_ev: a coalescing receiver acknowledges a CE-marked packet at once,
// so the other PSNs a coalesced ACK covers arrived unmarked.
void PacketNet::uet_acked(std::uint32_t id, std::uint32_t psn, Bytes& newly, std::uint32_t ce_ev) {
  UetSender& u = uet_qp_[id];
  if (uet_bit(snd_acked_, id, psn)) return;
  uet_set(snd_acked_, id, psn, true);
  newly += Bytes{payload_of(id, psn)};
  if (uet_bit(snd_lost_, id, psn)) {  // marked for resend, then acknowledged: nothing to resend
    uet_set(snd_lost_, id, psn, false);
    --u.lost;
  } else {
    u.in_flight -= payload_of(id, psn) + params_.wire.data_overhead.n;
    if (u.in_flight < 0) u.in_flight = 0;
    if (!snd_ev_.empty()) {
      const std::uint32_t ev = sent_ev(id, psn);
      if (ev != ce_ev) reps_recycle(id, ev);
    }
  }
  if (psn + 1 > u.high_acked) u.high_acked = psn + 1;
}

void PacketNet::on_uet_ack(std::uint32_t pkt) {
  const Packet& p = pool_[pkt];
  const std::uint32_t id = p.qp;
  Qp& q = qp_[id];
  UetSender& u = uet_qp_[id];
  const Time now = sim_.now();
  const std::uint32_t cum = std::min(p.psn, q.total_pkts);
  const std::uint32_t base = p.payload;
  const std::uint64_t bits = pkt < sack_.size() ? sack_[pkt] : 0;
  const bool timed = p.sent != Time::max();  // not an answer to an ACK_REQ
  AckSample sample{id, now, timed ? now - p.sent : Time{}, Bytes{}, p.ecn != 0, {}};
  const std::uint32_t ce_ev = p.ecn != 0 ? p.entropy : UINT32_MAX;
  const std::int64_t credit = rccc_ != nullptr && pkt < ack_credit_.size() ? ack_credit_[pkt] : 0;
  pool_.release(pkt);
  if (q.sender_done) return;
  if (credit > 0) rccc_credit_seen(id, credit);
  // Cumulative part: every PSN below cum arrived; clear their bits as snd_una passes them.
  for (std::uint32_t s = q.snd_una; s < cum; ++s) {
    uet_acked(id, s, sample.newly_acked, ce_ev);
    uet_set(snd_acked_, id, s, false);
  }
  if (u.req_upto != UINT32_MAX && cum > u.req_upto) u.req_upto = UINT32_MAX;  // request met
  if (cum > q.snd_una) {
    q.snd_una = cum;
    if (q.snd_nxt < q.snd_una) q.snd_nxt = q.snd_una;
    if (u.inferred_upto < q.snd_una) u.inferred_upto = q.snd_una;
  }
  for (std::uint64_t b = bits; b != 0; b &= b - 1) {
    const std::uint32_t s = base + static_cast<std::uint32_t>(__builtin_ctzll(b));
    if (s >= q.snd_una && s < q.max_sent) uet_acked(id, s, sample.newly_acked, ce_ev);
  }
  // SACK loss inference: PSNs passed by loss_threshold are presumed lost, each once.
  const auto thr = static_cast<std::uint32_t>(params_.uet.loss_threshold);
  if (u.high_acked > thr) {
    const std::uint32_t upto = std::min(u.high_acked - thr, q.max_sent);
    for (std::uint32_t s = std::max(u.inferred_upto, q.snd_una); s < upto; ++s) {
      if (!uet_bit(snd_acked_, id, s) && !uet_bit(snd_lost_, id, s)) {
        ++counters_.presumed_lost;
        uet_mark_lost(id, s);
      }
    }
    u.inferred_upto = std::max(u.inferred_upto, upto);
  }
  if (sample.newly_acked.n > 0) {
    progress_ += static_cast<std::uint64_t>(sample.newly_acked.n);
    records_[id].acked += sample.newly_acked;
    q.last_progress = now;
  }
  const std::uint64_t rate = q.cc.rate.bps;
  cc_->on_ack(sample, q.cc);
  if (q.snd_una == q.total_pkts) {
    sender_finished(id);
    return;
  }
  uet_request_ack(id);
  uet_cc_applied(id, rate);
}

// After a CC hook: a higher pacing rate re-paces the QP's next packet from its last one (brings
// it forward, as a CC timer's change does: cc_strategy.hpp); a lower one applies from the next
// packet. Without it an NSCC QP paced at min_window (a gap of 20 (R0 + T)) kept that gap after
// its window grew: one 64:1 incast sender ended 200 us after the others.
void PacketNet::uet_cc_applied(std::uint32_t id, std::uint64_t rate_before) {
  if (qp_[id].cc.rate.bps > rate_before) {
    cc_changed(id);
  } else {
    make_ready(id);
  }
}

void PacketNet::on_uet_nack(std::uint32_t pkt) {
  const Packet& p = pool_[pkt];
  const std::uint32_t id = p.qp;
  const std::uint32_t psn = p.psn;
  const Time rtt = sim_.now() - p.sent;
  const std::int64_t credit = rccc_ != nullptr && pkt < ack_credit_.size() ? ack_credit_[pkt] : 0;
  pool_.release(pkt);
  Qp& q = qp_[id];
  if (q.sender_done) return;
  if (credit > 0) rccc_credit_seen(id, credit);
  if (psn < q.snd_una || psn >= q.max_sent) {
    if (credit > 0) make_ready(id);
    return;
  }
  uet_mark_lost(id, psn);
  const std::uint64_t rate = q.cc.rate.bps;
  cc_->on_nack(id, sim_.now(), rtt, q.cc);
  uet_request_ack(id);
  uet_cc_applied(id, rate);
}

void PacketNet::on_uet_rto(std::uint32_t id) {
  Qp& q = qp_[id];
  for (std::uint32_t s = q.snd_una; s < q.max_sent; ++s) uet_mark_lost(id, s);
  uet_qp_[id].in_flight = 0;
}

// --- switch ---

void PacketNet::init_uet() {
  no_trim_.assign(fabric_.node_count(), false);
  if (params_.uet.no_trim.empty()) return;
  const std::vector<std::string> names = topology::node_names(fabric_);
  for (std::size_t i = 0; i < params_.uet.no_trim.size(); ++i) {
    const auto it = std::find(names.begin(), names.end(), params_.uet.no_trim[i]);
    const auto node = static_cast<topology::NodeId>(it - names.begin());
    if (it == names.end() || fabric_.node(node).role == topology::NodeRole::accelerator) {
      throw ConfigError("", "/uet/no_trim/" + std::to_string(i), "no switch named \"" + params_.uet.no_trim[i] + "\"");
    }
    no_trim_[node] = true;
  }
}

// A trimmed header at a switch: steered per hop like its data packet, in the control class, no MMU.
void PacketNet::forward_trimmed(std::uint32_t pkt, topology::NodeId node) {
  Packet& p = pool_[pkt];
  ++p.hop;
  const PortId out = p.steer == Steer::route ? route_ports_[route_begin_[p.route] + p.hop] : data_egress(pkt, node);
  if (out == topology::kNone) {
    ++counters_.drops;
    pool_.release(pkt);
    return;
  }
  enqueue(out, pkt);
  try_transmit(out);
}

// The packet would overfill its egress class (or the MMU would drop it): forward its header in
// the control class instead; it no longer holds MMU bytes.
void PacketNet::trim(std::uint32_t pkt, PortId out) {
  Packet& p = pool_[pkt];
  p.type = PacketType::trimmed;
  p.cls = kControlClass;
  p.wire = static_cast<std::uint32_t>(params_.uet.trimmed_bytes.n);
  ++counters_.trimmed;
  ++port_counters_[out].trims;
  enqueue(out, pkt);
  try_transmit(out);
}

}  // namespace rocesim::net
