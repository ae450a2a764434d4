// What each backend can be asked about its ports, behind one interface: a PortProbe for the
// time-series sampler and the whole-run per-port counters of RunRecord.
//
// packet (net::PacketNet): tx = wire bytes serialized; paused time, XOFF frames received, ECN
//   marks, drops and peak queue per egress port are measured (has_pfc/ecn/drops/queues true).
//   Instantaneous queue depth for the time series needs PacketNet::queue_bytes(PortId); until
//   that accessor exists the packet time series carries utilization only (see has_queues()).
// fluid (flow::FluidNet): tx = payload bytes pushed through the port (exact integral of the
//   max-min rates); no queues, PFC, ECN or drops in the model, so those flags stay false.
// analytic (workload::AnalyticBackend): no per-port state; bytes per port come from the
//   TransferRecorder's path accounting (each transfer's payload on each port of its routed path).
//   It has no live load to sample (no probe); observe/analytic_series.hpp rebuilds its time
//   series from the recorded transfers after the run.
// Thread safety: none.
#pragma once

#include <memory>

#include "core/transfer_backend.hpp"
#include "observe/port_sampler.hpp"
#include "observe/run_record.hpp"
#include "observe/transfer_recorder.hpp"

namespace rocesim::observe {

// A probe over `backend`'s live counters, or null when the backend has none (analytic). Not
// const: a probe asked to track activity (PortSampler) makes the fluid backend list its loaded
// ports. REQUIRES: backend outlives the probe.
std::unique_ptr<PortProbe> make_port_probe(TransferBackend& backend);

// Fills record.ports and the has_* flags from the backend after the run, and appends its
// configuration warnings (TransferBackend::warnings) to record.notes.
void collect_ports(const TransferBackend& backend, const TransferRecorder& recorder, RunRecord& record);

}  // namespace rocesim::observe
