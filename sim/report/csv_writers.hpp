// CSV report files of `rocesim run --out DIR`, for pandas and spreadsheets.
//
// Format: RFC 4180. Comma-separated, CRLF-free ("\n" line ends, which every CSV reader accepts),
// one header row with units in brackets, numbers in the C locale (std::to_chars: '.' decimal
// point, no grouping). A text cell holding a comma, a double quote, CR or LF is enclosed in
// double quotes with each inner quote doubled (csv_field); text is never rewritten, so job names
// and op ids read back exactly. An empty cell means "not measured / not applicable" (e.g. pause
// columns of a backend without PFC, end of an unfinished transfer, the bandwidth of a compute op).
// Times in µs printed exactly from integer ps (6 decimals, trailing zeros trimmed); byte counts as
// integers (links: rounded to the byte); other reals with 6 significant digits. "from"/"to" are topology::node_name() names; "tier" is
// report::link_tier_name() (timeseries: "<tier> up|down" for tier aggregates, port cells empty).
//   collectives.csv: one row per op, from its per-op summary object (summary.json ops[] when the
//                    run has at most report::kSummaryOpLimit ops; above it the summary aggregates
//                    them and `rocesim run` streams the rows here as it builds them).
//   flows.csv      : one row per recorded transfer, in start order; src/dst are endpoint ids;
//                    job, iteration and op_id name its op exactly as collectives.csv does (the
//                    three together identify one row there; empty for a transfer of no op);
//                    fct = end − start, throughput = 8·bytes / fct; ideal = the FCT of the same
//                    transfer alone on the idle fabric and slowdown = fct / ideal
//                    (report/slowdown.hpp), both empty where the backend has no ideal (analytic).
//   links.csv      : every port that carried bytes, ascending port id;
//                    utilization = 8·bytes / (rate · sim_end) with sim_end = RunRecord::end;
//                    paused = total time a data class was paused, longest_pause = the longest
//                    single pause of one class (XOFF to resume or expiry, refreshes included);
//                    a last column `trims` (UET data packets cut to a header at that egress)
//                    only when RunRecord::has_trims (packet tier, nic.transport = uet).
//   timeseries.csv : RunRecord::series, by sample then series.
#pragma once

#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"
#include "topology/fabric.hpp"
#include "workload/lower_workload.hpp"
#include "workload/workload_spec.hpp"

namespace rocesim::report {

std::string collectives_csv(const nlohmann::json& summary);
std::string collectives_csv_header();
// Appends one collectives.csv row for a per-op summary object.
void append_collectives_row(const nlohmann::json& op, std::string& out);
// The same row from plain values (no JSON object built): NaN numbers and empty strings are empty
// cells, integers < 0 too. Cells equal those of the JSON form of the same op.
struct CollectiveRow {
  std::string_view job, id, type, algorithm, bottleneck_tier;
  std::int64_t iteration = -1, group_size = -1, groups = -1, bytes = -1;
  double start_us = NAN, end_us = NAN, duration_us = NAN, algbw = NAN, busbw = NAN, ideal_us = NAN, efficiency = NAN;
};
void append_collectives_row(const CollectiveRow& row, std::string& out);
// "job,iteration,op_id" cells of every lowered op (indexed like TransferRecord::op), as
// collectives.csv prints them: flows.csv names a transfer's op with them.
std::vector<std::string> op_key_cells(const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lowered);
std::string flows_csv(const observe::RunRecord& record, const std::vector<std::string>& op_keys);
// The same file written to `os` in pieces of ~1 MiB, each op's cells built as its rows are written
// (what `rocesim run` uses: a flow list has a transfer and an op per row).
void write_flows_csv(std::ostream& os, const observe::RunRecord& record, const workload::WorkloadSpec& spec,
                     const workload::LoweredWorkload& lowered);
std::string links_csv(const observe::RunRecord& record, const topology::Fabric& fabric);
std::string timeseries_csv(const observe::RunRecord& record, const topology::Fabric& fabric);
// tier_series.csv: one row per sample and tier (TimeSeries::tier_*), columns
// time[us],tier,ports,mean_utilization,max_utilization,queued[B],paused[us]; a cell the backend
// does not measure is empty.
std::string tier_series_csv(const observe::RunRecord& record);

// One CSV cell per RFC 4180: `text` as is, or enclosed in double quotes (inner quotes doubled)
// when it holds a comma, a double quote, CR or LF.
std::string csv_field(std::string_view text);

// Exact µs of a ps time ("12.5", "0.000001"); shared with the trace writer.
std::string format_us(Time t);
// 6 significant digits in the C locale.
std::string format_real(double x);
// The same appended to `out` (and csv_field, and decimal integers): writers of one row per
// transfer or op build no temporary strings.
void append_us(std::string& out, Time t);
void append_real(std::string& out, double x);
void append_csv_field(std::string& out, std::string_view text);
void append_int(std::string& out, std::int64_t v);
void append_uint(std::string& out, std::uint64_t v);

}  // namespace rocesim::report
