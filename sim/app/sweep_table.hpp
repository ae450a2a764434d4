// sweep.csv: one row per point, in point order, built only from each point's summary.json, so the
// table is the same whatever order or process finished the points.
//
// Columns: index, dir (the point's report folder under points/), one column per axis (named by the
// axis key), the metric columns, status. A metric pointer without "*" is one column, named by the
// pointer (empty cell when the summary has no such value). A "*" segment expands over an array (or
// object) into one column per element, "*" replaced by the element's label (app/compare_keys.hpp)
// or index: "/ops/*/duration_us" → "/ops/ar/duration_us". Metric columns appear in the order the
// first point (by index) that has them lists them. Cells: numbers as JSON writes them (round-trip
// exact), strings raw, quoted per RFC 4180 when needed.
// status: ok | exit-<code> (rocesim run failed; metrics still come from its summary if it wrote one)
//       | signal-<n> | spawn-failed | pending (not finished yet).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rocesim::app {

struct SweepRow {
  std::size_t index = 0;
  std::string dir;
  std::vector<std::string> axis_cells;
  std::vector<std::pair<std::string, std::string>> metrics;  // column name → cell
  std::string status = "pending";
};

void to_json(nlohmann::json& j, const SweepRow& row);
void from_json(const nlohmann::json& j, SweepRow& row);

// The cells for `pointers` in `summary` (see the header comment for "*" expansion).
std::vector<std::pair<std::string, std::string>> extract_metrics(const nlohmann::json& summary,
                                                                 const std::vector<std::string>& pointers);

// The whole CSV text. REQUIRES: rows sorted by index.
std::string sweep_csv(const std::vector<std::string>& axis_keys, const std::vector<SweepRow>& rows);

}  // namespace rocesim::app
