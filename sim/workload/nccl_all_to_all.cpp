// All-to-all `nccl`: the grouped ncclSend/ncclRecv schedule of NCCL 2.29+ (workload/p2p_schedule.hpp)
// lowered to transfers.
//
// S = total bytes a rank sends, s = S/n per peer (piece(S, n, q) exactly). With P2pSchedule's rounds
// and batches (all ranks share the round → batch map):
//   batch start(p, u) = join(ready_p, done(p, u') for the last batch u' < u on each channel of u,
//                            done(p, u − m) when max_concurrent m is set)
//   done(p, u)        = join(every transfer p sends or receives in batch u, start(p, u))
// A message is split over k(s) channels (labels = channel id) and each channel over Q QPs:
// k·Q transfers of s/(k·Q) bytes, each its own flow (its own ECMP entropy), depending on the start
// of batch u at both ends (NCCL's receiver posts its buffer in the same round).
// PXN (NCCL_PXN_DISABLE=0, the default on NVLink nodes; applies when the group spans several
// scale-up domains with the same rails): p's data for a remote q first crosses the scale-up domain
// to the relay r = the rank on p's node with q's rail, whose NIC sends the pieces of every source
// of p's group for q in one connection: p → r carries s (scale-up), r → q carries g·s (rail). The
// two legs are chunk-pipelined in NCCL; here they run concurrently from the batch start (the fluid
// limit of pipelining), and the batch is done when both are.
// Not modelled: the per-(peer, channel) window of 2 × 128 KiB outstanding chunks (a rate cap of
// 256 KiB / RTT), warp copy bandwidth, LL protocol for tiny messages.
#include <algorithm>
#include <bit>
#include <map>

#include "workload/collectives.hpp"
#include "workload/node_grid.hpp"
#include "workload/p2p_schedule.hpp"

namespace rocesim::workload {
namespace {

// NCCL's MAXCHANNELS and NCCL_IB_QPS_PER_CONNECTION's range.
constexpr std::uint32_t kMaxP2pChannels = 64;
constexpr std::uint32_t kMaxQps = 128;

struct Layout {
  P2pLayout p2p;
  bool pxn = false;  // the group spans several scale-up domains holding the same rails
};

Layout layout_of(std::span<const std::uint32_t> ranks, const Locality& loc, bool want_pxn) {
  const auto n = static_cast<std::uint32_t>(ranks.size());
  Layout out;
  P2pLayout& l = out.p2p;
  try {
    const NodeGrid g = grid_of(ranks, loc, "nccl all_to_all");
    l.nodes = static_cast<std::uint32_t>(g.nodes.size());
    l.local = static_cast<std::uint32_t>(g.nodes[0].size());
    for (const auto& node : g.nodes) l.node_member.insert(l.node_member.end(), node.begin(), node.end());
    l.node_of = g.node_index;
    l.local_of = g.rail_index;
    out.pxn = want_pxn && l.nodes > 1 && l.local > 1 && is_scale_up_node(loc.node_of[ranks[0]]);
    return out;
  } catch (const LoweringError&) {
    // Nodes of unequal size (or no fabric layout): NCCL falls back to a flat schedule, one node.
  }
  l = P2pLayout{1, n, {}, std::vector<std::uint32_t>(n, 0), {}};
  for (std::uint32_t p = 0; p < n; ++p) {
    l.node_member.push_back(p);
    l.local_of.push_back(p);
  }
  return out;
}

class NcclLowering {
 public:
  NcclLowering(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& a, const Locality& loc,
               std::span<const NodeIndex> ready)
      : dag_(dag), ranks_(ranks), a_(a), n_(static_cast<std::uint32_t>(ranks.size())),
        layout_(layout_of(ranks, loc, a.pxn)), sched_(layout_.p2p) {
    const std::uint32_t c = a.p2p_channels;
    const std::uint32_t per_peer = a.channels_per_peer != 0 ? a.channels_per_peer
                                                            : default_channels_per_peer(n_, c, loc.nic_bps);
    k_ = channels_for_message(piece(a.bytes.n, n_, 0), per_peer);
    last_.assign(static_cast<std::size_t>(n_) * c, kNoNode);
    for (std::uint32_t p = 0; p < n_; ++p) std::fill_n(last_.begin() + static_cast<std::ptrdiff_t>(p) * c, c, ready[p]);
    start_.resize(n_);
    touched_.resize(n_);
    if (a.max_concurrent > 0) history_.resize(n_);
  }

  void run(std::vector<NodeIndex>& done) {
    const std::uint32_t rounds = sched_.rounds();
    for (std::uint32_t r0 = 0; r0 < rounds;) {
      std::uint32_t r1 = r0 + 1;
      while (r1 < rounds && sched_.base(r1) == sched_.base(r0)) ++r1;
      batch(r0, r1);
      r0 = r1;
    }
    std::vector<NodeIndex> ends;
    for (std::uint32_t p = 0; p < n_; ++p) {
      ends.assign(last_.begin() + static_cast<std::ptrdiff_t>(p) * a_.p2p_channels,
                  last_.begin() + static_cast<std::ptrdiff_t>(p + 1) * a_.p2p_channels);
      std::sort(ends.begin(), ends.end());
      ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
      done[p] = join_of(dag_, a_.op, ends);
    }
  }

 private:
  // Rounds [r0, r1) form one batch (one base): its channels, starts, transfers and completions.
  void batch(std::uint32_t r0, std::uint32_t r1) {
    const std::uint32_t c = a_.p2p_channels;
    channels_.clear();
    const std::uint32_t first = p2p_bit_reverse(sched_.base(r0), c);
    for (std::uint32_t j = 0; j < k_; ++j) channels_.push_back((first + j) % c);
    const std::size_t unit = batches_++;
    for (std::uint32_t p = 0; p < n_; ++p) {
      deps_.clear();
      for (std::uint32_t ch : channels_) deps_.push_back(last_[static_cast<std::size_t>(p) * c + ch]);
      if (a_.max_concurrent > 0 && unit >= a_.max_concurrent) deps_.push_back(history_[p][unit - a_.max_concurrent]);
      std::sort(deps_.begin(), deps_.end());
      deps_.erase(std::unique(deps_.begin(), deps_.end()), deps_.end());
      start_[p] = join_of(dag_, a_.op, deps_);
      touched_[p].clear();
    }
    for (std::uint32_t q = 0; q < n_; ++q) {
      const std::uint32_t any = sched_.recv(q, r0);
      if (layout_.pxn && layout_.p2p.node_of[any] != layout_.p2p.node_of[q]) {
        relayed(q, r0, r1);
        continue;
      }
      for (std::uint32_t r = r0; r < r1; ++r) {
        const std::uint32_t p = sched_.recv(q, r);
        if (p != q) send(p, q, piece(a_.bytes.n, n_, q), {start_[p], start_[q]}, true);
      }
    }
    for (auto& [group, sent] : group_sent_) {
      const NodeIndex all = join_of(dag_, a_.op, sent);
      for (std::uint32_t p : group_members_[group]) touched_[p].push_back(all);
    }
    group_sent_.clear();
    group_members_.clear();
    for (std::uint32_t p = 0; p < n_; ++p) {
      touched_[p].push_back(start_[p]);
      const NodeIndex d = join_of(dag_, a_.op, touched_[p]);
      for (std::uint32_t ch : channels_) last_[static_cast<std::size_t>(p) * c + ch] = d;
      if (!history_.empty()) history_[p].push_back(d);
    }
  }

  // PXN: the senders of q in this batch share a node other than q's; each hands its piece to the
  // relay on its node with q's rail, which sends them all to q in one connection.
  void relayed(std::uint32_t q, std::uint32_t r0, std::uint32_t r1) {
    const P2pLayout& l = layout_.p2p;
    const std::uint32_t node = l.node_of[sched_.recv(q, r0)];
    const std::uint32_t relay = l.node_member[static_cast<std::size_t>(node) * l.local + l.local_of[q]];
    const std::int64_t s = piece(a_.bytes.n, n_, q);
    const std::uint32_t group = sched_.group_of(sched_.recv(q, r0));
    std::vector<std::uint32_t>& members = group_members_[group];
    const bool fresh = members.empty();
    senders_.clear();
    for (std::uint32_t r = r0; r < r1; ++r) {
      const std::uint32_t p = sched_.recv(q, r);
      senders_.push_back(start_[p]);
      if (fresh) members.push_back(p);
      if (p != relay) send(p, relay, s, {start_[p]}, false);
    }
    const NodeIndex group_start = join_of(dag_, a_.op, senders_);
    send(relay, q, s * static_cast<std::int64_t>(r1 - r0), {group_start, start_[q]}, true, &group_sent_[group]);
  }

  // k·Q transfers of `bytes` from p to q; each counts for p's batch (and q's when `to_receiver`).
  void send(std::uint32_t p, std::uint32_t q, std::int64_t bytes, std::initializer_list<NodeIndex> deps,
            bool to_receiver, std::vector<NodeIndex>* out = nullptr) {
    const std::uint32_t qps = a_.qps_per_connection;
    for (std::uint32_t j = 0; j < k_; ++j) {
      const std::int64_t part = piece(bytes, k_, j);
      for (std::uint32_t x = 0; x < qps; ++x) {
        const auto label = static_cast<std::uint16_t>(channels_[j] * qps + x);
        const NodeIndex t = add_transfer_or_join(dag_, ranks_[p], ranks_[q], piece(part, qps, x), label, a_.op, deps);
        if (out != nullptr) {
          out->push_back(t);
        } else {
          touched_[p].push_back(t);
        }
        if (to_receiver) touched_[q].push_back(t);
      }
    }
  }

  TransferDag& dag_;
  std::span<const std::uint32_t> ranks_;
  const CollectiveArgs& a_;
  std::uint32_t n_;
  Layout layout_;
  P2pSchedule sched_;
  std::uint32_t k_ = 1;
  std::size_t batches_ = 0;
  std::vector<NodeIndex> last_;  // [p · C + channel]: done of p's last batch on that channel
  std::vector<NodeIndex> start_, deps_, senders_;
  std::vector<std::vector<NodeIndex>> touched_, history_;
  std::vector<std::uint32_t> channels_;
  std::map<std::uint32_t, std::vector<NodeIndex>> group_sent_;        // sender group → its rail transfers
  std::map<std::uint32_t, std::vector<std::uint32_t>> group_members_;  // sender group → its positions
};

}  // namespace

void lower_all_to_all_nccl(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& a,
                           const Locality& loc, std::span<const NodeIndex> ready, std::vector<NodeIndex>& done) {
  if (a.p2p_channels == 0 || a.p2p_channels > kMaxP2pChannels || !std::has_single_bit(a.p2p_channels)) {
    throw LoweringError("p2p_channels must be a power of two in [1, 64]");
  }
  if (a.channels_per_peer != 0 && (a.channels_per_peer > a.p2p_channels || !std::has_single_bit(a.channels_per_peer))) {
    throw LoweringError("channels_per_peer must be a power of two <= p2p_channels");
  }
  if (a.qps_per_connection == 0 || a.qps_per_connection > kMaxQps) throw LoweringError("qps_per_connection must be in [1, 128]");
  done.assign(ready.begin(), ready.end());
  if (ranks.size() < 2) return;
  NcclLowering(dag, ranks, a, loc, ready).run(done);
}

}  // namespace rocesim::workload
