// DagExecutor: runs a TransferDag on any TransferBackend inside a Simulator.
//
// A node is released when its last predecessor completes (roots at start()): a transfer is handed
// to the backend (tag = node index), a delay becomes one simulator event `amount` ps later, and a
// zero-length delay (a join) completes at once. Completing a node releases its successors in
// ascending index order; backend completions at equal times arrive in the simulator's (time,
// sequence) order, so a run is deterministic for a deterministic backend.
// Records per op: the first release and the last completion (its start and end); per rank: bytes
// sent and received (counted when the transfer completes).
// Memory: 4 B per node (remaining-predecessor counters) + 16 B per op + 16 B per rank.
// Nodes whose op is kNoOp (iteration barriers, start offsets) are not accounted to any op.
// Thread safety: none; one executor per Simulator.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "workload/transfer_dag.hpp"

namespace rocesim::workload {

inline constexpr std::uint32_t kNoOp = UINT32_MAX;

class DagExecutor final : public EventHandler, public TransferSink {
 public:
  // REQUIRES: dag.finalized(); rank_endpoint maps every global rank in the DAG to a fabric endpoint;
  // every node's op is < op_count or kNoOp. All references must outlive the executor.
  DagExecutor(Simulator& sim, TransferBackend& backend, const TransferDag& dag,
              std::span<const std::uint32_t> rank_endpoint, std::size_t op_count);

  // Releases every root at sim.now(). Call once, then run the simulator.
  void start();

  bool finished() const { return completed_ == dag_.size(); }
  std::size_t completed_nodes() const { return completed_; }
  Time last_completion() const { return last_; }
  // kNever when the op has not started / ended.
  static constexpr Time kNever = Time::max();
  Time op_start(std::uint32_t op) const { return op_start_[op]; }
  Time op_end(std::uint32_t op) const { return op_end_[op]; }
  std::span<const std::int64_t> bytes_sent() const { return sent_; }
  std::span<const std::int64_t> bytes_received() const { return received_; }

  void on_event(Simulator& sim, std::uint32_t kind, std::uint64_t arg) override;
  void on_transfer_done(std::uint64_t tag, Time now) override;

 private:
  void release(NodeIndex v);
  void complete(NodeIndex v);

  Simulator& sim_;
  TransferBackend& backend_;
  const TransferDag& dag_;
  std::span<const std::uint32_t> endpoint_;
  static constexpr std::uint32_t kReleased = UINT32_MAX;
  std::vector<std::uint32_t> remaining_;  // predecessors not yet completed; kReleased once released
  std::vector<Time> op_start_, op_end_;
  std::vector<std::int64_t> sent_, received_;
  std::vector<NodeIndex> work_;  // completed nodes whose successors are still to be released
  std::size_t completed_ = 0;
  bool draining_ = false;
  Time last_{};
};

}  // namespace rocesim::workload
