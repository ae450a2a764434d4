#include "observe/analytic_series.hpp"

#include <algorithm>

namespace rocesim::observe {

TimeSeries analytic_series(const std::vector<TransferRecord>& transfers, const routing::Router& router,
                           const std::vector<double>& port_bytes, Time end, std::size_t bins, std::size_t top_ports,
                           const std::vector<std::uint32_t>& group_of_port, const std::vector<std::string>& group_names) {
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
  const bool tiers = !group_names.empty() && group_of_port.size() == port_bytes.size();
  const std::size_t groups = tiers ? group_names.size() : 0;
  std::vector<double> group_bytes(nbins * groups, 0.0);
  // Spreads `b` bytes uniformly over [lo, hi) into the bins of column c of a table of `width_cols`.
  const auto spread = [&](std::vector<double>& table, std::size_t cols, std::size_t c, double b, std::int64_t lo,
                          std::int64_t hi) {
    if (hi <= lo) {  // zero-length window: all bytes in one bin
      table[std::min(nbins - 1, static_cast<std::size_t>(lo / width)) * cols + c] += b;
      return;
    }
    const double per_ps = b / static_cast<double>(hi - lo);
    for (std::int64_t k = lo / width; k * width < hi && static_cast<std::size_t>(k) < nbins; ++k) {
      const std::int64_t overlap = std::min(hi, (k + 1) * width) - std::max(lo, k * width);
      table[static_cast<std::size_t>(k) * cols + c] += per_ps * static_cast<double>(overlap);
    }
  };
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
    // The backend held port p_h during [t_tx + L_h, t_tx + L_h + ser) with t_tx = end − ser − L.
    Time head = t.end - ser - latency;
    for (topology::PortId p : path) {
      const std::int64_t lo = std::max<std::int64_t>(0, head.ps), hi = std::max<std::int64_t>(lo, (head + ser).ps);
      if (tiers) spread(group_bytes, groups, group_of_port[p], static_cast<double>(t.bytes), lo, hi);
      const std::uint32_t c = column[p];
      if (c != UINT32_MAX) spread(bytes, ports.size(), c, static_cast<double>(t.bytes), lo, hi);
      head += f.port_latency(p);
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
  if (!tiers) return ts;
  std::vector<double> group_bps(groups, 0.0);
  std::vector<std::size_t> group_ports(groups, 0);
  for (std::size_t p = 0; p < port_bytes.size(); ++p) {
    group_bps[group_of_port[p]] += rate(p);
    ++group_ports[group_of_port[p]];
  }
  std::vector<std::size_t> kept;
  for (std::size_t g = 0; g < groups; ++g) {
    double total = 0.0;
    for (std::size_t b = 0; b < nbins; ++b) total += group_bytes[b * groups + g];
    if (total > 0.0) {
      kept.push_back(g);
      ts.tier_names.push_back(group_names[g]);
      ts.tier_ports.push_back(group_ports[g]);
    }
  }
  for (std::size_t b = 0; b < nbins; ++b) {
    const double dt = (ts.at[b] - Time{static_cast<std::int64_t>(b) * width}).seconds();
    for (std::size_t g : kept) ts.tier_mean_utilization.push_back(8.0 * group_bytes[b * groups + g] / (group_bps[g] * dt));
  }
  return ts;
}

}  // namespace rocesim::observe
