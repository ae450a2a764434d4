// RunRecord: everything a finished run measured, in one backend-neutral value that report
// builders (sim/report) and writers read. Models never print; sim/observe turns a backend's
// counters into this record after (or, for time series, during) a run.
//
// Units are in the field names or stated per field: time in integer ps (Time), bytes as counts.
// Ports are egress ports of the Fabric (topology::PortId): port p carries node(p) → peer(p).
// Fields a backend cannot measure stay at their defaults and the `has_*` flags say so, so a report
// never presents "0 pauses" from a backend that has no PFC.
// Determinism: vectors are indexed by ids or kept in completion order of the simulator (time, seq).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/units.hpp"
#include "topology/fabric.hpp"

namespace rocesim::observe {

inline constexpr std::uint32_t kNoOpIndex = UINT32_MAX;

// One point-to-point transfer as the DAG executor handed it to the backend.
struct TransferRecord {
  std::uint32_t src = 0;          // endpoint
  std::uint32_t dst = 0;          // endpoint
  std::uint32_t op = kNoOpIndex;  // index into LoweredWorkload::ops, kNoOpIndex for none
  std::uint32_t flow_label = 0;
  std::int64_t bytes = 0;         // payload
  Time start{};                   // handed to the backend
  Time end = Time::max();         // last byte delivered; Time::max() if it never completed
  Time ideal{};                   // FCT alone on the idle fabric (TransferBackend::ideal_fct), 0 = unknown
};

// Cumulative counters of one egress port over the whole run.
struct PortRecord {
  double tx_bytes = 0.0;             // bytes serialized (packet: wire bytes; fluid: payload)
  Time paused{};                     // time a data class of this port was paused by PFC (a pause still
                                     // in progress when the record is taken counts up to then)
  std::uint64_t pauses_received = 0; // XOFF frames that paused this port
  Time longest_pause{};              // longest single pause of one class (XOFF .. resume or expiry)
  std::uint64_t ecn_marks = 0;
  std::uint64_t drops = 0;
  std::int64_t max_queue_bytes = 0;  // peak bytes queued at this egress
  std::uint64_t trims = 0;           // UET data packets trimmed to a header here (when has_trims)
};

// Samples of selected ports every `interval` (utilization over the preceding interval, and the
// queue depth at the sampling instant where the backend has queues). sim/observe/port_sampler.hpp
// says how ports and the interval are chosen. On fabrics too large to keep every port's history,
// the series are per-tier aggregates instead: `tiers` names them and `ports` is empty.
struct TimeSeries {
  Time interval{};
  std::vector<topology::PortId> ports;   // sampled ports
  std::vector<std::string> tiers;        // aggregate series ("<tier> up|down"), when ports is empty
  std::vector<Time> at;                  // sample instants, ascending; the last may close a shorter interval
  std::vector<double> utilization;       // [sample * series + k], 0..1 (mean over the tier's ports)
  std::vector<std::int64_t> queue_bytes; // same layout; empty if the backend has no queues
  std::size_t series() const { return ports.empty() ? tiers.size() : ports.size(); }

  // Per-tier aggregates at the same instants, for every tier ("<tier> up|down") that carried bytes,
  // whatever the per-port choice above. Layout [sample * tier_names.size() + k]. Per interval:
  //   tier_mean_utilization = 8·ΣΔB / (Σ rate · Δt) over the tier's ports (capacity-weighted mean);
  //   tier_max_utilization  = max over the tier's ports and the sampling intervals merged into this
  //                           one of 8·ΔB_p / (rate_p · Δt) (each <= 1; empty where not measured);
  //   tier_queue_bytes      = Σ bytes queued at the tier's ports at the sampling instant (max over
  //                           merged intervals; empty without queues);
  //   tier_paused_us        = Σ over the tier's ports of the time a data class was paused by PFC
  //                           within the interval (empty without PFC).
  std::vector<std::string> tier_names;
  std::vector<std::size_t> tier_ports;       // ports in each tier
  std::vector<double> tier_mean_utilization;
  std::vector<double> tier_max_utilization;
  std::vector<std::int64_t> tier_queue_bytes;
  std::vector<double> tier_paused_us;
};

// One pause of one data class of an egress port (packet tier): XOFF .. resume or expiry.
struct PauseInterval {
  topology::PortId port = 0;
  Time begin{}, end{};
};

struct RunRecord {
  std::string backend;                   // "packet", "fluid", "analytic"
  Time end{};                            // simulated time when the last event ran
  Time last_completion{};                // last transfer / DAG node completion
  std::uint64_t events = 0;
  bool completed = false;                // every DAG node completed
  std::size_t link_changes_applied = 0;  // timed failures applied before the run ended (app/run_pipeline.hpp)
  std::vector<TransferRecord> transfers; // in start order (empty when recording is off)
  bool transfers_recorded = false;       // false: recording was off (see notes), not "no transfers"
  std::vector<PortRecord> ports;         // indexed by PortId (empty if the backend has no per-port view)
  bool has_pfc = false;                  // paused / pauses_received are measured
  // Every PFC pause when has_pfc, sorted by (port, begin, end): port p's pause time within a
  // window [a, b] is Σ |[begin, end] ∩ [a, b]| over its entries (summed over classes, like
  // PortRecord::paused). pauses_complete is false when the backend's log overflowed (a note says
  // so): then only the whole-run PortRecord::paused is known.
  std::vector<PauseInterval> pauses;
  bool pauses_complete = false;
  bool has_ecn = false;
  bool has_drops = false;
  bool has_queues = false;               // max_queue_bytes and TimeSeries::queue_bytes are measured
  bool has_trims = false;                // trims measured (packet tier with nic.transport = uet only, so
                                         // RoCE reports keep their columns and keys)
  TimeSeries series;
  // Conservation: payload bytes handed to the backend and delivered by it.
  std::int64_t bytes_started = 0;
  std::int64_t bytes_delivered = 0;
  // Per op (index into LoweredWorkload::ops): first release and last completion, Time::max() if not.
  std::vector<Time> op_start, op_end;
  // What observation left out or approximated, one sentence each (e.g. transfer recording turned
  // off above a size), for the report and the terminal.
  std::vector<std::string> notes;
};

}  // namespace rocesim::observe
