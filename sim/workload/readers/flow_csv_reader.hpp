// Flow-list CSV reader.
//
// Format (one header line, then one flow per line; see workloads/traces.md):
//   id,src,dst,bytes,start_us,after
//   1,103,34,64000,0,
//   2,34,59,64000,,1
// The six columns may come in any order but all must be named in the header, and no others.
//   id       : flow name, letters/digits/'_'/'-'/'.', unique in the file
//   src, dst : endpoint numbers (non-negative integers, src != dst)
//   bytes    : positive integer byte count
//   start_us : earliest start in microseconds, exact decimal ("0", "12.5"); may be empty only when
//              `after` is set
//   after    : empty, or the id of a flow that must complete before this one starts
// Blank lines and lines starting with '#' are skipped; a trailing '\r' is tolerated.
//
// Result: one job "flows" with world_size = (largest endpoint number + 1), contiguous placement (rank r
// is endpoint r), one "send" op per flow: id "f<id>", qp 0, "start" from start_us, "deps" from after.
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
