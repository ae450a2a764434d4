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
//   collectives.csv: one row per summary.json ops[] entry, from the summary JSON.
//   flows.csv      : one row per recorded transfer, in start order; src/dst are endpoint ids;
//                    job, iteration and op_id name its op exactly as collectives.csv does (the
//                    three together identify one row there; empty for a transfer of no op);
//                    fct = end − start, throughput = 8·bytes / fct.
//   links.csv      : every port that carried bytes, ascending port id;
//                    utilization = 8·bytes / (rate · sim_end) with sim_end = RunRecord::end.
//   timeseries.csv : RunRecord::series, by sample then series.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"
#include "topology/fabric.hpp"

namespace rocesim::report {

std::string collectives_csv(const nlohmann::json& summary);
// `summary` is the run's summary.json (its ops[] is indexed like TransferRecord::op).
std::string flows_csv(const observe::RunRecord& record, const nlohmann::json& summary);
std::string links_csv(const observe::RunRecord& record, const topology::Fabric& fabric);
std::string timeseries_csv(const observe::RunRecord& record, const topology::Fabric& fabric);

// One CSV cell per RFC 4180: `text` as is, or enclosed in double quotes (inner quotes doubled)
// when it holds a comma, a double quote, CR or LF.
std::string csv_field(std::string_view text);

// Exact µs of a ps time ("12.5", "0.000001"); shared with the trace writer.
std::string format_us(Time t);
// 6 significant digits in the C locale.
std::string format_real(double x);

}  // namespace rocesim::report
