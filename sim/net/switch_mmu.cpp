// Switch data path of PacketNet: shared-buffer admission (reserve / shared / headroom), PFC
// XOFF/XON generation per ingress (port, class), RED/ECN marking at egress enqueue, UET packet
// trimming (trim() in uet_transport.cpp).
// Equations are in packet_net.hpp; the accounting invariant is, per switch,
//   Σ over its ingresses (reserve_used + shared_used + headroom_used) = data bytes it buffers,
//   Σ shared_used + SwitchState::control_used = SwitchState::shared_used <= shared_size
//   (control_used: queued ACK/NAK/CNP with mmu.control_in_buffer, else 0).
#include <algorithm>

#include "net/packet_net.hpp"

namespace rocesim::net {

using topology::NodeId;

std::int64_t PacketNet::dynamic_threshold(const SwitchState& sw) const {
  return static_cast<std::int64_t>(params_.pfc.alpha * static_cast<double>(sw.shared_size - sw.shared_used));
}

bool PacketNet::ecn_mark(NodeId node, std::int64_t q) {
  const EcnParams& e = params_.ecn;
  if (q <= e.kmin.n) return false;
  if (q > e.kmax.n) return true;
  const double p = e.pmax * static_cast<double>(q - e.kmin.n) / static_cast<double>(std::max<std::int64_t>(1, e.kmax.n - e.kmin.n));
  return ecn_rng_[node].uniform01() < p;
}

bool PacketNet::admit(NodeId node, std::uint32_t ingress, std::int64_t n, int prio, PortId out) {
  IngressState& g = ingress_[ingress];
  SwitchState& sw = switches_[node];
  if (g.reserve_used + n <= params_.mmu.reserve_per_port.n) {
    g.reserve_used += n;
    return true;
  }
  const std::int64_t free = sw.shared_size - sw.shared_used;
  if (params_.lossless(prio)) {
    if (!g.paused_upstream && n <= free) {
      g.shared_used += n;
      sw.shared_used += n;
      return true;
    }
    // In flight after our XOFF (or shared pool exhausted): headroom absorbs it.
    if (g.headroom_used + n <= g.headroom) {
      g.headroom_used += n;
      return true;
    }
    return false;
  }
  const std::int64_t q = ports_[out].qbytes[static_cast<std::size_t>(kFirstDataClass + prio)];
  if (n <= free && static_cast<double>(q + n) <= params_.mmu.lossy_alpha * static_cast<double>(free)) {
    g.shared_used += n;
    sw.shared_used += n;
    return true;
  }
  return false;
}

void PacketNet::release(NodeId node, std::uint32_t ingress, std::int64_t n, int prio) {
  IngressState& g = ingress_[ingress];
  SwitchState& sw = switches_[node];
  std::int64_t take = std::min(n, g.headroom_used);
  g.headroom_used -= take;
  n -= take;
  take = std::min(n, g.shared_used);
  g.shared_used -= take;
  sw.shared_used -= take;
  n -= take;
  g.reserve_used -= n;
  if (!g.paused_upstream) return;
  // XON waits for the headroom to drain (it drains first, above) as well as for the threshold, so
  // every XOFF finds the whole headroom free: a dynamic threshold that rises while paused would
  // otherwise resume the upstream with headroom still in use, and the next XOFF's in-flight
  // bytes (net/pfc_headroom.hpp) could overflow it.
  const std::int64_t held = g.shared_used + g.headroom_used;
  const bool resume = g.headroom_used == 0 &&
                      (params_.pfc.threshold == PfcThreshold::fixed
                           ? held <= params_.pfc.xon.n
                           : held <= std::max<std::int64_t>(0, dynamic_threshold(sw) - params_.pfc.xon_offset.n));
  (void)prio;
  if (resume) {
    g.paused_upstream = false;
    sim_.cancel(g.refresh);
    send_pause(ingress, false);
  }
}

// An XOFF (or XON) frame for data class `ingress % D` goes out of this switch's port toward the
// upstream node, in the MAC-control class ahead of everything else on that port.
void PacketNet::send_pause(std::uint32_t ingress, bool xoff) {
  const auto d = static_cast<std::uint32_t>(data_classes_);
  const PortId upstream = ingress / d;
  const PortId out = fabric_.port(upstream).peer_port;
  const std::uint32_t pkt = pool_.alloc();
  Packet& p = pool_[pkt];
  p.type = PacketType::pause;
  p.cls = kMacControlClass;
  p.qp = ingress % d;
  p.psn = xoff ? static_cast<std::uint32_t>(params_.pfc.quanta) : 0;
  p.wire = static_cast<std::uint32_t>(params_.wire.pause_bytes.n);
  enqueue(out, pkt);
  ++counters_.pause_frames;
  if (xoff) {
    ++port_counters_[out].pauses_sent;
    IngressState& g = ingress_[ingress];
    // Refresh before the upstream's pause runs out: half the pause time of the link.
    const Time pause = serialization_time(Bytes{params_.pfc.quanta * 64}, ports_[upstream].rate);
    g.refresh_due = sim_.now() + Time{std::max<std::int64_t>(1, pause.ps / 2)};
    if (!g.refresh.valid()) g.refresh = sim_.make_timer(this, kPfcRefresh, ingress);
    if (!sim_.armed(g.refresh)) sim_.arm(g.refresh, g.refresh_due);
  } else {
    ++port_counters_[out].resumes_sent;
  }
  try_transmit(out);
}

void PacketNet::on_switch_data(std::uint32_t pkt, NodeId node) {
  Packet& p = pool_[pkt];
  ++p.hop;
  const PortId out = p.steer == Steer::route ? route_ports_[route_begin_[p.route] + p.hop] : data_egress(pkt, node);
  const int prio = p.cls - kFirstDataClass;
  const std::uint32_t ingress = p.from_port * static_cast<std::uint32_t>(data_classes_) + static_cast<std::uint32_t>(prio);
  const std::int64_t n = p.wire;
  if (out == topology::kNone) {  // per-hop steering found no way on (cannot happen on a routable fabric)
    ++counters_.drops;
    if (params_.lossless(prio)) ++counters_.lossless_drops;
    pool_.release(pkt);
    return;
  }
  if (ports_[out].down) {  // on a route computed before its link went down: lost, never buffered
    lose(out, pkt);
    return;
  }
  // UET trimming (net/uet_transport.hpp): over the threshold, or where the MMU would drop it.
  if (trims_at(node, prio) && (ports_[out].qbytes[p.cls] + n > params_.uet.trim_threshold.n || !admit(node, ingress, n, prio, out))) {
    trim(pkt, out);
    return;
  }
  if (!trims_at(node, prio) && !admit(node, ingress, n, prio, out)) {
    ++counters_.drops;
    ++port_counters_[out].drops;
    if (params_.lossless(prio)) ++counters_.lossless_drops;
    pool_.release(pkt);
    return;
  }
  if (params_.lossless(prio) && !ingress_[ingress].paused_upstream) {
    const IngressState& g = ingress_[ingress];
    const std::int64_t held = g.shared_used + g.headroom_used;
    const bool over = params_.pfc.threshold == PfcThreshold::fixed ? held > params_.pfc.xoff.n
                                                                   : held > dynamic_threshold(switches_[node]);
    if (over) {
      ingress_[ingress].paused_upstream = true;
      send_pause(ingress, true);
    }
  }
  Packet& q = pool_[pkt];  // send_pause() may have grown the pool
  if (params_.ecn.enabled && ecn_mark(node, ports_[out].qbytes[q.cls])) {
    q.ecn = 1;
    ++port_counters_[out].ecn_marks;
  }
  enqueue(out, pkt);
  try_transmit(out);
}

}  // namespace rocesim::net
