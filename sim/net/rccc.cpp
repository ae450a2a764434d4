// UET receiver credits (RCCC) of PacketNet: model and references in net/rccc.hpp.
// Invariants per QP (UetSender): credit_granted only grows and the credit frames and (when
// piggy-backing) the ACKs carry it, so the sender's credit_seen <= credit_granted; a grant waits
// for an ACK (credit_unsent) at most until the QP's next turn in its pacer's round robin, and the
// QP is in that round robin while it waits (its last grant never waits); credit_owed >= 0; a QP
// is in its pacer's round robin at most once (credit_queued); a pacer ticks (ticking) exactly
// while its round robin is non-empty or a tick is pending.
#include <algorithm>

#include "net/packet_net.hpp"

namespace rocesim::net {

void PacketNet::rccc_start(std::uint32_t id, Time base_rtt) {
  UetSender& u = uet_qp_[id];
  const Qp& q = qp_[id];
  const double bdp = static_cast<double>(ports_[q.port].rate.bps) * static_cast<double>(base_rtt.ps) * 1e-12 / 8.0;
  const std::int64_t initial = std::max<std::int64_t>(data_wire_mtu_, static_cast<std::int64_t>(rccc_->initial_bdp * bdp));
  const std::int64_t total =
      records_[id].bytes.n + static_cast<std::int64_t>(q.total_pkts) * params_.wire.data_overhead.n;
  u.credit = initial;
  u.credit_expect = initial;
  u.credit_owed = std::max<std::int64_t>(0, total - initial);
}

void PacketNet::rccc_arrival(std::uint32_t id, std::uint32_t psn) {
  UetSender& u = uet_qp_[id];
  u.credit_expect -= payload_of(id, psn) + params_.wire.data_overhead.n;  // the credit it used
  if (u.credit_known) return;
  u.credit_known = true;
  if (u.credit_owed > 0) rccc_queue(id);
}

void PacketNet::rccc_owe(std::uint32_t id, std::int64_t wire) {
  UetSender& u = uet_qp_[id];
  u.credit_owed += wire;
  if (u.credit_known) rccc_queue(id);
}

void PacketNet::rccc_queue(std::uint32_t id) {
  UetSender& u = uet_qp_[id];
  if (u.credit_queued) return;
  const std::uint32_t host = records_[id].dst;
  CreditPacer& pc = pacers_[host];
  u.credit_queued = true;
  u.credit_next = UINT32_MAX;
  if (pc.tail == UINT32_MAX) {
    pc.head = id;
  } else {
    uet_qp_[pc.tail].credit_next = id;
  }
  pc.tail = id;
  if (pc.ticking) return;
  // An idle pacer grants at once: credit does not accumulate while nobody asks for it.
  const std::uint32_t r = qp_[id].route_fwd;
  pc.downlink = route_ports_[route_begin_[r + 1] - 1];
  if (!pc.tick.valid()) pc.tick = sim_.make_timer(this, kCredit, host);
  pc.ticking = true;
  sim_.arm(pc.tick, sim_.now());
}

void PacketNet::rccc_tick(std::uint32_t host) {
  CreditPacer& pc = pacers_[host];
  while (pc.head != UINT32_MAX) {
    const std::uint32_t id = pc.head;
    UetSender& u = uet_qp_[id];
    pc.head = u.credit_next;
    if (pc.head == UINT32_MAX) pc.tail = UINT32_MAX;
    u.credit_queued = false;
    if (qp_[id].sender_done) {
      u.credit_unsent = false;
      continue;
    }
    if (u.credit_owed <= 0) {
      if (u.credit_unsent) send_credit(id);
      continue;
    }
    const std::int64_t grant = std::min(credit_unit_, u.credit_owed);
    // Piggy-backed: the grant rides the QP's next ACK (ACK_CC, credit field) if one is coming,
    // i.e. at least a full frame of the credit granted before (speculative included) has not
    // arrived as data yet (less may be a remainder the sender cannot spend). A
    // credit frame (CREDIT control packet) carries the cumulative grant instead when none is
    // coming, when an earlier grant has already waited a whole round of the round robin (its
    // data was lost), or for the QP's last grant.
    const bool ack_coming = u.credit_expect >= data_wire_mtu_;
    u.credit_owed -= grant;
    u.credit_granted += grant;
    u.credit_expect += grant;
    if (!rccc_->piggyback || !ack_coming || u.credit_unsent || u.credit_owed == 0) {
      send_credit(id);
    } else {
      u.credit_unsent = true;
    }
    if (u.credit_owed > 0) rccc_queue(id);  // back of the round robin (the pacer is ticking)
    // Next grant after this one's bytes at rate_factor × the downlink's rate (its live rate).
    const double rate = rccc_->rate_factor * static_cast<double>(ports_[pc.downlink].rate.bps);
    const auto wait = static_cast<std::int64_t>(static_cast<double>(grant) * 8e12 / rate + 0.5);
    sim_.arm(pc.tick, sim_.now() + Time{std::max<std::int64_t>(1, wait)});
    return;
  }
  pc.ticking = false;
}

// A credit frame carrying the cumulative grant, on the QP's reverse route.
void PacketNet::send_credit(std::uint32_t id) {
  ++counters_.credits_sent;
  uet_qp_[id].credit_unsent = false;
  const std::uint32_t pkt = make_control(id, PacketType::credit, 0, nullptr);
  if (sack_.size() < pool_.capacity()) sack_.resize(pool_.capacity());
  sack_[pkt] = static_cast<std::uint64_t>(uet_qp_[id].credit_granted);
  send_reverse(pkt);
}

// After a link change a credit frame may have been lost (control frames are lost only to a link
// going down): every receiver repeats its cumulative grant to each sender still running, as the
// senders' repeated credit requests would make it do. Cost O(QPs) per link change.
void PacketNet::rccc_regrant() {
  for (std::uint32_t id = 0; id < qp_.size(); ++id) {
    if (!qp_[id].sender_done && uet_qp_[id].credit_granted > 0) send_credit(id);
  }
}

// An ACK or NACK of the QP leaves its receiver: it carries the cumulative grant when
// piggy-backing (0: none), and so delivers any grant still waiting.
std::int64_t PacketNet::rccc_ack_credit(std::uint32_t id) {
  if (!rccc_->piggyback) return 0;
  UetSender& u = uet_qp_[id];
  if (u.credit_unsent) {
    u.credit_unsent = false;
    ++counters_.credits_on_acks;
  }
  return u.credit_granted;
}

void PacketNet::stamp_ack_credit(std::uint32_t pkt, std::uint32_t id) {
  if (ack_credit_.size() < pool_.capacity()) ack_credit_.resize(pool_.capacity());
  ack_credit_[pkt] = rccc_ack_credit(id);
}

void PacketNet::rccc_credit_seen(std::uint32_t id, std::int64_t cumulative) {
  UetSender& u = uet_qp_[id];
  if (cumulative <= u.credit_seen) return;  // an older grant overtaken by a newer one
  u.credit += cumulative - u.credit_seen;
  u.credit_seen = cumulative;
}

void PacketNet::on_rccc_credit(std::uint32_t pkt) {
  const std::uint32_t id = pool_[pkt].qp;
  const auto cumulative = static_cast<std::int64_t>(sack_[pkt]);
  pool_.release(pkt);
  rccc_credit_seen(id, cumulative);
  if (!qp_[id].sender_done) make_ready(id);
}

}  // namespace rocesim::net
