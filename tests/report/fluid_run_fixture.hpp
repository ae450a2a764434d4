// Test helper: runs a lowered workload on the fluid backend and fills an observe::RunRecord the
// way a run pipeline would (per-op start/end from the DagExecutor, per-port bytes from FluidNet,
// one TransferRecord per transfer), plus a FluidRerun-style callback and the ops' lower bounds for
// attribution tests.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "core/simulator.hpp"
#include "flow/fluid_net.hpp"
#include "observe/run_record.hpp"
#include "report/attribution.hpp"
#include "report/op_lower_bound.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"
#include "workload/dag_executor.hpp"
#include "workload/lower_workload.hpp"

namespace rocesim::report::testing {

// Sits between the executor and FluidNet and records every transfer.
class RecordingBackend final : public TransferBackend, public TransferSink {
 public:
  RecordingBackend(const Simulator& sim, TransferBackend& inner, const workload::TransferDag& dag,
                   observe::RunRecord& record)
      : sim_(sim), inner_(inner), dag_(dag), record_(record) {
    inner_.set_sink(this);
  }
  std::string_view name() const override { return inner_.name(); }
  void set_sink(TransferSink* sink) override { outer_ = sink; }
  void start(const TransferRequest& r) override {
    observe::TransferRecord t;
    t.src = r.src;
    t.dst = r.dst;
    t.op = dag_.node(static_cast<workload::NodeIndex>(r.tag)).op;
    t.flow_label = r.flow_label;
    t.bytes = r.bytes.n;
    t.start = sim_.now();
    index_of_tag_.resize(std::max<std::size_t>(index_of_tag_.size(), r.tag + 1), UINT32_MAX);
    index_of_tag_[r.tag] = static_cast<std::uint32_t>(record_.transfers.size());
    record_.transfers.push_back(t);
    record_.bytes_started += r.bytes.n;
    inner_.start(r);
  }
  void on_transfer_done(std::uint64_t tag, Time now) override {
    observe::TransferRecord& t = record_.transfers[index_of_tag_[tag]];
    t.end = now;
    record_.bytes_delivered += t.bytes;
    outer_->on_transfer_done(tag, now);
  }

 private:
  const Simulator& sim_;
  TransferBackend& inner_;
  const workload::TransferDag& dag_;
  observe::RunRecord& record_;
  TransferSink* outer_ = nullptr;
  std::vector<std::uint32_t> index_of_tag_;
};

inline observe::RunRecord run_fluid(const topology::Fabric& fabric, const routing::RoutingParams& rp,
                                    const workload::LoweredWorkload& lw) {
  observe::RunRecord rec;
  rec.backend = "fluid";
  const routing::Router router(fabric, rp);
  Simulator sim;
  // Payload at line rate (no per-packet wire overhead): the attribution tests' closed forms are
  // S/B; the wire-bytes model is tested in tests/flow.
  flow::FluidParams params;
  params.data_overhead = Bytes{0};
  flow::FluidNet net(sim, fabric, router, params);
  RecordingBackend recorder(sim, net, lw.dag, rec);
  workload::DagExecutor ex(sim, recorder, lw.dag, lw.rank_endpoint, lw.ops.size());
  ex.start();
  sim.run();
  rec.end = sim.now();
  rec.last_completion = ex.last_completion();
  rec.events = sim.events_executed();
  rec.completed = ex.finished();
  for (double b : net.port_bytes()) rec.ports.push_back(observe::PortRecord{b});
  for (std::uint32_t i = 0; i < lw.ops.size(); ++i) {
    rec.op_start.push_back(ex.op_start(i));
    rec.op_end.push_back(ex.op_end(i));
  }
  return rec;
}

// The attribution input of a fluid main run: its ops (ids from the spec), the record and a
// re-run callback over fabric copies.
inline AttributionInput attribution_input(const topology::Fabric& fabric, const routing::Router& router,
                                          const routing::RoutingParams& rp, const workload::WorkloadSpec& spec,
                                          const workload::LoweredWorkload& lw, const observe::RunRecord& main) {
  AttributionInput in;
  in.fabric = &fabric;
  in.router = &router;
  in.record = &main;
  in.main_is_fluid = true;
  in.rerun = [&rp, &lw](const topology::Fabric& f) { return run_fluid(f, rp, lw); };
  const std::vector<Time> bounds = op_lower_bounds(fabric, lw.dag, lw.rank_endpoint, lw.ops.size());
  for (std::uint32_t i = 0; i < lw.ops.size(); ++i) {
    const workload::OpSpec& op = spec.jobs[lw.ops[i].job].ops[lw.ops[i].spec_index];
    in.ops.push_back(OpInput{op.id, workload::to_string(op.type), op.type != workload::OpType::compute,
                             main.op_start[i], main.op_end[i], bounds[i]});
  }
  return in;
}

}  // namespace rocesim::report::testing
