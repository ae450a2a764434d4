#include "workload/dag_executor.hpp"

#include <algorithm>
#include <stdexcept>

namespace rocesim::workload {

DagExecutor::DagExecutor(Simulator& sim, TransferBackend& backend, const TransferDag& dag,
                         std::span<const std::uint32_t> rank_endpoint, std::size_t op_count)
    : sim_(sim),
      backend_(backend),
      dag_(dag),
      endpoint_(rank_endpoint),
      op_start_(op_count, kNever),
      op_end_(op_count, kNever),
      sent_(rank_endpoint.size(), 0),
      received_(rank_endpoint.size(), 0) {
  if (!dag.finalized()) throw std::logic_error("DagExecutor: the DAG must be finalized");
  // Predecessor counts from the successor lists (the finalized DAG keeps no predecessors).
  remaining_.assign(dag.size(), 0);
  for (std::size_t v = 0; v < dag.size(); ++v) {
    for (NodeIndex s : dag.successors(static_cast<NodeIndex>(v))) ++remaining_[s];
  }
  backend_.set_sink(this);
}

void DagExecutor::start() {
  // Roots are the nodes without predecessors. Releasing a root can complete joins further on;
  // release() marks every released node kReleased, so those are not released a second time.
  for (std::size_t v = 0; v < dag_.size(); ++v) {
    if (remaining_[v] == 0) release(static_cast<NodeIndex>(v));
  }
}

void DagExecutor::release(NodeIndex v) {
  remaining_[v] = kReleased;  // no predecessor is left to decrement it
  const DagNode n = dag_.node(v);
  if (n.op != kNoOp && op_start_[n.op] == kNever) op_start_[n.op] = sim_.now();
  if (n.kind == DagNodeKind::transfer) {
    backend_.start(TransferRequest{endpoint_[n.src], endpoint_[n.dst], Bytes{n.amount}, n.channel, n.traffic_class, v});
  } else if (n.amount > 0) {
    sim_.schedule_in(Time{n.amount}, this, 0, v);
  } else {
    complete(v);
  }
}

void DagExecutor::complete(NodeIndex v) {
  work_.push_back(v);
  if (draining_) return;  // an outer complete() is already walking the worklist
  draining_ = true;
  // FIFO over the worklist; successors of one node are released in ascending index order.
  for (std::size_t head = 0; head < work_.size(); ++head) {
    const NodeIndex u = work_[head];
    const DagNode n = dag_.node(u);
    ++completed_;
    last_ = sim_.now();
    if (n.op != kNoOp) op_end_[n.op] = sim_.now();
    if (n.kind == DagNodeKind::transfer) {
      sent_[n.src] += n.amount;
      received_[n.dst] += n.amount;
    }
    for (NodeIndex s : dag_.successors(u)) {
      if (--remaining_[s] == 0) release(s);
    }
  }
  work_.clear();
  draining_ = false;
}

void DagExecutor::on_event(Simulator&, std::uint32_t, std::uint64_t arg) { complete(static_cast<NodeIndex>(arg)); }

void DagExecutor::on_transfer_done(std::uint64_t tag, Time) { complete(static_cast<NodeIndex>(tag)); }

}  // namespace rocesim::workload
