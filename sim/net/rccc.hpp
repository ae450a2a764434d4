// RCCC: UET's receiver-credit congestion control (UEC 1.0 §3.6, Congestion Management: the
// receiver-credit algorithm beside NSCC; a PDC may run either or both). Its lineage is EQDS
// (V. Olteanu et al., "An edge-queued datagram service for all datacenter traffic", NSDI 2022:
// a receiver "pull pacer" that grants credit at its own link rate) and NDP's pull packets. The
// parameters are `cc.rccc.*` (sim/cc/rccc.hpp); the mechanism is PacketNet's (net/rccc.cpp).
// Runs with nic.transport = "uet" only.
//
// Model (wire bytes w(s) = payload(s) + data overhead; F = a full data frame):
//   Sender  : each QP holds a credit balance c. It starts at the initial credit
//             I = max(F, initial_bdp · line rate · base RTT / 8) (speculative data, sent before
//             any credit: the first RTT is never idle); sending PSN s costs w(s), and a packet
//             goes only when c >= w(s).
//             With NSCC as well (cc.algorithm = "nscc+rccc") NSCC's window applies too: a
//             packet needs both.
//   Receiver: learns a QP at its first arriving packet (data or trimmed header: the request)
//             and owes it N = Σ w(s) over its packets − I, plus w(s) again for every PSN the
//             sender marks for resend (trim NACK, SACK inference, RTO: the sender's request for
//             more credit, applied at once here). Per destination accelerator one pacer grants
//             g = min(credit_bytes, N) to the QP at the head of a round robin of the QPs it
//             still owes, then waits g·8 / (rate_factor · R) (R: the rate of the QP's last-hop
//             link, i.e. the receiver's downlink) before the next grant. The receiver's port is
//             thus offered at most rate_factor × its rate once the speculative data has drained,
//             shared equally among its senders: an incast keeps the last hop's queue near zero
//             instead of at the trim threshold.
//   Credit  : a control frame (control class, wire.control_bytes) on the QP's reverse route,
//             carrying the cumulative credit granted so far, so a lost credit frame is repaired by
//             the next. Control frames are lost only to a link going down; then every receiver
//             repeats its cumulative grant to each running sender (the senders' repeated credit
//             requests, applied at once), so a lost last grant never strands a QP.
// Defaults (the specification leaves them to the implementation; ours): credit_bytes = one
// full data frame, rate_factor = 1, initial_bdp = 1 (EQDS's one BDP of speculative data).
// Consequence of the speculative data: n senders start with n·I bytes; what exceeds the last
// hop's trim threshold is trimmed and re-credited, and since grants then run at exactly the
// drain rate the queue the burst built stays until the incast ends (EQDS shows the same; its
// switches trim at a shallow queue). initial_bdp = 0 (one frame each) or rate_factor < 1
// avoids or drains it: with n·F below the threshold an incast is never trimmed and its queue
// stays below n·F.
// Not modelled: credit piggybacked on ACKs, the receiver's per-sender credit targets beyond equal
// round robin, credit for other receivers' traffic sharing the downlink, ECN-driven receiver
// reactions (EV changes requested by the receiver).
#pragma once

#include "core/units.hpp"

namespace rocesim::net {

struct RcccParams {
  Bytes credit_bytes{};     // per grant; 0 = one full data frame (MTU + data overhead)
  double rate_factor = 1.0; // grant rate / receiver link rate, in (0, 2]
  double initial_bdp = 1.0; // speculative credit in BDPs of the QP's path, [0, 100]; at least one frame
};

}  // namespace rocesim::net
