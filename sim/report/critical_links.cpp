#include "report/critical_links.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

#include "report/link_tiers.hpp"

namespace rocesim::report {
namespace {

using topology::PortId;

// Ports an op's load is tracked on: its own path ports (own = true) and the scope ports around
// the switches on those paths. Sorted by port id, so lookups are binary searches.
struct Interest {
  std::vector<PortId> ports;
  std::vector<char> own;
  std::vector<double> bytes;
  std::ptrdiff_t find(PortId p) const {
    auto it = std::lower_bound(ports.begin(), ports.end(), p);
    return it != ports.end() && *it == p ? it - ports.begin() : -1;
  }
};

}  // namespace

std::vector<OpLinkLoad> op_link_loads(const topology::Fabric& f, const routing::Router& router,
                                      const observe::RunRecord& record, std::span<const Time> op_start,
                                      std::span<const Time> op_end) {
  const std::size_t n_ops = std::min(op_start.size(), op_end.size());
  std::vector<OpLinkLoad> out(n_ops);
  auto valid = [&](std::size_t i) { return op_start[i] != Time::max() && op_end[i] != Time::max() && op_end[i] > op_start[i]; };
  std::vector<PortId> path;
  auto path_of = [&](const observe::TransferRecord& t) {
    path.clear();
    if (!router.path(routing::FlowKey::for_qp(t.src, t.dst, t.flow_label), path)) path.clear();
  };

  // 1. Own path ports per op, then the scope ports around the switches on them.
  std::vector<std::vector<PortId>> own(n_ops);
  for (const observe::TransferRecord& t : record.transfers) {
    if (t.op >= n_ops || !valid(t.op)) continue;
    path_of(t);
    own[t.op].insert(own[t.op].end(), path.begin(), path.end());
  }
  std::vector<Interest> interest(n_ops);
  for (std::size_t i = 0; i < n_ops; ++i) {
    std::sort(own[i].begin(), own[i].end());
    own[i].erase(std::unique(own[i].begin(), own[i].end()), own[i].end());
    std::vector<PortId> all = own[i];
    for (PortId p : own[i]) {
      for (topology::NodeId n : {f.port(p).node, f.port(p).peer}) {
        if (f.node(n).role != topology::NodeRole::fabric_switch) continue;
        const topology::Node& node = f.node(n);
        for (PortId u = node.up_begin; u < node.first_port + node.port_count; ++u) {
          all.push_back(u);
          all.push_back(f.port(u).peer_port);
        }
      }
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    Interest& in = interest[i];
    in.ports = std::move(all);
    in.own.assign(in.ports.size(), 0);
    in.bytes.assign(in.ports.size(), 0.0);
    for (PortId p : own[i]) in.own[static_cast<std::size_t>(in.find(p))] = 1;
  }

  // 2. Spread every transfer's bytes over its lifetime and add the part inside each op window.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < n_ops; ++i) {
    if (valid(i) && !own[i].empty()) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return op_start[a] != op_start[b] ? op_start[a] < op_start[b] : a < b;
  });
  std::vector<Time> prefix_max_end(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    prefix_max_end[k] = std::max(k ? prefix_max_end[k - 1] : Time{}, op_end[order[k]]);
  }
  for (const observe::TransferRecord& t : record.transfers) {
    const Time te = t.end != Time::max() ? t.end : record.end;
    if (te <= t.start) continue;
    // Ops whose window starts before te, scanned backwards while some earlier window can still
    // reach past t.start.
    auto it = std::partition_point(order.begin(), order.end(), [&](std::size_t i) { return op_start[i] < te; });
    bool routed = false;
    for (std::ptrdiff_t k = (it - order.begin()) - 1; k >= 0 && prefix_max_end[static_cast<std::size_t>(k)] > t.start; --k) {
      const std::size_t i = order[static_cast<std::size_t>(k)];
      const Time lo = std::max(t.start, op_start[i]), hi = std::min(te, op_end[i]);
      if (hi <= lo) continue;
      if (!routed) {
        path_of(t);
        routed = true;
      }
      const double share = static_cast<double>(t.bytes) * static_cast<double>((hi - lo).ps) / static_cast<double>((te - t.start).ps);
      for (PortId p : path) {
        const std::ptrdiff_t j = interest[i].find(p);
        if (j >= 0) interest[i].bytes[static_cast<std::size_t>(j)] += share;
      }
    }
  }

  // 3. Utilizations, hottest first, and per-tier scope means.
  for (std::size_t i : order) {
    const double window_s = (op_end[i] - op_start[i]).seconds();
    const Interest& in = interest[i];
    OpLinkLoad& load = out[i];
    struct Group {
      double bytes = 0, capacity_bps = 0, max_own = 0;
    };
    std::map<std::tuple<int, std::string, bool>, Group> groups;  // (rank, tier, !up): bottom-up, up first
    for (std::size_t j = 0; j < in.ports.size(); ++j) {
      const PortId p = in.ports[j];
      const double rate = static_cast<double>(f.port_rate(p).bps);
      const double util = 8.0 * in.bytes[j] / (rate * window_s);
      if (in.own[j]) load.path_ports.push_back(PortLoad{p, in.bytes[j], util});
      const topology::LinkId l = f.port(p).link;
      if (f.link(l).kind != topology::LinkKind::fabric) continue;
      Group& g = groups[{link_tier_rank(f, l), link_tier_name(f, l), !port_goes_up(f, p)}];
      g.bytes += in.bytes[j];
      g.capacity_bps += rate;
      if (in.own[j]) g.max_own = std::max(g.max_own, util);
    }
    std::sort(load.path_ports.begin(), load.path_ports.end(), [](const PortLoad& a, const PortLoad& b) {
      return a.utilization != b.utilization ? a.utilization > b.utilization : a.port < b.port;
    });
    for (const auto& [key, g] : groups) {
      load.scopes.push_back(ScopeLoad{std::get<1>(key), !std::get<2>(key), 8.0 * g.bytes / (g.capacity_bps * window_s),
                                      g.max_own});
    }
  }
  return out;
}

}  // namespace rocesim::report
