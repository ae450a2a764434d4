// Parameters of the packet backend: one struct per component, defaults and a one-line doc beside
// every field, read from JSON with unknown keys rejected (read_net_params) and checked by
// validate() (impossible values throw ConfigError, which the CLI turns into exit code 2).
//
// Units: sizes in bytes (JSON: "4000B", "32MiB"), times in ps (JSON: "1us"), rates in bit/s.
// Wire sizes: a data packet of p payload bytes occupies p + wire.data_overhead bytes of link time;
// the default overhead of 82 B is RoCEv2 over IPv4 (Eth 14 + IPv4 20 + UDP 8 + BTH 12 + ICRC 4 +
// FCS 4 = 62 B) plus the preamble/SFD (8 B) and inter-frame gap (12 B).
// PFC pause quanta: one quantum is 512 bit times at the pausing link's rate (802.1Qbb).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json_reader.hpp"
#include "core/units.hpp"
#include "core/wire_format.hpp"
#include "net/uet_params.hpp"

namespace rocesim::net {

// Queue classes of every egress port: MAC control (pause frames) first, then transport control
// (ACK/NAK/CNP), then the data classes; data priority p uses class kFirstDataClass + p.
inline constexpr int kMacControlClass = 0;
inline constexpr int kControlClass = 1;
inline constexpr int kFirstDataClass = 2;
inline constexpr int kMaxClasses = 8;
inline constexpr int kMaxDataClasses = kMaxClasses - kFirstDataClass;

// Plausibility ranges (validate() rejects values outside them, exit 2):
//   MTU in [256 B, 64 KiB]: 256 B is RoCE's smallest path MTU; below it the per-packet overhead
//     dominates and a run crawls through billions of packets.
//   RTO in [10 us, 10 s]: the floor is a documented bound, not computed from the fabric: a 3-tier
//     path is ≤ 6 links each way, ≤ 12 × (500 ns propagation + one 4 KB frame at 100 Gb/s, 330 ns)
//     ≈ 10 us round trip; an RTO below the round trip retransmits every packet for ever.
inline constexpr Time kMinRto = Time::from_us(10);
inline constexpr Time kMaxRto = Time::from_ms(10000);
//   nic.rx_buffer.size <= 1 GiB (a host's RX SRAM is a few MiB; beyond 1 GiB nothing pauses) and
//   drain_rate in [1 Mb/s, 100 Tb/s] (a typo in units rather than a plausible host).
inline constexpr Bytes kMaxRxBuffer{1LL << 30};
inline constexpr Rate kMinRxDrain{1000000};
inline constexpr Rate kMaxRxDrain = Rate::gbps(100000);

struct WireParams {
  Bytes mtu = kDefaultMtu;     // payload bytes per full data packet (RoCE path MTU), [256 B, 64 KiB];
                               // a transfer may hold at most 2^31-1 of them (checked before a run)
  Bytes data_overhead = kDefaultDataOverhead;  // per data packet: RoCEv2/IPv4/Eth headers + FCS + preamble + IFG
  Bytes control_bytes{86};     // wire size of an ACK/NAK/CNP (64 B min frame + AETH pad + 20 B gap)
  Bytes pause_bytes{84};       // wire size of a PFC pause frame (64 B + preamble + IFG)
};

enum class Scheduler : std::uint8_t { strict, dwrr };

struct QueueParams {
  int data_classes = 1;                    // number of data priorities (1..6); priority 0 first
  std::vector<bool> lossless{true};        // per data priority: PFC-protected (lossless) class
  Scheduler scheduler = Scheduler::strict; // between data classes (control classes are always strict)
  Bytes dwrr_quantum{9000};                // DWRR bytes credited per round per unit weight
  std::vector<int> dwrr_weights{1};        // per data priority, >= 1
};

struct MmuParams {
  // Packet buffer of every switch the topology gives no `buffer` of its own (scale_up.buffer, a
  // switch tier's buffer: topology/switch_buffer.hpp). A switch's buffer must hold Σ over its
  // ingress ports of (reserve_per_port · data classes + headroom · lossless classes) plus a least
  // shared pool (packet_net.hpp, "Switch MMU"), else PacketNet refuses it (ConfigError
  // /mmu/buffer, or at the topology key that set it).
  Bytes buffer{32LL << 20};
  Bytes reserve_per_port{8192};         // private (guaranteed) bytes per ingress port and class
  // PFC headroom per ingress port and lossless class. nullopt = JSON "auto" (default): each switch
  // ingress port gets pfc_headroom() of its link (rate, cable latency, frame sizes; equation in
  // net/pfc_headroom.hpp). A configured size applies to every port; where it is below that
  // requirement, lossless frames can be dropped, and the backend warns (PacketNet::warnings()).
  std::optional<Bytes> headroom;
  double lossy_alpha = 1.0;             // lossy egress dynamic threshold: q <= alpha * free shared
  // true (default): ACK/NAK/CNP frames at a switch take their bytes from its shared pool while
  // queued there (so they lower the free pool that dynamic PFC and lossy thresholds read) and are
  // dropped when it is full (the control class is never paused: lossy), as in a switch ASIC.
  // false: they bypass the MMU (the default before session 10). JSON "mmu.control_in_buffer",
  // written to the effective config only when false.
  bool control_in_buffer = true;
};

struct EcnParams {
  bool enabled = true;                  // RED/ECN marking of data packets at switch egress
  Bytes kmin{100000};                   // egress queue length where marking starts
  Bytes kmax{400000};                   // egress queue length where marking probability reaches 1
  double pmax = 0.2;                    // marking probability just below kmax
};

enum class PfcThreshold : std::uint8_t { fixed, dynamic };

struct PfcParams {
  bool enabled = true;                          // false: every class is lossy (tail drop)
  PfcThreshold threshold = PfcThreshold::dynamic;  // "static" XOFF/XON or "dynamic" (alpha)
  double alpha = 0.125;                         // dynamic XOFF = alpha * free shared buffer
  Bytes xoff{200000};                           // static: pause when an ingress holds > xoff shared bytes
  Bytes xon{160000};                            // static: resume when it holds <= xon
  Bytes xon_offset{8192};                       // dynamic: resume below XOFF - xon_offset
  std::int64_t quanta = 65535;                  // pause time in 512-bit-time quanta
  Time watchdog{};                              // 0 = off; else a class paused longer stops honouring pause
};

enum class CompleteOn : std::uint8_t { delivery, ack };

// What a receiving NIC does with a data packet that arrives ahead of the next expected PSN:
//   go_back_n        : discard it and NAK the expected PSN once per gap; the sender rewinds to it
//                      and resends everything from there (RoCEv2 RC as most NICs run it). Under
//                      packet spraying or adaptive routing every reordering costs a NAK and a
//                      window of retransmissions: the punishment those modes get without support.
//   reorder_tolerant : place it into memory at once (out-of-order placement, as NVIDIA CX-7 in
//                      adaptive-routing mode and UEC transports do) and mark its PSN in a per-QP
//                      bitmap of reorder_window PSNs after the expected one (allocated once per
//                      QP). ACKs stay cumulative (the expected PSN). Retransmission is requested
//                      only when a gap persists: if the expected PSN has not arrived
//                      reorder_timeout after the gap opened, a selective NAK asks for that one
//                      PSN (the sender resends just it); a packet beyond the window is discarded
//                      and answered by a go-back-N NAK of the expected PSN.
// The default is go_back_n whatever routing.load_balancing says: set nic.receiver explicitly
// (the effective config always shows the receiver used).
enum class Receiver : std::uint8_t { go_back_n, reorder_tolerant };

// nic.rx_buffer: the receive buffer of every accelerator NIC port (JSON object; absent = off, the
// default: frames go to the transport the instant they arrive, and hosts never send PFC).
// Model (packet_net.hpp, "NIC receive buffer"): a FIFO of arrived data frames drained one after
// another at drain_rate, a frame of w wire bytes (headers included) taking 8·w/drain_rate; the
// transport sees a frame when its last byte is drained (e.g. written over PCIe). Occupancy B is
// the wire bytes of the frames not yet fully drained. The NIC sends XOFF for every lossless data
// class to the port feeding it when B > xoff and XON when B <= xon (hysteresis, as a switch's
// static PFC); a frame that finds B + w > size is dropped (in a lossless class only if the headroom
// size − xoff is short).
// per_priority = true: every data class has a buffer of its own (size, xoff and xon each, as NICs
// map priorities to separate receive buffers), B is counted per class and only the class whose
// buffer crosses xoff is paused; the one drain engine serves the non-empty class buffers round
// robin, a frame at a time. false (default): one buffer per port, all classes in one FIFO.
// Ranges (validate(), exit 2): size in [2 data frames, 1 GiB]; drain_rate in [1 Mb/s, 100 Tb/s];
// xoff in [one data frame, size); xon in [0, xoff).
struct RxBufferParams {
  Bytes size{0};              // buffer bytes; 0 = off
  Rate drain_rate{};          // bit/s of frame wire bytes consumed (host/PCIe rate), required when on
  // nullopt = "auto" (default): xoff = size − pfc_headroom() of the port's link (net/pfc_headroom.hpp,
  // the switch's equation), so no lossless frame is dropped; the run refuses a size too small for it.
  std::optional<Bytes> xoff;
  std::optional<Bytes> xon;   // nullopt = "auto" (default): xoff / 2
  bool per_priority = false;  // a buffer per data class (see above); effective config shows it only when true
  bool enabled() const { return size.n > 0; }
};

struct NicParams {
  int qps_per_connection = 1;      // QPs a transfer is striped over, each with its own UDP source port
  int ack_every = 1;               // receiver ACKs every n-th in-order packet (and always the last); UET: only with uet.ack_bytes = 0
  Time rto = Time::from_ms(4);     // retransmission timeout (go-back-N from the oldest unacked PSN), [10 us, 10 s];
                                   // long: in a lossless class a timeout is usually a PFC stall
  Time cnp_interval = Time::from_us(50);  // minimum time between CNPs of one QP
  bool generate_cnp = true;        // receiver answers ECN-marked data with CNPs
  Bytes window{0};                 // per-QP in-flight limit in wire bytes (0 = none); the tighter of it
                                   // and a CC window applies (PacketNet::qp_window)
  CompleteOn complete_on = CompleteOn::delivery;  // when a transfer counts as done
  Receiver receiver = Receiver::go_back_n;  // out-of-order handling (see Receiver above)
  Time reorder_timeout = Time::from_us(100);  // reorder_tolerant: a gap older than this is NAKed
  int reorder_window = 1024;       // reorder_tolerant: PSNs tracked past the expected one (multiple of 64);
                                   // uet: also the sender's PSN window (SACK state per QP)
  Transport transport = Transport::roce;  // "roce" (RoCEv2 RC) or "uet" (Ultra Ethernet, net/uet_transport.hpp):
                                          // uet ignores `receiver` (its receiver places out of order and SACKs);
                                          // uet whenever any class runs UET (class_transport)
  // JSON nic.transport as an array, one per data priority (e.g. ["roce", "uet"]): each class's
  // transport, so a RoCE job and a UET job share the fabric with their own queues (a job picks its
  // class with its workload "traffic_class"). Empty: every class runs `transport`.
  std::vector<Transport> class_transport;
  RxBufferParams rx_buffer;        // JSON nic.rx_buffer {size, drain_rate, xoff, xon, per_priority} (see above); off by default,
                                   // written to the effective config only when on
};

struct NetParams {
  WireParams wire;
  QueueParams queues;
  MmuParams mmu;
  EcnParams ecn;
  PfcParams pfc;
  NicParams nic;
  UetParams uet;                           // read and shown only when nic.transport is "uet"
  Time stall_timeout = Time::from_ms(20);  // no byte delivered for this long while flows are active
                                           // = stalled (e.g. PFC deadlock): the run stops and reports
  std::uint64_t seed = 1;                  // master seed of the ECN marking streams

  // Whether data priority p runs UET (its QPs, and trimming at switches).
  bool uet_class(int data_priority) const {
    return nic.class_transport.empty() ? nic.transport == Transport::uet
                                       : nic.class_transport[static_cast<std::size_t>(data_priority)] == Transport::uet;
  }
  // Both transports in one run (nic.transport given per class with both names).
  bool mixed_transports() const {
    for (Transport t : nic.class_transport) {
      if (t != nic.class_transport.front()) return true;
    }
    return false;
  }
  bool lossless(int data_priority) const {
    return pfc.enabled && queues.lossless[static_cast<std::size_t>(data_priority)] &&
           (!uet_class(data_priority) || uet.lossless);
  }
};

// Throws ConfigError naming `file` and the JSON path of the first impossible value.
void validate(const NetParams& p, const std::string& file = "<net params>");

// Reads the object of `r` (all keys optional, unknown keys rejected) and validates.
NetParams read_net_params(JsonReader& r);

// Every parameter with its value (defaults filled in), in the form read_net_params() reads back.
nlohmann::json to_json(const NetParams& p);

}  // namespace rocesim::net
