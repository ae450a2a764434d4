// Flow-list CSV reader.
//
// Format (one header line, then one flow per line; see workloads/traces.md):
//   id,src,dst,bytes,start_us,after
//   1,103,34,64000,0,
//   2,34,59,64000,,1
// The six columns may come in any order but all must be named in the header; an optional seventh,
// `qp` (integer 0..65535), names the flow's QP. No other columns.
//   id       : flow name, letters/digits/'_'/'-'/'.', unique in the file
//   src, dst : endpoint numbers (integers 0..2^24-1, the largest job, src != dst)
//   bytes    : positive integer byte count
//   start_us : earliest start in microseconds, exact decimal ("0", "12.5"); may be empty only when
//              `after` is set
//   after    : empty, or the id of a flow that must complete before this one starts
//   qp       : (optional) the flow's QP number, its flow label (the UDP source port's entropy)
// Blank lines and lines starting with '#' are skipped; a trailing '\r' and a UTF-8 byte-order mark
// at the start of the file are tolerated. Fields echoed in errors are cut to 64 bytes, with
// control and non-ASCII bytes shown as \xNN.
//
// Result: one job "flows" with world_size = (largest endpoint number + 1), contiguous placement (rank r
// is endpoint r), one "send" op per flow: id "f<id>", "qp" from the qp column or else the flow's
// 0-based position in the file mod 65536 (every flow its own connection, so flows between one pair
// hash onto their own ECMP paths), "start" from start_us, "deps" from after; ops in file order except
// where an `after` points forward (stable order by file position, deps first).
//
// Cost per row (issue 20): FlowList keeps the file text and one 64 B record per flow, plus an
// open-addressing id index of 4 B slots at ≤ 50 % load and, only when some `after` points forward,
// 12 B of ordering arrays: ≤ ~110 B per row with the text. write_flow_list_native streams the native
// document as text (byte-identical to flow_list_to_native(...).dump(2)) without building JSON, which
// costs ~1 KB per op; `rocesim run` builds its WorkloadSpec with flow_list_to_spec, also without it.
// Errors: ConfigError(file, "line N", message).
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "workload/workload_spec.hpp"

namespace rocesim::workload {

struct FlowRow {
  std::uint64_t id_at = 0, after_at = 0;  // offsets of the id and `after` fields in the text
  std::int64_t bytes = 0;
  std::int64_t start_ps = -1;             // -1: no start_us
  std::uint32_t id_len = 0, after_len = 0;
  std::uint32_t src = 0, dst = 0;
  std::uint32_t line = 0;
  std::uint32_t after = UINT32_MAX;       // index of the `after` flow, UINT32_MAX when none
  std::uint16_t qp = 0;
};

struct FlowList {
  std::string file;  // label in errors
  std::string name;  // document name: the file's stem, or "flows"
  std::string text;  // the CSV bytes the rows point into
  std::vector<FlowRow> rows;
  std::vector<std::uint32_t> order;  // output order when some `after` points forward; empty = file order
  std::uint32_t world_size = 0;

  std::string_view id(const FlowRow& r) const { return std::string_view(text).substr(r.id_at, r.id_len); }
  std::size_t size() const { return rows.size(); }
  const FlowRow& at_position(std::size_t k) const { return rows[order.empty() ? k : order[k]]; }
};

// Parses and validates `text` (taking it over). Throws ConfigError.
FlowList parse_flow_csv(std::string text, const std::string& file_label);
FlowList parse_flow_csv_file(const std::string& path);

nlohmann::json flow_list_to_native(const FlowList& flows);
// parse_workload(flow_list_to_native(flows), file), built directly: no JSON document (~865 B per
// row) and no re-validation of what parse_flow_csv checked. The ops come deps-first (`order`), each
// with at most one dep, so the topological order is the identity.
WorkloadSpec flow_list_to_spec(const FlowList& flows, const std::string& file);
// The native document as `dump(2)` prints it, streamed.
void write_flow_list_native(const FlowList& flows, std::ostream& out);

nlohmann::json read_flow_csv(const std::string& path);
// The same, from text already in memory; `file_label` names it in errors and in the document name.
nlohmann::json read_flow_csv_text(const std::string& text, const std::string& file_label);

}  // namespace rocesim::workload
