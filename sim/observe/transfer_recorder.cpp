#include "observe/transfer_recorder.hpp"

#include <stdexcept>
#include <string>

namespace rocesim::observe {

TransferRecorder::TransferRecorder(const Simulator& sim, TransferBackend& inner, const workload::TransferDag& dag,
                                   bool record_transfers)
    : sim_(sim),
      inner_(inner), dag_(dag), record_(record_transfers) {
  if (record_) {
    records_.reserve(dag.transfer_count());
    inner_tag_.reserve(dag.transfer_count());
  }
  inner_.set_sink(this);
}

void TransferRecorder::account_paths(const routing::Router& router) {
  router_ = &router;
  path_bytes_.assign(router.fabric().port_count(), 0.0);
}

void TransferRecorder::set_sink(TransferSink* sink) {
  sink_ = sink;
  inner_.set_sink(this);
}

void TransferRecorder::start(const TransferRequest& request) {
  ++started_;
  bytes_started_ += request.bytes.n;
  if (router_ != nullptr) {
    path_.clear();
    if (!router_->path(routing::FlowKey::for_qp(request.src, request.dst, request.flow_label), path_)) {
      throw std::logic_error("TransferRecorder: no path from endpoint " + std::to_string(request.src) + " to " +
                             std::to_string(request.dst));
    }
    for (topology::PortId p : path_) path_bytes_[p] += static_cast<double>(request.bytes.n);
  }
  if (!record_) {
    inner_.start(request);
    return;
  }
  const auto index = static_cast<std::uint64_t>(records_.size());
  const std::uint32_t op = dag_.node(static_cast<workload::NodeIndex>(request.tag)).op;
  TransferRecord rec;
  rec.src = request.src;
  rec.dst = request.dst;
  rec.op = op;  // workload::kNoOp and kNoOpIndex are both UINT32_MAX
  rec.flow_label = request.flow_label;
  rec.bytes = request.bytes.n;
  rec.start = sim_.now();
  records_.push_back(rec);
  inner_tag_.push_back(request.tag);
  TransferRequest forwarded = request;
  forwarded.tag = index;
  inner_.start(forwarded);
}

void TransferRecorder::on_transfer_done(std::uint64_t tag, Time now) {
  ++completed_;
  std::uint64_t original = tag;
  if (record_) {
    TransferRecord& rec = records_[tag];
    rec.end = now;
    bytes_delivered_ += rec.bytes;
    original = inner_tag_[tag];
  } else {
    bytes_delivered_ += dag_.node(static_cast<workload::NodeIndex>(tag)).amount;
  }
  sink_->on_transfer_done(original, now);
}

}  // namespace rocesim::observe
