// The utilization time series of the analytic tier, rebuilt after the run from its transfers.
//
// The analytic backend has no per-port state to sample; it times each transfer as
// t_done = t_tx + ser + Σ latency with ser = ⌈8·B·1e12 / min_path rate⌉ ps (t_tx = start unless
// its contention model queues it). So a transfer of B bytes occupies port p_h of its path during
// [t_tx + L_h, t_tx + L_h + ser) at the bottleneck rate, with t_tx = t_done − ser − Σ latency and
// L_h the latency of the hops before p_h: exactly the window contention=links reserves, so one
// port's windows never overlap and its utilization stays ≤ 1 (taking [t_tx, t_tx + ser) for every
// hop once showed 1.8 on the last port of an incast whose senders sit at different distances).
// Its bytes are spread uniformly over that window into fixed bins of width ⌈end / bins⌉ ps:
//   utilization_p,k = 8 · (bytes of p's transfers falling in bin k) / (rate_p · bin width)
// (the last bin is shorter: it ends at `end`). Ports: the `top_ports` with the most
// bytes/rate, ascending port id, as PortSampler. No queue depth (the tier has none).
// Per-tier aggregates (TimeSeries::tier_*): with group_of_port given, the same spreading summed
// over every port of a group gives its capacity-weighted mean utilization per bin; the per-port
// maximum is not kept (it would need every port's bins), so tier_max_utilization stays empty.
// Cost: one Router::path per transfer plus the bins each window overlaps; memory (top ports +
// groups) × bins.
#pragma once

#include <string>
#include <vector>

#include "observe/run_record.hpp"
#include "routing/router.hpp"

namespace rocesim::observe {

// REQUIRES: transfers recorded with their ends; port_bytes indexed by port id.
TimeSeries analytic_series(const std::vector<TransferRecord>& transfers, const routing::Router& router,
                           const std::vector<double>& port_bytes, Time end, std::size_t bins = 256,
                           std::size_t top_ports = 16, const std::vector<std::uint32_t>& group_of_port = {},
                           const std::vector<std::string>& group_names = {});

}  // namespace rocesim::observe
