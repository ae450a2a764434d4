// Flow-list CSV reader.
//
// Format (one header line, then one flow per line; see workloads/traces.md):
//   id,src,dst,bytes,start_us,after
//   1,103,34,64000,0,
//   2,34,59,64000,,1
// The six columns may come in any order but all must be named in the header; an optional seventh,
// `qp` (integer 0..65535), names the flow's QP. No other columns.
//   id       : flow name, letters/digits/'_'/'-'/'.', unique in the file
//   src, dst : endpoint numbers (non-negative integers, src != dst)
//   bytes    : positive integer byte count
//   start_us : earliest start in microseconds, exact decimal ("0", "12.5"); may be empty only when
//              `after` is set
//   after    : empty, or the id of a flow that must complete before this one starts
//   qp       : (optional) the flow's QP number, its flow label (the UDP source port's entropy)
// Blank lines and lines starting with '#' are skipped; a trailing '\r' is tolerated.
//
// Result: one job "flows" with world_size = (largest endpoint number + 1), contiguous placement (rank r
// is endpoint r), one "send" op per flow: id "f<id>", "qp" from the qp column or else the flow's
// 0-based position in the file mod 65536 (every flow its own connection, so flows between one pair
// hash onto their own ECMP paths), "start" from start_us, "deps" from after.
// Errors: ConfigError(file, "line N", message).
// Thread safety: free functions without shared state.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace rocesim::workload {

nlohmann::json read_flow_csv(const std::string& path);
// The same, from text already in memory; `file_label` names it in errors and in the document name.
nlohmann::json read_flow_csv_text(const std::string& text, const std::string& file_label);

}  // namespace rocesim::workload
