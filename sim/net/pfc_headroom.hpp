// PFC headroom: the bytes a switch ingress (port, lossless class) must still accept after it has
// decided to pause its upstream, so that no frame of a lossless class is ever dropped.
//
// Units: bytes, rates in bit/s, times in ps.
// Equation, per ingress port (r = rate of the link into it, d = its one-way propagation latency,
// F = the largest data frame on the wire: MTU payload + wire.data_overhead (+ INT records),
// P = wire.pause_bytes, k = lossless data classes, whose pause frames may queue ahead of ours):
//     H = 2·⌈r·d / 8⌉ + 4·F + k·P
// Derivation, from t0 = the instant the ingress crosses XOFF (a frame has just been admitted whole):
//   ⌈r·d/8⌉  bytes already on the cable at t0;
//   F        the frame this switch is sending upstream at t0: the XOFF waits for it;
//   k·P      the XOFF frame (MAC-control frames of other classes may go first);
//   ⌈r·d/8⌉  bytes the upstream keeps sending while the XOFF crosses the cable;
//   F        the frame the upstream has begun when the XOFF arrives: it stops at the frame boundary;
//   F        the frame half received at t0 (store-and-forward: it is admitted after t0);
//   F        the frame that crossed XOFF, when it found the shared pool exhausted and went to the
//            headroom itself (switch_mmu.cpp admit()).
// The upstream's frames are contiguous at rate r, so the frames arriving after t0 span at most
// 2d + 3·ser(F) + ser(k·P) of its sending time, plus the trigger frame: the sum above.
// Sources: IEEE 802.1Qbb-2011 Annex N (PFC delay model) and the guidance built on it — Cisco,
// "Priority Flow Control: Build Reliable Layer 2 Infrastructure" (white paper c11-542809) and
// Cisco Press "I/O Consolidation in the Data Center" ch. 7 (headroom = delays of max frame,
// pause frame, interface, cable both ways and the PAUSE response); NVIDIA/Mellanox receive
// buffer guidance (MTU at each end + 2 × rate × cable delay + response time). Compared with
// that standard form 2·r·(d + d_intf) + 2·MTU + P + r·t_resp, this model has no PHY/MAC interface
// delay (d_intf = 0) and an upstream that honours a pause at its next frame boundary (t_resp = 0
// beyond the frame in flight, which is one of the F), and it admits frames whole (the third and
// fourth F). Hardware adds its PAUSE reaction bound (IEEE 802.3 Annex 31B: 905 pause quanta =
// 463,360 bit times at 400 Gb/s, i.e. 57,920 B) and interface delays; to study a switch sized for
// those, set mmu.headroom explicitly.
// Example: 400 Gb/s, d = 1 µs, MTU 4000 + 82 B, one lossless class, 84 B pause frame:
//     2·50,000 + 4·4,082 + 84 = 116,412 B (the former fixed 64 KiB default held barely half).
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "core/units.hpp"

namespace rocesim::net {

// H above. REQUIRES: frame_bytes > 0, lossless_classes >= 0.
Bytes pfc_headroom(Rate rate, Time latency, Bytes frame_bytes, Bytes pause_bytes, int lossless_classes);

}  // namespace rocesim::net
