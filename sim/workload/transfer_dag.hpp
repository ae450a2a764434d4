// TransferDag: the lowered form of a workload, a DAG of point-to-point transfers and delays.
//
// A node is either a transfer (src rank → dst rank, `amount` bytes, on channel/QP `channel`) or a
// delay (`amount` picoseconds; a compute step on one rank, or a zero-length join/barrier).
// A node may start once all its predecessors have completed; a delay completes `amount` ps after
// it starts, a transfer when the backend delivers its last byte.
// Ranks are global: job j's rank r is rank_offset(j) + r; the lowered workload maps them to fabric
// endpoints.
//
// Invariants: predecessors are given when a node is added and must already exist, so node indices
// are a topological order and a cycle cannot be represented (cycles in user input are caught while
// ordering ops, before lowering).
// Memory (linear in the DAG): 24 B per node + 4 B predecessor offset + 4 B successor offset + 4 B
// per edge once finalized (the predecessor list is freed by finalize()); lowering creates about two
// edges per transfer, so ≈ 40 B per transfer, plus 4 B per node of executor state.
// Limits: < 2^32 − 1 nodes and < 2^32 edges (std::length_error beyond).
// Thread safety: none while building; immutable and shareable after finalize().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "core/units.hpp"

namespace rocesim::workload {

using NodeIndex = std::uint32_t;
inline constexpr NodeIndex kNoNode = UINT32_MAX;
inline constexpr std::uint32_t kNoRank = UINT32_MAX;

enum class DagNodeKind : std::uint8_t { transfer, delay };

struct DagNode {
  std::int64_t amount = 0;      // transfer: payload bytes (> 0); delay: duration in ps (>= 0)
  std::uint32_t src = kNoRank;  // transfer: source rank; delay: rank it runs on (kNoRank: a join)
  std::uint32_t dst = kNoRank;  // transfer: destination rank
  std::uint32_t op = 0;         // op record index (per-op accounting)
  std::uint16_t channel = 0;    // transfer: channel / QP number, the flow label
  DagNodeKind kind = DagNodeKind::delay;
  std::uint8_t traffic_class = 0;  // transfer: data priority (its job's traffic_class)
};
static_assert(sizeof(DagNode) == 24, "DagNode is part of the stated memory budget");

class TransferDag {
 public:
  // Appends a node. Entries of `deps` equal to kNoNode are skipped; duplicates are kept out.
  // REQUIRES: every dep < size(); bytes > 0 for a transfer, src != dst.
  NodeIndex add_transfer(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::uint16_t channel,
                         std::uint32_t op, std::span<const NodeIndex> deps);
  NodeIndex add_transfer(std::uint32_t src, std::uint32_t dst, Bytes bytes, std::uint16_t channel,
                         std::uint32_t op, std::initializer_list<NodeIndex> deps) {
    return add_transfer(src, dst, bytes, channel, op, std::span<const NodeIndex>(deps.begin(), deps.size()));
  }
  NodeIndex add_delay(Time duration, std::uint32_t rank, std::uint32_t op, std::span<const NodeIndex> deps);
  NodeIndex add_delay(Time duration, std::uint32_t rank, std::uint32_t op, std::initializer_list<NodeIndex> deps) {
    return add_delay(duration, rank, op, std::span<const NodeIndex>(deps.begin(), deps.size()));
  }
  NodeIndex add_join(std::uint32_t op, std::span<const NodeIndex> deps) { return add_delay(Time{}, kNoRank, op, deps); }

  // Transfers among nodes [from, to) get data priority `c`. REQUIRES: !finalized(), to <= size().
  void set_traffic_class(std::size_t from, std::size_t to, std::uint8_t c) {
    for (std::size_t i = from; i < to; ++i) nodes_[i].traffic_class = c;
  }
  // Builds the successor lists and frees the predecessor lists. No nodes may be added afterwards.
  void finalize();
  bool finalized() const { return finalized_; }

  std::size_t size() const { return nodes_.size(); }
  std::size_t edge_count() const { return edge_count_; }
  std::size_t transfer_count() const { return transfers_; }
  const DagNode& node(NodeIndex i) const { return nodes_[i]; }
  std::uint32_t indegree(NodeIndex i) const { return pred_begin_[i + 1] - pred_begin_[i]; }
  // REQUIRES: finalized().
  std::span<const NodeIndex> successors(NodeIndex i) const {
    return {succ_.data() + succ_begin_[i], succ_begin_[i + 1] - succ_begin_[i]};
  }
  // REQUIRES: !finalized().
  std::span<const NodeIndex> predecessors(NodeIndex i) const {
    return {preds_.data() + pred_begin_[i], pred_begin_[i + 1] - pred_begin_[i]};
  }
  // Heap bytes held now (capacity of every array), for the memory figures.
  std::size_t memory_bytes() const;
  void reserve(std::size_t nodes, std::size_t edges);
  // Bytes a node costs through its life, the budget require_memory checks: 24 B node, 4 B
  // predecessor and 4 B successor offsets, ~2 edges kept twice during finalize (16 B), 4 B of
  // executor state.
  static constexpr std::uint64_t kBytesPerNode = 52;
  // Throws MemoryLimitError (core/memory_budget.hpp) when `nodes` nodes would exceed the limit.
  static void check_growth(std::size_t nodes);

 private:
  NodeIndex append(const DagNode& n, std::span<const NodeIndex> deps);

  std::vector<DagNode> nodes_;
  std::vector<std::uint32_t> pred_begin_{0};
  std::vector<NodeIndex> preds_;
  std::vector<std::uint32_t> succ_begin_;
  std::vector<NodeIndex> succ_;
  std::size_t edge_count_ = 0;
  std::size_t transfers_ = 0;
  bool finalized_ = false;
};

}  // namespace rocesim::workload
