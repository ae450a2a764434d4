// Ultra Ethernet transport (UET) of the packet backend (nic.transport = "uet"): the reliable
// unordered delivery (RUD) service of UET's packet delivery sublayer, as PacketNet member
// functions in uet_transport.cpp, the switch side in switch_mmu.cpp. Parameters:
// net/uet_params.hpp.
//
// References (read for facts; nothing copied):
//   [UEC]  Ultra Ethernet Consortium, UEC Specification 1.0 (June 2025): ch. 3.5 Packet Delivery
//          Sublayer (RUD, PSNs, SACK with a cumulative PSN and a 64-bit bitmap, NACK, entropy
//          values per packet, retransmission timer), ch. 3.6 Congestion Management (NSCC, packet
//          trimming). Also the UET overview: arXiv:2508.08906. (Session 9 could not retrieve the
//          specification text itself; the packet types and fields were checked against public
//          decoders of UE-Specification 1.0.1: Keysight's Wireshark dissector and the Linux
//          "ultraeth" uapi header. See net/rccc.hpp.)
//   [REPS] T. Bonato et al., "REPS: Recycling Entropies for Packet Spraying to Adaptively Explore
//          Paths and Mitigate Failures", arXiv:2407.21625.
//   [HTSIM] the consortium's htsim fork (UecSrc / UecSink): AR on a resend or when the window,
//          credit or backlog is exhausted; the sink acknowledges at once on AR, on CE and on the
//          first packet, else per 16 KiB, and again when its out-of-order set drains after an AR.
//   [NDP]  M. Handley et al., "Re-architecting datacenter networks and stacks for low latency and
//          high performance", SIGCOMM 2017 (packet trimming, NACK of a trimmed header).
//
// Model per QP (one UET packet delivery context), PSN s, window W = nic.reorder_window PSNs,
// wire size w(s) = payload(s) + wire.data_overhead:
//   Entropy : every data packet carries an EV in [0, uet.entropies); each switch picks its egress
//             among the ECMP candidates by hash(switch seed, QP, EV) (load_balancing.hpp, hashed),
//             so a QP sprays by design whatever routing.load_balancing says (adaptive stays
//             adaptive). spray: EV = splitmix64(QP, n) mod entropies for the QP's n-th packet.
//             reps: the sender keeps the EV each PSN of its window was sent with; every PSN an
//             ACK acknowledges for the first time returns that EV to the QP's FIFO of
//             reps_buffer EVs (the oldest gives way), except a PSN presumed lost and, when the
//             ACK echoes CE, a PSN sent with the EV of the CE-marked packet that triggered it;
//             a send takes the oldest recycled EV, or a fresh one (as spray) when the FIFO is
//             empty. EVs of CE-marked, trimmed or lost packets are never reused. Why per PSN and
//             not only the ACK's EV (the consortium htsim recycles the one EV an ACK echoes):
//             with ACKs coalesced per 16 KiB only about one EV in four came back (72 % of sends
//             on a recycled EV against 96 % per packet, ack_every 4: 24 %), the rest were
//             fresh random paths: ECN marks on the study's 1:1 permutation rose from 100 to 467,
//             NSCC decreases from 59 to 666, and it ended at 219 us against 184 us; with
//             oblivious spraying coalescing cost nothing (206 / 208 us) and the bytes an ACK
//             released averaged 5.3 kB (no bursts). A coalescing receiver acknowledges a
//             CE-marked packet at once, so the other PSNs an ACK covers arrived unmarked (with
//             uet.ack_bytes = 0 and ack_every > 1 a mark on a non-triggering packet is unseen,
//             by NSCC as by REPS).
//   Sender  : may send a new PSN s while s < snd_una + W and in_flight + w(s) <= cc.window (no
//             bound when 0); in_flight counts wire bytes sent and neither acknowledged nor
//             presumed lost. Resends (lowest PSN first) go before new PSNs.
//   Receiver: places every packet at once (out-of-order placement into memory); duplicates are
//             discarded. An ACK carries the cumulative PSN c (next expected), a SACK bitmap of
//             64 PSNs from base b (bit i: b + i placed; b = c, or s − 63 when the arriving s
//             lies beyond c + 63), the EV and send time of the packet that triggered it and its
//             CE bit. When: uet.ack_bytes = 0: every ack_every-th arrival and the last PSN.
//             Coalesced (uet.ack_bytes = A > 0, default 16 KiB; [UEC] ack_gen_trigger, [HTSIM]):
//             once A payload bytes arrived since the last ACK, and at once for the QP's first
//             packet, a CE-marked packet (NSCC sees every mark), a duplicate, the last PSN, a
//             packet with the AR flag, and every arrival while a request is owed.
//   Requests: (AR flag) a data packet carries AR when it is a resend or when after it the sender
//             cannot send (window, credit, or nothing left) [UEC, HTSIM]; the receiver then owes
//             an ACK of every PSN up to it, acknowledging each arrival until all have arrived
//             (so packets overtaken by a sprayed AR packet are acknowledged too). (ACK_REQ) a
//             sender that cannot send with bytes in flight, and whose live request does not
//             cover its highest PSN sent h (the window was cut after those packets left, or the
//             packet carrying the request was trimmed or lost), sends an ACK_REQ control packet
//             [UEC control packet type ACK_REQ] on its forward route, PSN h; the receiver
//             acknowledges at once and owes ACKs up to h. The ACK answering it carries no delay
//             sample (AckSample::rtt = 0) and recycles no EV. A request is met when c > h; it
//             dies with the packet carrying it (NACK, loss inference, RTO).
//   Trimming: a switch whose egress queue of the packet's class would exceed uet.trim_threshold
//             (or whose MMU would drop it) cuts the packet to uet.trimmed_bytes and forwards it in
//             the control class (strict priority above data, no MMU). The receiver answers a
//             trimmed header with a NACK of that PSN; the sender marks it for resend.
//   Loss    : (1) NACK of a trimmed PSN; (2) a SACK covering PSN h presumes every unacknowledged
//             PSN <= h − uet.loss_threshold lost, once per PSN (a link failure loses frames
//             silently: this recovers them without a timer); (3) RTO (nic.rto, last resort):
//             no progress for rto resends every unacknowledged PSN.
//   CC      : AckSample per ACK (RTT from the echoed send time, newly acknowledged payload, CE);
//             CcStrategy::on_nack per NACK. NSCC is in sim/cc/nscc.hpp.
//   RCCC    : receiver credits (cc.algorithm rccc or nscc+rccc): net/rccc.hpp, net/rccc.cpp.
// Not modelled: connection setup (PDC establishment), RUDI/ROD/UUD services, a receiver ACK
// timer (not needed: the last PSN is acknowledged at once, a blocked sender flags AR, a trimmed
// AR packet is resent with AR, a dead or short request is renewed by ACK_REQ; a silently lost
// AR packet with nothing sent after it needs the RTO with or without a timer), REPS freezing
// mode, semantic layer (SES), security.
// Memory: 2W bits sender + W bits receiver + reps_buffer EVs per QP, allocated only for UET;
// with REPS also min(PSNs, W) 16-bit EVs per QP (at most 2 KiB at W = 1024).
#pragma once

#include <cstdint>

namespace rocesim::net {

struct UetSender {
  std::int64_t in_flight = 0;      // wire bytes sent, not acknowledged, not presumed lost
  std::uint32_t lost = 0;          // PSNs marked for resend
  std::uint32_t lost_low = 0;      // no lost mark below this PSN (scan start)
  std::uint32_t inferred_upto = 0; // PSNs below were already considered by SACK loss inference
  std::uint32_t high_acked = 0;    // one past the highest PSN acknowledged
  std::uint32_t fresh = 0;         // fresh EVs drawn so far
  std::uint32_t reps_head = 0;     // FIFO of recycled EVs in PacketNet::reps_ring_
  std::uint32_t reps_count = 0;
  std::uint32_t arrivals = 0;      // receiver: data arrivals since the last ACK
  std::uint32_t ack_pending = 0;   // receiver: payload bytes since the last ACK (uet.ack_bytes)
  std::uint32_t req_upto = UINT32_MAX;  // sender: highest PSN a live ACK request covers (none: max)
  std::uint32_t ack_upto = UINT32_MAX;  // receiver: ACK every arrival until all PSNs <= this arrived
  std::size_t ev_at = 0;           // REPS: first slot of its EVs in PacketNet::snd_ev_
  // RCCC (net/rccc.hpp): sender balance and the receiver's account of what it still owes.
  std::int64_t credit = 0;          // sender: initial credit + granted − spent (wire bytes)
  std::int64_t credit_seen = 0;     // sender: highest cumulative grant received
  std::int64_t credit_owed = 0;     // receiver: wire bytes still to grant
  std::int64_t credit_granted = 0;  // receiver: cumulative grant sent
  std::uint32_t credit_next = UINT32_MAX;  // receiver: next QP in its pacer's round robin
  bool credit_known = false;        // receiver: a packet of the QP has arrived
  bool credit_queued = false;       // receiver: in its pacer's round robin
  std::int64_t credit_expect = 0;   // receiver: initial credit + granted − wire bytes arrived
  bool credit_unsent = false;       // receiver: a grant waits for an ACK of the QP to carry it
};

}  // namespace rocesim::net
