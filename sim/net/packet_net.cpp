// PacketNet construction, transfers and routes, event dispatch, egress ports and pause frames.
#include "net/packet_net.hpp"

#include <algorithm>
#include <cmath>

#include "core/config_error.hpp"
#include "net/pfc_headroom.hpp"
#include "topology/failures.hpp"
#include "topology/switch_buffer.hpp"

namespace rocesim::net {

using topology::NodeId;
using topology::NodeRole;

namespace {

// Switch hops of the longest up-down path (up through kMaxTier tiers and down again): bounds the
// INT records a frame can carry, for the largest frame in the headroom (net/pfc_headroom.hpp).
constexpr std::int64_t kMaxPathHops = 2 * topology::kMaxTier;

// Switch ingress ports whose configured headroom is below pfc_headroom(), for one warning.
struct HeadroomShortfall {
  std::size_t ports = 0, checked = 0;
  std::int64_t worst_needed = 0;
  Rate worst_rate{};
  Time worst_latency{};

  void add(std::int64_t have, std::int64_t needed, Rate rate, Time latency) {
    ++checked;
    if (have >= needed) return;
    ++ports;
    if (needed > worst_needed) {
      worst_needed = needed;
      worst_rate = rate;
      worst_latency = latency;
    }
  }
  std::string message(Bytes configured) const {
    return "mmu.headroom " + to_string(configured) + " is below the PFC headroom a lossless port needs on " +
           std::to_string(ports) + " of " + std::to_string(checked) + " switch ingress ports (up to " +
           std::to_string(worst_needed) + " B at " + to_string(worst_rate) + " with " + to_string(worst_latency) +
           " cable latency: 2*rate*latency + 4 frames + pause, net/pfc_headroom.hpp); frames that arrive after "
           "XOFF can overflow it and be dropped in the lossless class. Leave mmu.headroom unset (\"auto\") to "
           "size it per port";
  }
};

// The smallest shared pool a switch needs (bytes; F = the largest data frame, α = pfc.alpha):
//   dynamic PFC thresholds with a lossless class: ⌈F/α⌉, so that an ingress may hold one whole
//     frame in the pool before its XOFF threshold α·(pool − used) is crossed; with less, every
//     lossless ingress pauses its upstream at its first frame beyond the reserve;
//   otherwise (fixed thresholds, or no lossless class): F, one frame.
// With no pool at all, every control frame (ACK/NAK/CNP) the switch forwards is dropped
// (mmu.control_in_buffer) and senders wait for their RTO.
std::int64_t min_shared_pool(const NetParams& p, Bytes frame, int lossless_classes) {
  if (lossless_classes == 0 || p.pfc.threshold == PfcThreshold::fixed) return frame.n;
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(frame.n) / p.pfc.alpha));
}

// Switches whose reserve + PFC headroom leave less than min_shared_pool() of their buffer (the
// topology's for that switch, else mmu.buffer), for one error naming the worst (smallest pool) and
// the key that sets its buffer.
struct BufferFit {
  std::int64_t min_pool = 0;
  std::size_t switches = 0;
  NodeId worst = topology::kNone;
  std::int64_t worst_set_aside = 0, worst_pool = 0;

  void add(NodeId n, std::int64_t set_aside, std::int64_t pool) {
    if (pool >= min_pool) return;
    ++switches;
    if (worst == topology::kNone || pool < worst_pool) {
      worst = n;
      worst_set_aside = set_aside;
      worst_pool = pool;
    }
  }
  std::string message(const topology::Fabric& f, const NetParams& p, int lossless_classes) const {
    const topology::Node& node = f.node(worst);
    Rate rate{};
    Time latency{};
    for (PortId q = node.first_port; q < node.first_port + node.port_count; ++q) {
      if (f.port_rate(q).bps > rate.bps) rate = f.port_rate(q);
      latency = std::max(latency, f.port_latency(q));
    }
    const std::int64_t need = worst_set_aside + min_pool;
    const topology::SwitchBuffer& own = f.switch_buffer(worst);
    const bool from_topology = own.size.n > 0;
    const std::string key = from_topology ? own.key : "mmu.buffer";
    const Bytes buffer = from_topology ? own.size : p.mmu.buffer;
    const std::string mib = std::to_string((need + (1LL << 20) - 1) >> 20);
    const bool per_node = from_topology && own.key == topology::kNodeBufferKey;
    const std::string raise =
        per_node        ? "raise that switch's `buffer` in the topology's explicit.nodes (" + mib +
                       "MiB); t<tier>.<j> is the j-th switch of its tier in listing order"
        : from_topology ? "raise it in the topology, e.g. --set topology." + key + "=" + mib + "MiB"
                      : "e.g. --set mmu.buffer=" + mib + "MiB (every switch), or give that switch its own buffer in the "
                            "topology: " +
                            (node.role == topology::NodeRole::scale_up_switch
                                 ? std::string("scale_up.buffer")
                                 : std::string("its tier's buffer key, topologies/README.md \"Switch buffer keys\""));
    return "the switch buffer cannot hold the PFC headroom and reserve its ports set aside: switch " +
           topology::node_name(f, worst) + " (" + std::to_string(node.port_count) + " ports, up to " + to_string(rate) +
           " with " + to_string(latency) + " links) sets aside " + std::to_string(worst_set_aside) +
           " B (per port: reserve_per_port " + to_string(p.mmu.reserve_per_port) + " x " +
           std::to_string(p.queues.data_classes) + " data classes + headroom x " + std::to_string(lossless_classes) +
           " lossless classes, headroom = 2*rate*latency + 4 frames + pause, net/pfc_headroom.hpp) of its buffer " +
           to_string(buffer) + " (" + key + (from_topology ? ", from the topology" : "") + "), leaving a shared pool of " +
           std::to_string(worst_pool) + " B where at least " + std::to_string(min_pool) +
           " B is needed (one largest frame, / pfc.alpha with dynamic thresholds); " + std::to_string(switches) +
           " switch(es) short. Without it every ACK/NAK/CNP such a switch forwards would be dropped and its lossless "
           "ingresses would pause at their first frame. Expected " + key + " >= " + std::to_string(need) + " B (" +
           raise + "), or an explicit mmu.headroom (lossless frames may then be dropped)";
  }
};

}  // namespace

PacketNet::PacketNet(Simulator& sim, const topology::Fabric& fabric, const routing::Router& router, NetParams params,
                     std::unique_ptr<CcStrategy> cc)
    : sim_(sim),
      fabric_(fabric),
      router_(router),
      params_(std::move(params)),
      cc_(cc ? std::move(cc) : std::make_unique<NoCc>()),
      pool_(cc_->wants_telemetry()),
      data_classes_(params_.queues.data_classes),
      mtu_(static_cast<std::uint32_t>(params_.wire.mtu.n)),
      data_wire_mtu_(static_cast<std::uint32_t>((params_.wire.mtu + params_.wire.data_overhead).n)),
      telemetry_bytes_(cc_->wants_telemetry() ? cc_->telemetry_bytes_per_hop() : 0),
      lb_(fabric, router, params_.nic.transport == Transport::uet) {
  validate(params_);
  uet_ = params_.nic.transport == Transport::uet;
  if (params_.nic.receiver == Receiver::reorder_tolerant || uet_) {
    rcv_words_ = static_cast<std::uint32_t>(params_.nic.reorder_window / 64);
  }
  if (uet_) init_uet();
  rccc_ = cc_->receiver_credit();
  if (rccc_ != nullptr) {
    if (!uet_) throw ConfigError("", "/cc/algorithm", "RCCC is UET's receiver-credit CC: it needs nic.transport = \"uet\"");
    credit_unit_ = rccc_->credit_bytes.n > 0 ? rccc_->credit_bytes.n : kRcccAutoFrames * data_wire_mtu_;
    pacers_.resize(fabric_.endpoints());
  }
  if (fabric_.endpoints() >= (1u << 24)) throw ConfigError("", "/fabric", "packet backend supports < 2^24 endpoints");
  const std::size_t np = fabric_.port_count();
  ports_.resize(np);
  port_counters_.resize(np);
  for (PortId p = 0; p < np; ++p) {
    PortState& ps = ports_[p];
    ps.head.fill(kNoPacket);
    ps.tail.fill(kNoPacket);
    ps.ready_head.fill(UINT32_MAX);
    ps.ready_tail.fill(UINT32_MAX);
    ps.rate = router_.port_rate(p);  // the live state: a run may start after link changes
    ps.down = !router_.link_up(fabric_.port(p).link);
    ps.latency = fabric_.port_latency(p);
    ps.ser_mtu = serialization_time(Bytes{data_wire_mtu_}, ps.rate);
    ps.ser_control = serialization_time(params_.wire.control_bytes, ps.rate);
    ps.host = fabric_.node(fabric_.port(p).node).role == NodeRole::accelerator;
    ps.peer = fabric_.port(p).peer;
    ps.peer_host = fabric_.node(ps.peer).role == NodeRole::accelerator;
  }
  ingress_.resize(np * static_cast<std::size_t>(data_classes_));
  switches_.resize(fabric_.node_count());
  ecn_rng_.reserve(fabric_.node_count());
  int lossless_classes = 0;
  for (int c = 0; c < data_classes_; ++c) lossless_classes += params_.lossless(c) ? 1 : 0;
  // Largest data frame on a link: a full MTU, with INT records of a whole path (kMaxPathHops).
  const Bytes frame{data_wire_mtu_ + static_cast<std::int64_t>(telemetry_bytes_) * kMaxPathHops};
  HeadroomShortfall shortfall;
  BufferFit fit{min_shared_pool(params_, frame, lossless_classes)};
  for (NodeId n = 0; n < fabric_.node_count(); ++n) {
    ecn_rng_.emplace_back(derive_seed(params_.seed, "ecn", n));
    const topology::Node& node = fabric_.node(n);
    std::int64_t set_aside = 0;
    for (PortId q = node.first_port; q < node.first_port + node.port_count; ++q) {
      // Frames arriving at q come from its peer port: that is the ingress index (header).
      const PortId upstream = fabric_.port(q).peer_port;
      const Rate rate = fabric_.port_rate(q);  // the link's: both directions alike
      const std::int64_t needed =
          pfc_headroom(rate, fabric_.port_latency(q), frame, params_.wire.pause_bytes, lossless_classes).n;
      const std::int64_t h = params_.mmu.headroom ? params_.mmu.headroom->n : needed;
      for (int c = 0; c < data_classes_; ++c) {
        if (params_.lossless(c)) {
          ingress_[static_cast<std::size_t>(upstream) * static_cast<std::size_t>(data_classes_) + static_cast<std::size_t>(c)]
              .headroom = h;
        }
      }
      set_aside += params_.mmu.reserve_per_port.n * data_classes_ + h * lossless_classes;
      if (node.role != NodeRole::accelerator && lossless_classes > 0) shortfall.add(h, needed, rate, fabric_.port_latency(q));
    }
    const bool is_switch = node.role != NodeRole::accelerator;
    const std::int64_t own = is_switch ? fabric_.switch_buffer(n).size.n : 0;
    const std::int64_t buffer = own > 0 ? own : params_.mmu.buffer.n;
    switches_[n].shared_size = std::max<std::int64_t>(0, buffer - set_aside);
    if (is_switch) fit.add(n, set_aside, buffer - set_aside);
  }
  if (fit.switches > 0) {
    const topology::SwitchBuffer& own = fabric_.switch_buffer(fit.worst);
    if (own.size.n > 0) {
      // A per-node buffer is an element of the node list, which the message then points into.
      const std::string node_list = "explicit.nodes";
      std::string path = "/" + (own.key == topology::kNodeBufferKey ? node_list : own.key);
      std::replace(path.begin(), path.end(), '.', '/');
      throw ConfigError(fabric_.source(), path, fit.message(fabric_, params_, lossless_classes));
    }
    throw ConfigError("", "/mmu/buffer", fit.message(fabric_, params_, lossless_classes));
  }
  if (shortfall.ports > 0) warnings_.push_back(shortfall.message(*params_.mmu.headroom));
  if (params_.nic.rx_buffer.enabled()) init_nic_rx();
  route_begin_.push_back(0);
  cc_->attach(sim_, *this);
}

PacketNet::~PacketNet() = default;

std::uint64_t PacketNet::route_key(std::uint32_t src, std::uint32_t dst, std::uint32_t qp_number) {
  const routing::FlowKey k = routing::FlowKey::for_qp(src, dst, qp_number);
  return (static_cast<std::uint64_t>(src) << 40) ^ (static_cast<std::uint64_t>(dst) << 16) ^ k.sport;
}

std::uint32_t PacketNet::route_for(std::uint32_t src, std::uint32_t dst, std::uint32_t qp_number) {
  const std::uint64_t key = route_key(src, dst, qp_number);
  if (auto it = route_cache_.find(key); it != route_cache_.end()) return it->second;
  const auto r = static_cast<std::uint32_t>(route_begin_.size() - 1);
  if (auto pin = pinned_.find(key); pin != pinned_.end()) {
    route_ports_.insert(route_ports_.end(), pin->second.begin(), pin->second.end());
  } else if (!router_.path(routing::FlowKey::for_qp(src, dst, qp_number), route_ports_)) {
    throw ConfigError("", "/transfers", "no route from endpoint " + std::to_string(src) + " to " + std::to_string(dst));
  }
  route_begin_.push_back(static_cast<std::uint32_t>(route_ports_.size()));
  route_cache_.emplace(key, r);
  return r;
}

void PacketNet::pin_path(std::uint32_t src, std::uint32_t dst, std::uint32_t qp, std::vector<PortId> ports) {
  NodeId at = src;
  for (PortId p : ports) {
    if (p >= fabric_.port_count() || fabric_.port(p).node != at) {
      throw ConfigError("", "/pinned_path", "ports do not form a path from endpoint " + std::to_string(src));
    }
    at = fabric_.port(p).peer;
  }
  if (at != dst || ports.empty()) throw ConfigError("", "/pinned_path", "path does not end at endpoint " + std::to_string(dst));
  pinned_[route_key(src, dst, qp)] = std::move(ports);
}

// Per-hop steering needs every node after the source, except dst, to be a switch: a path
// relayed through an accelerator of the scale-up domain keeps its route.
Steer PacketNet::steer_for(std::uint32_t route, bool uet) const {
  // UET: every data packet carries an entropy value the switches hash (adaptive stays adaptive).
  const Steer s = uet && lb_.steer() != Steer::adaptive ? Steer::hashed : lb_.steer();
  if (s == Steer::route) return s;
  for (std::uint32_t k = route_begin_[route]; k + 1 < route_begin_[route + 1]; ++k) {
    if (ports_[route_ports_[k]].peer_host) return Steer::route;
  }
  return s;
}

PortId PacketNet::data_egress(std::uint32_t pkt, NodeId node) {
  const Packet& p = pool_[pkt];
  const NodeId dst = records_[p.qp].dst;
  if (p.steer == Steer::hashed) return lb_.hashed(node, dst, p.qp, p.entropy);
  const std::size_t cls = p.cls;
  const std::int64_t frame = data_wire_mtu_;
  return lb_.least_queued(node, dst, p.qp, p.psn, [&](PortId out) { return ports_[out].qbytes[cls] / frame; });
}

std::span<const PortId> PacketNet::route_of(std::uint32_t qp) const {
  const std::uint32_t r = qp_[qp].route_fwd;
  return {route_ports_.data() + route_begin_[r], route_begin_[r + 1] - route_begin_[r]};
}

void PacketNet::start(const TransferRequest& req) {
  if (req.src == req.dst || req.src >= fabric_.endpoints() || req.dst >= fabric_.endpoints() || req.bytes.n <= 0) {
    throw ConfigError("", "/transfer", "invalid transfer " + std::to_string(req.src) + " -> " + std::to_string(req.dst) +
                                           " of " + std::to_string(req.bytes.n) + " bytes");
  }
  if (req.priority >= data_classes_) {
    throw ConfigError("", "/transfer/priority", "priority " + std::to_string(req.priority) + " but only " +
                                                    std::to_string(data_classes_) + " data classes are configured");
  }
  const auto tid = static_cast<std::uint32_t>(transfers_.size());
  const std::int64_t total_pkts = (req.bytes.n + mtu_ - 1) / mtu_;
  // Inputs are checked against max_transfer_bytes() before the run (app/run_command.cpp); this
  // guards direct users of the class.
  if (total_pkts > INT32_MAX) throw ConfigError("", "/transfer/bytes", "transfer too large: " + max_transfer_reason());
  const auto nq = static_cast<std::uint32_t>(std::min<std::int64_t>(params_.nic.qps_per_connection, total_pkts));
  transfers_.push_back(Transfer{req.tag, nq});
  // Stripe whole packets over the QPs; the first QPs take one more when they do not divide.
  std::int64_t bytes_left = req.bytes.n;
  for (std::uint32_t i = 0; i < nq; ++i) {
    const std::int64_t pkts = total_pkts / nq + (i < total_pkts % nq ? 1 : 0);
    const std::int64_t bytes = std::min(bytes_left, pkts * mtu_);
    bytes_left -= bytes;
    const auto id = static_cast<std::uint32_t>(qp_.size());
    const std::uint32_t qp_number = req.flow_label * static_cast<std::uint32_t>(params_.nic.qps_per_connection) + i;
    Qp q;
    q.route_fwd = route_for(req.src, req.dst, qp_number);
    q.route_rev = route_for(req.dst, req.src, qp_number);
    q.qp_number = qp_number;
    q.port = route_ports_[route_begin_[q.route_fwd]];
    q.uet = params_.uet_class(req.priority);
    q.steer = pinned_.count(route_key(req.src, req.dst, qp_number)) != 0 ? Steer::route : steer_for(q.route_fwd, q.uet);
    q.total_pkts = static_cast<std::uint32_t>(pkts);
    q.prio = req.priority;
    q.last_progress = sim_.now();
    q.rto = sim_.make_timer(this, kRto, id);
    qp_.push_back(q);
    qp_bytes_last_.push_back(static_cast<std::uint32_t>(bytes - (pkts - 1) * mtu_));
    rcv_bits_.resize(rcv_bits_.size() + rcv_words_);  // once per QP, zeroed
    if (uet_) {
      uet_qp_.emplace_back();
      snd_acked_.resize(snd_acked_.size() + rcv_words_);
      snd_lost_.resize(snd_lost_.size() + rcv_words_);
      reps_ring_.resize(reps_ring_.size() + static_cast<std::size_t>(params_.uet.reps_buffer));
      if (params_.uet.load_balancing == UetSpray::reps) {  // min(total PSNs, W) slots: PSN mod slots
        uet_qp_.back().ev_at = snd_ev_.size();
        snd_ev_.resize(snd_ev_.size() + std::clamp(q.total_pkts, 1u, rcv_words_ * 64));
      }
    }
    records_.push_back(QpRecord{req.src, req.dst, tid, Bytes{bytes}, Bytes{}, Bytes{}, sim_.now(), Time::max(), Time::max()});
    // Base RTT on an idle fabric: one full frame out, one control frame back.
    Time base_rtt{};
    for (PortId p : route_of(id)) base_rtt += ports_[p].latency + ports_[p].ser_mtu;
    const std::uint32_t rr = q.route_rev;
    for (std::uint32_t k = route_begin_[rr]; k < route_begin_[rr + 1]; ++k) {
      base_rtt += ports_[route_ports_[k]].latency + ports_[route_ports_[k]].ser_control;
    }
    cc_->on_qp_start(QpInfo{id, req.src, req.dst, Bytes{bytes}, ports_[q.port].rate, base_rtt,
                            static_cast<std::uint32_t>(route_of(id).size()), q.uet},
                     qp_[id].cc);
    if (rccc_ != nullptr && q.uet) rccc_start(id, base_rtt);
    ++active_qps_;
    make_ready(id);
  }
  if (!stall_timer_.valid()) stall_timer_ = sim_.make_timer(this, kStallCheck);
  if (!sim_.armed(stall_timer_)) {
    progress_at_check_ = progress_;
    sim_.arm(stall_timer_, sim_.now() + params_.stall_timeout);
  }
}

void PacketNet::on_event(Simulator&, std::uint32_t kind, std::uint64_t arg) {
  switch (kind) {
    case kTxDone: {
      const auto p = static_cast<PortId>(arg);
      ports_[p].txdone_pending = false;
      try_transmit(p);
      break;
    }
    case kArrive: {
      PortState& ps = ports_[static_cast<PortId>(arg)];
      if (arg >> 32 != ps.fly_gen) break;  // its frames were lost when the link went down
      const std::uint32_t pkt = ps.fly_head;
      const Packet& p = pool_[pkt];
      ps.fly_head = p.next;
      if (ps.fly_head == kNoPacket) {
        ps.fly_tail = kNoPacket;
      } else {
        sim_.schedule_at(p.next_due, this, kArrive, arg);  // read here: the next frame stays cold
      }
      on_arrive(pkt);
      break;
    }
    case kPauseEnd: {
      const auto port = static_cast<PortId>(arg);
      PortState& ps = ports_[port];
      settle_pauses(port);
      // Pauses refreshed since this was armed: wait for the earliest class still paused.
      Time next = Time::max();
      for (int c = kFirstDataClass; c < kFirstDataClass + data_classes_; ++c) {
        if (ps.paused_mask >> c & 1) next = std::min(next, ps.paused_until[static_cast<std::size_t>(c)]);
      }
      if (next != Time::max()) sim_.arm(ps.pause_end, next);
      try_transmit(port);
      break;
    }
    case kRto:
      on_rto(static_cast<std::uint32_t>(arg));
      break;
    case kPace: {
      Qp& q = qp_[arg];
      q.next_allowed = std::min(q.next_allowed, sim_.now());
      make_ready(static_cast<std::uint32_t>(arg));
      break;
    }
    case kPfcRefresh: {
      IngressState& g = ingress_[arg];
      if (!g.paused_upstream) break;
      if (sim_.now() >= g.refresh_due) {
        send_pause(static_cast<std::uint32_t>(arg), true);
      } else {
        sim_.arm(g.refresh, g.refresh_due);
      }
      break;
    }
    case kStallCheck:
      on_stall_check();
      break;
    case kReorder:
      on_reorder_timer(static_cast<std::uint32_t>(arg));
      break;
    case kCredit:
      rccc_tick(static_cast<std::uint32_t>(arg));
      break;
    case kNicDrain:
      nic_rx_drained(static_cast<PortId>(arg));
      break;
    default:
      break;
  }
}

Time PacketNet::serialization(const PortState& ps, std::uint32_t wire) const {
  if (wire == data_wire_mtu_) return ps.ser_mtu;
  if (wire == params_.wire.control_bytes.n) return ps.ser_control;
  return serialization_time(Bytes{wire}, ps.rate);
}

bool PacketNet::class_eligible(const PortState& ps, int cls) const {
  if (!(ps.paused_mask >> cls & 1)) return true;
  return ps.paused_until[static_cast<std::size_t>(cls)] <= sim_.now() || (ps.watchdog_off >> cls & 1) != 0;
}

void PacketNet::enqueue(PortId port, std::uint32_t pkt) {
  PortState& ps = ports_[port];
  if (ps.down) {
    lose(port, pkt);
    return;
  }
  touch(port, ps);
  Packet& p = pool_[pkt];
  const std::size_t c = p.cls;
  p.next = kNoPacket;
  if (ps.tail[c] == kNoPacket) {
    ps.head[c] = pkt;
  } else {
    pool_[ps.tail[c]].next = pkt;
  }
  ps.tail[c] = pkt;
  ps.qmask = static_cast<std::uint8_t>(ps.qmask | (1u << c));
  ps.qbytes[c] += p.wire;
  if (c >= kFirstDataClass) ps.max_qbytes = std::max(ps.max_qbytes, ps.qbytes[c]);
}

std::uint32_t PacketNet::take_from_class(PortId port, int cls) {
  PortState& ps = ports_[port];
  const std::size_t c = static_cast<std::size_t>(cls);
  const std::uint32_t pkt = ps.head[c];
  if (pkt != kNoPacket) {
    Packet& p = pool_[pkt];
    ps.head[c] = p.next;
    if (ps.head[c] == kNoPacket) {
      ps.tail[c] = kNoPacket;
      ps.qmask = static_cast<std::uint8_t>(ps.qmask & ~(1u << c));
    }
    ps.qbytes[c] -= p.wire;
    if (cls == kControlClass && params_.mmu.control_in_buffer && !ps.host) release_control(port, p);
    if (p.type == PacketType::data && !ps.host) {
      const std::uint32_t held = p.wire;  // the bytes the ingress accounted
      if (pool_.telemetry() && p.hops_recorded < kMaxTelemetryHops) {
        pool_.hops(pkt)[p.hops_recorded++] = HopTelemetry{sim_.now(), ps.qbytes[c], ps.tx_bytes, ps.rate};
        p.wire += telemetry_bytes_;  // the record rides in the frame from here on
      }
      // May send an XON (allocating a frame): `p` must not be used after this.
      release(fabric_.port(port).node, p.from_port * static_cast<std::uint32_t>(data_classes_) + (cls - kFirstDataClass),
              held, cls - kFirstDataClass);
    }
    return pkt;
  }
  if (ps.host && cls >= kFirstDataClass) return pull_data(port, cls - kFirstDataClass);
  return kNoPacket;
}

std::uint32_t PacketNet::select_packet(PortId port) {
  PortState& ps = ports_[port];
  if (ps.qmask & (1u << kMacControlClass)) return take_from_class(port, kMacControlClass);
  if (ps.qmask & (1u << kControlClass)) return take_from_class(port, kControlClass);
  if (params_.queues.scheduler == Scheduler::strict || data_classes_ == 1) {
    for (int c = kFirstDataClass; c < kFirstDataClass + data_classes_; ++c) {
      if (!class_eligible(ps, c)) continue;
      const std::uint32_t pkt = take_from_class(port, c);
      if (pkt != kNoPacket) return pkt;
    }
    return kNoPacket;
  }
  // DWRR: the cursor visits classes round robin; on arriving at a backlogged class it credits
  // quantum·weight, the class sends while its deficit covers its head frame, then the cursor
  // moves on. An empty class forfeits its deficit.
  for (int visits = 0; visits < 2 * data_classes_ + 2; ++visits) {
    const int prio = ps.dwrr_cursor;
    const int c = kFirstDataClass + prio;
    const std::size_t ci = static_cast<std::size_t>(c);
    const bool has = ps.head[ci] != kNoPacket || (ps.host && ps.ready_head[static_cast<std::size_t>(prio)] != UINT32_MAX);
    if (has && class_eligible(ps, c)) {
      if (!ps.dwrr_credited) {
        ps.deficit[ci] += params_.queues.dwrr_quantum.n * params_.queues.dwrr_weights[static_cast<std::size_t>(prio)];
        ps.dwrr_credited = true;
      }
      const std::int64_t need = ps.head[ci] != kNoPacket ? pool_[ps.head[ci]].wire : data_wire_mtu_;
      if (ps.deficit[ci] >= need) {
        const std::uint32_t pkt = take_from_class(port, c);
        if (pkt != kNoPacket) {
          ps.deficit[ci] -= pool_[pkt].wire;
          return pkt;
        }
        ps.deficit[ci] = 0;  // a host ring of QPs that could not send after all
      }
    } else if (!has) {
      ps.deficit[ci] = 0;
    }
    ps.dwrr_cursor = static_cast<std::uint8_t>((prio + 1) % data_classes_);
    ps.dwrr_credited = false;
  }
  return kNoPacket;
}

bool PacketNet::has_work(const PortState& ps) const {
  if (ps.qmask != 0) return true;
  if (ps.host) {
    for (int c = 0; c < data_classes_; ++c) {
      if (ps.ready_head[static_cast<std::size_t>(c)] != UINT32_MAX) return true;
    }
  }
  return false;
}

void PacketNet::try_transmit(PortId port) {
  PortState& ps = ports_[port];
  // A pending kTxDone will pick the next frame; a down link sends nothing.
  if (ps.txdone_pending || ps.down) return;
  const Time now = sim_.now();
  if (ps.busy_until > now) {
    ps.txdone_pending = true;
    sim_.schedule_at(ps.busy_until, this, kTxDone, port);
    return;
  }
  // Pending while choosing, so a pause frame queued on this port from inside select_packet() (an
  // XON caused by a release) does not re-enter; has_work() below picks it up.
  ps.txdone_pending = true;
  const std::uint32_t pkt = select_packet(port);
  ps.txdone_pending = false;
  if (pkt == kNoPacket) return;
  Packet& p = pool_[pkt];
  p.from_port = port;
  touch(port, ps);
  ps.tx_bytes += p.wire;
  ++ps.tx_packets;
  ps.busy_until = now + serialization(ps, p.wire);
  const Time due = ps.busy_until + ps.latency;
  p.next = kNoPacket;
  if (ps.fly_tail == kNoPacket) {
    ps.fly_head = pkt;
    sim_.schedule_at(due, this, kArrive, port | static_cast<std::uint64_t>(ps.fly_gen) << 32);
  } else {
    Packet& prev = pool_[ps.fly_tail];
    prev.next = pkt;
    prev.next_due = due;
  }
  ps.fly_tail = pkt;
  if (has_work(ps)) {
    ps.txdone_pending = true;
    sim_.schedule_at(ps.busy_until, this, kTxDone, port);
  }
}

void PacketNet::on_arrive(std::uint32_t pkt) {
  Packet& p = pool_[pkt];
  if (p.type == PacketType::pause) {
    on_pause_frame(pkt);
    return;
  }
  const PortState& from = ports_[p.from_port];
  const NodeId node = from.peer;
  if (from.peer_host) {
    // An accelerator inside a route (a scale-up relay) sends the frame on through its NIC.
    const bool relay = p.steer == Steer::route && p.hop + 1u < route_begin_[p.route + 1] - route_begin_[p.route];
    if (!relay) {
      if (!nic_rx_.empty() && p.type == PacketType::data) {
        nic_rx_arrive(pkt);
        return;
      }
      on_host_arrival(pkt);
      return;
    }
    ++p.hop;
    const PortId out = route_ports_[route_begin_[p.route] + p.hop];
    enqueue(out, pkt);
    try_transmit(out);
    return;
  }
  if (p.type == PacketType::data) {
    on_switch_data(pkt, node);
    return;
  }
  if (p.type == PacketType::trimmed) {
    forward_trimmed(pkt, node);
    return;
  }
  // Control frames: forward in the control class (MMU accounting only with control_in_buffer).
  ++p.hop;
  const PortId out = route_ports_[route_begin_[p.route] + p.hop];
  if (params_.mmu.control_in_buffer && !ports_[out].down) {
    SwitchState& sw = switches_[node];
    if (sw.shared_used + p.wire > sw.shared_size) {
      ++counters_.control_drops;
      ++counters_.drops;
      ++port_counters_[out].drops;
      pool_.release(pkt);
      return;
    }
    sw.shared_used += p.wire;
    sw.control_used += p.wire;
  }
  enqueue(out, pkt);
  try_transmit(out);
}

// A pause frame sent on port x pauses x's peer port (the reverse direction of the same link).
void PacketNet::on_pause_frame(std::uint32_t pkt) {
  const Packet& p = pool_[pkt];
  const PortId target = fabric_.port(p.from_port).peer_port;
  const int cls = kFirstDataClass + static_cast<int>(p.qp);
  const std::uint32_t quanta = p.psn;
  pool_.release(pkt);
  PortState& ps = ports_[target];
  PortCounters& pc = port_counters_[target];
  const std::size_t c = static_cast<std::size_t>(cls);
  const Time now = sim_.now();
  settle_pauses(target);
  if (quanta == 0) {
    ++pc.resumes_received;
    if (ps.paused_mask >> cls & 1) {
      close_pause(target, c, now);
      ps.paused_mask = static_cast<std::uint8_t>(ps.paused_mask & ~(1u << cls));
    }
    ps.paused_until[c] = now;
    if (ps.paused_mask == 0 && ps.pause_end.valid()) sim_.cancel(ps.pause_end);
    try_transmit(target);
    return;
  }
  ++pc.pauses_received;
  pc.first_pause_received = std::min(pc.first_pause_received, now);
  touch(target, ps);
  if (!(ps.paused_mask >> cls & 1)) {
    ps.paused_mask = static_cast<std::uint8_t>(ps.paused_mask | (1u << cls));
    ps.pause_began[c] = now;
  } else if (params_.pfc.watchdog.ps > 0 && now - ps.pause_began[c] >= params_.pfc.watchdog &&
             !(ps.watchdog_off >> cls & 1)) {
    // Paused for longer than the watchdog allows: stop honouring pause on this class (it turns
    // lossy downstream) so one stuck receiver cannot freeze the fabric.
    ps.watchdog_off = static_cast<std::uint8_t>(ps.watchdog_off | (1u << cls));
    ++pc.watchdog_trips;
    try_transmit(target);
  }
  ps.paused_until[c] = now + serialization_time(Bytes{static_cast<std::int64_t>(quanta) * 64}, ps.rate);
  if (!ps.pause_end.valid()) ps.pause_end = sim_.make_timer(this, kPauseEnd, target);
  if (!sim_.armed(ps.pause_end) || sim_.expiry(ps.pause_end) > ps.paused_until[c]) sim_.arm(ps.pause_end, ps.paused_until[c]);
}

// A pause of class c on `port` that began at pause_began[c] ends at `end`.
void PacketNet::close_pause(PortId port, std::size_t c, Time end) {
  PortCounters& pc = port_counters_[port];
  const Time length = end - ports_[port].pause_began[c];
  pc.paused_time += length;
  pc.longest_pause = std::max(pc.longest_pause, length);
  if (pause_log_.size() < kMaxPauseSpans) {
    pause_log_.push_back(PauseSpan{port, ports_[port].pause_began[c], end});
  } else {
    pause_log_full_ = true;
  }
}

// Closes the pause accounting of classes whose pause time ran out.
void PacketNet::settle_pauses(PortId port) {
  PortState& ps = ports_[port];
  if (ps.paused_mask == 0) return;
  for (int c = kFirstDataClass; c < kFirstDataClass + data_classes_; ++c) {
    const std::size_t ci = static_cast<std::size_t>(c);
    if ((ps.paused_mask >> c & 1) && ps.paused_until[ci] <= sim_.now()) {
      close_pause(port, ci, ps.paused_until[ci]);
      ps.paused_mask = static_cast<std::uint8_t>(ps.paused_mask & ~(1u << c));
    }
  }
}

PortCounters PacketNet::port_counters(PortId p) const {
  PortCounters pc = port_counters_[p];
  pc.tx_wire_bytes = ports_[p].tx_bytes;
  pc.tx_packets = ports_[p].tx_packets;
  pc.max_queue_bytes = ports_[p].max_qbytes;
  return pc;
}

std::vector<PortCounters> PacketNet::all_port_counters() const {
  std::vector<PortCounters> all;
  all.reserve(ports_.size());
  for (PortId p = 0; p < ports_.size(); ++p) all.push_back(port_counters(p));
  return all;
}

std::int64_t PacketNet::queue_bytes(PortId p) const {
  std::int64_t q = 0;
  for (const std::int64_t b : ports_[p].qbytes) q += b;
  return q;
}

std::int64_t PacketNet::buffered_bytes() const {
  std::int64_t total = 0;
  for (const IngressState& g : ingress_) total += g.reserve_used + g.shared_used + g.headroom_used;
  for (const SwitchState& sw : switches_) total += sw.control_used;
  return total;
}

void PacketNet::on_stall_check() {
  if (active_qps_ == 0) return;
  if (progress_ != progress_at_check_) {
    progress_at_check_ = progress_;
    sim_.arm(stall_timer_, sim_.now() + params_.stall_timeout);
    return;
  }
  stall_.stalled = true;
  stall_.detected_at = sim_.now();
  stall_.active_qps = active_qps_;
  stall_.paused_ports.clear();
  for (PortId p = 0; p < ports_.size(); ++p) {
    const PortState& ps = ports_[p];
    for (int c = kFirstDataClass; c < kFirstDataClass + data_classes_; ++c) {
      if ((ps.paused_mask >> c & 1) && ps.paused_until[static_cast<std::size_t>(c)] > sim_.now()) {
        stall_.paused_ports.push_back(p);
        break;
      }
    }
  }
  // Also a note in the report: when the workload had already finished (completion on delivery,
  // the senders still waiting for ACKs that never come), the run ends "completed" here, and its
  // end time carries the stall_timeout(s) of retransmissions that did no work.
  warnings_.push_back(stall_message() + "; the run was stopped there (" + std::to_string(counters_.control_drops) +
                      " control frames and " + std::to_string(counters_.lossless_drops) +
                      " lossless data frames dropped), so its end time includes that time without progress");
  sim_.stop();
}

std::string StallReport::describe() const {
  std::string s("no progress at t=");
  s += to_string(detected_at);
  s += " with ";
  s += std::to_string(active_qps);
  s += " QPs active; ports paused:";
  for (std::uint32_t p : paused_ports) (s += ' ') += std::to_string(p);
  if (paused_ports.empty()) s += " none";
  return s;
}

std::string PacketNet::stall_message() const {
  std::string s("no progress for ");
  s += to_string(params_.stall_timeout);
  s += " at t=";
  s += to_string(stall_.detected_at);
  s += " with ";
  s += std::to_string(stall_.active_qps);
  s += " QPs active";
  if (stall_.paused_ports.empty()) return s + "; no port is paused";
  s += "; egress ports held paused (PFC deadlock):";
  for (PortId p : stall_.paused_ports) {
    s += ' ';
    s += std::to_string(p);
    s += " (node ";
    s += std::to_string(fabric_.port(p).node);
    s += " -> node ";
    s += std::to_string(fabric_.port(p).peer);
    s += ')';
  }
  return s;
}

}  // namespace rocesim::net
