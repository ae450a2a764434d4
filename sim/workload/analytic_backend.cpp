#include "workload/analytic_backend.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace rocesim::workload {

const char* to_string(Contention c) {
  switch (c) {
    case Contention::links: return "links";
    case Contention::endpoints: return "endpoints";
    case Contention::none: return "none";
  }
  return "?";
}

std::optional<Contention> parse_contention(std::string_view name) {
  for (Contention c : {Contention::links, Contention::endpoints, Contention::none}) {
    if (name == to_string(c)) return c;
  }
  return std::nullopt;
}

AnalyticBackend::AnalyticBackend(Simulator& sim, const routing::Router& router, Contention contention)
    : sim_(sim), router_(router), contention_(contention) {
  if (contention_ == Contention::endpoints) {
    free_out_.assign(router.fabric().endpoints(), Time{});
    free_in_.assign(router.fabric().endpoints(), Time{});
  }
  if (contention_ == Contention::links) {
    free_at_.assign(router.fabric().port_count(), Time{});
    fifo_.assign(router.fabric().port_count(), PortFifo{});
  }
}

Time AnalyticBackend::transfer_time(const TransferRequest& r) {
  path_.clear();
  if (!router_.path(routing::FlowKey::for_qp(r.src, r.dst, r.flow_label), path_) || path_.empty()) {
    throw std::logic_error("analytic backend: no path from endpoint " + std::to_string(r.src) + " to " +
                           std::to_string(r.dst));
  }
  const topology::Fabric& f = router_.fabric();
  Time latency{};
  Rate bottleneck = router_.port_rate(path_.front());
  for (topology::PortId p : path_) {
    latency += f.port_latency(p);
    bottleneck = std::min(bottleneck, router_.port_rate(p));
  }
  last_rate_ = bottleneck;
  return latency + serialization_time(r.bytes, bottleneck);
}

void AnalyticBackend::start(const TransferRequest& r) {
  ++started_;
  if (contention_ == Contention::links) {
    const Waiting w{r.tag, r.bytes.n, r.src, r.dst, r.flow_label};
    topology::PortId blocking = 0;
    Time clears{};
    if (!try_start_links(w, blocking, clears)) wait_at(blocking, new_slot(r), clears);
    return;
  }
  const Time idle = transfer_time(r);  // L + ser
  Time tx = sim_.now();
  if (contention_ == Contention::endpoints) {
    const Time ser = serialization_time(r.bytes, last_rate_);
    tx = std::max({tx, free_out_[r.src], free_in_[r.dst]});
    free_out_[r.src] = free_in_[r.dst] = tx + ser;
  }
  sim_.schedule_at(tx + idle, this, kDone, r.tag);
}

bool AnalyticBackend::try_start_links(const Waiting& w, topology::PortId& blocking, Time& clears) {
  const TransferRequest r{w.src, w.dst, Bytes{w.bytes}, w.flow_label, 0, w.tag};
  const Time idle = transfer_time(r);
  const Time ser = serialization_time(r.bytes, last_rate_);
  const topology::Fabric& f = router_.fabric();
  const Time now = sim_.now();
  clears = now;
  Time head{};  // L_h
  for (topology::PortId p : path_) {
    if (free_at_[p] - head > clears) {
      clears = free_at_[p] - head;
      blocking = p;
    }
    head += f.port_latency(p);
  }
  if (clears > now) return false;
  head = Time{};
  for (topology::PortId p : path_) {
    free_at_[p] = now + head + ser;
    head += f.port_latency(p);
  }
  sim_.schedule_at(now + idle, this, kDone, w.tag);
  return true;
}

std::uint32_t AnalyticBackend::new_slot(const TransferRequest& r) {
  std::uint32_t slot = free_slot_;
  if (slot == kNil) {
    slot = static_cast<std::uint32_t>(waiting_.size());
    waiting_.emplace_back();
    waits_at_.push_back(0);
  } else {
    free_slot_ = waiting_[slot].next;
  }
  waiting_[slot] = Waiting{r.tag, r.bytes.n, r.src, r.dst, r.flow_label};
  return slot;
}

void AnalyticBackend::wait_at(topology::PortId port, std::uint32_t slot, Time clears) {
  // Only a FIFO's head has a retry event; the others wait for it to leave.
  PortFifo& q = fifo_[port];
  waiting_[slot].next = kNil;
  waits_at_[slot] = port;
  if (q.head == kNil) {
    q.head = q.tail = slot;
    sim_.schedule_at(clears, this, kRetry, slot);
  } else {
    waiting_[q.tail].next = slot;
    q.tail = slot;
  }
}

void AnalyticBackend::retry(std::uint32_t slot) {
  const topology::PortId port = waits_at_[slot];
  PortFifo& q = fifo_[port];
  const Waiting w = waiting_[slot];
  topology::PortId blocking = 0;
  Time clears{};
  const bool started = try_start_links(w, blocking, clears);
  if (!started && blocking == port) {  // the same port was claimed again meanwhile: stay first in line
    sim_.schedule_at(clears, this, kRetry, slot);
    return;
  }
  q.head = w.next;
  if (q.head == kNil) q.tail = kNil;
  // The next in line tries now; if the port is taken it learns when it clears.
  if (q.head != kNil) sim_.schedule_at(sim_.now(), this, kRetry, q.head);
  if (started) {
    waiting_[slot].next = free_slot_;
    free_slot_ = slot;
  } else {
    wait_at(blocking, slot, clears);
  }
}

void AnalyticBackend::on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) {
  if (kind == kRetry) {
    retry(static_cast<std::uint32_t>(arg));
    return;
  }
  sink_->on_transfer_done(arg, sim.now());
}

}  // namespace rocesim::workload
