// The one seam between traffic and network: a backend moves point-to-point transfers.
//
// The DAG executor (sim/workload) calls start(); the backend calls the sink's on_transfer_done()
// when the transfer's last byte has been delivered to the destination, at that simulated time.
// Packet (sim/net), fluid (sim/flow) and analytic (sim/workload) backends implement it, so every
// scenario runs in any fidelity tier on the same inputs.
// Endpoints are accelerator indices of the Fabric (0 .. endpoints-1).
// Contract: start() may be called from inside on_transfer_done() and from any event handler of
// the shared Simulator; completions at equal times are reported in a deterministic order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/units.hpp"

namespace rocesim {

class Simulator;

struct TransferRequest {
  std::uint32_t src = 0;         // source endpoint
  std::uint32_t dst = 0;         // destination endpoint
  Bytes bytes{};                 // payload bytes (> 0)
  std::uint32_t flow_label = 0;  // QP / channel number: selects the UDP source port, hence the ECMP path
  std::uint8_t priority = 0;     // traffic class (0 = the lossless data class)
  std::uint64_t tag = 0;         // caller's id, handed back on completion
};

class TransferSink {
 public:
  virtual void on_transfer_done(std::uint64_t tag, Time now) = 0;

 protected:
  ~TransferSink() = default;
};

class TransferBackend {
 public:
  virtual ~TransferBackend() = default;
  virtual std::string_view name() const = 0;
  virtual void set_sink(TransferSink* sink) = 0;
  // REQUIRES: src != dst, bytes > 0, both endpoints exist. Starts at sim.now().
  virtual void start(const TransferRequest& request) = 0;
  // Why the backend stopped making progress (e.g. a PFC deadlock and the ports involved), or an
  // empty string when it did not detect a stall.
  virtual std::string stall_report() const { return {}; }
  // Configuration problems found while building the backend that do not stop a run but can make
  // its results misleading (e.g. a PFC headroom too small for a lossless class). Empty by default.
  virtual std::span<const std::string> warnings() const { return {}; }
  // The largest transfer the backend can carry (bytes). Inputs are checked against it before a
  // run starts, so a limit is reported with the op's JSON path, not met mid-run.
  virtual std::int64_t max_transfer_bytes() const { return INT64_MAX; }
  // Why max_transfer_bytes() is what it is, for that message.
  virtual std::string max_transfer_reason() const { return {}; }
  // The completion time of this transfer alone on the idle fabric as the backend models it (the
  // denominator of FCT slowdown in reports: flows.csv, summary.json "slowdown"), from the link
  // state at the time of the call. Time{} (0) when the backend has no such figure.
  virtual Time ideal_fct(const TransferRequest& request) const {
    (void)request;
    return Time{};
  }

  // Time-varying failures (topology/failures.hpp, LinkChange): the fabric links `links` changed
  // state at sim.now() (down, back up, or to another rate). Before the call, the Router the
  // backend was built with has been updated (Router::link_up / link_rate give the new state, and
  // its routes avoid down links), so a backend re-reads capacities and paths from it:
  // traffic that the new routes move goes the new way, frames or fluid on a link that went down
  // are lost or re-routed as the backend's header states. Backends that do not model it return
  // false from models_link_changes(), and runs with a failure schedule refuse them up front.
  virtual bool models_link_changes() const { return false; }
  virtual void on_links_changed(std::span<const std::uint32_t> links) { (void)links; }
};

}  // namespace rocesim
