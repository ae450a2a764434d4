// TransferRecorder: a TransferBackend decorator between the DagExecutor and the real backend that
// records what was handed over and what came back, without the backend knowing.
//
// Per transfer: src, dst, op, flow label, bytes, start (time of start()) and end (time the
// backend reported the last byte delivered) into RunRecord-style TransferRecords; always: the
// payload bytes started and delivered (conservation) and the count of each.
// Optional path accounting (the analytic tier, which has no per-port counters of its own): each
// transfer's bytes are added to every egress port on the path the Router gives its flow label,
// the same path the analytic backend times, at start(). Sum over the NIC ports = bytes started.
// Tags: the executor's tag is the DAG node index (DagExecutor's contract); while recording, the
// backend sees the record index as tag and the original is handed back on completion.
// Memory: 40 B + 8 B per transfer while recording, reserved up front from the DAG's transfer
// count (no allocation per transfer); nothing per transfer when recording is off.
// Thread safety: none; one per Simulator.
#pragma once

#include <cstdint>
#include <vector>

#include "core/simulator.hpp"
#include "core/transfer_backend.hpp"
#include "observe/run_record.hpp"
#include "routing/router.hpp"
#include "workload/transfer_dag.hpp"

namespace rocesim::observe {

class TransferRecorder final : public TransferBackend, public TransferSink {
 public:
  // REQUIRES: inner and dag outlive the recorder; tags given to start() are node indices of dag.
  TransferRecorder(const Simulator& sim, TransferBackend& inner, const workload::TransferDag& dag,
                   bool record_transfers);

  // Count each transfer's bytes on the ports of its routed path (call before the run).
  void account_paths(const routing::Router& router);

  std::string_view name() const override { return inner_.name(); }
  void set_sink(TransferSink* sink) override;
  void start(const TransferRequest& request) override;
  std::string stall_report() const override { return inner_.stall_report(); }
  void on_transfer_done(std::uint64_t tag, Time now) override;

  bool recording() const { return record_; }
  std::int64_t bytes_started() const { return bytes_started_; }
  std::int64_t bytes_delivered() const { return bytes_delivered_; }
  std::uint64_t started() const { return started_; }
  std::uint64_t completed() const { return completed_; }
  // Bytes per port from path accounting (empty unless account_paths was called).
  const std::vector<double>& path_bytes() const { return path_bytes_; }
  // Moves the records out (in start order).
  std::vector<TransferRecord> take_records() { return std::move(records_); }

 private:
  const Simulator& sim_;
  TransferBackend& inner_;
  const workload::TransferDag& dag_;
  TransferSink* sink_ = nullptr;
  bool record_;
  std::vector<TransferRecord> records_;
  std::vector<std::uint64_t> inner_tag_;
  const routing::Router* router_ = nullptr;
  std::vector<topology::PortId> path_;
  std::vector<double> path_bytes_;
  std::int64_t bytes_started_ = 0, bytes_delivered_ = 0;
  std::uint64_t started_ = 0, completed_ = 0;
};

}  // namespace rocesim::observe
