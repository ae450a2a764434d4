// Parameters of the Ultra Ethernet transport (UET) of the packet backend: `nic.transport` picks
// the transport, the `uet` object tunes it. Read strictly (unknown keys are errors), range-checked
// by validate_uet() with the ranges stated beside each field.
//
// What the keys mean (mechanisms in net/uet_transport.hpp, references there):
//   load_balancing : "reps" (recycle the entropy value (EV) of every acknowledged packet that was
//                    not CE-marked; REPS, Bonato et al., arXiv:2407.21625) or "spray" (a fresh
//                    pseudo-random EV per packet: oblivious spraying, UEC 1.0 §3.5 packet
//                    delivery with per-packet entropy). Switches hash (QP, EV) per hop.
//   entropies      : size of the EV space a sender draws from (the UDP source-port entropy of a
//                    UET packet is 16 bits; fewer values model a NIC with a small EV table).
//   reps_buffer    : REPS recycled-EV FIFO depth per QP (the paper's circular buffer).
//   trimming       : switches cut a data packet that would exceed trim_threshold (or would be
//                    dropped) to a header of trimmed_bytes and forward it in the control class
//                    (UEC 1.0 packet trimming); false: such packets are dropped (tail drop).
//   trim_threshold : egress queue (data class, wire bytes) above which arriving data is trimmed.
//   trimmed_bytes  : wire size of a trimmed header, preamble and gap included.
//   no_trim        : switch names whose MMU does not trim (per-switch option; they tail-drop).
//   lossless       : false (default): PFC is off for every data class while UET runs (lossy
//                    fabric, UEC's default); true: the classes keep queues.lossless.
//   loss_threshold : a sent, unacknowledged PSN is presumed lost (resent once, without a timer)
//                    when a PSN at least this many higher has been acknowledged (SACK).
//   ack_bytes      : ACK coalescing by bytes (UEC's ack_gen_trigger; its public defaults are
//                    16 KiB: the Linux "ultraeth" uapi UET_DEFAULT_ACK_GEN_TRIGGER and the
//                    consortium htsim's _bytes_unacked_threshold): the receiver acknowledges
//                    once this much payload arrived since its last ACK, and at once for the
//                    QP's first packet, a CE-marked packet, a duplicate, the last PSN, a packet
//                    with the AR flag, and every arrival while an ACK request is owed. A
//                    blocked sender whose request died or does not cover its newest PSN sends
//                    an ACK_REQ control packet (rules in net/uet_transport.hpp). 0: an ACK
//                    every nic.ack_every packets (no AR, no ACK_REQ). Default 16 KiB since
//                    session 11, when REPS began to recycle the EV of every PSN an ACK covers
//                    (net/uet_transport.hpp): before, coalescing starved REPS of recycled EVs
//                    and the study's 1:1 NSCC permutation ended at 219 us against 184 us per
//                    packet; now 181 us (seeds 1-5: 180.3 us mean against 185.3 us).
// Defaults: trim_threshold = 400 kB equals ecn.kmax (marking is at 100 % before trimming starts);
// trimmed_bytes = 86 B is the control frame size (64 B minimum frame + preamble/IFG + pad).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json_reader.hpp"
#include "core/units.hpp"

namespace rocesim::net {

enum class Transport : std::uint8_t { roce, uet };
enum class UetSpray : std::uint8_t { reps, oblivious };

struct UetParams {
  UetSpray load_balancing = UetSpray::reps;  // "reps" | "spray"
  int entropies = 65536;                     // EV space, [2, 65536]
  int reps_buffer = 8;                       // recycled EVs kept per QP, [1, 1024]
  bool trimming = true;                      // switches trim instead of dropping
  Bytes trim_threshold{400000};              // [one data frame, mmu.buffer]
  Bytes trimmed_bytes{86};                   // [64 B, one data frame)
  std::vector<std::string> no_trim;          // switches without trimming, by name
  bool lossless = false;                     // keep PFC on the data classes
  int loss_threshold = 64;                   // PSNs, [1, nic.reorder_window)
  Bytes ack_bytes{16384};                    // ACK coalescing, [0, 1 MiB]; 0 = nic.ack_every
};

// Reads the `uet` object (all keys optional). Ranges that depend on other parameters are checked
// by validate_uet().
UetParams read_uet_params(JsonReader& r);

// Throws ConfigError(file, "/uet/...") for a value outside its range. `data_frame` is MTU plus
// data overhead, `buffer` the switch buffer, `window` nic.reorder_window.
void validate_uet(const UetParams& u, Bytes data_frame, Bytes buffer, int window, const std::string& file);

nlohmann::json to_json(const UetParams& u);

}  // namespace rocesim::net
