#include "net/net_params.hpp"

#include "core/config_error.hpp"

namespace rocesim::net {

void validate(const NetParams& p, const std::string& file) {
  const auto fail = [&](const std::string& path, const std::string& msg) { throw ConfigError(file, path, msg); };
  if (p.wire.mtu < kMinMtu || p.wire.mtu > kMaxMtu) {
    fail("/wire/mtu", "MTU " + to_string(p.wire.mtu) + " is outside [" + to_string(kMinMtu) + ", " + to_string(kMaxMtu) + "]");
  }
  if (p.wire.data_overhead.n < 0) fail("/wire/data_overhead", "overhead must be >= 0");
  if (p.wire.control_bytes.n <= 0) fail("/wire/control_bytes", "control frame size must be positive");
  if (p.wire.pause_bytes.n <= 0) fail("/wire/pause_bytes", "pause frame size must be positive");
  const auto& q = p.queues;
  if (q.data_classes < 1 || q.data_classes > kMaxDataClasses) {
    fail("/queues/data_classes", "must be in [1, " + std::to_string(kMaxDataClasses) + "]");
  }
  if (static_cast<int>(q.lossless.size()) != q.data_classes) {
    fail("/queues/lossless", "needs one entry per data class (" + std::to_string(q.data_classes) + ")");
  }
  if (static_cast<int>(q.dwrr_weights.size()) != q.data_classes) {
    fail("/queues/dwrr_weights", "needs one entry per data class (" + std::to_string(q.data_classes) + ")");
  }
  for (int w : q.dwrr_weights) {
    if (w < 1) fail("/queues/dwrr_weights", "weights must be >= 1");
  }
  if (q.dwrr_quantum.n <= 0) fail("/queues/dwrr_quantum", "quantum must be positive");
  const Bytes data_wire = p.wire.mtu + p.wire.data_overhead;
  if (p.mmu.buffer.n <= 0) fail("/mmu/buffer", "buffer must be positive");
  if (p.mmu.reserve_per_port.n < 0) fail("/mmu/reserve_per_port", "reserve must be >= 0");
  if (!(p.mmu.lossy_alpha > 0)) fail("/mmu/lossy_alpha", "alpha must be > 0");
  if (p.ecn.kmin > p.ecn.kmax) fail("/ecn/kmin", "Kmin (" + to_string(p.ecn.kmin) + ") exceeds Kmax (" + to_string(p.ecn.kmax) + ")");
  if (!(p.ecn.pmax >= 0.0 && p.ecn.pmax <= 1.0)) fail("/ecn/pmax", "Pmax must be in [0, 1]");
  if (p.pfc.enabled) {
    if (p.mmu.headroom && *p.mmu.headroom < data_wire) {
      fail("/mmu/headroom", "PFC headroom (" + to_string(*p.mmu.headroom) + ") is below one MTU frame (" +
                                to_string(data_wire) + ")");
    }
    if (p.pfc.threshold == PfcThreshold::fixed && p.pfc.xon > p.pfc.xoff) {
      fail("/pfc/xon", "XON (" + to_string(p.pfc.xon) + ") exceeds XOFF (" + to_string(p.pfc.xoff) + ")");
    }
    if (p.pfc.threshold == PfcThreshold::fixed && p.pfc.xoff.n <= 0) fail("/pfc/xoff", "XOFF must be positive");
    if (!(p.pfc.alpha > 0)) fail("/pfc/alpha", "alpha must be > 0");
    if (p.pfc.xon_offset.n < 0) fail("/pfc/xon_offset", "must be >= 0");
    if (p.pfc.quanta < 1 || p.pfc.quanta > 65535) fail("/pfc/quanta", "pause quanta must be in [1, 65535]");
    if (p.pfc.watchdog.ps < 0) fail("/pfc/watchdog", "must be >= 0");
  }
  const auto& n = p.nic;
  if (n.qps_per_connection < 1) fail("/nic/qps_per_connection", "must be >= 1");
  if (n.ack_every < 1) fail("/nic/ack_every", "must be >= 1");
  if (n.rto < kMinRto || n.rto > kMaxRto) {
    fail("/nic/rto", "retransmission timeout " + to_string(n.rto) + " is outside [" + to_string(kMinRto) + ", " +
                         to_string(kMaxRto) + "] (below a path's round trip every packet would time out)");
  }
  if (n.window.n < 0) fail("/nic/window", "must be >= 0");
  if (n.window.n > 0 && n.window < data_wire) fail("/nic/window", "a window below one MTU can never send");
  if (n.reorder_timeout.ps <= 0) fail("/nic/reorder_timeout", "must be positive");
  if (n.reorder_window < 64 || n.reorder_window > (1 << 20) || n.reorder_window % 64 != 0) {
    fail("/nic/reorder_window", "must be a multiple of 64 in [64, 1048576] PSNs");
  }
  if (n.transport == Transport::uet) {
    validate_uet(p.uet, data_wire, p.mmu.buffer, n.reorder_window, file);
  }
  if (!n.class_transport.empty() && static_cast<int>(n.class_transport.size()) != p.queues.data_classes) {
    fail("/nic/transport", "one transport per data class: " + std::to_string(p.queues.data_classes) +
                               " classes (queues.data_classes), " + std::to_string(n.class_transport.size()) + " given");
  }
  if (n.rx_buffer.enabled()) {
    const RxBufferParams& b = n.rx_buffer;
    if (b.size < data_wire * 2 || b.size > kMaxRxBuffer) {
      fail("/nic/rx_buffer/size", "receive buffer " + to_string(b.size) + " is outside [2 data frames = " +
                                      to_string(data_wire * 2) + ", " + to_string(kMaxRxBuffer) + "]");
    }
    if (b.drain_rate < kMinRxDrain || b.drain_rate > kMaxRxDrain) {
      fail("/nic/rx_buffer/drain_rate", "drain rate " + to_string(b.drain_rate) + " is outside [" + to_string(kMinRxDrain) +
                                            ", " + to_string(kMaxRxDrain) + "] (required when the buffer is on)");
    }
    if (b.xoff && (*b.xoff < data_wire || *b.xoff >= b.size)) {
      fail("/nic/rx_buffer/xoff", "XOFF " + to_string(*b.xoff) + " must be in [one data frame = " + to_string(data_wire) +
                                      ", size = " + to_string(b.size) + ")");
    }
    if (b.xon && (b.xon->n < 0 || (b.xoff && *b.xon >= *b.xoff) || *b.xon >= b.size)) {
      fail("/nic/rx_buffer/xon", "XON " + to_string(*b.xon) + " must be >= 0 and below XOFF");
    }
  } else if (n.rx_buffer.size.n < 0) {
    fail("/nic/rx_buffer/size", "must be >= 0 (0 = off)");
  }
  if (p.stall_timeout <= n.rto) {
    fail("/stall_timeout", "must exceed the retransmission timeout (" + to_string(n.rto) + ")");
  }
}

NetParams read_net_params(JsonReader& r) {
  NetParams p;
  if (auto w = r.object_opt("wire")) {
    p.wire.mtu = w->bytes_or("mtu", p.wire.mtu, 1);
    p.wire.data_overhead = w->bytes_or("data_overhead", p.wire.data_overhead);
    p.wire.control_bytes = w->bytes_or("control_bytes", p.wire.control_bytes, 1);
    p.wire.pause_bytes = w->bytes_or("pause_bytes", p.wire.pause_bytes, 1);
    w->finish();
  }
  if (auto q = r.object_opt("queues")) {
    p.queues.data_classes = static_cast<int>(q->integer_or("data_classes", 1, 1, kMaxDataClasses));
    p.queues.lossless.assign(static_cast<std::size_t>(p.queues.data_classes), true);
    p.queues.dwrr_weights.assign(static_cast<std::size_t>(p.queues.data_classes), 1);
    if (q->has("lossless")) {
      const auto& a = q->array("lossless");
      p.queues.lossless.clear();
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_boolean()) throw ConfigError(q->file(), q->element_path("lossless", i), "expected true or false");
        p.queues.lossless.push_back(a[i].get<bool>());
      }
    }
    if (q->has("dwrr_weights")) {
      const auto& a = q->array("dwrr_weights");
      p.queues.dwrr_weights.clear();
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_number_integer() || a[i].get<std::int64_t>() < 1 || a[i].get<std::int64_t>() > 1000000) {
          throw ConfigError(q->file(), q->element_path("dwrr_weights", i), "expected an integer weight in [1, 1000000]");
        }
        p.queues.dwrr_weights.push_back(static_cast<int>(a[i].get<std::int64_t>()));
      }
    }
    p.queues.scheduler = q->choice_or("scheduler", {"strict", "dwrr"}, "strict") == "dwrr" ? Scheduler::dwrr : Scheduler::strict;
    p.queues.dwrr_quantum = q->bytes_or("dwrr_quantum", p.queues.dwrr_quantum);
    q->finish();
  }
  if (auto m = r.object_opt("mmu")) {
    p.mmu.buffer = m->bytes_or("buffer", p.mmu.buffer);
    p.mmu.reserve_per_port = m->bytes_or("reserve_per_port", p.mmu.reserve_per_port);
    if (m->has("headroom")) {  // "auto" or a size
      if (m->raw("headroom") == "auto") p.mmu.headroom.reset();
      else p.mmu.headroom = m->bytes("headroom");
    }
    p.mmu.lossy_alpha = m->number_or("lossy_alpha", p.mmu.lossy_alpha, 0.0, 1e9);
    p.mmu.control_in_buffer = m->boolean_or("control_in_buffer", p.mmu.control_in_buffer);
    m->finish();
  }
  if (auto e = r.object_opt("ecn")) {
    p.ecn.enabled = e->boolean_or("enabled", p.ecn.enabled);
    p.ecn.kmin = e->bytes_or("kmin", p.ecn.kmin);
    p.ecn.kmax = e->bytes_or("kmax", p.ecn.kmax);
    p.ecn.pmax = e->number_or("pmax", p.ecn.pmax, -1e300, 1e300);  // range checked by validate()
    e->finish();
  }
  if (auto f = r.object_opt("pfc")) {
    p.pfc.enabled = f->boolean_or("enabled", p.pfc.enabled);
    p.pfc.threshold = f->choice_or("threshold", {"static", "dynamic"}, "dynamic") == "static" ? PfcThreshold::fixed
                                                                                             : PfcThreshold::dynamic;
    p.pfc.alpha = f->number_or("alpha", p.pfc.alpha, -1e300, 1e300);
    p.pfc.xoff = f->bytes_or("xoff", p.pfc.xoff);
    p.pfc.xon = f->bytes_or("xon", p.pfc.xon);
    p.pfc.xon_offset = f->bytes_or("xon_offset", p.pfc.xon_offset);
    p.pfc.quanta = f->integer_or("quanta", p.pfc.quanta, INT64_MIN, INT64_MAX);
    p.pfc.watchdog = f->time_or("watchdog", p.pfc.watchdog);
    f->finish();
  }
  if (auto n = r.object_opt("nic")) {
    p.nic.qps_per_connection = static_cast<int>(n->integer_or("qps_per_connection", 1, 1, 16384));
    p.nic.ack_every = static_cast<int>(n->integer_or("ack_every", 1, 1, 1 << 20));
    p.nic.rto = n->time_or("rto", p.nic.rto);
    p.nic.cnp_interval = n->time_or("cnp_interval", p.nic.cnp_interval);
    p.nic.generate_cnp = n->boolean_or("generate_cnp", p.nic.generate_cnp);
    p.nic.window = n->bytes_or("window", p.nic.window);
    p.nic.complete_on = n->choice_or("complete_on", {"delivery", "ack"}, "delivery") == "ack" ? CompleteOn::ack
                                                                                           : CompleteOn::delivery;
    p.nic.receiver = n->choice_or("receiver", {"go_back_n", "reorder_tolerant"}, "go_back_n") == "reorder_tolerant"
                         ? Receiver::reorder_tolerant
                         : Receiver::go_back_n;
    p.nic.reorder_timeout = n->time_or("reorder_timeout", p.nic.reorder_timeout);
    p.nic.reorder_window = static_cast<int>(n->integer_or("reorder_window", p.nic.reorder_window, INT32_MIN, INT32_MAX));
    if (n->has("transport") && n->raw("transport").is_array()) {
      const nlohmann::json& list = n->array("transport");
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string() || (list[i] != "roce" && list[i] != "uet")) {
          throw ConfigError(n->file(), n->element_path("transport", i), "expected \"roce\" or \"uet\"");
        }
        p.nic.class_transport.push_back(list[i] == "uet" ? Transport::uet : Transport::roce);
        if (list[i] == "uet") p.nic.transport = Transport::uet;
      }
    } else {
      p.nic.transport = n->choice_or("transport", {"roce", "uet"}, "roce") == "uet" ? Transport::uet : Transport::roce;
    }
    if (auto b = n->object_opt("rx_buffer")) {
      p.nic.rx_buffer.size = b->bytes("size");
      p.nic.rx_buffer.drain_rate = b->rate_or("drain_rate", Rate{});
      if (b->has("xoff") && b->raw("xoff") != "auto") p.nic.rx_buffer.xoff = b->bytes("xoff");
      if (b->has("xon") && b->raw("xon") != "auto") p.nic.rx_buffer.xon = b->bytes("xon");
      p.nic.rx_buffer.per_priority = b->boolean_or("per_priority", false);
      b->finish();
    }
    n->finish();
  }
  if (auto u = r.object_opt("uet")) {
    if (p.nic.transport != Transport::uet) {
      throw ConfigError(r.file(), r.path_of("uet"), "uet.* parameters need nic.transport = \"uet\"");
    }
    p.uet = read_uet_params(*u);
  }
  p.stall_timeout = r.time_or("stall_timeout", p.stall_timeout);
  p.seed = static_cast<std::uint64_t>(r.integer_or("seed", 1, 0, INT64_MAX));
  r.finish();
  // validate() reports paths relative to this object.
  try {
    validate(p, r.file());
  } catch (const ConfigError& e) {
    throw ConfigError(e.file(), r.path() + e.path(), e.message());
  }
  return p;
}

nlohmann::json to_json(const NetParams& p) {
  nlohmann::json lossless = nlohmann::json::array();
  for (bool b : p.queues.lossless) lossless.push_back(b);
  nlohmann::json out = {
      {"wire",
       {{"mtu", to_string(p.wire.mtu)},
        {"data_overhead", to_string(p.wire.data_overhead)},
        {"control_bytes", to_string(p.wire.control_bytes)},
        {"pause_bytes", to_string(p.wire.pause_bytes)}}},
      {"queues",
       {{"data_classes", p.queues.data_classes},
        {"lossless", lossless},
        {"scheduler", p.queues.scheduler == Scheduler::dwrr ? "dwrr" : "strict"},
        {"dwrr_quantum", to_string(p.queues.dwrr_quantum)},
        {"dwrr_weights", p.queues.dwrr_weights}}},
      {"mmu",
       {{"buffer", to_string(p.mmu.buffer)},
        {"reserve_per_port", to_string(p.mmu.reserve_per_port)},
        {"headroom", p.mmu.headroom ? to_string(*p.mmu.headroom) : std::string("auto")},
        {"lossy_alpha", p.mmu.lossy_alpha}}},
      {"ecn", {{"enabled", p.ecn.enabled}, {"kmin", to_string(p.ecn.kmin)}, {"kmax", to_string(p.ecn.kmax)}, {"pmax", p.ecn.pmax}}},
      {"pfc",
       {{"enabled", p.pfc.enabled},
        {"threshold", p.pfc.threshold == PfcThreshold::fixed ? "static" : "dynamic"},
        {"alpha", p.pfc.alpha},
        {"xoff", to_string(p.pfc.xoff)},
        {"xon", to_string(p.pfc.xon)},
        {"xon_offset", to_string(p.pfc.xon_offset)},
        {"quanta", p.pfc.quanta},
        {"watchdog", to_string(p.pfc.watchdog)}}},
      {"nic",
       {{"qps_per_connection", p.nic.qps_per_connection},
        {"ack_every", p.nic.ack_every},
        {"rto", to_string(p.nic.rto)},
        {"cnp_interval", to_string(p.nic.cnp_interval)},
        {"generate_cnp", p.nic.generate_cnp},
        {"window", to_string(p.nic.window)},
        {"complete_on", p.nic.complete_on == CompleteOn::ack ? "ack" : "delivery"},
        {"receiver", p.nic.receiver == Receiver::reorder_tolerant ? "reorder_tolerant" : "go_back_n"},
        {"reorder_timeout", to_string(p.nic.reorder_timeout)},
        {"reorder_window", p.nic.reorder_window}}},
      {"stall_timeout", to_string(p.stall_timeout)},
      {"seed", p.seed},
  };
  // RoCE runs keep the effective config they always had (regression baselines compare it).
  if (!p.mmu.control_in_buffer) out["mmu"]["control_in_buffer"] = false;
  if (p.nic.rx_buffer.enabled()) {
    const RxBufferParams& b = p.nic.rx_buffer;
    out["nic"]["rx_buffer"] = {{"size", to_string(b.size)},
                               {"drain_rate", to_string(b.drain_rate)},
                               {"xoff", b.xoff ? to_string(*b.xoff) : std::string("auto")},
                               {"xon", b.xon ? to_string(*b.xon) : std::string("auto")}};
    if (b.per_priority) out["nic"]["rx_buffer"]["per_priority"] = true;
  }
  if (p.nic.transport == Transport::uet) {
    out["nic"]["transport"] = "uet";
    out["uet"] = to_json(p.uet);
  }
  if (!p.nic.class_transport.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (Transport t : p.nic.class_transport) list.push_back(t == Transport::uet ? "uet" : "roce");
    out["nic"]["transport"] = list;
  }
  return out;
}

}  // namespace rocesim::net
