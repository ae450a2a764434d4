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
// Memory layout (session 10, issue 19: a 131,072-rank MoE iteration lowers to 142 M nodes and
// 316 M edges; the former 24 B nodes in a doubling std::vector reserved 2^28 × 52 B = 13 GiB):
//   node      16 B: src and dst in 24 bits each (kNoRank = 2^24 − 1 inside), channel 16 bits, op in
//             29 bits and traffic class in 3, and the amount in 32 bits: below 2^31 (2 GiB, or
//             2.1 ms of delay) the amount itself, else the index of an 8 B entry in a side table,
//             shared with the previous node's when equal (so one entry for a run of equal compute
//             delays; a flow list with start offsets past 2.1 ms pays 8 B per offset node).
//   edges     4 B per edge as predecessors while building, 4 B as successors after finalize().
//   offsets   4 B per node predecessor offset while building, 4 B successor offset after.
// Every array grows in fixed pages (PagedArray): no doubling and no copy at the peak. finalize()
// frees the predecessor pages behind its fill pass and allocates a successor page when its first
// entry is written; edges mostly join nearby nodes, so the two sets of pages are not all alive at
// once. Measured (`rocesim run --check`, fabric included): the 8,192-rank MoE study workload, 8.9 M
// nodes and 19.8 M edges, holds 257 MB of DAG, peak RSS 643 MB before this layout → 298 MB; the
// 131,072-rank one, 142.3 M nodes (136.3 M transfers: 4 nccl all-to-alls × 2,048 EP groups × 16,128
// transfers, 64 ranks × 63 peers × 4 channels) and 316.4 M edges, holds 4.11 GB, lowered in 23 CPU-s
// at 4.77 GB peak RSS (was refused at an estimated 13.0 GiB).
// Why compact and not streamed: the report phase (op lower bounds, trace, payload sums) and the
// attribution's fluid re-runs read the whole DAG after the run, so lowering ops on demand and
// freeing them would mean lowering again for each reader; the packed layout keeps one DAG, the
// same node indices and the same successor order, so every run is unchanged event for event.
// Budget: check_growth() applies kBytesPerNode per node + kBytesPerEdge per edge + kBytesPerAmount
// per side-table amount (the most alive at once, during finalize, plus the executor's 4 B per
// node), before each new page of nodes or edges.
// Limits: < 2^32 − 1 nodes and < 2^32 edges; ranks < 2^24 − 1 and op records < 2^29 − 1
// (std::length_error beyond; lower_workload checks both up front with a ConfigError).
// Thread safety: none while building; immutable and shareable after finalize().
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <span>
#include <vector>

#include "core/units.hpp"

namespace rocesim::workload {

using NodeIndex = std::uint32_t;
inline constexpr NodeIndex kNoNode = UINT32_MAX;
inline constexpr std::uint32_t kNoRank = UINT32_MAX;
// Largest rank and op record index a node can hold (the packed fields' sentinels excluded).
inline constexpr std::uint32_t kMaxDagRanks = (1u << 24) - 1;        // ranks 0 .. 2^24 − 2
inline constexpr std::uint32_t kMaxDagOpRecords = (1u << 29) - 1;   // op records 0 .. 2^29 − 2

enum class DagNodeKind : std::uint8_t { transfer, delay };

// A node's fields, as node() hands them out (a value; the DAG stores them packed, header).
struct DagNode {
  std::int64_t amount = 0;      // transfer: payload bytes (> 0); delay: duration in ps (>= 0)
  std::uint32_t src = kNoRank;  // transfer: source rank; delay: rank it runs on (kNoRank: a join)
  std::uint32_t dst = kNoRank;  // transfer: destination rank
  std::uint32_t op = 0;         // op record index (per-op accounting); UINT32_MAX: none
  std::uint16_t channel = 0;    // transfer: channel / QP number, the flow label
  DagNodeKind kind = DagNodeKind::delay;
  std::uint8_t traffic_class = 0;  // transfer: data priority (its job's traffic_class)
};

// Append-only array in fixed pages of 2^14 elements: growing never copies or doubles, so its peak
// is its data plus less than one page (a std::vector holds up to 3× its data while it grows).
template <class T>
class PagedArray {
 public:
  static constexpr unsigned kShift = 14;
  static constexpr std::size_t kPage = std::size_t{1} << kShift;

  // True when the next push_back allocates a page.
  bool at_page_end() const { return (size_ & (kPage - 1)) == 0; }
  void push_back(const T& x) {
    if (at_page_end()) pages_.push_back(std::make_unique_for_overwrite<T[]>(kPage));
    pages_[size_ >> kShift][size_ & (kPage - 1)] = x;
    ++size_;
  }
  // Makes [0, n) addressable without allocating: a page is allocated by its first write through
  // at(), so writes that advance roughly in order hold only the pages reached so far.
  void resize_lazy(std::size_t n) {
    pages_.resize((n + kPage - 1) >> kShift);
    size_ = n;
  }
  T& at(std::size_t i) {
    std::unique_ptr<T[]>& page = pages_[i >> kShift];
    if (!page) page = std::make_unique_for_overwrite<T[]>(kPage);
    return page[i & (kPage - 1)];
  }
  T& operator[](std::size_t i) { return pages_[i >> kShift][i & (kPage - 1)]; }
  const T& operator[](std::size_t i) const { return pages_[i >> kShift][i & (kPage - 1)]; }
  std::size_t size() const { return size_; }
  // Frees the pages wholly below element `i` (they may not be read again).
  void release_below(std::size_t i) {
    for (std::size_t p = released_; p < (i >> kShift) && p < pages_.size(); ++p) pages_[p].reset();
    released_ = std::max(released_, i >> kShift);
  }
  void clear() {
    pages_.clear();
    pages_.shrink_to_fit();
    size_ = released_ = 0;
  }
  std::size_t memory_bytes() const {
    std::size_t held = 0;
    for (const auto& page : pages_) held += page ? 1 : 0;
    return held * kPage * sizeof(T) + pages_.capacity() * sizeof(pages_[0]);
  }

 private:
  std::vector<std::unique_ptr<T[]>> pages_;
  std::size_t size_ = 0;
  std::size_t released_ = 0;
};

// The successors of one node: ascending node indices, read in place from the DAG's pages.
class NodeRange {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = NodeIndex;
    using difference_type = std::ptrdiff_t;
    using pointer = const NodeIndex*;
    using reference = const NodeIndex&;
    iterator() = default;
    iterator(const PagedArray<NodeIndex>* a, std::size_t i) : a_(a), i_(i) {}
    const NodeIndex& operator*() const { return (*a_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++i_;
      return old;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const PagedArray<NodeIndex>* a_ = nullptr;
    std::size_t i_ = 0;
  };
  NodeRange(const PagedArray<NodeIndex>& a, std::size_t begin, std::size_t end) : a_(&a), begin_(begin), end_(end) {}
  iterator begin() const { return {a_, begin_}; }
  iterator end() const { return {a_, end_}; }
  std::size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }

 private:
  const PagedArray<NodeIndex>* a_;
  std::size_t begin_, end_;
};

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

  // Nodes [from, to) get data priority `c` (< 8). REQUIRES: !finalized(), to <= size().
  void set_traffic_class(std::size_t from, std::size_t to, std::uint8_t c);
  // Builds the successor lists and frees the predecessor lists. No nodes may be added afterwards.
  void finalize();
  bool finalized() const { return finalized_; }

  std::size_t size() const { return nodes_.size(); }
  std::size_t edge_count() const { return finalized_ ? succ_.size() : preds_.size(); }
  std::size_t transfer_count() const { return transfers_; }
  DagNode node(NodeIndex i) const;
  // REQUIRES: !finalized() (the executor counts predecessors from the successor lists).
  std::uint32_t indegree(NodeIndex i) const { return pred_begin_[i + 1] - pred_begin_[i]; }
  // REQUIRES: finalized().
  NodeRange successors(NodeIndex i) const { return {succ_, succ_begin_[i], succ_begin_[i + 1]}; }
  // REQUIRES: !finalized().
  std::vector<NodeIndex> predecessors(NodeIndex i) const;
  // Heap bytes held now (every page and array), for the memory figures.
  std::size_t memory_bytes() const;
  // Checks the budget for a DAG of `nodes` nodes and `edges` edges (arrays grow in pages, so
  // nothing is reserved).
  void reserve(std::size_t nodes, std::size_t edges) const { check_growth(nodes, edges, 0); }
  // The budget (header): 16 B node + 4 B predecessor offset + 4 B successor offset + 4 B executor
  // state per node; 4 B as predecessor + 4 B as successor per edge (both during finalize); 8 B
  // per side-table amount.
  static constexpr std::uint64_t kBytesPerNode = 28;
  static constexpr std::uint64_t kBytesPerEdge = 8;
  static constexpr std::uint64_t kBytesPerAmount = 8;
  static std::uint64_t estimate_bytes(std::uint64_t nodes, std::uint64_t edges, std::uint64_t amounts) {
    return nodes * kBytesPerNode + edges * kBytesPerEdge + amounts * kBytesPerAmount;
  }
  // Throws MemoryLimitError (core/memory_budget.hpp) when such a DAG would exceed the limit.
  static void check_growth(std::uint64_t nodes, std::uint64_t edges, std::uint64_t amounts);

 private:
  struct Packed {
    std::uint64_t ends = 0;       // src | dst << 24 | channel << 48
    std::uint32_t amount = 0;     // < 2^31: the amount; else 2^31 | index into amounts_
    std::uint32_t op_tc = 0;      // op (29 bits, all ones: none) | traffic class << 29
  };
  static_assert(sizeof(Packed) == 16, "the packed node is part of the stated memory budget");

  NodeIndex append(std::int64_t amount, std::uint32_t src, std::uint32_t dst, std::uint16_t channel,
                   std::uint32_t op, std::span<const NodeIndex> deps);
  std::uint32_t amount_field(std::int64_t amount);

  PagedArray<Packed> nodes_;
  PagedArray<std::uint32_t> pred_begin_;  // size() + 1 entries while building
  PagedArray<NodeIndex> preds_;
  std::vector<std::uint32_t> succ_begin_;
  PagedArray<NodeIndex> succ_;
  PagedArray<std::int64_t> amounts_;  // amounts of 2^31 and more
  std::vector<NodeIndex> scratch_;
  std::int64_t last_amount_ = -1;
  std::uint32_t last_amount_field_ = 0;
  std::size_t transfers_ = 0;
  bool finalized_ = false;
};

}  // namespace rocesim::workload
