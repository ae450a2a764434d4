// Instantaneous per-port readings for samplers (time series): what a port has serialized and how
// long it has been paused, at the simulator's current instant.
#include <algorithm>

#include "net/packet_net.hpp"

namespace rocesim::net {

double PacketNet::serialized_bytes(PortId p) const {
  const PortState& ps = ports_[p];
  const double counted = static_cast<double>(ps.tx_bytes);
  const Time now = sim_.now();
  if (ps.busy_until <= now) return counted;
  // Bytes still to serialize of the frame in progress: (busy_until − now) · rate / 8.
  const double unsent = (ps.busy_until - now).seconds() * static_cast<double>(ps.rate.bps) / 8.0;
  return std::max(0.0, counted - unsent);
}

Time PacketNet::paused_time_now(PortId p) const {
  const PortState& ps = ports_[p];
  Time total = port_counters_[p].paused_time;
  if (ps.paused_mask == 0) return total;
  const Time now = sim_.now();
  for (int c = kFirstDataClass; c < kFirstDataClass + data_classes_; ++c) {
    const auto ci = static_cast<std::size_t>(c);
    if (!(ps.paused_mask >> c & 1)) continue;
    // A class whose pause expired but was not settled yet counts up to its expiry.
    const Time until = std::min(now, ps.paused_until[ci]);
    if (until > ps.pause_began[ci]) total += until - ps.pause_began[ci];
  }
  return total;
}

std::vector<PauseSpan> PacketNet::pause_spans_now() const {
  std::vector<PauseSpan> out = pause_log_;
  const Time now = sim_.now();
  for (const PortId p : touched_ports_) {
    const PortState& ps = ports_[p];
    if (ps.paused_mask == 0) continue;
    for (int c = kFirstDataClass; c < kFirstDataClass + data_classes_; ++c) {
      const auto ci = static_cast<std::size_t>(c);
      if (!(ps.paused_mask >> c & 1)) continue;
      const Time until = std::min(now, ps.paused_until[ci]);  // as paused_time_now()
      if (until > ps.pause_began[ci]) out.push_back(PauseSpan{p, ps.pause_began[ci], until});
    }
  }
  return out;
}

}  // namespace rocesim::net
