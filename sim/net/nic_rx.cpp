// NIC receive buffer of PacketNet (nic.rx_buffer): a drain-rate FIFO per link into an
// accelerator (per link and data class with per_priority), and the PFC frames the NIC sends when
// it fills. Model and units in packet_net.hpp ("NIC receive buffer") and net_params.hpp
// (RxBufferParams).
// The NIC's pause state reuses the IngressState of the link (index: feeding port · D + class), so
// XOFF refresh (kPfcRefresh), link-down resets and the pause counters work as for a switch.
#include <algorithm>

#include "core/config_error.hpp"
#include "net/packet_net.hpp"
#include "net/pfc_headroom.hpp"

namespace rocesim::net {

void PacketNet::init_nic_rx() {
  const RxBufferParams& b = params_.nic.rx_buffer;
  int lossless_classes = 0;
  for (int c = 0; c < data_classes_; ++c) lossless_classes += params_.lossless(c) ? 1 : 0;
  // The largest frame, as for switch headroom: a full MTU with INT records of a whole path.
  const Bytes frame{data_wire_mtu_ + static_cast<std::int64_t>(telemetry_bytes_) * 2 * topology::kMaxTier};
  nic_rx_.resize(ports_.size());
  for (PortId from = 0; from < ports_.size(); ++from) {
    if (!ports_[from].peer_host) continue;
    NicRx& rx = nic_rx_[from];
    if (b.xoff) {
      rx.xoff = b.xoff->n;
    } else {
      const Bytes h = pfc_headroom(fabric_.port_rate(from), fabric_.port_latency(from), frame, params_.wire.pause_bytes,
                                   lossless_classes);
      rx.xoff = b.size.n - h.n;
      if (rx.xoff < frame.n) {
        throw ConfigError("", "/nic/rx_buffer/size",
                          "receive buffer " + to_string(b.size) + " leaves no room above the PFC headroom " +
                              to_string(h) + " of a " + to_string(fabric_.port_rate(from)) + " link with " +
                              to_string(fabric_.port_latency(from)) +
                              " latency (xoff = size - headroom must hold one frame): enlarge it or set xoff");
      }
    }
    rx.xon = b.xon ? b.xon->n : rx.xoff / 2;
    if (rx.xon >= rx.xoff) {
      throw ConfigError("", "/nic/rx_buffer/xon", "XON " + to_string(Bytes{rx.xon}) + " must be below XOFF " +
                                                      to_string(Bytes{rx.xoff}));
    }
  }
}

void PacketNet::nic_rx_arrive(std::uint32_t pkt) {
  Packet& p = pool_[pkt];
  const PortId from = p.from_port;
  NicRx& rx = nic_rx_[from];
  const bool per_priority = params_.nic.rx_buffer.per_priority;
  const int cls = p.cls - kFirstDataClass;
  const std::size_t b = per_priority ? static_cast<std::size_t>(cls) : 0;
  const std::int64_t w = p.wire;
  if (rx.bytes[b] + w > params_.nic.rx_buffer.size.n) {
    ++counters_.drops;
    ++counters_.nic_rx_drops;
    if (params_.lossless(cls)) ++counters_.lossless_drops;
    pool_.release(pkt);
    return;
  }
  rx.bytes[b] += w;
  p.next_due = sim_.now();  // the ACK's endpoint delay starts here (transport.cpp make_control)
  counters_.nic_rx_peak_bytes = std::max(counters_.nic_rx_peak_bytes, rx.bytes[b]);
  p.next = kNoPacket;
  if (rx.tail[b] == kNoPacket) {
    rx.head[b] = pkt;
  } else {
    pool_[rx.tail[b]].next = pkt;
  }
  rx.tail[b] = pkt;
  if (rx.draining < 0) nic_rx_start_drain(from, static_cast<int>(b) - 1);
  if (rx.bytes[b] <= rx.xoff) return;
  // One buffer for all classes: every lossless class stops, or another would keep filling it.
  // A buffer per class: only its class.
  const auto d = static_cast<std::uint32_t>(data_classes_);
  const std::uint32_t first = per_priority ? static_cast<std::uint32_t>(cls) : 0;
  const std::uint32_t last = per_priority ? first + 1 : d;
  for (std::uint32_t c = first; c < last; ++c) {
    IngressState& g = ingress_[from * d + c];
    if (!params_.lossless(static_cast<int>(c)) || g.paused_upstream) continue;
    g.paused_upstream = true;
    send_pause(from * d + c, true);  // allocates: `p` is dead from here
  }
}

void PacketNet::nic_rx_start_drain(PortId from, int after) {
  NicRx& rx = nic_rx_[from];
  const int n = params_.nic.rx_buffer.per_priority ? data_classes_ : 1;
  for (int k = 1; k <= n; ++k) {
    const int b = ((after + k) % n + n) % n;
    const std::uint32_t pkt = rx.head[static_cast<std::size_t>(b)];
    if (pkt == kNoPacket) continue;
    rx.draining = b;
    if (!rx.drain.valid()) rx.drain = sim_.make_timer(this, kNicDrain, from);
    sim_.arm(rx.drain, sim_.now() + serialization_time(Bytes{pool_[pkt].wire}, params_.nic.rx_buffer.drain_rate));
    return;
  }
  rx.draining = -1;
}

void PacketNet::nic_rx_drained(PortId from) {
  NicRx& rx = nic_rx_[from];
  const auto b = static_cast<std::size_t>(rx.draining);
  const std::uint32_t pkt = rx.head[b];
  rx.head[b] = pool_[pkt].next;
  if (rx.head[b] == kNoPacket) rx.tail[b] = kNoPacket;
  nic_rx_start_drain(from, static_cast<int>(b));  // before the XON, as it always was: event order
  rx.bytes[b] -= pool_[pkt].wire;
  if (rx.bytes[b] <= rx.xon) {
    const bool per_priority = params_.nic.rx_buffer.per_priority;
    const auto d = static_cast<std::uint32_t>(data_classes_);
    const std::uint32_t first = per_priority ? static_cast<std::uint32_t>(b) : 0;
    const std::uint32_t last = per_priority ? first + 1 : d;
    for (std::uint32_t c = first; c < last; ++c) {
      IngressState& g = ingress_[from * d + c];
      if (!g.paused_upstream) continue;
      g.paused_upstream = false;
      sim_.cancel(g.refresh);
      send_pause(from * d + c, false);
    }
  }
  on_host_arrival(pkt);  // may call the sink: last
}

}  // namespace rocesim::net
