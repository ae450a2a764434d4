// Counters the packet backend updates and reports read afterwards (models never print).
//
// PortCounters are per egress port (topology::PortId), NetCounters per run, QpRecord per QP.
// All are plain values; byte counts are wire bytes where named `wire_`, payload otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/units.hpp"

namespace rocesim::net {

struct PortCounters {
  std::uint64_t tx_wire_bytes = 0;   // all frames this port serialized
  std::uint64_t tx_packets = 0;
  std::uint64_t pauses_sent = 0;     // XOFF frames this port transmitted (to its peer)
  std::uint64_t resumes_sent = 0;    // XON (quanta 0) frames this port transmitted
  std::uint64_t pauses_received = 0; // XOFF frames that paused this port
  std::uint64_t resumes_received = 0;
  Time paused_time{};                // total time any data class of this port was paused
  Time longest_pause{};              // longest single pause of one data class: XOFF to resume or expiry,
                                     // refreshing XOFFs included (closed pauses only)
  Time first_pause_received = Time::max();
  std::uint64_t ecn_marks = 0;       // data packets marked CE while queued here
  std::uint64_t drops = 0;           // packets dropped on admission to this egress, or lost here when
                                     // its link went down (on the wire, queued, or routed to it later)
  std::int64_t max_queue_bytes = 0;  // peak data bytes queued (wire) at this egress
  std::uint64_t watchdog_trips = 0;  // PFC watchdog disabled pause on this port
  std::uint64_t trims = 0;           // UET data packets trimmed to a header on admission to this egress
};

// One pause of one data class of an egress port: XOFF .. resume or expiry (refreshing XOFFs
// extend it), as PortCounters::paused_time sums them.
struct PauseSpan {
  std::uint32_t port = 0;  // topology::PortId
  Time begin{}, end{};
};

struct NetCounters {
  std::uint64_t data_packets_sent = 0;   // including retransmissions
  std::uint64_t retransmitted_packets = 0;
  std::uint64_t data_packets_delivered = 0;  // in order, first time
  std::uint64_t out_of_order_packets = 0;    // ahead of the expected PSN and discarded (go_back_n; beyond
                                             // the window for reorder_tolerant)
  std::uint64_t placed_out_of_order = 0;     // reorder_tolerant: accepted ahead of a gap
  std::uint64_t reorder_timeouts = 0;        // reorder_tolerant: gaps that outlived reorder_timeout
  std::uint64_t duplicate_packets = 0;       // already delivered, discarded
  std::uint64_t acks_sent = 0;
  std::uint64_t naks_sent = 0;               // go-back-N and selective
  std::uint64_t cnps_sent = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t drops = 0;                   // all classes, all causes (admission and link down)
  std::uint64_t lossless_drops = 0;          // drops in a PFC-protected class (headroom overflow)
  std::uint64_t link_down_drops = 0;         // frames of any type lost to a link going down (part of drops)
  std::uint64_t control_drops = 0;           // ACK/NAK/CNP a full switch pool refused (mmu.control_in_buffer; part of drops)
  std::uint64_t nic_rx_drops = 0;            // data frames a full NIC receive buffer refused (nic.rx_buffer; part of drops)
  std::int64_t nic_rx_peak_bytes = 0;        // largest NIC receive-buffer occupancy B of any link (nic.rx_buffer)
  std::uint64_t pause_frames = 0;
  std::uint64_t trimmed = 0;                 // UET data packets switches cut to a header (not drops)
  std::uint64_t presumed_lost = 0;           // UET: PSNs resent because a SACK passed them by loss_threshold
  std::uint64_t credits_sent = 0;            // UET RCCC: credit frames receivers sent
  std::uint64_t credits_on_acks = 0;         // UET RCCC: grants an ACK or NACK carried (no credit frame)
  std::uint64_t ack_requests = 0;            // UET: ACK_REQ control packets blocked senders sent (uet.ack_bytes)
  std::uint64_t reps_recycled = 0;           // UET REPS: EVs of acknowledged packets returned to a FIFO
  std::uint64_t payload_bytes_delivered = 0;
  std::size_t peak_packets_in_use = 0;
};

struct QpRecord {
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::uint32_t transfer = 0;       // index of its transfer (PacketNet::transfer_count())
  Bytes bytes{};                    // bytes this QP carries
  Bytes delivered{};                // bytes the receiver accepted in order (each exactly once)
  Bytes acked{};                    // bytes the sender saw acknowledged
  Time start{};
  Time delivered_at = Time::max();  // last byte accepted by the receiver
  Time acked_at = Time::max();      // last ACK received by the sender
};

// Filled when the run stops making progress (no payload delivered for stall_timeout).
struct StallReport {
  bool stalled = false;
  Time detected_at{};
  std::size_t active_qps = 0;
  std::vector<std::uint32_t> paused_ports;  // egress ports paused when the stall was detected, ascending
  std::string describe() const;             // one line for error messages
};

}  // namespace rocesim::net
