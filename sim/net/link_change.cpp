// Timed failures in PacketNet (on_links_changed): links going down, coming back, changing rate.
// The model is in packet_net.hpp ("Link change"). Invariants kept across a change:
//   - every packet lost is released to the pool exactly once, and a lost switch frame releases
//     exactly the MMU bytes its ingress holds (what take_from_class would have released), so
//     buffered_bytes() and packets_in_use() still return to 0 when the run drains;
//   - no ingress holds XOFF toward a down link and no port stays paused by a down link, so no
//     pause outlives the link that carried it;
//   - route ids stay valid forever (the flat table only grows), so frames already on an old route
//     keep their hop index; a QP's first-hop port always equals its forward route's first port.
// Cost: O(frames on the changed links + QPs · path length) per change instant; per packet only
// the down-port test at enqueue and transmit and the generation test at arrival (one compare
// each, on cache lines those steps read anyway).
#include <algorithm>

#include "net/packet_net.hpp"

namespace rocesim::net {

using topology::NodeId;

void PacketNet::lose(PortId port, std::uint32_t pkt) {
  ++counters_.link_down_drops;
  ++counters_.drops;
  ++port_counters_[port].drops;
  pool_.release(pkt);
}

void PacketNet::take_down(PortId port) {
  PortState& ps = ports_[port];
  ps.down = true;  // from here enqueue() loses frames routed to this port
  // Frames on the wire: gone with the light. The head's pending kArrive turns stale.
  ++ps.fly_gen;
  for (std::uint32_t pkt = ps.fly_head; pkt != kNoPacket;) {
    const std::uint32_t next = pool_[pkt].next;
    lose(port, pkt);
    pkt = next;
  }
  ps.fly_head = ps.fly_tail = kNoPacket;
  // Queued frames: detach every class first, since releasing MMU bytes below may send an XON
  // from this switch, which must not land in a queue being walked.
  std::array<std::uint32_t, kMaxClasses> queued = ps.head;
  ps.head.fill(kNoPacket);
  ps.tail.fill(kNoPacket);
  ps.qbytes.fill(0);
  ps.deficit.fill(0);
  ps.qmask = 0;
  ps.dwrr_credited = false;
  const NodeId node = fabric_.port(port).node;
  const auto d = static_cast<std::uint32_t>(data_classes_);
  for (std::size_t c = 0; c < queued.size(); ++c) {
    for (std::uint32_t pkt = queued[c]; pkt != kNoPacket;) {
      Packet& p = pool_[pkt];
      const std::uint32_t next = p.next;
      if (p.type == PacketType::data && !ps.host) {
        const int prio = p.cls - kFirstDataClass;
        const std::uint32_t ingress = p.from_port * d + static_cast<std::uint32_t>(prio);
        const std::int64_t held = p.wire;
        lose(port, pkt);
        release(node, ingress, held, prio);  // may allocate a pause frame (and move the pool)
      } else {
        if (c == static_cast<std::size_t>(kControlClass) && params_.mmu.control_in_buffer && !ps.host) release_control(port, p);
        lose(port, pkt);
      }
      pkt = next;
    }
  }
  // PFC across the link: this port's pauses (sent by the peer) end now, and the peer's ingress
  // from this port stops holding XOFF: no XON can cross a down link, so none is owed.
  settle_pauses(port);
  const Time now = sim_.now();
  for (int c = kFirstDataClass; c < kFirstDataClass + data_classes_; ++c) {
    const std::size_t ci = static_cast<std::size_t>(c);
    if (ps.paused_mask >> c & 1) close_pause(port, ci, now);
    ps.paused_until[ci] = std::min(ps.paused_until[ci], now);
  }
  ps.paused_mask = 0;
  if (ps.pause_end.valid()) sim_.cancel(ps.pause_end);
  for (std::uint32_t prio = 0; prio < d; ++prio) {
    IngressState& g = ingress_[port * d + prio];
    if (!g.paused_upstream) continue;
    g.paused_upstream = false;
    sim_.cancel(g.refresh);
  }
}

void PacketNet::set_port_rate(PortId port, Rate rate) {
  PortState& ps = ports_[port];
  if (ps.rate == rate) return;
  // busy_until stays: the frame on the wire finishes at the rate it started with.
  ps.rate = rate;
  ps.ser_mtu = serialization_time(Bytes{data_wire_mtu_}, rate);
  ps.ser_control = serialization_time(params_.wire.control_bytes, rate);
}

// The route the Router now gives src→dst QP `qp_number`: `old` when it is unchanged (the table
// grows only by routes that moved), when the path is pinned, or when no path is left (frames
// meeting the down link are lost until a later change reconnects the pair).
std::uint32_t PacketNet::reroute(std::uint32_t src, std::uint32_t dst, std::uint32_t qp_number, std::uint32_t old) {
  const std::uint64_t key = route_key(src, dst, qp_number);
  if (auto it = route_cache_.find(key); it != route_cache_.end()) return it->second;
  if (pinned_.count(key) != 0) {
    route_cache_.emplace(key, old);
    return old;
  }
  route_scratch_.clear();
  if (!router_.path(routing::FlowKey::for_qp(src, dst, qp_number), route_scratch_)) return old;
  const auto first = route_ports_.begin() + route_begin_[old], last = route_ports_.begin() + route_begin_[old + 1];
  std::uint32_t r = old;
  if (!std::equal(route_scratch_.begin(), route_scratch_.end(), first, last)) {
    r = static_cast<std::uint32_t>(route_begin_.size() - 1);
    route_ports_.insert(route_ports_.end(), route_scratch_.begin(), route_scratch_.end());
    route_begin_.push_back(static_cast<std::uint32_t>(route_ports_.size()));
  }
  route_cache_.emplace(key, r);
  return r;
}

void PacketNet::reroute_active_qps() {
  route_cache_.clear();  // later QPs route on the new state
  std::vector<PortId> left;  // ports that QPs on their ready rings left
  for (std::uint32_t id = 0; id < qp_.size(); ++id) {
    Qp& q = qp_[id];
    if (q.sender_done) continue;  // all acknowledged: nothing of it moves any more
    const QpRecord& r = records_[id];
    q.route_fwd = reroute(r.src, r.dst, q.qp_number, q.route_fwd);
    q.route_rev = reroute(r.dst, r.src, q.qp_number, q.route_rev);
    if (pinned_.count(route_key(r.src, r.dst, q.qp_number)) == 0) q.steer = steer_for(q.route_fwd, q.uet);
    const PortId first = route_ports_[route_begin_[q.route_fwd]];
    if (first != q.port && q.in_ready) left.push_back(q.port);
    q.port = first;
  }
  // Each ring a QP left keeps, in order, the QPs still on that port; the others join their new
  // port's ring (make_ready), in the order they stood.
  std::sort(left.begin(), left.end());
  left.erase(std::unique(left.begin(), left.end()), left.end());
  std::vector<std::uint32_t> moved;
  for (const PortId port : left) {
    PortState& ps = ports_[port];
    for (std::size_t c = 0; c < ps.ready_head.size(); ++c) {
      std::uint32_t id = ps.ready_head[c];
      ps.ready_head[c] = ps.ready_tail[c] = UINT32_MAX;
      while (id != UINT32_MAX) {
        Qp& q = qp_[id];
        const std::uint32_t next = q.ready_next;
        q.ready_next = UINT32_MAX;
        if (q.port == port) {
          if (ps.ready_tail[c] == UINT32_MAX) {
            ps.ready_head[c] = id;
          } else {
            qp_[ps.ready_tail[c]].ready_next = id;
          }
          ps.ready_tail[c] = id;
        } else {
          q.in_ready = false;
          moved.push_back(id);
        }
        id = next;
      }
    }
  }
  for (const std::uint32_t id : moved) make_ready(id);
}

void PacketNet::on_links_changed(std::span<const std::uint32_t> links) {
  std::vector<PortId> back_up;
  for (const topology::LinkId l : links) {
    const topology::Link& link = fabric_.link(l);
    const topology::Node& a = fabric_.node(link.a);
    PortId pa = a.first_port;
    while (pa < a.first_port + a.port_count && fabric_.port(pa).link != l) ++pa;
    if (pa == a.first_port + a.port_count) continue;  // not a link of this fabric
    const bool up = router_.link_up(l);
    for (const PortId p : {pa, fabric_.port(pa).peer_port}) {
      if (!up) {
        if (!ports_[p].down) take_down(p);
        continue;
      }
      set_port_rate(p, router_.port_rate(p));
      if (ports_[p].down) {
        ports_[p].down = false;
        back_up.push_back(p);
      }
    }
    lb_.refresh_rates(link.a);
    lb_.refresh_rates(link.b);
  }
  reroute_active_qps();
  if (rccc_ != nullptr) rccc_regrant();  // credit frames lost with the link: the totals again
  for (const PortId p : back_up) try_transmit(p);
}

}  // namespace rocesim::net
