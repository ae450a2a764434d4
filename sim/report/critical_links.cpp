#include "report/critical_links.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "report/link_tiers.hpp"

namespace rocesim::report {
namespace {

using topology::PortId;

// Every port's cumulative carried bytes C_p(t) as breakpoints (t_k, C_p(t_k)), CSR by port;
// linear in between (header). Built from (time, rate change) pairs, sorted and integrated in place.
class CumulativeLoad {
 public:
  explicit CumulativeLoad(std::size_t ports) : begin_(ports + 1, 0), size_(ports, 0) {}
  void count(PortId p) { begin_[p + 1] += 2; }
  void allocate() {
    for (std::size_t p = 1; p < begin_.size(); ++p) begin_[p] += begin_[p - 1];
    points_.resize(begin_.back());
  }
  // Bytes b moved uniformly over [s, e) on port p: rate +b/(e − s) at s, back at e.
  void add(PortId p, Time s, Time e, double bytes) {
    const double rate = bytes / static_cast<double>((e - s).ps);
    Point* at = points_.data() + begin_[p] + size_[p];
    at[0] = Point{s.ps, rate};
    at[1] = Point{e.ps, -rate};
    size_[p] += 2;
  }
  // Turns each port's rate changes into cumulative bytes at merged breakpoints.
  void integrate() {
    for (std::size_t p = 0; p + 1 < begin_.size(); ++p) {
      Point* first = points_.data() + begin_[p];
      Point* last = first + size_[p];
      std::sort(first, last, [](const Point& a, const Point& b) { return a.t < b.t; });
      double rate = 0.0, cum = 0.0;
      Point* out = first;
      for (Point* it = first; it != last;) {
        const std::int64_t t = it->t;
        if (out != first) cum += rate * static_cast<double>(t - (out - 1)->t);
        for (; it != last && it->t == t; ++it) rate += it->v;
        *out++ = Point{t, cum};
      }
      size_[p] = static_cast<std::uint32_t>(out - first);
    }
  }
  // C_p(t): bytes carried by port p up to time t.
  double at(PortId p, Time t) const {
    const Point* first = points_.data() + begin_[p];
    const Point* last = first + size_[p];
    const Point* it = std::upper_bound(first, last, t.ps, [](std::int64_t v, const Point& q) { return v < q.t; });
    if (it == first) return 0.0;
    const Point& a = *(it - 1);
    if (it == last) return a.v;
    return a.v + (it->v - a.v) * static_cast<double>(t.ps - a.t) / static_cast<double>(it->t - a.t);
  }

 private:
  struct Point {
    std::int64_t t;  // ps
    double v;        // rate change (bytes/ps) while building, then cumulative bytes at t
  };
  std::vector<std::size_t> begin_;
  std::vector<std::uint32_t> size_;
  std::vector<Point> points_;
};

// Switch-to-switch tier groups of ports, keyed (rank, tier, down) so that iterating the keys runs
// bottom-up, up before down; computed once per port on first use.
class TierGroups {
 public:
  explicit TierGroups(const topology::Fabric& f) : f_(f), group_(f.port_count(), kUnknown) {}
  static constexpr int kNone = -1;
  int of(PortId p) {
    if (group_[p] != kUnknown) return group_[p];
    const topology::LinkId l = f_.port(p).link;
    if (f_.link(l).kind != topology::LinkKind::fabric) return group_[p] = kNone;
    const auto key = std::make_tuple(link_tier_rank(f_, l), link_tier_name(f_, l), !port_goes_up(f_, p));
    const auto it = index_.emplace(key, static_cast<int>(index_.size())).first;
    return group_[p] = it->second;
  }
  std::size_t size() const { return index_.size(); }
  // (group id, tier, up) in key order.
  const std::vector<std::tuple<int, std::string, bool>>& ordered() {
    if (ordered_.size() != index_.size()) {
      ordered_.clear();
      for (const auto& [key, id] : index_) ordered_.emplace_back(id, std::get<1>(key), !std::get<2>(key));
    }
    return ordered_;
  }

 private:
  static constexpr int kUnknown = -2;
  const topology::Fabric& f_;
  std::vector<int> group_;
  std::map<std::tuple<int, std::string, bool>, int> index_;
  std::vector<std::tuple<int, std::string, bool>> ordered_;
};

}  // namespace

// Ports carrying the same transfers differ only by floating-point noise in C_p(we) − C_p(ws);
// ranking on 1e-9 steps makes such ties fall to the port id, as the per-transfer sum did.
std::int64_t quantized(double utilization) { return std::llround(utilization * 1e9); }

Time paused_in_window(const observe::RunRecord& record, topology::PortId port, Time ws, Time we) {
  const auto& all = record.pauses;
  auto it = std::lower_bound(all.begin(), all.end(), port,
                             [](const observe::PauseInterval& x, topology::PortId p) { return x.port < p; });
  Time total{};
  // Entries are sorted by begin within the port: none past the window's end can overlap it.
  for (; it != all.end() && it->port == port && it->begin < we; ++it) {
    const Time a = std::max(it->begin, ws), b = std::min(it->end, we);
    if (b > a) total += b - a;
  }
  return total;
}

std::vector<OpLinkLoad> op_link_loads(const topology::Fabric& f, const routing::Router& router,
                                      const observe::RunRecord& record, std::span<const Time> op_start,
                                      std::span<const Time> op_end, double scope_threshold) {
  std::vector<OpLinkLoad> out(std::min(op_start.size(), op_end.size()));
  visit_op_link_loads(f, router, record, op_start, op_end, scope_threshold,
                      [&](std::size_t i, OpLinkLoad&& l) { out[i] = std::move(l); }, {});
  return out;
}

void visit_op_link_loads(const topology::Fabric& f, const routing::Router& router, const observe::RunRecord& record,
                         std::span<const Time> op_start, std::span<const Time> op_end, double scope_threshold,
                         const std::function<void(std::size_t, OpLinkLoad&&)>& visit, std::span<const char> wanted) {
  const std::size_t n_ops = std::min(op_start.size(), op_end.size());
  auto valid = [&](std::size_t i) {
    return (wanted.empty() || (i < wanted.size() && wanted[i] != 0)) && op_start[i] != Time::max() &&
           op_end[i] != Time::max() && op_end[i] > op_start[i];
  };
  std::vector<PortId> path;
  auto path_of = [&](const observe::TransferRecord& t) {
    path.clear();
    if (!router.path(routing::FlowKey::for_qp(t.src, t.dst, t.flow_label), path)) path.clear();
  };
  auto end_of = [&](const observe::TransferRecord& t) { return t.end != Time::max() ? t.end : record.end; };

  // 1. Every transfer routed once (paths kept flat, 4 B per port); each valid op's transfers
  // (CSR by op).
  const std::size_t n_t = record.transfers.size();
  std::vector<std::size_t> path_begin(n_t + 1, 0);
  std::vector<PortId> paths;
  std::vector<std::size_t> op_begin(n_ops + 1, 0);
  for (std::size_t k = 0; k < n_t; ++k) {
    const observe::TransferRecord& t = record.transfers[k];
    const bool mine = t.op < n_ops && valid(t.op);
    if (mine || end_of(t) > t.start) {
      path_of(t);
      paths.insert(paths.end(), path.begin(), path.end());
    }
    path_begin[k + 1] = paths.size();
    if (mine && path_begin[k + 1] > path_begin[k]) ++op_begin[t.op + 1];
  }
  for (std::size_t i = 0; i < n_ops; ++i) op_begin[i + 1] += op_begin[i];
  if (op_begin[n_ops] == 0) return;
  // Ports whose curve a wanted op reads: its own path ports and their scopes (step 3). A port's
  // curve depends only on the transfers crossing it, so building fewer curves changes no value.
  std::vector<char> read(f.port_count(), wanted.empty() ? 1 : 0);
  const auto mark_scope = [&](PortId p) {
    read[p] = 1;
    for (topology::NodeId n : {f.port(p).node, f.port(p).peer}) {
      const topology::Node& node = f.node(n);
      if (node.role != topology::NodeRole::fabric_switch) continue;
      for (PortId u = node.up_begin; u < node.first_port + node.port_count; ++u) {
        read[u] = 1;
        read[f.port(u).peer_port] = 1;
      }
    }
  };
  std::vector<std::uint32_t> op_transfers(op_begin[n_ops]);
  {
    std::vector<std::size_t> fill(op_begin.begin(), op_begin.end() - 1);
    for (std::size_t k = 0; k < n_t; ++k) {
      const observe::TransferRecord& t = record.transfers[k];
      if (t.op < n_ops && valid(t.op) && path_begin[k + 1] > path_begin[k]) {
        op_transfers[fill[t.op]++] = static_cast<std::uint32_t>(k);
        if (!wanted.empty()) {
          for (std::size_t j = path_begin[k]; j < path_begin[k + 1]; ++j) mark_scope(paths[j]);
        }
      }
    }
  }

  // 2. Every transfer's bytes spread uniformly over its lifetime, integrated per port read.
  CumulativeLoad load(f.port_count());
  for (std::size_t k = 0; k < n_t; ++k) {
    const observe::TransferRecord& t = record.transfers[k];
    if (end_of(t) <= t.start) continue;
    for (std::size_t j = path_begin[k]; j < path_begin[k + 1]; ++j) {
      if (read[paths[j]]) load.count(paths[j]);
    }
  }
  load.allocate();
  for (std::size_t k = 0; k < n_t; ++k) {
    const observe::TransferRecord& t = record.transfers[k];
    const Time te = end_of(t);
    if (te <= t.start) continue;
    for (std::size_t j = path_begin[k]; j < path_begin[k + 1]; ++j) {
      if (read[paths[j]]) load.add(paths[j], t.start, te, static_cast<double>(t.bytes));
    }
  }
  load.integrate();

  // 3. Per op: window bytes on its own and scope ports, utilizations hottest first, and per-tier
  // scope means.
  TierGroups tiers(f);
  struct Group {
    double bytes = 0, capacity_bps = 0, max_own = 0;
    bool seen = false;
  };
  std::vector<Group> groups;
  std::vector<PortId> all, mine;
  for (std::size_t i = 0; i < n_ops; ++i) {
    if (op_begin[i + 1] == op_begin[i]) continue;
    mine.clear();
    for (std::size_t j = op_begin[i]; j < op_begin[i + 1]; ++j) {
      const std::size_t k = op_transfers[j];
      mine.insert(mine.end(), paths.begin() + static_cast<std::ptrdiff_t>(path_begin[k]),
                  paths.begin() + static_cast<std::ptrdiff_t>(path_begin[k + 1]));
    }
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
    const double window_s = (op_end[i] - op_start[i]).seconds();
    OpLinkLoad result;
    groups.assign(groups.size(), Group{});
    const auto group_of = [&](PortId p) -> Group* {
      const int g = tiers.of(p);
      if (g == TierGroups::kNone) return nullptr;
      if (static_cast<std::size_t>(g) >= groups.size()) groups.resize(static_cast<std::size_t>(g) + 1);
      return &groups[static_cast<std::size_t>(g)];
    };
    const auto window_bytes = [&](PortId p) { return load.at(p, op_end[i]) - load.at(p, op_start[i]); };
    // Own ports first: they decide which tiers' scopes are wanted.
    for (PortId p : mine) {
      const double bytes = window_bytes(p);
      const double rate = static_cast<double>(f.port_rate(p).bps);
      const double util = std::min(1.0, 8.0 * bytes / (rate * window_s));
      result.path_ports.push_back(PortLoad{p, bytes, util});
      if (Group* grp = group_of(p)) {
        grp->seen = true;
        grp->bytes += bytes;
        grp->capacity_bps += rate;
        grp->max_own = std::max(grp->max_own, util);
      }
    }
    double hottest = 0.0;
    for (const PortLoad& pl : result.path_ports) hottest = std::max(hottest, pl.utilization);
    all.clear();
    if (hottest >= scope_threshold) {  // else no tier of this op is wanted: no scope ports
      all.assign(mine.begin(), mine.end());
      for (PortId p : mine) {
        for (topology::NodeId n : {f.port(p).node, f.port(p).peer}) {
          const topology::Node& node = f.node(n);
          if (node.role != topology::NodeRole::fabric_switch) continue;
          for (PortId u = node.up_begin; u < node.first_port + node.port_count; ++u) {
            all.push_back(u);
            all.push_back(f.port(u).peer_port);
          }
        }
      }
      std::sort(all.begin(), all.end());
      all.erase(std::unique(all.begin(), all.end()), all.end());
    }
    for (PortId p : all) {
      if (std::binary_search(mine.begin(), mine.end(), p)) continue;
      Group* grp = group_of(p);
      if (grp == nullptr || !grp->seen || grp->max_own < scope_threshold) continue;
      grp->bytes += window_bytes(p);
      grp->capacity_bps += static_cast<double>(f.port_rate(p).bps);
    }
    std::sort(result.path_ports.begin(), result.path_ports.end(), [](const PortLoad& a, const PortLoad& b) {
      const auto qa = quantized(a.utilization), qb = quantized(b.utilization);
      return qa != qb ? qa > qb : a.port < b.port;
    });
    for (const auto& [g, tier, up] : tiers.ordered()) {
      if (static_cast<std::size_t>(g) >= groups.size()) continue;
      const Group& grp = groups[static_cast<std::size_t>(g)];
      if (!grp.seen || grp.max_own < scope_threshold) continue;
      result.scopes.push_back(ScopeLoad{tier, up, std::min(1.0, 8.0 * grp.bytes / (grp.capacity_bps * window_s)), grp.max_own});
    }
    visit(i, std::move(result));
  }
}

}  // namespace rocesim::report
