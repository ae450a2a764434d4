// PacketNet: the packet-level RoCEv2 backend (TransferBackend) over a Fabric and a Router.
//
// Model and units (time in integer ps, sizes in bytes, rates in bit/s):
//   Link      : a frame of w wire bytes on a port of rate R occupies it for ser = ceil(8·w·1e12/R) ps
//               and arrives at the peer ser + latency after it started. Each egress port has at
//               most one pending "transmit done" event, scheduled only while frames wait behind
//               the one on the wire (an idle port starts the next frame on enqueue). Frames in
//               flight on a link form a FIFO; only its head has a pending arrival event.
//   Data frame: w = payload + wire.data_overhead; payload = MTU except the QP's last packet.
//   Egress    : queue classes MAC-control > control (ACK/NAK/CNP) > data (strict or DWRR).
//   Switch MMU: per switch a shared pool S = buffer − Σ(reserve + headroom) over ingress
//               (port, lossless class), headroom per port by default sized to be lossless from
//               the link's rate, cable latency and frame sizes (net/pfc_headroom.hpp). buffer =
//               the topology's for that switch (Fabric::switch_buffer, e.g. scale_up.buffer) if
//               it gives one, else mmu.buffer.
//               S must be >= ceil(F/alpha) (dynamic PFC with a lossless class: an ingress holds a
//               whole frame F before XOFF) or >= F (otherwise), else construction throws
//               ConfigError at /mmu/buffer (or at the topology key, e.g. /scale_up/buffer, in the
//               topology file, when that switch's buffer came from it) naming the switch and the
//               least buffer: the set-aside
//               grows with the switch's capacity times cable delay, Σ 2·r·d, e.g. 72 × 14.4 Tb/s
//               over 250 ns is 66.6 MB (an S clamped to 0 dropped every ACK it forwarded);
//               an arriving frame uses its ingress reserve, else the shared
//               pool, else (lossless, paused) headroom, else it is dropped. Lossy frames also need
//               egress q + w <= lossy_alpha·(S − shared used) (dynamic threshold tail drop).
//   PFC       : ingress (port, class) sends XOFF when its shared+headroom bytes exceed XOFF
//               (static) or alpha·(S − shared used) (dynamic), XON when back below XON
//               (static) or that threshold − xon_offset, and its headroom (drained first) is
//               empty, so every XOFF has the whole headroom for the bytes still in flight. A pause of q quanta stops the upstream
//               egress class for q·512 bit times; XOFF is refreshed every half pause while needed.
//   ECN (RED) : at enqueue, with egress class queue q: P(mark) = 0 below Kmin,
//               Pmax·(q−Kmin)/(Kmax−Kmin) up to Kmax, 1 above.
//   NIC       : each QP is a RoCE sender/receiver; a host port pulls its next data packet from
//               a round-robin ring of ready QPs (O(1) per packet, not O(#QPs)); a QP paced at
//               rate r < line sends its next packet w·8/r after its last one (w its wire bytes)
//               and waits in a timer meanwhile. Receivers ACK every ack_every in-order packets
//               and the last one and send a CNP for CE-marked data at most once per
//               cnp_interval per QP. Out-of-order data (net_params.hpp, Receiver): go_back_n
//               discards it and NAKs the expected PSN once per gap (default); reorder_tolerant
//               places it, ACKs cumulatively and sends a selective NAK for a gap older than
//               reorder_timeout (reorder_receiver.cpp).
//   Routing   : routing.load_balancing (load_balancing.hpp): ecmp follows the QP's precomputed
//               route; spray / flowlet / adaptive choose each data packet's egress at each switch.
//               A route relayed through an accelerator of a scale-up domain (rail-only
//               cross-rail traffic, routing/router.hpp) is forwarded by that accelerator's NIC
//               port: frames queue there in host memory (no MMU, no PFC), ahead of the
//               packets its own QPs of that class have yet to send.
//   Link change (timed failures, on_links_changed, link_change.cpp), at the change instant t
//   with the Router already updated:
//     down     : both directions lose every frame on the wire and every frame queued at both
//                egress ports (a link-down flushes the MAC), data, control and pause alike; a
//                frame later forwarded to a down port (one already on an old route) is lost at
//                enqueue. Each loss counts in NetCounters::link_down_drops and drops and in the
//                port's drops (never in lossless_drops, which means PFC headroom overflow);
//                lost switch frames release their MMU bytes. PFC state across the
//                link resets: both ports' pauses end at t and both ingresses stop holding XOFF
//                (no XON can cross, so none is owed). Go-back-N (NAK on a gap, else RTO) resends.
//     up / rate: rate R' from t on: the frame on the wire finishes at its old rate, frames
//                starting after t take ceil(8·w·1e12/R') ps; a degraded link keeps its queues.
//     routes   : reconverge at t: every QP not yet fully acknowledged takes the Router's new
//                forward and reverse routes (its first-hop NIC port too, on multi-ported NICs);
//                later QPs route afresh; pinned paths stay, and so does the route of a pair
//                left without any path (its frames are lost until a change reconnects it).
//                Per-hop modes read the new candidates at each switch. Frames already past
//                the source keep their route.
//   NIC receive buffer (nic.rx_buffer, off by default; nic_rx.cpp): data frames reaching their
//               destination accelerator over link l queue in a FIFO per l and are drained one at a
//               time, a frame of w wire bytes in 8·w/D (D = drain_rate); the transport sees it when
//               drained. B = wire bytes queued (the frame draining included). B > xoff after an
//               arrival: the NIC sends XOFF for every lossless data class out of its port on l
//               (MAC-control class, refreshed every half pause like a switch's); B <= xon after a
//               drain: XON. Default xoff = size − pfc_headroom(l) (the switch's equation), xon =
//               xoff/2. A frame that finds B + w > size is dropped (NetCounters::nic_rx_drops).
//               Steady state, arrivals at line rate R > D: the link carries D on average, so the
//               feeding port is paused a fraction 1 − D/R of the time. per_priority: a FIFO, B and
//               XOFF/XON per data class (only that class pauses); the drain serves the non-empty
//               FIFOs round robin by frame, starting after the class it served last.
// Control frames (ACK/NAK/CNP) follow the reverse path's per-flow ECMP route in every mode and
// are never paused. With mmu.control_in_buffer (default; false: they bypass the MMU and are never
// dropped except by a link going down) a switch admits one into its shared pool only if
// shared_used + w <= shared size (else it is dropped: NetCounters::control_drops, and the sender
// recovers by its RTO or a later cumulative ACK) and frees it when the frame leaves, so queued
// control frames count in buffered_bytes() and lower the dynamic PFC/lossy thresholds. Stall detection: if no payload is delivered or acknowledged for stall_timeout while
// QPs are active, the run stops and stall() lists the egress ports paused at that moment.
// Pause expiry and XOFF refresh use one timer per port / ingress (a later deadline is re-checked
// when the earlier firing comes), so pauses neither fill the event queue with stale records nor
// advance the clock after the last transfer; the stall check is cancelled when no QP is active.
// Determinism: all order comes from the event queue's (time, seq); ECN draws use per-switch
// streams derive_seed(seed, "ecn", node).
// Thread safety: none; one PacketNet per Simulator.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/rng.hpp"
#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "net/cc_strategy.hpp"
#include "net/load_balancing.hpp"
#include "net/net_counters.hpp"
#include "net/net_params.hpp"
#include "net/packet.hpp"
#include "net/rccc.hpp"
#include "net/uet_transport.hpp"
#include "routing/router.hpp"

namespace rocesim::net {

using topology::PortId;

class PacketNet final : public TransferBackend, public EventHandler, public CcHost {
 public:
  // REQUIRES: sim, fabric and router outlive this object. `cc` null means NoCc.
  // Throws ConfigError if `params` fail validate().
  PacketNet(Simulator& sim, const topology::Fabric& fabric, const routing::Router& router, NetParams params,
            std::unique_ptr<CcStrategy> cc = nullptr);
  ~PacketNet() override;
  PacketNet(const PacketNet&) = delete;
  PacketNet& operator=(const PacketNet&) = delete;

  std::string_view name() const override { return "packet"; }
  void set_sink(TransferSink* sink) override { sink_ = sink; }
  void start(const TransferRequest& request) override;

  // Source routing: QP number `qp` of src→dst takes exactly `ports` (first: the source's port,
  // last: the port into dst) instead of the router's ECMP choice. Used to build cyclic buffer
  // dependencies and other paths up-down routing never produces. REQUIRES: before that QP starts.
  // Throws ConfigError if the ports do not form a path from src to dst.
  void pin_path(std::uint32_t src, std::uint32_t dst, std::uint32_t qp, std::vector<PortId> ports);

  const NetParams& params() const { return params_; }
  const NetCounters& counters() const { return counters_; }
  // Counters of egress port p (tx and max-queue fields live with the port's hot state).
  PortCounters port_counters(PortId p) const;
  std::vector<PortCounters> all_port_counters() const;
  std::span<const QpRecord> qps() const { return records_; }
  std::size_t transfer_count() const { return transfers_.size(); }
  std::size_t active_qps() const { return active_qps_; }
  std::size_t packets_in_use() const { return pool_.in_use(); }
  std::size_t packet_capacity() const { return pool_.capacity(); }
  // Bytes currently buffered in switches (data frames admitted and not yet transmitted).
  std::int64_t buffered_bytes() const;
  // The shared pool S of switch n ("Switch MMU" above), fixed at construction.
  std::int64_t shared_pool(topology::NodeId n) const { return switches_[n].shared_size; }
  // Wire bytes queued at egress port p right now, all classes (time-series sampling).
  std::int64_t queue_bytes(PortId p) const;
  // Wire bytes port p has put on the wire by now() (sim/net/port_telemetry.cpp): the counters
  // count a frame when its serialization starts, so the unsent tail of the frame in progress is
  // taken off; bytes over any interval then stay within rate · interval.
  double serialized_bytes(PortId p) const;
  // Time port p's data classes have been paused by PFC up to now(), pauses in progress included
  // (summed over classes, as PortCounters::paused_time).
  Time paused_time_now(PortId p) const;
  // Every pause of a data class up to now() (those in progress end at now()), in the order they
  // closed, then the open ones: what per-window pause times (a report's
  // critical links) are summed from. The log keeps at most kMaxPauseSpans closed pauses
  // (24 B each); pause_spans_complete() is false once it dropped any.
  std::vector<PauseSpan> pause_spans_now() const;
  bool pause_spans_complete() const { return !pause_log_full_; }
  static constexpr std::size_t kMaxPauseSpans = std::size_t{1} << 22;
  // Every port that has queued, sent or been paused by now, in first-touch order: the others
  // read 0 in serialized_bytes, queue_bytes and paused_time_now, so a sampler on a large fabric
  // reads only these (a few per flow) instead of every port.
  std::span<const PortId> touched_ports() const { return touched_ports_; }
  const StallReport& stall() const { return stall_; }
  // A readable account of the stall: time, active QPs and each paused port as "node a -> node b".
  std::string stall_message() const;
  std::string stall_report() const override { return stall_.stalled ? stall_message() : std::string(); }
  std::span<const std::string> warnings() const override { return warnings_; }
  // The PFC headroom of the frames `port` (a switch port) receives in `data_class`:
  // MmuParams::headroom, or pfc_headroom() of the port's link when that is "auto"; 0 when lossy.
  std::int64_t headroom(PortId port, int data_class) const {
    return ingress_[static_cast<std::size_t>(fabric_.port(port).peer_port) * static_cast<std::size_t>(data_classes_) +
                    static_cast<std::size_t>(data_class)].headroom;
  }
  // Timed failures: see "Link change" above. REQUIRES: the Router was updated first.
  bool models_link_changes() const override { return true; }
  // Packet sequence numbers per transfer are int32: at most 2^31-1 packets of one MTU.
  std::int64_t max_transfer_bytes() const override { return std::int64_t{INT32_MAX} * mtu_; }
  std::string max_transfer_reason() const override {
    return "the packet tier numbers a transfer's packets in 31 bits: at most 2^31-1 packets of wire.mtu = " +
           std::to_string(mtu_) + " B";
  }
  void on_links_changed(std::span<const std::uint32_t> links) override;
  // FCT of the transfer alone on the idle fabric (ideal_fct.cpp): along the route its first QP
  // took (or would take), with n packets of W wire bytes in all, the first of F bytes, hops h of
  // rate R_h and latency L_h, store-and-forward:
  //   ideal = Σ_h (L_h + ser(F, R_h)) + ser(W − F, min_h R_h)   [+ the ACK's way back, complete_on=ack]
  // exact for equal packets (a tandem of servers: the last of n leaves after Σ_h s_h + (n−1)·max_h s_h),
  // within one frame time of the slowest hop when the last packet is shorter. No CC pacing, no
  // INT bytes (the HPCC authors' "standalone FCT" also leaves INT out).
  Time ideal_fct(const TransferRequest& request) const override;
  // The egress ports QP `qp` uses, source first.
  std::span<const PortId> route_of(std::uint32_t qp) const;

  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override;
  // The QP's next packet becomes due w·8/rate after its last one at the current rate (earlier or
  // later than before), and a wider window may let it send.
  void cc_changed(std::uint32_t qp) override;
  CcControl& control(std::uint32_t qp) override { return qp_[qp].cc; }

 private:
  enum Kind : std::uint32_t { kTxDone, kArrive, kPauseEnd, kRto, kPace, kPfcRefresh, kStallCheck, kReorder, kCredit, kNicDrain };

  // Hot scalars first (one cache line per event on the common path), per-class arrays after.
  struct PortState {
    Time busy_until{};       // end of the frame being serialized
    Time latency{};
    Time ser_mtu{};          // serialization of a full data frame
    Time ser_control{};      // serialization of an ACK/NAK/CNP
    std::uint32_t fly_head = kNoPacket;  // frames on the wire, in arrival order; only the head
    std::uint32_t fly_tail = kNoPacket;  // has a kArrive event (htsim's economy: the event queue
                                         // holds active links, not packets)
    std::uint32_t peer = 0;  // peer node
    std::uint32_t fly_gen = 0;  // bumped when the link goes down: kArrive events of older
                                // generations name frames already lost (the arg carries it)
    bool txdone_pending = false;  // a kTxDone event is scheduled (at most one per port)
    bool down = false;       // the link is down: nothing is sent, frames routed here are lost
    bool host = false;       // egress of an accelerator (NIC port): data is pulled from QPs
    bool peer_host = false;  // the peer is an accelerator
    std::uint8_t qmask = 0;          // classes with frames queued
    std::uint8_t paused_mask = 0;    // classes paused (bit clear ⇒ paused_until <= now)
    std::uint8_t watchdog_off = 0;   // classes that ignore pause (PFC watchdog tripped)
    std::uint8_t dwrr_cursor = 0;
    bool dwrr_credited = false;      // the class under the cursor got this visit's quantum
    bool touched = false;            // listed in touched_ports_ (queued, sent or was paused)
    TimerId pause_end{};             // earliest pause expiry (made on first pause; cancelled
                                     // when no class is paused, so it never outlives the run)
    Rate rate{};
    std::uint64_t tx_bytes = 0;  // wire bytes sent so far (counters, telemetry)
    std::uint64_t tx_packets = 0;
    std::int64_t max_qbytes = 0;  // peak data bytes queued in one class
    std::array<std::uint32_t, kMaxClasses> head;  // intrusive FIFOs per class
    std::array<std::uint32_t, kMaxClasses> tail;
    std::array<std::int64_t, kMaxClasses> qbytes{};  // wire bytes queued per class
    std::array<std::uint32_t, kMaxDataClasses> ready_head;  // hosts: ready QPs per data class
    std::array<std::uint32_t, kMaxDataClasses> ready_tail;
    std::array<Time, kMaxClasses> paused_until{};
    std::array<Time, kMaxClasses> pause_began{};
    std::array<std::int64_t, kMaxClasses> deficit{};  // DWRR, data classes
  };

  struct IngressState {  // per (upstream port, data class) at a switch
    std::int64_t reserve_used = 0;
    std::int64_t shared_used = 0;
    std::int64_t headroom_used = 0;
    std::int64_t headroom = 0;     // limit of headroom_used (PacketNet::headroom())
    bool paused_upstream = false;
    TimerId refresh{};             // XOFF refresh (made on first pause; cancelled by XON)
    Time refresh_due{};            // when the XOFF must be re-sent if still congested
  };

  struct NicRx {  // nic.rx_buffer, per link into an accelerator (index: the port feeding it)
    // Buffer b: FIFO through Packet::next. b = 0 only, or b = data class with per_priority.
    std::array<std::uint32_t, kMaxDataClasses> head;
    std::array<std::uint32_t, kMaxDataClasses> tail;
    std::array<std::int64_t, kMaxDataClasses> bytes{};  // B per buffer: wire bytes queued
    std::int64_t xoff = 0, xon = 0;  // resolved thresholds of this link (each buffer's)
    int draining = -1;               // the buffer whose head is draining, -1 = drain idle
    TimerId drain{};                 // the head's drain end (made on first use)
    NicRx() {
      head.fill(kNoPacket);
      tail.fill(kNoPacket);
    }
  };

  struct SwitchState {
    std::int64_t shared_size = 0;
    std::int64_t shared_used = 0;   // data (through ingress accounting) and, with mmu.control_in_buffer, control
    std::int64_t control_used = 0;  // the control frames' part of shared_used
  };

  struct Qp {
    // sender
    std::uint32_t port = 0;       // first-hop egress port
    std::uint32_t route_fwd = 0;
    std::uint32_t route_rev = 0;
    std::uint32_t qp_number = 0;  // flow label · qps_per_connection + index: the ECMP entropy
    std::uint32_t total_pkts = 0;
    std::uint32_t snd_nxt = 0;    // next PSN to send
    std::uint32_t snd_una = 0;    // oldest unacknowledged PSN
    std::uint32_t max_sent = 0;   // one past the highest PSN ever sent
    std::uint32_t ready_next = UINT32_MAX;
    std::uint32_t rtx_psn = 0;    // PSN a selective NAK asked for (when rtx_pending)
    std::uint32_t last_wire = 0;  // wire bytes of the last data packet sent (0: none yet)
    std::uint32_t flowlet = 0;    // flowlet number (flowlet mode)
    std::uint8_t prio = 0;
    Steer steer = Steer::route;   // how switches forward this QP's data packets
    bool in_ready = false;
    bool rtx_pending = false;
    bool sender_done = false;
    bool receiver_done = false;
    bool nak_sent = false;
    bool uet = false;             // the QP's class runs UET (NetParams::uet_class), else RoCE
    std::uint32_t rcv_next = 0;   // receiver: next expected PSN
    std::uint32_t rcv_high = 0;   // receiver (reorder_tolerant): one past the highest PSN placed
    std::uint32_t unacked = 0;    // receiver: in-order packets since the last ACK
    Time next_allowed{};          // pacing
    Time last_sent{};             // when the last data packet was sent (pacing, flowlets)
    Time last_progress{};
    Time last_cnp = Time::max();
    Time gap_since{};             // receiver (reorder_tolerant): when the current gap at rcv_next opened
    TimerId rto{};
    TimerId pace{};
    TimerId reorder{};            // receiver (reorder_tolerant): gap timer, made at the first gap
    CcControl cc;
  };

  struct Transfer {
    std::uint64_t tag = 0;
    std::uint32_t remaining_qps = 0;
  };

  // packet_net.cpp: ports and links
  void try_transmit(PortId port);
  std::uint32_t select_packet(PortId port);
  bool has_work(const PortState& ps) const;
  std::uint32_t take_from_class(PortId port, int cls);
  bool class_eligible(const PortState& ps, int cls) const;
  void enqueue(PortId port, std::uint32_t pkt);
  void on_arrive(std::uint32_t pkt);
  void on_pause_frame(std::uint32_t pkt);
  void settle_pauses(PortId port);
  void close_pause(PortId port, std::size_t c, Time end);
  // visit(begin, until) for each data class of port p paused now, up to min(now, its expiry): a
  // class whose pause expired but was not settled yet counts up to its expiry (paused_time_now,
  // pause_spans_now).
  template <class Visit>
  void for_each_open_pause(PortId p, Visit&& visit) const {
    const PortState& ps = ports_[p];
    if (ps.paused_mask == 0) return;
    const Time now = sim_.now();
    for (int c = kFirstDataClass; c < kFirstDataClass + data_classes_; ++c) {
      const auto ci = static_cast<std::size_t>(c);
      if (!(ps.paused_mask >> c & 1)) continue;
      const Time until = std::min(now, ps.paused_until[ci]);
      if (until > ps.pause_began[ci]) visit(ps.pause_began[ci], until);
    }
  }
  Time serialization(const PortState& ps, std::uint32_t wire) const;
  // nic_rx.cpp: NIC receive buffer (nic.rx_buffer)
  void init_nic_rx();                      // constructor part; throws ConfigError when size is too small
  void nic_rx_arrive(std::uint32_t pkt);   // a data frame reached its destination NIC
  void nic_rx_drained(PortId from);        // the head frame of link `from`'s buffer is drained
  void nic_rx_start_drain(PortId from, int after);  // the next non-empty buffer after `after` starts draining
  // switch_mmu.cpp: buffer admission, PFC, ECN
  void on_switch_data(std::uint32_t pkt, topology::NodeId node);
  bool admit(topology::NodeId node, std::uint32_t ingress, std::int64_t n, int prio, PortId out);
  void release(topology::NodeId node, std::uint32_t ingress, std::int64_t n, int prio);
  void send_pause(std::uint32_t ingress, bool xoff);
  // mmu.control_in_buffer: a control-class frame leaves switch port `port`: its bytes return to
  // the pool. Every control frame a switch forwards was admitted (ACK/NAK/CNP, UET's SACK/NACK,
  // RCCC credits) except trimmed headers, which hold no MMU bytes (uet_transport.cpp, trim).
  void release_control(PortId port, const Packet& p) {
    if (p.type == PacketType::trimmed) return;
    SwitchState& sw = switches_[fabric_.port(port).node];
    sw.shared_used -= p.wire;
    sw.control_used -= p.wire;
  }
  std::int64_t dynamic_threshold(const SwitchState& sw) const;
  bool ecn_mark(topology::NodeId node, std::int64_t q);
  // transport.cpp: NIC, QPs, go-back-N
  std::uint32_t pull_data(PortId port, int prio);
  void make_ready(std::uint32_t qp);
  bool sendable(const Qp& q) const;
  // In-flight cap in wire bytes (0: none): the tighter of the CC's window and nic.window.
  std::int64_t qp_window(const Qp& q) const {
    const std::int64_t cc = q.cc.window.n, nic = params_.nic.window.n;
    return cc == 0 ? nic : (nic == 0 ? cc : std::min(cc, nic));
  }
  std::uint32_t payload_of(std::uint32_t qp, std::uint32_t psn) const;
  std::int64_t bytes_before(std::uint32_t qp, std::uint32_t psn) const;
  void on_host_arrival(std::uint32_t pkt);
  void on_data_at_receiver(std::uint32_t pkt);
  void accept_payload(std::uint32_t qp, std::uint32_t payload);
  void finish_receive(std::uint32_t qp);  // may call the sink
  // The receiver's next expected PSN moved forward by `advanced` packets (pkt delivered them):
  // ACK per ack_every (and on the last packet), release pkt, finish the QP when complete.
  void after_in_order(std::uint32_t qp, std::uint32_t pkt, std::uint32_t advanced);  // may call the sink
  // reorder_receiver.cpp: out-of-order placement, bitmap, gap timer
  void on_data_reorder_tolerant(std::uint32_t pkt);
  void on_reorder_timer(std::uint32_t qp);
  bool placed(std::uint32_t qp, std::uint32_t psn) const;
  void mark_placed(std::uint32_t qp, std::uint32_t psn, bool on);
  // load_balancing.hpp: per-hop egress of a data packet at a switch (kNone: no way on)
  PortId data_egress(std::uint32_t pkt, topology::NodeId node);
  Steer steer_for(std::uint32_t route, bool uet) const;
  void on_ack_at_sender(std::uint32_t pkt);
  void sender_finished(std::uint32_t qp);  // last byte acknowledged; may call the sink
  // uet_transport.cpp: UET sender (SACK, NACK, REPS), receiver and trimming helpers
  bool uet_sendable(std::uint32_t qp) const;
  std::uint32_t uet_take_psn(std::uint32_t qp);  // the PSN to send now (a resend first)
  std::uint32_t uet_entropy(std::uint32_t qp);
  void uet_sent(std::uint32_t qp, Packet& p);  // after the send: in flight, credit, AR flag
  void uet_request_ack(std::uint32_t qp);      // blocked sender without a live request: ACK_REQ
  void on_uet_ack_request(std::uint32_t pkt);
  void uet_cc_applied(std::uint32_t qp, std::uint64_t rate_before);  // re-pace on a rate change
  void on_uet_data(std::uint32_t pkt);
  void on_uet_trimmed(std::uint32_t pkt);
  void send_uet_ack(std::uint32_t qp, std::uint32_t psn, const Packet& trigger);
  void on_uet_ack(std::uint32_t pkt);
  void on_uet_nack(std::uint32_t pkt);
  void on_uet_rto(std::uint32_t qp);
  void uet_acked(std::uint32_t qp, std::uint32_t psn, Bytes& newly, std::uint32_t ce_ev);  // PSN s acknowledged (first time or not)
  void reps_recycle(std::uint32_t qp, std::uint32_t ev);
  // REPS: the EV PSN psn was last sent with (slot psn mod min(total PSNs, W): PSNs in flight differ mod it).
  std::uint16_t& sent_ev(std::uint32_t qp, std::uint32_t psn) {
    const std::uint32_t slots = std::clamp(qp_[qp].total_pkts, 1u, rcv_words_ * 64);
    return snd_ev_[uet_qp_[qp].ev_at + psn % slots];
  }
  void uet_mark_lost(std::uint32_t qp, std::uint32_t psn);
  bool uet_bit(const std::vector<std::uint64_t>& bits, std::uint32_t qp, std::uint32_t psn) const;
  void uet_set(std::vector<std::uint64_t>& bits, std::uint32_t qp, std::uint32_t psn, bool on);
  std::uint64_t sack_bitmap(std::uint32_t qp, std::uint32_t base) const;
  bool trims_at(topology::NodeId node, int prio) const {
    return uet_ && params_.uet.trimming && !no_trim_[node] && params_.uet_class(prio);
  }
  void trim(std::uint32_t pkt, PortId out);
  void init_uet();  // constructor part: uet.no_trim names resolved
  // rccc.cpp: receiver credits (net/rccc.hpp)
  void rccc_start(std::uint32_t qp, Time base_rtt);     // sender's initial credit, receiver's debt
  void rccc_arrival(std::uint32_t qp, std::uint32_t psn);  // receiver: a packet of qp arrived (data or header)
  void rccc_owe(std::uint32_t qp, std::int64_t wire);   // receiver owes qp more credit
  void rccc_queue(std::uint32_t qp);                    // into its receiver's round robin, pacer on
  void rccc_tick(std::uint32_t host);                   // one grant, next tick
  void on_rccc_credit(std::uint32_t pkt);
  void rccc_regrant();                                  // link change: every cumulative grant again
  void send_credit(std::uint32_t qp);
  std::int64_t rccc_ack_credit(std::uint32_t qp);       // receiver: the grant an ACK of qp carries
  void stamp_ack_credit(std::uint32_t pkt, std::uint32_t qp);  // ack_credit_[pkt] = rccc_ack_credit(qp)
  void rccc_credit_seen(std::uint32_t qp, std::int64_t cumulative);  // sender: a grant arrived
  bool rccc_allows(const UetSender& u, std::int64_t wire) const { return rccc_ == nullptr || u.credit >= wire; }
  void forward_trimmed(std::uint32_t pkt, topology::NodeId node);
  void send_control(std::uint32_t qp, PacketType type, std::uint32_t psn, const Packet* trigger);
  // A control frame of `qp` filled but not yet sent (callers may add fields), and its sending.
  std::uint32_t make_control(std::uint32_t qp, PacketType type, std::uint32_t psn, const Packet* trigger);
  void send_reverse(std::uint32_t pkt);
  void on_rto(std::uint32_t qp);
  void qp_finished(std::uint32_t qp);  // may call the sink: callers must not touch state after
  void on_stall_check();
  std::uint32_t route_for(std::uint32_t src, std::uint32_t dst, std::uint32_t qp_number);
  static std::uint64_t route_key(std::uint32_t src, std::uint32_t dst, std::uint32_t qp_number);
  // link_change.cpp: timed failures
  void lose(PortId port, std::uint32_t pkt);  // a frame lost to port's link going down
  // Lists the port in touched_ports_ the first time it queues, sends or is paused (one branch
  // on the hot path; the push happens once per port per run).
  void touch(PortId port, PortState& ps) {
    if (ps.touched) return;
    ps.touched = true;
    touched_ports_.push_back(port);
  }
  void take_down(PortId port);
  void set_port_rate(PortId port, Rate rate);
  void reroute_active_qps();
  std::uint32_t reroute(std::uint32_t src, std::uint32_t dst, std::uint32_t qp_number, std::uint32_t old);

  Simulator& sim_;
  const topology::Fabric& fabric_;
  const routing::Router& router_;
  NetParams params_;
  std::unique_ptr<CcStrategy> cc_;
  TransferSink* sink_ = nullptr;
  PacketPool pool_;
  int data_classes_;
  std::uint32_t mtu_;
  std::uint32_t data_wire_mtu_;
  std::uint32_t telemetry_bytes_;  // per hop, when the CC strategy wants telemetry

  std::vector<PortState> ports_;
  std::vector<PortId> touched_ports_;  // see touched_ports(); each port once, on first touch
  std::vector<PortCounters> port_counters_;
  std::vector<PauseSpan> pause_log_;  // closed pauses (pause_spans_now)
  bool pause_log_full_ = false;
  std::vector<IngressState> ingress_;  // index: upstream port * data_classes + prio
  std::vector<SwitchState> switches_;  // index: node id (accelerators unused)
  std::vector<NicRx> nic_rx_;          // index: port feeding an accelerator; empty when nic.rx_buffer is off
  std::vector<Rng> ecn_rng_;           // index: node id
  LoadBalancer lb_;
  std::vector<std::uint64_t> rcv_bits_;  // reorder_tolerant: per QP, reorder_window bits (PSN mod window)
  std::uint32_t rcv_words_ = 0;          // 64-bit words per QP in rcv_bits_
  // UET (nic.transport = uet; all empty otherwise)
  bool uet_ = false;                           // some class runs UET (per QP: Qp::uet)
  std::vector<UetSender> uet_qp_;              // per QP
  std::vector<std::uint64_t> snd_acked_;       // per QP, rcv_words_ words: PSN acknowledged
  std::vector<std::uint64_t> snd_lost_;        // per QP, rcv_words_ words: PSN marked for resend
  std::vector<std::uint32_t> reps_ring_;       // per QP, uet.reps_buffer recycled EVs
  std::vector<std::uint16_t> snd_ev_;          // REPS: per QP from UetSender::ev_at, min(PSNs, W) EVs
  std::vector<std::uint64_t> sack_;            // per packet slot: the SACK bitmap an ACK carries
  std::vector<std::int64_t> ack_credit_;       // per packet slot: RCCC cumulative grant an ACK carries
  std::vector<bool> no_trim_;                  // per node: uet.no_trim
  // RCCC (the CC strategy's receiver_credit(); null and empty otherwise)
  struct CreditPacer {                         // per destination accelerator
    std::uint32_t head = UINT32_MAX;           // round robin of the QPs it owes credit
    std::uint32_t tail = UINT32_MAX;
    PortId downlink = 0;                       // the link whose rate paces the grants
    TimerId tick{};
    bool ticking = false;
  };
  const RcccParams* rccc_ = nullptr;
  std::int64_t credit_unit_ = 0;               // bytes per grant
  std::vector<CreditPacer> pacers_;

  std::vector<PortId> route_ports_;    // flat route table
  std::vector<std::uint32_t> route_begin_;  // route r = [route_begin_[r], route_begin_[r+1])
  std::unordered_map<std::uint64_t, std::uint32_t> route_cache_;  // lookup only, never iterated
  std::map<std::uint64_t, std::vector<PortId>> pinned_;
  std::vector<PortId> route_scratch_;  // reroute(): the Router's new path before it is stored

  std::vector<Qp> qp_;
  std::vector<QpRecord> records_;
  std::vector<Transfer> transfers_;
  std::vector<std::uint32_t> qp_bytes_last_;  // payload of each QP's last packet
  std::size_t active_qps_ = 0;

  NetCounters counters_;
  StallReport stall_;
  std::vector<std::string> warnings_;
  TimerId stall_timer_{};
  std::uint64_t progress_ = 0;       // payload bytes delivered + acked, for stall detection
  std::uint64_t progress_at_check_ = 0;
};

}  // namespace rocesim::net
