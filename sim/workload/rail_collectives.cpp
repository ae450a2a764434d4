// All-to-all (pairwise, rail-aligned) and the hierarchical all-reduce: the algorithms whose
// communication pattern depends on which ranks share a scale-up node and which share a rail.
#include "workload/collectives.hpp"
#include "workload/node_grid.hpp"

namespace rocesim::workload {

void lower_all_to_all_pairwise(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                               std::span<const NodeIndex> ready, std::vector<NodeIndex>& done) {
  const auto n = static_cast<std::uint32_t>(ranks.size());
  if (a.max_concurrent == 0) throw LoweringError("max_concurrent must be >= 1");
  if (a.channels == 0 || a.channels > 65536) throw LoweringError("channels must be in [1, 65536]");
  done.assign(ready.begin(), ready.end());
  if (n < 2) return;
  // Step s = 1..n−1: position p sends its piece for q = p + s (mod n). A rank keeps at most
  // max_concurrent sends in flight: send s waits for send s − max_concurrent. With 1 this is the
  // classic pairwise exchange, (n−1) steps of α + S/(n·B).
  const std::uint32_t w = std::min(a.max_concurrent, n - 1);
  std::vector<std::vector<NodeIndex>> last(n);
  for (std::uint32_t c = 0; c < a.channels; ++c) {
    const std::int64_t cb = piece(a.bytes.n, a.channels, c);
    const NodeIndex base = static_cast<NodeIndex>(dag.size());
    auto idx = [&](std::uint32_t s, std::uint32_t p) { return static_cast<NodeIndex>(base + static_cast<std::uint64_t>(s - 1) * n + p); };
    for (std::uint32_t s = 1; s < n; ++s) {
      for (std::uint32_t p = 0; p < n; ++p) {
        const std::uint32_t q = (p + s) % n;
        const NodeIndex d0 = s > w ? idx(s - w, p) : ready[p];
        const NodeIndex d1 = s > w || ready[q] == ready[p] ? kNoNode : ready[q];
        const NodeIndex t = add_transfer_or_join(dag, ranks[p], ranks[q], piece(cb, n, q), static_cast<std::uint16_t>(c),
                                                 a.op, {d0, d1});
        last[q].push_back(t);
        if (s + w >= n) last[p].push_back(t);  // earlier sends are implied by the window chain
      }
    }
  }
  for (std::uint32_t p = 0; p < n; ++p) done[p] = join_of(dag, a.op, last[p]);
}

void lower_all_to_all_rail_aligned(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                                   const Locality& loc, std::span<const NodeIndex> ready,
                                   std::vector<NodeIndex>& done) {
  const auto n = static_cast<std::uint32_t>(ranks.size());
  if (a.max_concurrent == 0) throw LoweringError("max_concurrent must be >= 1");
  if (a.channels == 0 || a.channels > 65536) throw LoweringError("channels must be in [1, 65536]");
  done.assign(ready.begin(), ready.end());
  if (n < 2) return;
  const NodeGrid g = grid_of(ranks, loc, "rail_aligned all_to_all");
  const auto D = static_cast<std::uint32_t>(g.nodes.size());
  const auto m = static_cast<std::uint32_t>(g.nodes[0].size());
  // PXN: data from p to a remote q first crosses the scale-up domain to the GPU g on p's node that
  // sits on q's rail, which then sends the data of all m local GPUs for q in one transfer over its
  // own rail. Phase 1 (scale-up): p → each local g carries g's own piece plus the pieces for the
  // D−1 remote ranks on g's rail. Phase 2 (rail): g → each remote q on its rail carries m pieces.
  const std::uint32_t w = std::min(a.max_concurrent, std::max(D - 1, 1u));
  std::vector<std::vector<NodeIndex>> last(n), into(n);
  std::vector<NodeIndex> staged(n);
  for (std::uint32_t c = 0; c < a.channels; ++c) {
    const std::int64_t cb = piece(a.bytes.n, a.channels, c);
    const auto ch = static_cast<std::uint16_t>(c);
    for (auto& v : into) v.clear();
    for (std::uint32_t p = 0; p < n; ++p) {
      const auto& local = g.nodes[g.node_index[p]];
      for (std::uint32_t gpos : local) {
        if (gpos == p) continue;
        std::int64_t bytes = piece(cb, n, gpos);
        for (std::uint32_t b = 0; b < D; ++b) {
          if (b != g.node_index[p]) bytes += piece(cb, n, g.nodes[b][g.rail_index[gpos]]);
        }
        const NodeIndex t = add_transfer_or_join(dag, ranks[p], ranks[gpos], bytes, ch, a.op,
                                                 {ready[p], ready[gpos] == ready[p] ? kNoNode : ready[gpos]});
        into[gpos].push_back(t);
        last[p].push_back(t);
        last[gpos].push_back(t);
      }
    }
    for (std::uint32_t p = 0; p < n; ++p) {
      into[p].push_back(ready[p]);
      staged[p] = join_of(dag, a.op, into[p]);
    }
    for (std::uint32_t p = 0; p < n; ++p) {
      const std::uint32_t home = g.node_index[p], j = g.rail_index[p];
      std::vector<NodeIndex> sent;
      for (std::uint32_t s = 1; s < D; ++s) {
        const std::uint32_t q = g.nodes[(home + s) % D][j];
        const std::int64_t bytes = static_cast<std::int64_t>(m) * piece(cb, n, q);  // one piece per local rank
        const NodeIndex d0 = s > w ? sent[s - 1 - w] : staged[p];
        const NodeIndex t = add_transfer_or_join(dag, ranks[p], ranks[q], bytes, ch, a.op,
                                                 {d0, s > w || ready[q] == staged[p] ? kNoNode : ready[q]});
        sent.push_back(t);
        last[q].push_back(t);
        if (s + w >= D) last[p].push_back(t);
      }
    }
  }
  for (std::uint32_t p = 0; p < n; ++p) done[p] = join_of(dag, a.op, last[p]);
}

void lower_hierarchical_all_reduce(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                                   const Locality& loc, std::span<const NodeIndex> ready,
                                   std::vector<NodeIndex>& done) {
  const auto n = static_cast<std::uint32_t>(ranks.size());
  done.assign(ready.begin(), ready.end());
  if (n < 2) return;
  const NodeGrid g = grid_of(ranks, loc, "hierarchical all_reduce");
  const auto D = static_cast<std::uint32_t>(g.nodes.size());
  const auto m = static_cast<std::uint32_t>(g.nodes[0].size());
  std::vector<std::uint32_t> sub_ranks;
  std::vector<NodeIndex> sub_ready, sub_done;
  std::vector<NodeIndex> stage(ready.begin(), ready.end());
  // Phase 1: ring reduce-scatter of S inside each scale-up node; the rank on rail j holds piece j.
  // Phase 2: ring all-reduce of piece j among the rail-j ranks of all nodes.
  // Phase 3: ring all-gather of S inside each node.
  // Phases 1 and 3 run a.rings link-disjoint rings (collectives.hpp), so on a full-mesh node they
  // use that many of each rank's mesh links at once.
  // Bytes sent per rank: (m−1)/m·S + 2(D−1)/D·S/m + (m−1)/m·S.
  auto run = [&](RingPhase phase, const std::vector<std::uint32_t>& members, std::int64_t bytes) {
    sub_ranks.clear();
    sub_ready.clear();
    for (std::uint32_t p : members) {
      sub_ranks.push_back(ranks[p]);
      sub_ready.push_back(stage[p]);
    }
    CollectiveArgs sub = a;
    sub.bytes = Bytes{bytes};
    // Rings are the scale-up phases' (several ring orders over a mesh); the rail phase keeps one.
    if (phase == RingPhase::all_reduce) sub.rings = 1;
    lower_ring(dag, phase, sub_ranks, sub, sub_ready, sub_done);
    for (std::size_t i = 0; i < members.size(); ++i) stage[members[i]] = sub_done[i];
  };
  for (const auto& node : g.nodes) run(RingPhase::reduce_scatter, node, a.bytes.n);
  std::vector<std::uint32_t> rail;
  for (std::uint32_t j = 0; j < m; ++j) {
    rail.clear();
    for (std::uint32_t b = 0; b < D; ++b) rail.push_back(g.nodes[b][j]);
    run(RingPhase::all_reduce, rail, piece(a.bytes.n, m, j));
  }
  for (const auto& node : g.nodes) run(RingPhase::all_gather, node, a.bytes.n);
  done.assign(stage.begin(), stage.end());
}

}  // namespace rocesim::workload
