#include "workload/collectives.hpp"

#include <array>
#include <numeric>

namespace rocesim::workload {

const char* to_string(CollectiveKind k) {
  switch (k) {
    case CollectiveKind::all_reduce: return "all_reduce";
    case CollectiveKind::reduce_scatter: return "reduce_scatter";
    case CollectiveKind::all_gather: return "all_gather";
    case CollectiveKind::all_to_all: return "all_to_all";
    case CollectiveKind::broadcast: return "broadcast";
  }
  return "?";
}

const char* to_string(Algorithm a) {
  switch (a) {
    case Algorithm::ring: return "ring";
    case Algorithm::double_binary_tree: return "double_binary_tree";
    case Algorithm::halving_doubling: return "halving_doubling";
    case Algorithm::hierarchical: return "hierarchical";
    case Algorithm::direct: return "direct";
    case Algorithm::pairwise: return "pairwise";
    case Algorithm::rail_aligned: return "rail_aligned";
    case Algorithm::nccl: return "nccl";
  }
  return "?";
}

std::span<const Algorithm> algorithms_for(CollectiveKind k) {
  static constexpr std::array<Algorithm, 5> all_reduce{Algorithm::ring, Algorithm::double_binary_tree,
                                                       Algorithm::halving_doubling, Algorithm::hierarchical,
                                                       Algorithm::direct};
  static constexpr std::array<Algorithm, 2> scatter_gather{Algorithm::ring, Algorithm::direct};
  static constexpr std::array<Algorithm, 3> all_to_all{Algorithm::nccl, Algorithm::pairwise, Algorithm::rail_aligned};
  switch (k) {
    case CollectiveKind::all_reduce: return all_reduce;
    case CollectiveKind::all_to_all: return all_to_all;
    default: return scatter_gather;  // reduce_scatter, all_gather, broadcast: ring | direct
  }
}

std::int64_t piece(std::int64_t total, std::uint64_t parts, std::uint64_t i) {
  const auto t = static_cast<unsigned __int128>(total);
  return static_cast<std::int64_t>(t * (i + 1) / parts - t * i / parts);
}

NodeIndex add_transfer_or_join(TransferDag& dag, std::uint32_t src, std::uint32_t dst, std::int64_t bytes,
                               std::uint16_t channel, std::uint32_t op, std::initializer_list<NodeIndex> deps) {
  const std::span<const NodeIndex> d(deps.begin(), deps.size());
  if (bytes <= 0) return dag.add_join(op, d);
  return dag.add_transfer(src, dst, Bytes{bytes}, channel, op, d);
}

NodeIndex join_of(TransferDag& dag, std::uint32_t op, std::span<const NodeIndex> deps) {
  NodeIndex only = kNoNode;
  bool several = false;
  for (NodeIndex d : deps) {
    if (d == kNoNode || d == only) continue;
    if (only != kNoNode) several = true;
    only = d;
  }
  return several ? dag.add_join(op, deps) : only;
}

namespace {

std::uint32_t other_if_new(NodeIndex a, NodeIndex b) { return a == b ? kNoNode : b; }

void check_channels(const CollectiveArgs& a) {
  if (a.channels == 0 || a.channels > 65536) throw LoweringError("channels must be in [1, 65536]");
  if (a.chunks == 0) throw LoweringError("chunks must be >= 1");
}

}  // namespace

std::vector<std::uint32_t> ring_strides(std::uint32_t n, std::uint32_t k) {
  std::vector<std::uint32_t> out;
  if (n < 2) return std::vector<std::uint32_t>(k, 1);
  // 1, n−1, then each stride d < n/2 coprime to n followed by n − d: the first two rings are the
  // two directions of one cycle (each link carries both), the next pairs use new links.
  for (std::uint32_t d = 1; d <= n / 2 && out.size() < k; ++d) {
    if (std::gcd(d, n) != 1) continue;
    out.push_back(d);
    if (n - d != d && out.size() < k) out.push_back(n - d);
  }
  if (out.size() < k) {
    throw LoweringError(std::to_string(k) + " rings over " + std::to_string(n) + " ranks: at most " +
                        std::to_string(out.size()) + " link-disjoint rings exist (one per stride coprime to " +
                        std::to_string(n) + ")");
  }
  return out;
}

// Seven Hamiltonian cycles of the complete directed graph on 8 vertices that together use every
// ordered pair exactly once (found by a depth-first search; each row is a ring order from 0). On
// an 8-GPU full mesh they are 7 rings on 7 different links out of (and into) every GPU.
constexpr std::uint32_t kMesh8Rings[7][8] = {
    {0, 1, 2, 3, 4, 5, 6, 7}, {0, 2, 1, 3, 5, 4, 7, 6}, {0, 3, 1, 4, 6, 2, 7, 5}, {0, 4, 1, 5, 7, 2, 6, 3},
    {0, 5, 3, 6, 1, 7, 4, 2}, {0, 6, 5, 2, 4, 3, 7, 1}, {0, 7, 3, 2, 5, 1, 6, 4}};

std::vector<std::vector<std::uint32_t>> ring_orders(std::uint32_t n, std::uint32_t k) {
  std::vector<std::vector<std::uint32_t>> out;
  if (n == 8 && k > 4 && k <= 7) {
    for (std::uint32_t r = 0; r < k; ++r) out.emplace_back(std::begin(kMesh8Rings[r]), std::end(kMesh8Rings[r]));
    return out;
  }
  if (n == 8 && k > 7) {
    throw LoweringError(std::to_string(k) +
                        " rings over 8 ranks: at most 7 link-disjoint rings exist (one per link out of each rank)");
  }
  for (const std::uint32_t d : ring_strides(n, k)) {
    std::vector<std::uint32_t> order(n);
    for (std::uint32_t p = 0; p < n; ++p) order[p] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(p) * d % n);
    out.push_back(std::move(order));
  }
  return out;
}

void lower_ring(TransferDag& dag, RingPhase phase, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                std::span<const NodeIndex> ready, std::vector<NodeIndex>& done) {
  check_channels(a);
  if (a.rings == 0) throw LoweringError("rings must be >= 1");
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  done.assign(ready.begin(), ready.end());
  if (n < 2) return;
  const std::uint32_t steps = phase == RingPhase::all_reduce ? 2 * (n - 1) : n - 1;
  const std::uint32_t K = a.chunks;
  const std::vector<std::vector<std::uint32_t>> orders = ring_orders(n, a.rings);
  // Instance i = r·C + c (ring r, channel c) carries piece i of R·C and uses flow label i; with
  // one ring this is exactly the single-ring lowering.
  if (std::uint64_t{a.rings} * a.channels > 65536) throw LoweringError("rings × channels must be at most 65536 (flow labels)");
  const std::uint32_t instances = a.rings * a.channels;
  std::vector<NodeIndex> bases(instances);
  for (std::uint32_t i = 0; i < instances; ++i) {
    // Ring position p is communicator position order[p].
    const std::vector<std::uint32_t>& order = orders[i / a.channels];
    auto at = [&](std::uint32_t p) { return order[p]; };
    const std::int64_t channel_bytes = piece(a.bytes.n, instances, i);
    const NodeIndex base = bases[i] = static_cast<NodeIndex>(dag.size());
    // Node (k, s, p) — chunk k, step s, sender ring position p — is created at a fixed offset, so
    // dependencies are found by arithmetic instead of lookup tables.
    auto idx = [&](std::uint32_t k, std::uint32_t s, std::uint32_t p) {
      return static_cast<NodeIndex>(base + (static_cast<std::uint64_t>(k) * steps + s) * n + p);
    };
    for (std::uint32_t k = 0; k < K; ++k) {
      const std::int64_t chunk_bytes = piece(channel_bytes, K, k);
      for (std::uint32_t s = 0; s < steps; ++s) {
        for (std::uint32_t p = 0; p < n; ++p) {
          const std::uint32_t next = (p + 1) % n, prev = (p + n - 1) % n;
          // Position p sends piece (p − s) mod n at step s: in reduce-scatter it forwards the
          // partial sum it just received; in all-gather the finished piece.
          const std::uint32_t pc = static_cast<std::uint32_t>((p + static_cast<std::uint64_t>(n) * 2 - s % n) % n);
          const std::int64_t bytes = piece(chunk_bytes, n, pc);
          NodeIndex d0, d1;
          if (s == 0) {
            d0 = k == 0 ? ready[at(p)] : idx(k - 1, 0, p);
            d1 = k == 0 ? other_if_new(ready[at(p)], ready[at(next)]) : kNoNode;
          } else {
            d0 = idx(k, s - 1, prev);                         // the data it forwards has arrived
            d1 = k == 0 ? idx(0, s - 1, p) : idx(k - 1, s, p);  // its own sends stay in order
          }
          add_transfer_or_join(dag, ranks[at(p)], ranks[at(next)], bytes, static_cast<std::uint16_t>(i), a.op, {d0, d1});
        }
      }
    }
  }
  std::vector<std::vector<NodeIndex>> deps(n);
  for (std::uint32_t i = 0; i < instances; ++i) {
    const std::vector<std::uint32_t>& order = orders[i / a.channels];
    const std::uint64_t last = bases[i] + static_cast<std::uint64_t>(K - 1) * steps * n + (steps - 1) * n;
    for (std::uint32_t p = 0; p < n; ++p) {
      const std::uint32_t prev = (p + n - 1) % n;
      auto& v = deps[order[p]];
      v.push_back(static_cast<NodeIndex>(last + p));
      v.push_back(static_cast<NodeIndex>(last + prev));
    }
  }
  for (std::uint32_t p = 0; p < n; ++p) done[p] = join_of(dag, a.op, deps[p]);
}

void lower_direct(TransferDag& dag, RingPhase phase, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                  std::span<const NodeIndex> ready, std::vector<NodeIndex>& done) {
  check_channels(a);
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  done.assign(ready.begin(), ready.end());
  if (n < 2) return;
  std::vector<std::vector<NodeIndex>> last(n);  // per position: its sends and receives of the final phase
  std::vector<NodeIndex> owner(n), deps;
  for (std::uint32_t c = 0; c < a.channels; ++c) {
    const std::int64_t cb = piece(a.bytes.n, a.channels, c);
    const auto ch = static_cast<std::uint16_t>(c);
    const bool scatter = phase != RingPhase::all_gather;
    const bool gather = phase != RingPhase::reduce_scatter;
    for (std::uint32_t q = 0; q < n; ++q) owner[q] = ready[q];
    if (scatter) {
      // Every p sends piece q straight to its owner q; q has reduced it when all n−1 have arrived.
      std::vector<std::vector<NodeIndex>> into(n);
      for (std::uint32_t p = 0; p < n; ++p) {
        for (std::uint32_t j = 1; j < n; ++j) {
          const std::uint32_t q = (p + j) % n;
          const NodeIndex t = add_transfer_or_join(dag, ranks[p], ranks[q], piece(cb, n, q), ch, a.op,
                                                   {ready[p], other_if_new(ready[p], ready[q])});
          into[q].push_back(t);
          if (!gather) {
            last[p].push_back(t);
            last[q].push_back(t);
          }
        }
      }
      for (std::uint32_t q = 0; q < n; ++q) {
        into[q].push_back(ready[q]);
        owner[q] = join_of(dag, a.op, into[q]);
      }
    }
    if (gather) {
      for (std::uint32_t q = 0; q < n; ++q) {
        for (std::uint32_t j = 1; j < n; ++j) {
          const std::uint32_t p = (q + j) % n;
          const NodeIndex t = add_transfer_or_join(dag, ranks[q], ranks[p], piece(cb, n, q), ch, a.op,
                                                   {owner[q], scatter ? kNoNode : other_if_new(owner[q], ready[p])});
          last[q].push_back(t);
          last[p].push_back(t);
        }
      }
    }
  }
  for (std::uint32_t p = 0; p < n; ++p) done[p] = join_of(dag, a.op, last[p]);
}

void lower_halving_doubling(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                            std::span<const NodeIndex> ready, std::vector<NodeIndex>& done) {
  check_channels(a);
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  if (n == 0 || (n & (n - 1)) != 0) {
    throw LoweringError("halving_doubling needs a power-of-two group size, got " + std::to_string(n) + " ranks");
  }
  if (a.chunks != 1) throw LoweringError("halving_doubling does not pipeline chunks (use \"chunks\": 1)");
  done.assign(ready.begin(), ready.end());
  if (n < 2) return;
  std::uint32_t L = 0;
  while ((1u << L) < n) ++L;
  // Step t < L halves (reduce-scatter, distance n/2, n/4, ..., 1); step t >= L doubles back
  // (all-gather, distance 1, 2, ..., n/2). Each position owns a range [lo, hi) of the n pieces.
  auto dist = [&](std::uint32_t t) { return t < L ? n >> (t + 1) : 1u << (t - L); };
  std::vector<std::uint32_t> lo(n), hi(n), nlo(n), nhi(n);
  std::vector<NodeIndex> bases(a.channels);
  for (std::uint32_t c = 0; c < a.channels; ++c) {
    const std::int64_t cb = piece(a.bytes.n, a.channels, c);
    auto offset = [&](std::uint32_t i) {
      return static_cast<std::int64_t>(static_cast<unsigned __int128>(cb) * i / n);
    };
    const NodeIndex base = bases[c] = static_cast<NodeIndex>(dag.size());
    auto idx = [&](std::uint32_t t, std::uint32_t p) { return static_cast<NodeIndex>(base + static_cast<std::uint64_t>(t) * n + p); };
    for (std::uint32_t p = 0; p < n; ++p) lo[p] = 0, hi[p] = n;
    for (std::uint32_t t = 0; t < 2 * L; ++t) {
      const std::uint32_t d = dist(t);
      for (std::uint32_t p = 0; p < n; ++p) {
        const std::uint32_t q = p ^ d;
        std::uint32_t slo = lo[p], shi = hi[p];
        if (t < L) {
          const std::uint32_t mid = (lo[p] + hi[p]) / 2;
          if (p & d) {
            shi = mid, nlo[p] = mid, nhi[p] = hi[p];
          } else {
            slo = mid, nlo[p] = lo[p], nhi[p] = mid;
          }
        } else {
          nlo[p] = std::min(lo[p], lo[q]), nhi[p] = std::max(hi[p], hi[q]);
        }
        NodeIndex d0, d1;
        if (t == 0) {
          d0 = ready[p], d1 = other_if_new(ready[p], ready[q]);
        } else {
          d0 = idx(t - 1, p), d1 = idx(t - 1, p ^ dist(t - 1));
        }
        add_transfer_or_join(dag, ranks[p], ranks[q], offset(shi) - offset(slo), static_cast<std::uint16_t>(c), a.op,
                             {d0, d1});
      }
      lo.swap(nlo);
      hi.swap(nhi);
    }
  }
  std::vector<NodeIndex> deps;
  for (std::uint32_t p = 0; p < n; ++p) {
    deps.clear();
    for (std::uint32_t c = 0; c < a.channels; ++c) {
      const std::uint64_t last = bases[c] + static_cast<std::uint64_t>(2 * L - 1) * n;
      deps.push_back(static_cast<NodeIndex>(last + p));
      deps.push_back(static_cast<NodeIndex>(last + (p ^ dist(2 * L - 1))));
    }
    done[p] = join_of(dag, a.op, deps);
  }
}

void lower_double_binary_tree(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                              std::span<const NodeIndex> ready, std::vector<NodeIndex>& done) {
  check_channels(a);
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  done.assign(ready.begin(), ready.end());
  if (n < 2) return;
  const std::uint32_t K = a.chunks, m = n - 1;
  // Tree 0 is the heap layout over positions (node i: parent (i−1)/2, children 2i+1, 2i+2); tree 1
  // mirrors it (tree node i is position n−1−i), so the interior nodes of one tree (the low heap
  // indices) are leaves of the other, as in NCCL's double binary tree. Each tree carries half the data:
  // a reduce up to the root, then a broadcast down, both pipelined over K chunks.
  std::vector<std::vector<NodeIndex>> last(n);
  for (std::uint32_t c = 0; c < a.channels; ++c) {
    const std::int64_t cb = piece(a.bytes.n, a.channels, c);
    for (std::uint32_t tree = 0; tree < 2; ++tree) {
      const std::int64_t tb = piece(cb, 2, tree);
      auto pos = [&](std::uint32_t i) { return tree == 0 ? i : n - 1 - i; };
      const auto ch = static_cast<std::uint16_t>(c);
      const NodeIndex up_base = static_cast<NodeIndex>(dag.size());
      auto up = [&](std::uint32_t k, std::uint32_t i) { return static_cast<NodeIndex>(up_base + static_cast<std::uint64_t>(k) * m + (n - 1 - i)); };
      for (std::uint32_t k = 0; k < K; ++k) {
        const std::int64_t bytes = piece(tb, K, k);
        for (std::uint32_t i = n - 1; i >= 1; --i) {
          const std::uint32_t parent = (i - 1) / 2, c1 = 2 * i + 1, c2 = 2 * i + 2;
          add_transfer_or_join(dag, ranks[pos(i)], ranks[pos(parent)], bytes, ch, a.op,
                               {c1 < n ? up(k, c1) : kNoNode, c2 < n ? up(k, c2) : kNoNode,
                                k > 0 ? up(k - 1, i) : ready[pos(i)], k > 0 ? kNoNode : ready[pos(parent)]});
        }
      }
      const NodeIndex down_base = static_cast<NodeIndex>(dag.size());
      auto down = [&](std::uint32_t k, std::uint32_t i) { return static_cast<NodeIndex>(down_base + static_cast<std::uint64_t>(k) * m + (i - 1)); };
      for (std::uint32_t k = 0; k < K; ++k) {
        const std::int64_t bytes = piece(tb, K, k);
        for (std::uint32_t i = 1; i < n; ++i) {
          const std::uint32_t parent = (i - 1) / 2;
          const NodeIndex d0 = parent == 0 ? up(k, 1) : down(k, parent);
          const NodeIndex d1 = parent == 0 && n > 2 ? up(k, 2) : kNoNode;
          add_transfer_or_join(dag, ranks[pos(parent)], ranks[pos(i)], bytes, ch, a.op,
                               {d0, d1, k > 0 ? down(k - 1, i) : kNoNode});
        }
      }
      for (std::uint32_t i = 1; i < n; ++i) {
        last[pos(i)].push_back(down(K - 1, i));
        last[pos((i - 1) / 2)].push_back(down(K - 1, i));
      }
    }
  }
  for (std::uint32_t p = 0; p < n; ++p) done[p] = join_of(dag, a.op, last[p]);
}

void lower_broadcast(TransferDag& dag, Algorithm alg, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                     std::span<const NodeIndex> ready, std::vector<NodeIndex>& done) {
  check_channels(a);
  const std::uint32_t n = static_cast<std::uint32_t>(ranks.size());
  if (a.root >= n) {
    throw LoweringError("broadcast root " + std::to_string(a.root) + " is outside the group of " + std::to_string(n) +
                        " ranks");
  }
  done.assign(ready.begin(), ready.end());
  if (n < 2) return;
  std::vector<std::vector<NodeIndex>> last(n);
  if (alg == Algorithm::direct) {
    for (std::uint32_t c = 0; c < a.channels; ++c) {
      for (std::uint32_t j = 1; j < n; ++j) {
        const std::uint32_t p = (a.root + j) % n;
        const NodeIndex t = add_transfer_or_join(dag, ranks[a.root], ranks[p], piece(a.bytes.n, a.channels, c),
                                                 static_cast<std::uint16_t>(c), a.op,
                                                 {ready[a.root], other_if_new(ready[a.root], ready[p])});
        last[a.root].push_back(t);
        last[p].push_back(t);
      }
    }
  } else if (alg == Algorithm::ring) {
    // A pipelined chain root → root+1 → ... → root−1: (n − 2 + K) steps of α + S/(C·K·B).
    const std::uint32_t K = a.chunks, m = n - 1;
    auto at = [&](std::uint32_t i) { return (a.root + i) % n; };
    for (std::uint32_t c = 0; c < a.channels; ++c) {
      const std::int64_t cb = piece(a.bytes.n, a.channels, c);
      const NodeIndex base = static_cast<NodeIndex>(dag.size());
      auto idx = [&](std::uint32_t k, std::uint32_t i) { return static_cast<NodeIndex>(base + static_cast<std::uint64_t>(k) * m + i); };
      for (std::uint32_t k = 0; k < K; ++k) {
        for (std::uint32_t i = 0; i + 1 < n; ++i) {
          const NodeIndex d0 = i == 0 ? (k == 0 ? ready[at(0)] : kNoNode) : idx(k, i - 1);
          const NodeIndex d1 = k > 0 ? idx(k - 1, i) : ready[at(i + 1)];
          add_transfer_or_join(dag, ranks[at(i)], ranks[at(i + 1)], piece(cb, K, k), static_cast<std::uint16_t>(c),
                               a.op, {d0, d1});
        }
      }
      for (std::uint32_t i = 0; i + 1 < n; ++i) {
        last[at(i)].push_back(idx(K - 1, i));
        last[at(i + 1)].push_back(idx(K - 1, i));
      }
    }
  } else {
    throw LoweringError(std::string("broadcast has no \"") + to_string(alg) + "\" algorithm (use ring or direct)");
  }
  for (std::uint32_t p = 0; p < n; ++p) done[p] = join_of(dag, a.op, last[p]);
}

void lower_collective(TransferDag& dag, CollectiveKind kind, Algorithm alg, std::span<const std::uint32_t> ranks,
                      const CollectiveArgs& args, const Locality& locality, std::span<const NodeIndex> ready,
                      std::vector<NodeIndex>& done) {
  bool valid = false;
  for (Algorithm x : algorithms_for(kind)) valid = valid || x == alg;
  if (!valid) {
    std::string list;
    for (Algorithm x : algorithms_for(kind)) list += (list.empty() ? "" : ", ") + std::string(to_string(x));
    throw LoweringError(std::string(to_string(kind)) + " has no \"" + to_string(alg) + "\" algorithm (valid: " + list +
                        ")");
  }
  switch (kind) {
    case CollectiveKind::all_reduce:
      switch (alg) {
        case Algorithm::ring: return lower_ring(dag, RingPhase::all_reduce, ranks, args, ready, done);
        case Algorithm::direct: return lower_direct(dag, RingPhase::all_reduce, ranks, args, ready, done);
        case Algorithm::halving_doubling: return lower_halving_doubling(dag, ranks, args, ready, done);
        case Algorithm::double_binary_tree: return lower_double_binary_tree(dag, ranks, args, ready, done);
        default: return lower_hierarchical_all_reduce(dag, ranks, args, locality, ready, done);
      }
    case CollectiveKind::reduce_scatter:
    case CollectiveKind::all_gather: {
      const RingPhase ph = kind == CollectiveKind::reduce_scatter ? RingPhase::reduce_scatter : RingPhase::all_gather;
      if (alg == Algorithm::ring) return lower_ring(dag, ph, ranks, args, ready, done);
      return lower_direct(dag, ph, ranks, args, ready, done);
    }
    case CollectiveKind::broadcast: return lower_broadcast(dag, alg, ranks, args, ready, done);
    case CollectiveKind::all_to_all:
      if (alg == Algorithm::pairwise) return lower_all_to_all_pairwise(dag, ranks, args, ready, done);
      if (alg == Algorithm::nccl) return lower_all_to_all_nccl(dag, ranks, args, locality, ready, done);
      return lower_all_to_all_rail_aligned(dag, ranks, args, locality, ready, done);
  }
}

}  // namespace rocesim::workload
