#include "report/op_lower_bound.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>
#include <utility>

namespace rocesim::report {
namespace {

using topology::Fabric;
using topology::NodeId;
using topology::PortId;

constexpr std::uint32_t kNoComponent = UINT32_MAX;
constexpr std::uint32_t kNoOp = UINT32_MAX;
constexpr std::size_t kMaskPorts = 64;  // port sets as bit masks; an endpoint with more ports uses "all"

// ⌊8·bytes·1e12 / bps⌋ ps: never above the exact serialization time, so the bound never rounds up.
std::int64_t floor_ser_ps(std::int64_t bytes, std::uint64_t bps) {
  const unsigned __int128 num = static_cast<unsigned __int128>(bytes) * 8u * 1000000000000ULL;
  return static_cast<std::int64_t>(num / bps);
}

struct UnionFind {
  std::vector<std::uint32_t> parent;
  explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  std::uint32_t find(std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

// What an endpoint's port leads to, for the pair computations.
struct EndpointPort {
  NodeId peer = 0;
  std::uint32_t component = kNoComponent;  // of the peer switch; kNoComponent for a direct link
  std::uint64_t bps = 0;                   // peak rate of the link
  std::int64_t latency_ps = 0;
};

// The usable ports of a transfer s → d and its per-transfer lower bound.
struct PairFacts {
  std::uint64_t out_mask = 0, in_mask = 0;  // bit i: port i of s (of d) can carry the transfer
  std::uint64_t out_bps = 0, in_bps = 0;
  std::int64_t latency_ps = 0;
};

// Least latency between two switches over switch–switch links (Dijkstra from each switch an
// endpoint of the workload hangs off, when there are at most kMaxSources of them); otherwise, or
// for a switch outside that set, the component's smallest switch–switch link (a weaker bound).
class SwitchDistances {
 public:
  static constexpr std::size_t kMaxSources = 256;

  SwitchDistances(const Fabric& f, const std::vector<NodeId>& sources) : index_(f.node_count(), kNoComponent) {
    if (sources.size() > kMaxSources) return;
    for (std::size_t i = 0; i < sources.size(); ++i) index_[sources[i]] = static_cast<std::uint32_t>(i);
    count_ = sources.size();
    table_.assign(count_ * count_, INT64_MAX);
    std::vector<std::int64_t> dist(f.node_count(), INT64_MAX);
    std::vector<NodeId> touched;
    using Item = std::pair<std::int64_t, NodeId>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
    for (std::size_t i = 0; i < count_; ++i) {
      for (NodeId n : touched) dist[n] = INT64_MAX;
      touched.clear();
      dist[sources[i]] = 0;
      touched.push_back(sources[i]);
      heap.emplace(0, sources[i]);
      while (!heap.empty()) {
        const auto [d, n] = heap.top();
        heap.pop();
        if (d > dist[n]) continue;
        if (index_[n] != kNoComponent) table_[i * count_ + index_[n]] = d;
        for (const topology::Port& port : f.ports_of(n)) {
          if (f.node(port.peer).role == topology::NodeRole::accelerator) continue;  // accelerators do not forward
          const std::int64_t nd = d + f.link(port.link).latency.ps;
          if (nd < dist[port.peer]) {
            if (dist[port.peer] == INT64_MAX) touched.push_back(port.peer);
            dist[port.peer] = nd;
            heap.emplace(nd, port.peer);
          }
        }
      }
    }
  }

  // The least latency from switch a to switch b, or `fallback` when not tabulated. REQUIRES: a != b.
  std::int64_t between(NodeId a, NodeId b, std::int64_t fallback) const {
    if (index_[a] == kNoComponent || index_[b] == kNoComponent) return fallback;
    return table_[index_[a] * count_ + index_[b]];
  }

 private:
  std::vector<std::uint32_t> index_;  // by node: row in table_, or kNoComponent
  std::size_t count_ = 0;
  std::vector<std::int64_t> table_;
};

std::vector<NodeId> edge_switches(const Fabric& f, std::span<const std::uint32_t> endpoints) {
  std::vector<NodeId> out;
  for (std::uint32_t e : endpoints) {
    for (const topology::Port& port : f.ports_of(e)) {
      if (f.node(port.peer).role != topology::NodeRole::accelerator) out.push_back(port.peer);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

class PairBounds {
 public:
  PairBounds(const Fabric& f, std::span<const std::uint32_t> used, std::span<const topology::LinkChange> changes)
      : ports_(f.endpoints()), distances_(f, edge_switches(f, used)), all_links_up_(f.links_down() == 0 && changes.empty()) {
    std::vector<std::uint64_t> peak(f.link_count());
    for (topology::LinkId l = 0; l < f.link_count(); ++l) peak[l] = f.link(l).rate.bps;
    for (const topology::LinkChange& c : changes) {
      if (c.up && c.link < peak.size()) peak[c.link] = std::max(peak[c.link], c.rate.bps);
    }
    const auto is_switch = [&](NodeId n) { return f.node(n).role != topology::NodeRole::accelerator; };
    UnionFind uf(f.node_count());
    for (const topology::Link& l : f.links()) {
      if (is_switch(l.a) && is_switch(l.b)) uf.unite(l.a, l.b);
    }
    min_switch_link_ps_.assign(f.node_count(), INT64_MAX);  // by component root
    for (const topology::Link& l : f.links()) {
      if (!is_switch(l.a) || !is_switch(l.b)) continue;
      std::int64_t& m = min_switch_link_ps_[uf.find(l.a)];
      m = std::min(m, l.latency.ps);
    }
    for (NodeId e = 0; e < f.endpoints(); ++e) {
      const topology::Node& n = f.node(e);
      for (PortId p = n.first_port; p < n.first_port + n.port_count; ++p) {
        const topology::Port& port = f.port(p);
        ports_[e].push_back(EndpointPort{port.peer, is_switch(port.peer) ? uf.find(port.peer) : kNoComponent,
                                         peak[port.link], f.link(port.link).latency.ps});
      }
    }
  }

  // REQUIRES: s != d, both endpoints.
  PairFacts facts(std::uint32_t s, std::uint32_t d) const {
    PairFacts r;
    r.latency_ps = INT64_MAX;
    const std::vector<EndpointPort>& ps = ports_[s];
    const std::vector<EndpointPort>& qs = ports_[d];
    // Accelerators joined by direct links (a full-mesh scale-up domain) use only those: the
    // router never sends such a pair anywhere else (routing/router.hpp) while every link is up.
    const bool direct = all_links_up_ && std::any_of(ps.begin(), ps.end(), [&](const EndpointPort& p) { return p.peer == d; });
    for (std::size_t i = 0; i < ps.size(); ++i) {
      for (std::size_t j = 0; j < qs.size(); ++j) {
        const EndpointPort& p = ps[i];
        const EndpointPort& q = qs[j];
        if (direct && (p.peer != d || q.peer != s)) continue;
        std::int64_t lat = 0;
        if (p.component == kNoComponent || q.component == kNoComponent) {
          if (!(p.peer == d && q.peer == s)) continue;  // the one direct s–d link, both directions
          lat = p.latency_ps;
        } else {
          if (p.component != q.component) continue;
          const std::int64_t between =
              p.peer == q.peer ? 0 : distances_.between(p.peer, q.peer, min_switch_link_ps_[p.component]);
          lat = p.latency_ps + q.latency_ps + between;
        }
        r.out_mask |= bit(i);
        r.in_mask |= bit(j);
        r.latency_ps = std::min(r.latency_ps, lat);
      }
    }
    if (r.out_mask == 0) {
      // No switch path joins them: the route relays through another accelerator (rail-only
      // fabrics, routing/router.hpp), which may enter and leave by any port.
      std::int64_t out_lat = INT64_MAX, in_lat = INT64_MAX;
      for (std::size_t i = 0; i < ps.size(); ++i) {
        r.out_mask |= bit(i);
        out_lat = std::min(out_lat, ps[i].latency_ps);
      }
      for (std::size_t j = 0; j < qs.size(); ++j) {
        r.in_mask |= bit(j);
        in_lat = std::min(in_lat, qs[j].latency_ps);
      }
      r.latency_ps = ps.empty() || qs.empty() ? 0 : out_lat + in_lat;
    }
    r.out_bps = capacity(s, r.out_mask);
    r.in_bps = capacity(d, r.in_mask);
    return r;
  }

  // Σ peak rate of endpoint e's ports in `mask`.
  std::uint64_t capacity(std::uint32_t e, std::uint64_t mask) const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < ports_[e].size(); ++i) {
      if ((mask & bit(i)) != 0) sum += ports_[e][i].bps;
    }
    return sum;
  }

 private:
  static std::uint64_t bit(std::size_t i) { return i < kMaskPorts ? std::uint64_t{1} << i : ~std::uint64_t{0}; }

  std::vector<std::vector<EndpointPort>> ports_;
  SwitchDistances distances_;
  std::vector<std::int64_t> min_switch_link_ps_;
  bool all_links_up_ = true;
};

// One transfer seen from one of its endpoints, for the volume bound.
struct Share {
  std::uint32_t endpoint = 0;
  bool in = false;
  std::uint64_t mask = 0;
  std::int64_t bytes = 0;
  std::int64_t latency_ps = 0;
  bool operator<(const Share& o) const {
    if (endpoint != o.endpoint) return endpoint < o.endpoint;
    if (in != o.in) return in < o.in;
    return mask < o.mask;
  }
};

// max over port sets M of the group [first, last) (one endpoint and direction, sorted by mask).
std::int64_t volume_bound(const PairBounds& pairs, const Share* first, const Share* last) {
  std::int64_t best = 0;
  for (const Share* m = first; m != last; ++m) {
    if (m != first && m->mask == (m - 1)->mask) continue;  // each distinct set once
    std::int64_t bytes = 0, latency = INT64_MAX;
    for (const Share* x = first; x != last; ++x) {
      if ((x->mask & ~m->mask) != 0) continue;  // x can use a port outside M
      bytes += x->bytes;
      latency = std::min(latency, x->latency_ps);
    }
    const std::uint64_t cap = pairs.capacity(m->endpoint, m->mask);
    if (cap > 0) best = std::max(best, floor_ser_ps(bytes, cap) + latency);
  }
  return best;
}

}  // namespace

std::vector<Time> op_lower_bounds(const Fabric& f, const workload::TransferDag& dag,
                                  std::span<const std::uint32_t> rank_endpoint, std::size_t op_count,
                                  std::span<const topology::LinkChange> link_changes) {
  const PairBounds pairs(f, rank_endpoint, link_changes);
  std::vector<std::int64_t> bound(op_count, 0);
  const auto weight = [&](const workload::DagNode& n) -> std::int64_t {
    if (n.kind == workload::DagNodeKind::delay) return n.amount;
    const PairFacts pf = pairs.facts(rank_endpoint[n.src], rank_endpoint[n.dst]);
    const std::uint64_t bps = std::min(pf.out_bps, pf.in_bps);
    if (bps == 0) return 0;  // no usable port (a disconnected pair): claim nothing
    return pf.latency_ps + floor_ser_ps(n.amount, bps);
  };

  // Chain: earliest finish after op_start along in-op dependencies; node indices are topological.
  std::vector<std::int64_t> ready(dag.size(), 0);
  std::vector<std::uint32_t> per_op(op_count + 1, 0);  // transfers per op, then bucket offsets
  for (workload::NodeIndex v = 0; v < dag.size(); ++v) {
    const workload::DagNode& n = dag.node(v);
    if (n.op == kNoOp || n.op >= op_count) continue;
    const std::int64_t finish = ready[v] + weight(n);
    bound[n.op] = std::max(bound[n.op], finish);
    for (workload::NodeIndex s : dag.successors(v)) {
      if (dag.node(s).op == n.op) ready[s] = std::max(ready[s], finish);
    }
    if (n.kind == workload::DagNodeKind::transfer) ++per_op[n.op + 1];
  }
  ready.clear();
  ready.shrink_to_fit();

  // Volume: the op's transfers bucketed by op (counting sort), then grouped by endpoint and direction.
  std::partial_sum(per_op.begin(), per_op.end(), per_op.begin());
  std::vector<workload::NodeIndex> by_op(per_op.back());
  std::vector<std::uint32_t> fill(per_op.begin(), per_op.end() - 1);
  for (workload::NodeIndex v = 0; v < dag.size(); ++v) {
    const workload::DagNode& n = dag.node(v);
    if (n.kind == workload::DagNodeKind::transfer && n.op != kNoOp && n.op < op_count) by_op[fill[n.op]++] = v;
  }
  std::vector<Share> shares;
  for (std::size_t o = 0; o < op_count; ++o) {
    shares.clear();
    for (std::uint32_t k = per_op[o]; k < per_op[o + 1]; ++k) {
      const workload::DagNode& n = dag.node(by_op[k]);
      const std::uint32_t s = rank_endpoint[n.src], d = rank_endpoint[n.dst];
      const PairFacts pf = pairs.facts(s, d);
      if (pf.out_bps == 0 || pf.in_bps == 0) continue;
      shares.push_back(Share{s, false, pf.out_mask, n.amount, pf.latency_ps});
      shares.push_back(Share{d, true, pf.in_mask, n.amount, pf.latency_ps});
    }
    std::sort(shares.begin(), shares.end());
    for (std::size_t i = 0; i < shares.size();) {
      std::size_t j = i;
      while (j < shares.size() && shares[j].endpoint == shares[i].endpoint && shares[j].in == shares[i].in) ++j;
      bound[o] = std::max(bound[o], volume_bound(pairs, shares.data() + i, shares.data() + j));
      i = j;
    }
  }
  std::vector<Time> out;
  out.reserve(op_count);
  for (std::int64_t b : bound) out.push_back(Time{b});
  return out;
}

}  // namespace rocesim::report
