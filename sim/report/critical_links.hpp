// Critical links of an op: the ports its transfers cross, and how loaded they were while it ran.
//
// Units: bytes, seconds; utilization is dimensionless.
// Paths: each recorded transfer's path is routing::Router::path(FlowKey::for_qp(src, dst,
// flow_label)), the per-flow ECMP path every backend uses (under spray/adaptive load balancing the
// real traffic spreads over the ECMP set, so these are the nominal paths).
// Window load (an estimate, since the record keeps whole-run port counters only): a transfer that
// was handed to the backend at s and delivered at e is taken to move its b bytes at the uniform
// rate b/(e − s), so it puts b·|[s, e] ∩ [ws, we]| / (e − s) bytes on every port of its path
// inside the op's window [ws, we]. A transfer that never completed counts up to the record's end.
// Every transfer counts, not only the op's own: cross traffic from concurrent ops loads the same
// ports. Then for port p:  utilization_p = min(1, 8·bytes_p / (R_p · (we − ws))). The uniform
// spread can put more bytes in a window than the port can carry (bytes that moved faster than
// uniformly near a window edge: seen up to 1.02); no port carries more than its rate, so the
// estimate is clipped at that physical bound rather than printed as an impossible "102 %".
// Scope of a tier (for the ECMP-imbalance check): for every switch n on the op's paths, n's up
// ports and the down ports into n (the reverse directions), i.e. every alternative ECMP could have
// picked at and into those switches. scope_mean(tier, dir) = 8·Σ bytes / (Σ R · window) over the
// scope ports of that tier and direction.
// How (one pass over the transfers, not one per op): every port's carried bytes form a piecewise
// linear cumulative curve C_p(t) = Σ_{transfers on p} b · clamp((t − s)/(e − s), 0, 1), built once
// from two breakpoints per transfer and port; an op's window load on p is C_p(we) − C_p(ws), two
// binary searches. This equals the per-transfer sum above (up to floating-point order).
// Cost: one Router::path call per recorded transfer; O(log) per (op, port of interest); memory
// (freed on return) 16 B per breakpoint (≤ 2 per transfer and path port), 4 B per path port and
// 12 B per transfer.
// Thread safety: pure function of its inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "observe/run_record.hpp"
#include "routing/router.hpp"

namespace rocesim::report {

struct PortLoad {
  topology::PortId port = 0;
  double bytes = 0;        // in the window
  double utilization = 0;  // 8·bytes / (rate · window)
};

struct ScopeLoad {
  std::string tier;        // link tier label (report/link_tiers.hpp)
  bool up = true;
  double mean_utilization = 0;
  double max_path_utilization = 0;  // hottest port of this group on the op's own paths
};

struct OpLinkLoad {
  std::vector<PortLoad> path_ports;  // ports of the op's own transfers, hottest first (ties: port id)
  std::vector<ScopeLoad> scopes;     // switch-to-switch tiers only, bottom-up (see scope_threshold)
};

// PFC pause time of `port` within the window [ws, we]: Σ |[begin, end] ∩ [ws, we]| over the
// port's record.pauses (summed over data classes, like PortRecord::paused), by a binary search
// for the port's entries. Only meaningful when record.has_pfc and record.pauses_complete.
Time paused_in_window(const observe::RunRecord& record, topology::PortId port, Time ws, Time we);

// Utilization on a 1e-9 grid: rankings use it so that floating-point noise does not break ties.
std::int64_t quantized(double utilization);

// `scope_threshold`: scopes only for the tiers (and directions) where one of the op's own ports
// reaches that utilization (0: every tier and direction the op's own ports are in); the others cost two binary searches per
// scope port and op and are skipped when the caller only looks at hot tiers.
// One entry per op in `windows` ([start, end) from the main run; an op with start == Time::max()
// or end <= start gets an empty result).
std::vector<OpLinkLoad> op_link_loads(const topology::Fabric& fabric, const routing::Router& router,
                                      const observe::RunRecord& record, std::span<const Time> op_start,
                                      std::span<const Time> op_end, double scope_threshold = 0.0);

// The same, handed to `visit(op index, load)` one op at a time in op order (only ops with a
// non-empty result), so a caller that condenses each load never holds them all. `wanted`: empty =
// every op; else only ops i with wanted[i] != 0 are measured and visited, and only the ports those
// ops read get a load curve (every transfer is still routed once; the values are the same as with
// every op wanted).
void visit_op_link_loads(const topology::Fabric& fabric, const routing::Router& router, const observe::RunRecord& record,
                         std::span<const Time> op_start, std::span<const Time> op_end, double scope_threshold,
                         const std::function<void(std::size_t, OpLinkLoad&&)>& visit, std::span<const char> wanted = {});

}  // namespace rocesim::report
