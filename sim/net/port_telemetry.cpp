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
  Time total = port_counters_[p].paused_time;
  for_each_open_pause(p, [&](Time begin, Time until) { total += until - begin; });
  return total;
}

std::vector<PauseSpan> PacketNet::pause_spans_now() const {
  std::vector<PauseSpan> out = pause_log_;
  for (const PortId p : touched_ports_)
    for_each_open_pause(p, [&](Time begin, Time until) { out.push_back(PauseSpan{p, begin, until}); });
  return out;
}

}  // namespace rocesim::net
