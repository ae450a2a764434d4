// Collective algorithms lowered to point-to-point transfers in a TransferDag.
//
// Each function lowers ONE communicator instance: `ranks` are global ranks in communicator order
// (position p = ranks[p]); `ready[p]` is the DAG node rank p must wait for before taking part
// (kNoNode: none); on return `done[p]` is a node that completes when rank p has finished its part
// (its last send and last receive). Composite algorithms (hierarchical) chain these.
//
// Sizes follow NCCL-tests with S = args.bytes and n = ranks.size():
//   all_reduce     : S = per-rank buffer.    ring/halving_doubling/direct send 2(n−1)/n·S per rank
//   reduce_scatter : S = full buffer.        ring/direct send (n−1)/n·S per rank
//   all_gather     : S = full buffer.        ring/direct send (n−1)/n·S per rank
//   all_to_all     : S = total a rank sends, S/n per peer (its own S/n stays): (n−1)/n·S leaves it
//   broadcast      : S = buffer.             ring: every rank but the last in the chain sends S
// Pieces are split exactly: part i of `total` bytes in `parts` is ⌊total·(i+1)/parts⌋ − ⌊total·i/parts⌋,
// so sums are exact for any S. A piece of 0 bytes becomes a zero-length join (keeps the structure).
// Channels C: the buffer is split in C independent instances on flow labels 0..C−1 (one QP each).
// Chunks K (ring, double binary tree, broadcast ring): each channel's data moves in K chunks; a
// rank sends chunk k of a step after chunk k−1 of that step, so the ring pipeline takes
// (2(n−1) + K − 1) steps of (α + S/(C·K·n·B)) instead of 2(n−1) steps of (α + S/(C·n·B)).
// Rings R (ring algorithms, the hierarchical all-reduce's intra-node phases): the buffer is also
// split over R rings that visit the ranks in different orders, ring r stepping by stride d_r
// (position p → p + d_r mod n, d_r coprime to n: 1, n−1, 3, n−3, …, see ring_strides; on 8 ranks
// R = 5..7 take 7 Hamiltonian cycles instead, ring_orders). Rings of different orders never use
// the same ordered pair of ranks, so on a full-mesh scale-up domain
// (topology/scale_up.hpp) each ring has its own link out of every rank and R rings move data R
// times as fast: t = 2(n−1)/n · S/(R·B_link) + 2(n−1)·α for an all-reduce. Instance (r, c) uses
// flow label r·C + c. R = 1 is the plain ring.
// Algorithms that need the fabric's structure (hierarchical, rail_aligned) read the scale-up node
// and rail of each rank from `Locality`.
// Errors: an algorithm that does not apply (e.g. halving_doubling on 6 ranks) throws LoweringError
// with the reason; callers wrap it into a ConfigError naming the file and op.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "workload/transfer_dag.hpp"

namespace rocesim::workload {

class LoweringError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class CollectiveKind : std::uint8_t { all_reduce, reduce_scatter, all_gather, all_to_all, broadcast };
enum class Algorithm : std::uint8_t {
  ring,
  double_binary_tree,
  halving_doubling,
  hierarchical,
  direct,
  pairwise,
  rail_aligned,
  nccl,
};

const char* to_string(CollectiveKind k);
const char* to_string(Algorithm a);
// The algorithms valid for `k`, the first being the default.
std::span<const Algorithm> algorithms_for(CollectiveKind k);

struct CollectiveArgs {
  Bytes bytes{};
  std::uint32_t channels = 1;        // parallel instances (flow labels 0..C−1)
  std::uint32_t chunks = 1;          // pipelining chunks per channel
  std::uint32_t max_concurrent = 1;  // all_to_all: sends in flight per rank (nccl: batches; 0 = no cap)
  std::uint32_t root = 0;            // broadcast: root position
  std::uint32_t op = 0;              // op record index stored in every node
  std::uint32_t rings = 1;           // ring: link-disjoint ring orders (header)
  // all_to_all nccl (workload/nccl_all_to_all.hpp): p2p channels C, channels per peer K (0: NCCL's
  // default for the NIC rate), QPs per connection, PXN relaying through the scale-up domain.
  std::uint32_t p2p_channels = 32;
  std::uint32_t channels_per_peer = 0;
  std::uint32_t qps_per_connection = 1;
  bool pxn = true;
};

// node_of tags: a rank's node is its scale-up domain (tag 0), else its server, else itself.
inline constexpr std::uint32_t kServerNodeTag = 1u << 31;
inline constexpr std::uint32_t kSelfNodeTag = 3u << 30;
constexpr bool is_scale_up_node(std::uint32_t node_of) { return node_of < (1u << 30); }

// Scale-up node (scale-up domain, or server) and rail (index inside the server) of every global
// rank, and the NIC line rate (bit/s) the p2p planner sizes channels with.
struct Locality {
  std::span<const std::uint32_t> node_of;
  std::span<const std::uint32_t> rail_of;
  double nic_bps = 0.0;
};

// ⌊total·(i+1)/parts⌋ − ⌊total·i/parts⌋. REQUIRES: parts > 0, i < parts, total >= 0.
std::int64_t piece(std::int64_t total, std::uint64_t parts, std::uint64_t i);

// The strides of `k` link-disjoint rings over n positions: the integers d in [1, n) coprime to n,
// ordered 1, n−1, 3, n−3, 5, … . Throws LoweringError when k exceeds their number φ(n) (n = 8:
// 1, 7, 3, 5, so at most 4).
std::vector<std::uint32_t> ring_strides(std::uint32_t n, std::uint32_t k);

// The orders of k link-disjoint rings over n positions (orders[r][p] = the communicator position at
// ring position p): the stride rings for k ≤ φ(n); on n = 8 for 4 < k ≤ 7 the first k of 7
// Hamiltonian cycles that use every ordered pair exactly once (all 7 links of every GPU of an
// 8-GPU mesh). Such a 7-cycle set exists for n = 8 but no stride set does (φ(8) = 4); it exists
// for every n except 4 and 6 (Tillson, 1980), rocesim carries it for the 8-GPU node only.
// Throws LoweringError naming the limit (n = 8: 7; otherwise φ(n)).
std::vector<std::vector<std::uint32_t>> ring_orders(std::uint32_t n, std::uint32_t k);

// Lowers one instance of `kind` with `alg`. Throws LoweringError if `alg` does not apply.
void lower_collective(TransferDag& dag, CollectiveKind kind, Algorithm alg, std::span<const std::uint32_t> ranks,
                      const CollectiveArgs& args, const Locality& locality, std::span<const NodeIndex> ready,
                      std::vector<NodeIndex>& done);

// The building blocks, exposed for tests and composition.
enum class RingPhase : std::uint8_t { reduce_scatter, all_gather, all_reduce };
void lower_ring(TransferDag& dag, RingPhase phase, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                std::span<const NodeIndex> ready, std::vector<NodeIndex>& done);
void lower_direct(TransferDag& dag, RingPhase phase, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                  std::span<const NodeIndex> ready, std::vector<NodeIndex>& done);
void lower_halving_doubling(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                            std::span<const NodeIndex> ready, std::vector<NodeIndex>& done);
void lower_double_binary_tree(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                              std::span<const NodeIndex> ready, std::vector<NodeIndex>& done);
void lower_broadcast(TransferDag& dag, Algorithm alg, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                     std::span<const NodeIndex> ready, std::vector<NodeIndex>& done);
void lower_hierarchical_all_reduce(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                                   const Locality& locality, std::span<const NodeIndex> ready,
                                   std::vector<NodeIndex>& done);
void lower_all_to_all_pairwise(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                               std::span<const NodeIndex> ready, std::vector<NodeIndex>& done);
void lower_all_to_all_rail_aligned(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                                   const Locality& locality, std::span<const NodeIndex> ready,
                                   std::vector<NodeIndex>& done);
void lower_all_to_all_nccl(TransferDag& dag, std::span<const std::uint32_t> ranks, const CollectiveArgs& args,
                           const Locality& locality, std::span<const NodeIndex> ready, std::vector<NodeIndex>& done);

// Adds a transfer, or a zero-length join with the same dependencies when `bytes` is 0.
NodeIndex add_transfer_or_join(TransferDag& dag, std::uint32_t src, std::uint32_t dst, std::int64_t bytes,
                               std::uint16_t channel, std::uint32_t op, std::initializer_list<NodeIndex> deps);
// A node completing when all `deps` have; returns the single dependency itself when there is one.
NodeIndex join_of(TransferDag& dag, std::uint32_t op, std::span<const NodeIndex> deps);

}  // namespace rocesim::workload
