#include "workload/transfer_dag.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/memory_budget.hpp"

namespace rocesim::workload {

namespace {

constexpr std::uint64_t kRankMask = (1u << 24) - 1;  // packed kNoRank
constexpr std::uint32_t kOpMask = (1u << 29) - 1;    // packed "no op"
constexpr std::uint32_t kNoOpRecord = UINT32_MAX;    // workload::kNoOp (dag_executor.hpp)
constexpr std::uint32_t kLiteralAmounts = 1u << 31;  // amounts below are stored in the node

std::uint64_t pack_rank(std::uint32_t r) {
  if (r == kNoRank) return kRankMask;
  if (r >= kMaxDagRanks) throw std::length_error("TransferDag: rank " + std::to_string(r) + " beyond 2^24 - 2");
  return r;
}

std::uint32_t unpack_rank(std::uint64_t r) { return r == kRankMask ? kNoRank : static_cast<std::uint32_t>(r); }

}  // namespace

std::uint32_t TransferDag::amount_field(std::int64_t amount) {
  if (amount >= 0 && amount < kLiteralAmounts) return static_cast<std::uint32_t>(amount);
  // Large amounts go to the side table; a run of equal ones (every rank's compute delay of an
  // op) shares one entry.
  if (amount == last_amount_) return last_amount_field_;
  if (amounts_.size() >= kLiteralAmounts) throw std::length_error("TransferDag: more than 2^31 amounts of 2^31 or more");
  amounts_.push_back(amount);
  last_amount_ = amount;
  last_amount_field_ = kLiteralAmounts | static_cast<std::uint32_t>(amounts_.size() - 1);
  return last_amount_field_;
}

NodeIndex TransferDag::append(std::int64_t amount, std::uint32_t src, std::uint32_t dst, std::uint16_t channel,
                              std::uint32_t op, std::span<const NodeIndex> deps) {
  if (finalized_) throw std::logic_error("TransferDag: node added after finalize()");
  if (nodes_.size() >= kNoNode - 1) throw std::length_error("TransferDag: more than 2^32 - 2 nodes");
  if (op != kNoOpRecord && op >= kMaxDagOpRecords) {
    throw std::length_error("TransferDag: op record " + std::to_string(op) + " beyond 2^29 - 2");
  }
  const std::uint64_t ends = pack_rank(src) | pack_rank(dst) << 24 | std::uint64_t{channel} << 48;
  // Before a page of nodes is added: refuse a DAG the memory limit cannot hold (once per page, so
  // free per node). Edges are checked the same way below.
  if (nodes_.at_page_end()) check_growth(nodes_.size() + PagedArray<Packed>::kPage, preds_.size(), amounts_.size());
  const auto self = static_cast<NodeIndex>(nodes_.size());
  // Deduplicate: short lists (the common case) by a scan in input order, long ones (joins over a
  // whole group) sorted, to stay O(k log k).
  scratch_.clear();
  for (NodeIndex d : deps) {
    if (d == kNoNode) continue;
    if (d >= self) throw std::logic_error("TransferDag: dependency on a node not yet added");
    if (deps.size() <= 8 && std::find(scratch_.begin(), scratch_.end(), d) != scratch_.end()) continue;
    scratch_.push_back(d);
  }
  if (deps.size() > 8) {
    std::sort(scratch_.begin(), scratch_.end());
    scratch_.erase(std::unique(scratch_.begin(), scratch_.end()), scratch_.end());
  }
  if (preds_.size() + scratch_.size() >= UINT32_MAX) throw std::length_error("TransferDag: more than 2^32 - 1 edges");
  if (pred_begin_.size() == 0) pred_begin_.push_back(0);
  for (NodeIndex d : scratch_) {
    if (preds_.at_page_end()) check_growth(nodes_.size() + 1, preds_.size() + PagedArray<NodeIndex>::kPage, amounts_.size());
    preds_.push_back(d);
  }
  const std::uint32_t op_bits = op == kNoOpRecord ? kOpMask : op;
  nodes_.push_back(Packed{ends, amount_field(amount), op_bits});
  pred_begin_.push_back(static_cast<std::uint32_t>(preds_.size()));
  return self;
}

void TransferDag::check_growth(std::uint64_t nodes, std::uint64_t edges, std::uint64_t amounts) {
  require_memory(estimate_bytes(nodes, edges, amounts), "lowering the workload",
                 "a transfer DAG of " + std::to_string(nodes) + " nodes at " + std::to_string(kBytesPerNode) +
                     " B and " + std::to_string(edges) + " edges at " + std::to_string(kBytesPerEdge) + " B");
}

NodeIndex TransferDag::add_transfer(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::uint16_t channel,
                                    std::uint32_t op, std::span<const NodeIndex> deps) {
  if (bytes.n <= 0 || src == dst || dst == kNoRank || src == kNoRank) {
    throw std::logic_error("TransferDag: empty or self transfer");
  }
  const NodeIndex v = append(bytes.n, src, dst, channel, op, deps);
  ++transfers_;
  return v;
}

NodeIndex TransferDag::add_delay(Time duration, std::uint32_t rank, std::uint32_t op,
                                 std::span<const NodeIndex> deps) {
  if (duration.ps < 0) throw std::logic_error("TransferDag: negative delay");
  return append(duration.ps, rank, kNoRank, 0, op, deps);
}

void TransferDag::set_traffic_class(std::size_t from, std::size_t to, std::uint8_t c) {
  if (c > 7) throw std::logic_error("TransferDag: traffic class beyond 7");
  for (std::size_t i = from; i < to; ++i) nodes_[i].op_tc = (nodes_[i].op_tc & kOpMask) | std::uint32_t{c} << 29;
}

DagNode TransferDag::node(NodeIndex i) const {
  const Packed& p = nodes_[i];
  DagNode n;
  n.amount = (p.amount & kLiteralAmounts) == 0 ? std::int64_t{p.amount} : amounts_[p.amount & ~kLiteralAmounts];
  n.src = unpack_rank(p.ends & kRankMask);
  n.dst = unpack_rank(p.ends >> 24 & kRankMask);
  n.channel = static_cast<std::uint16_t>(p.ends >> 48);
  const std::uint32_t op = p.op_tc & kOpMask;
  n.op = op == kOpMask ? kNoOpRecord : op;
  n.traffic_class = static_cast<std::uint8_t>(p.op_tc >> 29);
  n.kind = n.dst == kNoRank ? DagNodeKind::delay : DagNodeKind::transfer;
  return n;
}

std::vector<NodeIndex> TransferDag::predecessors(NodeIndex i) const {
  std::vector<NodeIndex> out;
  for (std::uint32_t e = pred_begin_[i]; e < pred_begin_[i + 1]; ++e) out.push_back(preds_[e]);
  return out;
}

void TransferDag::finalize() {
  if (finalized_) return;
  const std::size_t n = nodes_.size();
  // Counting sort of the edges by predecessor: successors of each node keep ascending order, so the
  // executor releases them in a deterministic order. succ_begin_[p] serves as p's fill cursor and
  // is shifted back afterwards; predecessor pages are freed behind the fill pass.
  succ_begin_.assign(n + 1, 0);
  const std::size_t edges = preds_.size();
  for (std::size_t e = 0; e < edges; ++e) ++succ_begin_[preds_[e] + 1];
  for (std::size_t i = 0; i < n; ++i) succ_begin_[i + 1] += succ_begin_[i];
  succ_.resize_lazy(edges);
  for (std::size_t v = 0; v < n; ++v) {
    const std::uint32_t end = pred_begin_[v + 1];
    for (std::uint32_t e = pred_begin_[v]; e < end; ++e) succ_.at(succ_begin_[preds_[e]]++) = static_cast<NodeIndex>(v);
    preds_.release_below(end);
    pred_begin_.release_below(v + 1);
  }
  for (std::size_t i = n; i > 0; --i) succ_begin_[i] = succ_begin_[i - 1];
  if (n > 0) succ_begin_[0] = 0;
  preds_.clear();
  pred_begin_.clear();
  std::vector<NodeIndex>().swap(scratch_);
  finalized_ = true;
}

std::size_t TransferDag::memory_bytes() const {
  return nodes_.memory_bytes() + pred_begin_.memory_bytes() + preds_.memory_bytes() + succ_begin_.capacity() * 4 +
         succ_.memory_bytes() + amounts_.memory_bytes();
}

}  // namespace rocesim::workload
