// The utilization time series of the analytic tier, rebuilt after the run from its transfers.
//
// The analytic backend has no per-port state to sample; it times each transfer as
// t_done = t_tx + ser + Σ latency with ser = ⌈8·B·1e12 / min_path rate⌉ ps (t_tx = start unless
// its contention model queues it). So a transfer of B bytes occupies its path during
// [t_done − Σ latency − ser, t_done − Σ latency] at the bottleneck rate: exact for the first port,
// early by at most the path's partial latency for later ones (contention=links holds port p_h from
// t_tx + L_h). Its bytes are spread uniformly over
// that window into fixed bins of width ⌈end / bins⌉ ps:
//   utilization_p,k = 8 · (bytes of p's transfers falling in bin k) / (rate_p · bin width)
// (the last bin is shorter: it ends at `end`). Ports: the `top_ports` with the most
// bytes/rate, ascending port id, as PortSampler. No queue depth (the tier has none).
// Cost: one Router::path per transfer plus the bins each window overlaps; memory ports × bins.
#pragma once

#include <vector>

#include "observe/run_record.hpp"
#include "routing/router.hpp"

namespace rocesim::observe {

// REQUIRES: transfers recorded with their ends; port_bytes indexed by port id.
TimeSeries analytic_series(const std::vector<TransferRecord>& transfers, const routing::Router& router,
                           const std::vector<double>& port_bytes, Time end, std::size_t bins = 256,
                           std::size_t top_ports = 16);

}  // namespace rocesim::observe
