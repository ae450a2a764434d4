#include "observe/analytic_series.hpp"

#include <algorithm>

namespace rocesim::observe {

TimeSeries analytic_series(const std::vector<TransferRecord>& transfers, const routing::Router& router,
                           const std::vector<double>& port_bytes, Time end, std::size_t bins, std::size_t top_ports) {
  TimeSeries ts;
  if (end.ps <= 0 || bins == 0) return ts;
  const topology::Fabric& f = router.fabric();
  const auto rate = [&](std::size_t p) { return static_cast<double>(f.port_rate(static_cast<topology::PortId>(p)).bps); };
  std::vector<std::size_t> ports;
  for (std::size_t p = 0; p < port_bytes.size(); ++p) {
    if (port_bytes[p] > 0.0) ports.push_back(p);
  }
  const auto hotter = [&](std::size_t a, std::size_t b) {
    const double ua = port_bytes[a] / rate(a), ub = port_bytes[b] / rate(b);
    return ua != ub ? ua > ub : a < b;
  };
  const std::size_t keep = std::min(top_ports, ports.size());
  std::partial_sort(ports.begin(), ports.begin() + static_cast<std::ptrdiff_t>(keep), ports.end(), hotter);
  ports.resize(keep);
  std::sort(ports.begin(), ports.end());
  std::vector<std::uint32_t> column(port_bytes.size(), UINT32_MAX);
  for (std::size_t k = 0; k < ports.size(); ++k) column[ports[k]] = static_cast<std::uint32_t>(k);

  const std::int64_t width = (end.ps + static_cast<std::int64_t>(bins) - 1) / static_cast<std::int64_t>(bins);
  const auto nbins = static_cast<std::size_t>((end.ps + width - 1) / width);
  std::vector<double> bytes(nbins * ports.size(), 0.0);
  std::vector<topology::PortId> path;
  for (const TransferRecord& t : transfers) {
    if (t.end == Time::max() || t.bytes <= 0) continue;
    path.clear();
    if (!router.path(routing::FlowKey::for_qp(t.src, t.dst, t.flow_label), path) || path.empty()) continue;
    Time latency{};
    Rate bottleneck = f.port_rate(path.front());
    for (topology::PortId p : path) {
      latency += f.port_latency(p);
      bottleneck = std::min(bottleneck, f.port_rate(p));
    }
    const Time ser = serialization_time(Bytes{t.bytes}, bottleneck);
    const std::int64_t hi = (t.end - latency).ps, lo = std::max<std::int64_t>(0, hi - ser.ps);
    for (topology::PortId p : path) {
      const std::uint32_t c = column[p];
      if (c == UINT32_MAX) continue;
      if (hi <= lo) {  // zero-length window: all bytes in one bin
        bytes[std::min(nbins - 1, static_cast<std::size_t>(lo / width)) * ports.size() + c] += static_cast<double>(t.bytes);
        continue;
      }
      const double per_ps = static_cast<double>(t.bytes) / static_cast<double>(hi - lo);
      for (std::int64_t b = lo / width; b * width < hi && static_cast<std::size_t>(b) < nbins; ++b) {
        const std::int64_t overlap = std::min(hi, (b + 1) * width) - std::max(lo, b * width);
        bytes[static_cast<std::size_t>(b) * ports.size() + c] += per_ps * static_cast<double>(overlap);
      }
    }
  }
  ts.interval = Time{width};
  for (std::size_t p : ports) ts.ports.push_back(static_cast<topology::PortId>(p));
  ts.utilization.resize(bytes.size());
  for (std::size_t b = 0; b < nbins; ++b) {
    const Time at{std::min<std::int64_t>(end.ps, static_cast<std::int64_t>(b + 1) * width)};
    const double dt = (at - Time{static_cast<std::int64_t>(b) * width}).seconds();
    ts.at.push_back(at);
    for (std::size_t k = 0; k < ports.size(); ++k) {
      ts.utilization[b * ports.size() + k] = 8.0 * bytes[b * ports.size() + k] / (rate(ports[k]) * dt);
    }
  }
  return ts;
}

}  // namespace rocesim::observe
