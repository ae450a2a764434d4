#include "workload/transfer_dag.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/memory_budget.hpp"

namespace rocesim::workload {

NodeIndex TransferDag::append(const DagNode& n, std::span<const NodeIndex> deps) {
  if (finalized_) throw std::logic_error("TransferDag: node added after finalize()");
  if (nodes_.size() >= kNoNode - 1) throw std::length_error("TransferDag: more than 2^32 - 2 nodes");
  // Before the node array doubles: refuse a DAG the memory limit cannot hold (checked once per
  // doubling, so free per node).
  if (nodes_.size() == nodes_.capacity()) check_growth(std::max<std::size_t>(2 * nodes_.size(), 1024));
  const auto self = static_cast<NodeIndex>(nodes_.size());
  const std::size_t first = preds_.size();
  for (NodeIndex d : deps) {
    if (d == kNoNode) continue;
    if (d >= self) throw std::logic_error("TransferDag: dependency on a node not yet added");
    bool dup = false;
    // Short lists (the common case) are deduplicated by a scan; long ones (joins over a whole
    // group) by sorting in place below, to stay O(k log k).
    if (deps.size() <= 8) {
      for (std::size_t i = first; i < preds_.size(); ++i) dup = dup || preds_[i] == d;
    }
    if (!dup) preds_.push_back(d);
  }
  if (deps.size() > 8) {
    const auto begin = preds_.begin() + static_cast<std::ptrdiff_t>(first);
    std::sort(begin, preds_.end());
    preds_.erase(std::unique(begin, preds_.end()), preds_.end());
  }
  if (preds_.size() >= UINT32_MAX) throw std::length_error("TransferDag: more than 2^32 - 1 edges");
  nodes_.push_back(n);
  pred_begin_.push_back(static_cast<std::uint32_t>(preds_.size()));
  return self;
}

void TransferDag::check_growth(std::size_t nodes) {
  require_memory(static_cast<std::uint64_t>(nodes) * kBytesPerNode, "lowering the workload",
                 "a transfer DAG of " + std::to_string(nodes) + " nodes at " + std::to_string(kBytesPerNode) + " B each");
}

NodeIndex TransferDag::add_transfer(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::uint16_t channel,
                                    std::uint32_t op, std::span<const NodeIndex> deps) {
  if (bytes.n <= 0 || src == dst) throw std::logic_error("TransferDag: empty or self transfer");
  ++transfers_;
  return append(DagNode{bytes.n, src, dst, op, channel, DagNodeKind::transfer}, deps);
}

NodeIndex TransferDag::add_delay(Time duration, std::uint32_t rank, std::uint32_t op,
                                 std::span<const NodeIndex> deps) {
  if (duration.ps < 0) throw std::logic_error("TransferDag: negative delay");
  return append(DagNode{duration.ps, rank, kNoRank, op, 0, DagNodeKind::delay}, deps);
}

void TransferDag::finalize() {
  if (finalized_) return;
  const std::size_t n = nodes_.size();
  // Counting sort of the edges by predecessor: successors of each node keep ascending order, so the
  // executor releases them in a deterministic order.
  succ_begin_.assign(n + 1, 0);
  for (NodeIndex p : preds_) ++succ_begin_[p + 1];
  for (std::size_t i = 0; i < n; ++i) succ_begin_[i + 1] += succ_begin_[i];
  succ_.resize(preds_.size());
  std::vector<std::uint32_t> fill(succ_begin_.begin(), succ_begin_.end() - 1);
  for (std::size_t v = 0; v < n; ++v) {
    for (std::uint32_t e = pred_begin_[v]; e < pred_begin_[v + 1]; ++e) {
      succ_[fill[preds_[e]]++] = static_cast<NodeIndex>(v);
    }
  }
  edge_count_ = preds_.size();
  std::vector<NodeIndex>().swap(preds_);
  nodes_.shrink_to_fit();
  pred_begin_.shrink_to_fit();
  finalized_ = true;
}

std::size_t TransferDag::memory_bytes() const {
  return nodes_.capacity() * sizeof(DagNode) + pred_begin_.capacity() * 4 + preds_.capacity() * 4 +
         succ_begin_.capacity() * 4 + succ_.capacity() * 4;
}

void TransferDag::reserve(std::size_t nodes, std::size_t edges) {
  nodes_.reserve(nodes);
  pred_begin_.reserve(nodes + 1);
  preds_.reserve(edges);
}

}  // namespace rocesim::workload
