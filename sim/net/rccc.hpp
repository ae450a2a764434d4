// RCCC: UET's receiver-credit congestion control, the receiver-driven algorithm of UEC 1.0's
// congestion management (§3.6) beside NSCC; a PDC may run either or both. Its lineage is EQDS
// (V. Olteanu et al., "An edge-queued datagram service for all datacenter traffic", NSDI 2022:
// a receiver "pull pacer" that grants credit at its own link rate) and NDP's pull packets. The
// parameters are `cc.rccc.*` (sim/cc/rccc.hpp); the mechanism is PacketNet's (net/rccc.cpp).
// Runs with nic.transport = "uet" only.
//
// Sources. The specification text (UE-Specification 1.0 / 1.0.1, ultraethernet.org) could not be
// retrieved for this work; what is modelled is taken from faithful public sources of it:
//  [PDS]   its packet formats (§3.5.10) as decoded by Keysight's Wireshark dissector for
//          UE-Specification 1.0.1 (packet-uet.c) and the Linux "ultraeth" uapi header: an ACK_CC
//          whose cc_type is CREDIT (1) carries a 24-bit `credit` field in its CC state (credit
//          piggy-backed on the acknowledgement); RUD_CC_REQ/ROD_CC_REQ requests carry the
//          sender's 24-bit `credit_target`; control packets (CP) of type CREDIT (7) and
//          CREDIT_REQUEST (8) carry credit and a request for it when no ACK or data is due.
//  [htsim] the UEC consortium's htsim (uec.cpp/uec.h; its README: it tracks the CMS
//          specification but is not normative): credit is granted 4 MTUs of payload per pull,
//          "as per default in UEC spec"; a receiver's pull pacer runs at 0.99 of its link rate;
//          a new connection holds speculative credit of its max window, 1.5 BDP.
//
// Model (wire bytes w(s) = payload(s) + data overhead; F = a full data frame):
//   Sender  : each QP holds a credit balance c. It starts at the initial credit
//             I = max(F, initial_bdp · line rate · base RTT / 8) (speculative data, sent before
//             any credit: the first RTT is never idle); sending PSN s costs w(s), and a packet
//             goes only when c >= w(s).
//             With NSCC as well (cc.algorithm = "nscc+rccc") NSCC's window applies too: a
//             packet needs both.
//   Receiver: learns a QP at its first arriving packet (data or trimmed header: the request,
//             whose credit target is taken to be the whole message) and owes it
//             N = Σ w(s) over its packets − I, plus w(s) again for every PSN the sender marks for
//             resend (trim NACK, SACK inference, RTO: the sender's request for more credit,
//             applied at once here). Per destination accelerator one pacer grants
//             g = min(credit_bytes, N) to the QP at the head of a round robin of the QPs it
//             still owes, then waits g·8 / (rate_factor · R) (R: the rate of the QP's last-hop
//             link, i.e. the receiver's downlink) before the next grant. The receiver's port is
//             thus offered at most rate_factor × its rate once the speculative data has drained,
//             shared equally among its senders: an incast keeps the last hop's queue near zero
//             instead of at the trim threshold.
//   Credit  : every grant is cumulative (the total granted so far), so a lost carrier is
//             repaired by the next. piggyback = true (default, [PDS]): a grant rides the QP's next
//             ACK (ACK_CC with cc_type CREDIT; every UET ACK of an RCCC QP carries the cumulative
//             grant) or NACK of a trimmed packet (NACK_CCX has CC state too; that RCCC credit
//             goes there is our assumption) when one is coming, i.e. a full frame of the credit
//             granted before (speculative included) has not arrived yet. Otherwise, or if a grant
//             is still waiting when the QP's next turn in the round robin comes (its data was
//             lost), or for the QP's last grant, a credit frame (a CREDIT CP: control class,
//             wire.control_bytes, the QP's reverse route) carries it. piggyback = false: every
//             grant is a credit frame. Control frames are lost only to a link going down; then every
//             receiver repeats its cumulative grant to each running sender in a credit frame
//             (the senders' repeated credit requests, applied at once), so a lost last grant
//             never strands a QP.
// Defaults: credit_bytes "auto" = 4 full data frames per grant ([htsim]'s spec default of 4 MTUs
// per pull, counted here in wire bytes so a grant is exactly 4 packets); piggyback = true
// ([PDS]); rate_factor = 1 (grants at the downlink's rate; [htsim] uses 0.99 as its own choice,
// not the specification's); initial_bdp = 1 (EQDS's one BDP of speculative data; [htsim]'s 1.5
// BDP is its max window, not a stated specification default).
// Consequence of the speculative data: n senders start with n·I bytes; what exceeds the last
// hop's trim threshold is trimmed and re-credited, and since grants then run at exactly the
// drain rate the queue the burst built stays until the incast ends (EQDS shows the same; its
// switches trim at a shallow queue). initial_bdp = 0 (one frame each) or rate_factor < 1
// avoids or drains it: with n·F below the threshold an incast is never trimmed and its queue
// stays below n·F.
// Not modelled: the sender's credit target as a field (the receiver owes the whole message at
// once, never capped by a window), CREDIT_REQUEST packets (a request is applied at once), credit
// the 24-bit field's units and wrap, per-sender credit targets beyond equal round
// robin, credit for other receivers' traffic sharing the downlink, ECN-driven receiver
// reactions (EV changes requested by the receiver).
#pragma once

#include "core/units.hpp"

namespace rocesim::net {

inline constexpr std::int64_t kRcccAutoFrames = 4;  // credit_bytes "auto": full data frames per grant

struct RcccParams {
  Bytes credit_bytes{};     // per grant; 0 = "auto": kRcccAutoFrames full data frames (MTU + data overhead)
  double rate_factor = 1.0; // grant rate / receiver link rate, in (0, 2]
  double initial_bdp = 1.0; // speculative credit in BDPs of the QP's path, [0, 100]; at least one frame
  bool piggyback = true;    // grants ride the QP's ACKs (ACK_CC); false: every grant is a credit frame
};

}  // namespace rocesim::net
